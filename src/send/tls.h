/* tls.h — a TLS client session as a pure byte pump, for the tls and https transports:
 * the sender keeps its socket and its completion I/O (io.h); this module only turns
 * ciphertext read off the socket into plaintext and plaintext into ciphertext to send.
 * No sockets, no threads, no blocking: OpenSSL runs over memory, never on the fd.
 *
 * Threads: a mxp_tls_ctx may be shared by the connections of one sender; a mxp_tls and
 * everything it returns belong to the thread that drives it (the sender), which alone
 * calls the functions below on it. No state is shared between sessions besides the ctx
 * (read-only once made) and OpenSSL's own initialisation.
 *
 * Driving one session:
 *   1. mxp_tls_new(), then mxp_tls_handshake() until MXP_TLS_OK: after every call, send
 *      what mxp_tls_pending() holds; on MXP_TLS_WANT, also receive and mxp_tls_feed()
 *      what arrives, then call it again.
 *   2. mxp_tls_write() plaintext, mxp_tls_feed() what arrives and mxp_tls_read() it out;
 *      after any call, mxp_tls_pending() may hold bytes to send (records, alerts, a
 *      key update answered by a read).
 *   3. mxp_tls_shutdown() queues close_notify; send it, then close the socket.
 * Output (mxp_tls_pending / mxp_tls_consumed): the run returned stays valid and
 * unchanged until mxp_tls_consumed() has covered all of it, whatever is called in
 * between, so it can be handed to an asynchronous send (io_uring reads it later). New
 * output collects behind it and comes as the next run.
 *
 * Errors are sticky: after MXP_TLS_ERROR every call fails the same way, and
 * mxp_tls_error_kind() / mxp_tls_error() say why in one line. What is pending then (a
 * fatal alert) may still be sent before closing. OpenSSL's per-thread error queue is
 * left empty by every function here. */
#ifndef MXP_SEND_TLS_H
#define MXP_SEND_TLS_H

#include <stdbool.h>
#include <stddef.h>

/* Results of mxp_tls_handshake, _write, _read and _shutdown (_read also returns bytes). */
#define MXP_TLS_OK 0            /* done */
#define MXP_TLS_WANT (-1)       /* send what is pending and/or feed more bytes, then again */
#define MXP_TLS_CLOSED (-2)     /* the peer sent close_notify: no more data will come */
#define MXP_TLS_ERROR (-3)      /* failed for good: mxp_tls_error() says why */

#define MXP_TLS_ERROR_MAX 512u  /* the longest message of mxp_tls_error(), NUL included */

/* From the configuration. NULL strings: not set. */
struct mxp_tls_options {
	bool verify;                    /* chain and host name / IP verified (the default) */
	const char *ca_file, *ca_path;  /* the trusted CAs; neither: OpenSSL's default paths */
	const char *cert_file, *key_file; /* a client certificate (chain) and its key: both or neither */
};

enum mxp_tls_error_kind {
	MXP_TLS_E_NONE,
	MXP_TLS_E_HANDSHAKE,    /* the handshake failed (not TLS, refused, no common ground, ...) */
	MXP_TLS_E_UNTRUSTED,    /* the chain does not lead to a trusted CA */
	MXP_TLS_E_HOSTNAME,     /* the certificate is not for the host (name or IP) */
	MXP_TLS_E_EXPIRED,      /* a certificate outside its validity period (or a wrong clock) */
	MXP_TLS_E_PROTOCOL,     /* after the handshake: a bad record, an alert, out of memory */
};

struct mxp_tls_ctx;
struct mxp_tls;

/* Makes the settings shared by the sessions of one destination: TLS 1.2 at least, no
 * renegotiation, verification as o says, the CAs and client certificate loaded now (so
 * a bad file is reported at start, once). Returns NULL and a one-line message in err
 * (naming the file and OpenSSL's reason) on failure. */
struct mxp_tls_ctx *mxp_tls_ctx_new(const struct mxp_tls_options *o, char *err, size_t errlen);
/* Frees c; the sessions made from it must be freed first. NULL is fine. */
void mxp_tls_ctx_free(struct mxp_tls_ctx *c);
/* false when verification is off: the caller warns that any server is accepted. */
bool mxp_tls_verifying(const struct mxp_tls_ctx *c);

/* A client session to host: a name is sent as SNI and verified against the certificate's
 * DNS names (CN when it has none); an IP literal (IPv4 or IPv6, no brackets) is not sent
 * as SNI and is verified against its IP addresses. Returns NULL when out of memory or
 * host is NULL or empty. */
struct mxp_tls *mxp_tls_new(struct mxp_tls_ctx *c, const char *host);
/* Frees t and its buffers: the caller MUST be done with the run mxp_tls_pending()
 * returned (no send in flight reading it). NULL is fine. */
void mxp_tls_free(struct mxp_tls *t);

/* Takes a copy of len bytes read off the socket. Returns 0 or -ENOMEM. */
int mxp_tls_feed(struct mxp_tls *t, const void *cipher, size_t len);

/* Advances the handshake over what was fed. Returns MXP_TLS_OK (done; pending output may
 * remain to send), MXP_TLS_WANT or MXP_TLS_ERROR. */
int mxp_tls_handshake(struct mxp_tls *t);

/* Encrypts all len bytes into the pending output, after the handshake. Returns
 * MXP_TLS_OK or MXP_TLS_ERROR (out of memory, or no handshake done). */
int mxp_tls_write(struct mxp_tls *t, const void *plain, size_t len);

/* Decrypts up to cap (> 0) bytes of what was fed into plain. Returns the byte count
 * (> 0), MXP_TLS_WANT (nothing complete yet: feed more), MXP_TLS_CLOSED or
 * MXP_TLS_ERROR. */
long mxp_tls_read(struct mxp_tls *t, void *plain, size_t cap);

/* The ciphertext to send next, as one contiguous run: sets *data and returns its length
 * (0: nothing to send, *data NULL). The run is the session's: valid and unchanged until
 * mxp_tls_consumed() covers it (or mxp_tls_free()); calling again before then returns
 * what is left of the same run. */
size_t mxp_tls_pending(struct mxp_tls *t, const void **data);
/* n bytes from the start of the run were sent (n <= what mxp_tls_pending returned). */
void mxp_tls_consumed(struct mxp_tls *t, size_t n);

/* Queues close_notify (send it, then close). Before the handshake is done there is no
 * session to close: queues nothing. Returns MXP_TLS_OK or MXP_TLS_ERROR. */
int mxp_tls_shutdown(struct mxp_tls *t);

/* Why the session failed (MXP_TLS_E_NONE: it did not). */
enum mxp_tls_error_kind mxp_tls_error_kind(const struct mxp_tls *t);
/* The failure as one line, e.g. "certificate is for 'localhost', not '127.0.0.2'";
 * "" when none. Valid until t is freed. */
const char *mxp_tls_error(const struct mxp_tls *t);

/* "TLSv1.3" etc. once the handshake is done, for the connect log line. */
const char *mxp_tls_version(const struct mxp_tls *t);

#endif
