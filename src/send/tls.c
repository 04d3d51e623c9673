/* tls.c — a TLS client session over memory, for the sender thread (tls.h): OpenSSL
 * reads the ciphertext fed to it from a memory BIO and writes its records into a BIO of
 * ours that appends them to a buffer, so the socket and its asynchronous I/O stay the
 * sender's.
 *
 * Buffers of one session (all the sender thread's; no locks, no atomics):
 *   in    OpenSSL's memory BIO (the SSL's rbio).
 *         producer: mxp_tls_feed(), the bytes read off the socket;
 *         consumer: OpenSSL, inside handshake / read / write / shutdown.
 *   fill  where new output collects.
 *         producer: OpenSSL, through out_write() (the SSL's wbio), during any call that
 *         makes records or alerts (handshake, write, read, shutdown);
 *         consumer: mxp_tls_pending(), which swaps it with `send` once `send` is fully
 *         consumed. Nothing outside points into fill, so it may grow (realloc) freely.
 *   send  the run handed out by mxp_tls_pending().
 *         producer: that swap only;
 *         consumer: the caller's send (possibly the kernel, asynchronously), advancing
 *         `sent` through mxp_tls_consumed().
 *         While sent < len it is never written, moved nor freed (but by mxp_tls_free):
 *         that is what keeps the run valid for a send in flight.
 * Both buffers keep their capacity, so a steady flow of sends allocates nothing.
 *
 * Errors: the first failure is kept (kind + one-line message) and makes the session
 * dead. OpenSSL reports through a per-thread error queue; every entry point empties it
 * before calling OpenSSL (SSL_get_error() needs that) and again before returning, so
 * no error of one call or one session is seen by another. Certificate failures are
 * described by a verify callback, which sees the certificate that failed (the peer's
 * certificate is not kept by OpenSSL when verification fails). */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "send/tls.h"

#define OUT_MIN_CAP 16384u      /* first allocation of an output buffer: one full record */
#define HEAD_BYTES 32u          /* first bytes from the server kept to explain a failure */
#define TRUST_MAX 300u          /* "CA file ..., CA path ..." */
/* The type of our output BIO. A fixed value rather than BIO_get_new_index(), which
 * hands out at most ~127 indexes per process and would run out after that many
 * contexts; the type only matters to BIO_find_type(), which nobody uses on it. */
#define OUT_BIO_TYPE (BIO_TYPE_SOURCE_SINK | 0x7e)

struct mxp_tls_ctx {
	SSL_CTX *ssl;
	BIO_METHOD *out_method;         /* of every session's output BIO */
	bool verify;
	bool client_cert;
	bool asked_passphrase;          /* loading the key wanted one (mxp takes none) */
	char trust[TRUST_MAX];          /* where the trusted CAs come from, for messages */
};

struct outbuf {
	unsigned char *data;
	size_t len, cap;
};

struct mxp_tls {
	struct mxp_tls_ctx *ctx;
	SSL *ssl;
	char *host;
	bool ip;                        /* host is an IP literal */
	bool established;               /* the handshake completed (OpenSSL forgets it on a
					 * fatal error, which it counts as "in init") */
	struct outbuf send, fill;       /* see the top comment */
	size_t sent;                    /* bytes of send already consumed */
	bool out_of_memory;             /* out_write() could not grow fill */
	unsigned char head[HEAD_BYTES]; /* the first bytes received */
	size_t head_len;
	/* the first certificate failure, described by verify_cb() */
	int verify_err;                 /* X509_V_ERR_*, 0: none */
	enum mxp_tls_error_kind verify_kind;
	char verify_msg[MXP_TLS_ERROR_MAX];
	/* the session's failure, sticky */
	enum mxp_tls_error_kind kind;
	char msg[MXP_TLS_ERROR_MAX];
};

/* ---- output ---- */

/* Appends len bytes to b. Returns 0 or -ENOMEM (b unchanged). */
static int outbuf_append(struct outbuf *b, const void *data, size_t len)
{
	if (len > b->cap - b->len) {
		if (len > SIZE_MAX / 2 - b->len)
			return -ENOMEM;
		size_t cap = b->cap ? b->cap : OUT_MIN_CAP;
		while (cap - b->len < len)
			cap *= 2;
		unsigned char *p = realloc(b->data, cap);
		if (!p)
			return -ENOMEM;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

/* The output BIO's write: everything OpenSSL sends goes behind what is already in
 * fill. Never "retry": output is unbounded here, the caller paces what it writes. */
static int out_write(BIO *b, const char *data, size_t len, size_t *written)
{
	struct mxp_tls *t = BIO_get_data(b);
	if (outbuf_append(&t->fill, data, len) < 0) {
		t->out_of_memory = true;
		return 0;
	}
	*written = len;
	return 1;
}

static long out_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	/* OpenSSL flushes after each flight; the bytes are already where they go. Every
	 * other query (pending bytes, kTLS, ...) has the answer "none". */
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int out_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

size_t mxp_tls_pending(struct mxp_tls *t, const void **data)
{
	if (t->sent == t->send.len && t->fill.len > 0) {
		/* send is fully consumed: nobody reads it any more, it becomes the new fill */
		struct outbuf b = t->send;
		t->send = t->fill;
		t->fill = b;
		t->fill.len = 0;
		t->sent = 0;
	}
	if (t->sent == t->send.len) {
		*data = NULL;
		return 0;
	}
	*data = t->send.data + t->sent;
	return t->send.len - t->sent;
}

void mxp_tls_consumed(struct mxp_tls *t, size_t n)
{
	size_t left = t->send.len - t->sent;
	t->sent += n < left ? n : left;
	if (t->sent == t->send.len) {
		t->send.len = 0;
		t->sent = 0;
	}
}

/* ---- messages ---- */

/* snprintf for messages: they are cut at the end of their buffer, which is fine (and
 * through a va_list, GCC's -Wformat-truncation does not flag each call). */
__attribute__((format(printf, 3, 4))) static void say(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out, len, fmt, ap);
	va_end(ap);
}

/* Appends text to out[*pos..len) as far as it fits (always NUL-terminated); bytes that
 * are not printable ASCII become '?', since they come from a peer. */
static void put_bytes(char *out, size_t *pos, size_t len, const void *text, size_t n)
{
	const unsigned char *s = text;
	for (size_t i = 0; i < n && *pos + 1 < len; i++)
		out[(*pos)++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	if (*pos < len)
		out[*pos] = '\0';
}

static void put_str(char *out, size_t *pos, size_t len, const char *s)
{
	put_bytes(out, pos, len, s, strlen(s));
}

/* A distinguished name as "CN=x,O=y" (RFC 2253). */
static void name_text(const X509_NAME *name, char *out, size_t len)
{
	out[0] = '\0';
	BIO *b = BIO_new(BIO_s_mem());
	if (!b)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		char *p;
		long n = BIO_get_mem_data(b, &p);
		size_t pos = 0;
		if (n > 0)
			put_bytes(out, &pos, len, p, (size_t)n);
	}
	BIO_free(b);
}

/* A certificate time as "2026-01-31 12:00:00 UTC". */
static void time_text(const ASN1_TIME *when, char *out, size_t len)
{
	struct tm tm;
	if (!when || !ASN1_TIME_to_tm(when, &tm) || !strftime(out, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		say(out, len, "(unreadable date)");
}

/* The names a certificate is for, as "'a', 'b'": its DNS and IP subject alternative
 * names, or its CN when it has none (as the host check does). */
static void cert_names(X509 *cert, char *out, size_t len)
{
	size_t pos = 0;
	int n = 0;
	out[0] = '\0';
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char ip[INET6_ADDRSTRLEN];
		const char *text = NULL;
		size_t tlen = 0;
		if (g->type == GEN_DNS) {
			text = (const char *)ASN1_STRING_get0_data(g->d.dNSName);
			tlen = (size_t)ASN1_STRING_length(g->d.dNSName);
		} else if (g->type == GEN_IPADD) {
			int af = ASN1_STRING_length(g->d.iPAddress) == 16 ? AF_INET6 : AF_INET;
			if (ASN1_STRING_length(g->d.iPAddress) != (af == AF_INET6 ? 16 : 4) ||
			    !inet_ntop(af, ASN1_STRING_get0_data(g->d.iPAddress), ip, sizeof(ip)))
				continue;
			text = ip;
			tlen = strlen(ip);
		} else {
			continue;
		}
		if (pos + tlen + 8 >= len) {
			put_str(out, &pos, len, ", ...");
			break;
		}
		put_str(out, &pos, len, n++ ? ", '" : "'");
		put_bytes(out, &pos, len, text, tlen);
		put_str(out, &pos, len, "'");
	}
	GENERAL_NAMES_free(gens);
	if (n == 0) {
		char cn[256];
		if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn)) > 0) {
			put_str(out, &pos, len, "'");
			put_str(out, &pos, len, cn);
			put_str(out, &pos, len, "' (its CN, no alternative names)");
		} else {
			put_str(out, &pos, len, "no name");
		}
	}
}

/* Describes the certificate failure err (X509_V_ERR_*) of cert at depth into t. */
static void describe_verify_failure(struct mxp_tls *t, X509 *cert, int err, int depth)
{
	char subject[160] = "", issuer[160] = "", when[48], names[256];
	const char *reason = X509_verify_cert_error_string(err);
	if (cert) {
		name_text(X509_get_subject_name(cert), subject, sizeof(subject));
		name_text(X509_get_issuer_name(cert), issuer, sizeof(issuer));
	}
	switch (err) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REJECTED:
		t->verify_kind = MXP_TLS_E_UNTRUSTED;
		if (strcmp(subject, issuer) == 0)
			say(t->verify_msg, sizeof(t->verify_msg), "certificate not trusted: %s, '%s' (%s)",
				 reason, subject, t->ctx->trust);
		else
			say(t->verify_msg, sizeof(t->verify_msg),
				 "certificate not trusted: %s, '%s' issued by '%s' (%s)", reason, subject, issuer,
				 t->ctx->trust);
		break;
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		t->verify_kind = MXP_TLS_E_HOSTNAME;
		if (cert)
			cert_names(cert, names, sizeof(names));
		else
			say(names, sizeof(names), "other names");
		/* a DNS name written like the address does not stand for it (RFC 6125) */
		say(t->verify_msg, sizeof(t->verify_msg), "certificate is for %s, not '%s'%s", names, t->host,
			 t->ip && cert && X509_check_host(cert, t->host, 0, 0, NULL) == 1 ?
				 " (it names the address as a DNS name; an address needs an IP address name)" : "");
		break;
	case X509_V_ERR_CERT_HAS_EXPIRED:
		t->verify_kind = MXP_TLS_E_EXPIRED;
		time_text(cert ? X509_get0_notAfter(cert) : NULL, when, sizeof(when));
		say(t->verify_msg, sizeof(t->verify_msg), "certificate expired on %s (%s '%s')", when,
			 depth ? "CA" : "subject", subject);
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		t->verify_kind = MXP_TLS_E_EXPIRED;
		time_text(cert ? X509_get0_notBefore(cert) : NULL, when, sizeof(when));
		say(t->verify_msg, sizeof(t->verify_msg),
			 "certificate not valid before %s (%s '%s'): is this machine's clock right?", when,
			 depth ? "CA" : "subject", subject);
		break;
	default:
		t->verify_kind = MXP_TLS_E_HANDSHAKE;
		say(t->verify_msg, sizeof(t->verify_msg), "certificate verify failed: %s (%s '%s')", reason,
			 depth ? "CA" : "subject", subject);
		break;
	}
}

/* OpenSSL's verify callback: keeps the first failure's description; the verdict is
 * OpenSSL's (only called when verification is on). */
static int verify_cb(int ok, X509_STORE_CTX *x)
{
	if (ok)
		return 1;
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct mxp_tls *t = ssl ? SSL_get_app_data(ssl) : NULL;
	if (t && t->verify_err == 0) {
		t->verify_err = X509_STORE_CTX_get_error(x);
		describe_verify_failure(t, X509_STORE_CTX_get_current_cert(x), t->verify_err,
					X509_STORE_CTX_get_error_depth(x));
	}
	return 0;
}

/* OpenSSL's reason for the first error in the queue ("No such file or directory",
 * "no start line"), with its detail when it has one, then empties the queue. */
static void take_ssl_reason(char *out, size_t len)
{
	const char *data = NULL;
	int flags = 0;
	unsigned long e = ERR_peek_error_all(NULL, NULL, NULL, &data, &flags);
	const char *reason;
	if (e && ERR_SYSTEM_ERROR(e)) {
		/* errno; its detail is "calling fopen(path, r)", and our message names the file */
		reason = strerror(ERR_GET_REASON(e));
		flags = 0;
	} else {
		reason = e ? ERR_reason_error_string(e) : NULL;
		if (!reason)
			reason = e ? "unknown error" : "no reason given";
	}
	if ((flags & ERR_TXT_STRING) && data && *data)
		say(out, len, "%s (%s)", reason, data);
	else
		say(out, len, "%s", reason);
	ERR_clear_error();
}

/* The hint after a handshake failure when what the server sent first is not TLS: a
 * plain-text answer is quoted up to its first line end. */
static void plaintext_hint(const struct mxp_tls *t, char *out, size_t len)
{
	out[0] = '\0';
	/* a TLS record starts with its content type: 20..24 */
	if (t->head_len == 0 || (t->head[0] >= 20 && t->head[0] <= 24))
		return;
	size_t n = 0, printable = 0;
	while (n < t->head_len && t->head[n] != '\r' && t->head[n] != '\n') {
		printable += t->head[n] >= 0x20 && t->head[n] < 0x7f;
		n++;
	}
	if (n > 0 && printable == n) {
		size_t pos = 0;
		put_str(out, &pos, len, " (the server answered in plain text: '");
		put_bytes(out, &pos, len, t->head, n);
		put_str(out, &pos, len, n == HEAD_BYTES ? "...'" : "'");
		put_str(out, &pos, len, "; not a TLS server?)");
	} else {
		say(out, len, " (what the server sent is not TLS: not a TLS server?)");
	}
}

/* A hint for an alert the server sent (alert: its TLS number). */
static const char *alert_hint(const struct mxp_tls *t, int alert)
{
	switch (alert) {
	case 116: /* certificate_required */
		return t->ctx->client_cert ? "" :
		       " (the server requires a client certificate: set cert file and key file)";
	case 40: /* handshake_failure */
		return t->ctx->client_cert ? " (no protocol or cipher in common?)" :
		       " (no protocol or cipher in common, or a client certificate is required)";
	case 42: /* bad_certificate */
	case 43: /* unsupported_certificate */
	case 44: /* certificate_revoked */
	case 45: /* certificate_expired */
	case 46: /* certificate_unknown */
	case 48: /* unknown_ca */
	case 49: /* access_denied */
		return t->ctx->client_cert ? " (the server rejected the client certificate)" : "";
	case 70: /* protocol_version */
		return " (the server does not speak TLS 1.2 or later)";
	default:
		return "";
	}
}

/* Records the failure of the OpenSSL call that just returned with SSL_get_error() ==
 * sslerr: kind and message into t, the error queue emptied. Returns MXP_TLS_ERROR. */
static int fail(struct mxp_tls *t, int sslerr)
{
	bool in_handshake = !t->established;
	const char *what = in_handshake ? "handshake failed" : "TLS session failed";
	t->kind = in_handshake ? MXP_TLS_E_HANDSHAKE : MXP_TLS_E_PROTOCOL;
	if (t->out_of_memory) {
		say(t->msg, sizeof(t->msg), "%s: out of memory", what);
	} else if (t->verify_err) {
		t->kind = t->verify_kind;
		say(t->msg, sizeof(t->msg), "%s", t->verify_msg);
	} else if (sslerr == SSL_ERROR_SSL) {
		unsigned long e = ERR_peek_error();
		int reason = ERR_GET_REASON(e);
		char text[200], hint[128] = "";
		if (ERR_GET_LIB(e) == ERR_LIB_SSL && reason > SSL_AD_REASON_OFFSET &&
		    reason < SSL_AD_REASON_OFFSET + 256) {
			/* the server sent a fatal alert: about our certificate, it is the
			 * handshake's failure even when TLS 1.3 reports it after the handshake.
			 * Its detail ("SSL alert number N") adds nothing to the reason. */
			int alert = reason - SSL_AD_REASON_OFFSET;
			if (alert == 116 || (alert >= 42 && alert <= 49)) {
				t->kind = MXP_TLS_E_HANDSHAKE;
				what = "handshake failed";
			}
			const char *r = ERR_reason_error_string(e);
			say(t->msg, sizeof(t->msg), "%s: the server sent %s%s", what, r ? r : "an alert",
				 alert_hint(t, alert));
		} else {
			take_ssl_reason(text, sizeof(text));
			if (in_handshake)
				plaintext_hint(t, hint, sizeof(hint));
			if (!hint[0] && ERR_GET_LIB(e) == ERR_LIB_SSL && reason == SSL_R_UNSUPPORTED_PROTOCOL)
				say(hint, sizeof(hint), " (the server offers only TLS older than 1.2)");
			say(t->msg, sizeof(t->msg), "%s: %s%s", what, text, hint);
		}
	} else if (sslerr == SSL_ERROR_ZERO_RETURN) {
		say(t->msg, sizeof(t->msg), "%s: the server closed the session", what);
	} else {
		/* SYSCALL and the rest: no BIO of ours fails but for memory, so unexpected */
		say(t->msg, sizeof(t->msg), "%s: internal error (SSL_get_error %d)", what, sslerr);
	}
	ERR_clear_error();
	return MXP_TLS_ERROR;
}

/* The end of a handshake / read / shutdown step that did not succeed: MXP_TLS_WANT when
 * OpenSSL waits for bytes, else the failure. */
static int want_or_fail(struct mxp_tls *t, int sslerr)
{
	if ((sslerr == SSL_ERROR_WANT_READ || sslerr == SSL_ERROR_WANT_WRITE) && !t->out_of_memory) {
		ERR_clear_error();
		return MXP_TLS_WANT;
	}
	return fail(t, sslerr);
}

/* ---- context ---- */

/* The key's passphrase callback: mxp takes none, and OpenSSL's default would prompt on
 * the terminal of a daemon. */
static int no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	((struct mxp_tls_ctx *)arg)->asked_passphrase = true;
	return -1;
}

struct mxp_tls_ctx *mxp_tls_ctx_new(const struct mxp_tls_options *o, char *err, size_t errlen)
{
	char reason[256];
	struct mxp_tls_ctx *c = calloc(1, sizeof(*c));
	ERR_clear_error();
	if (!c) {
		say(err, errlen, "out of memory");
		goto fail;
	}
	c->verify = o->verify;
	c->client_cert = o->cert_file != NULL;
	if ((o->cert_file == NULL) != (o->key_file == NULL)) {
		say(err, errlen, "a client certificate needs both a cert file and a key file (only %s %s is set)",
			 o->cert_file ? "cert file" : "key file", o->cert_file ? o->cert_file : o->key_file);
		goto fail;
	}
	c->ssl = SSL_CTX_new(TLS_client_method());
	c->out_method = BIO_meth_new(OUT_BIO_TYPE, "mxp tls output");
	if (!c->ssl || !c->out_method || !BIO_meth_set_write_ex(c->out_method, out_write) ||
	    !BIO_meth_set_ctrl(c->out_method, out_ctrl) || !BIO_meth_set_create(c->out_method, out_create)) {
		take_ssl_reason(reason, sizeof(reason));
		say(err, errlen, "cannot set up TLS: %s", reason);
		goto fail;
	}
	if (!SSL_CTX_set_min_proto_version(c->ssl, TLS1_2_VERSION)) {
		take_ssl_reason(reason, sizeof(reason));
		say(err, errlen, "cannot require TLS 1.2: %s", reason);
		goto fail;
	}
	/* a renegotiation would make a write wait for a read; no receiver needs one */
	SSL_CTX_set_options(c->ssl, SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_default_passwd_cb(c->ssl, no_passphrase);
	SSL_CTX_set_default_passwd_cb_userdata(c->ssl, c);

	/* the CAs are loaded even with verification off, so that a wrong path is reported */
	size_t pos = 0;
	if (o->ca_file) {
		if (!SSL_CTX_load_verify_file(c->ssl, o->ca_file)) {
			take_ssl_reason(reason, sizeof(reason));
			say(err, errlen, "CA file %s: %s", o->ca_file, reason);
			goto fail;
		}
		say(c->trust, sizeof(c->trust), "CA file %s", o->ca_file);
		pos = strlen(c->trust);
	}
	if (o->ca_path) {
		/* the folder is only read when a certificate is looked up: check it now */
		struct stat st;
		if (stat(o->ca_path, &st) < 0) {
			say(err, errlen, "CA path %s: %s", o->ca_path, strerror(errno));
			goto fail;
		}
		if (!S_ISDIR(st.st_mode)) {
			say(err, errlen, "CA path %s: not a folder", o->ca_path);
			goto fail;
		}
		if (!SSL_CTX_load_verify_dir(c->ssl, o->ca_path)) {
			take_ssl_reason(reason, sizeof(reason));
			say(err, errlen, "CA path %s: %s", o->ca_path, reason);
			goto fail;
		}
		if (pos < sizeof(c->trust))
			say(c->trust + pos, sizeof(c->trust) - pos, "%sCA path %s", pos ? ", " : "", o->ca_path);
	}
	if (!o->ca_file && !o->ca_path) {
		if (o->verify && !SSL_CTX_set_default_verify_paths(c->ssl)) {
			take_ssl_reason(reason, sizeof(reason));
			say(err, errlen, "cannot load the default CAs: %s", reason);
			goto fail;
		}
		say(c->trust, sizeof(c->trust), "default CAs: %s, %s", X509_get_default_cert_file(),
			 X509_get_default_cert_dir());
	}
	SSL_CTX_set_verify(c->ssl, o->verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, o->verify ? verify_cb : NULL);

	if (o->cert_file) {
		if (!SSL_CTX_use_certificate_chain_file(c->ssl, o->cert_file)) {
			take_ssl_reason(reason, sizeof(reason));
			say(err, errlen, "cert file %s: %s", o->cert_file, reason);
			goto fail;
		}
		if (!SSL_CTX_use_PrivateKey_file(c->ssl, o->key_file, SSL_FILETYPE_PEM)) {
			/* it is checked against the certificate as it is loaded */
			unsigned long e = ERR_peek_error();
			bool mismatch = ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH;
			take_ssl_reason(reason, sizeof(reason));
			if (mismatch)
				say(err, errlen, "key file %s does not match cert file %s: %s", o->key_file,
					 o->cert_file, reason);
			else if (c->asked_passphrase)
				say(err, errlen, "key file %s: the key is encrypted, and mxp takes no passphrase "
					 "(store it decrypted, readable by mxp only)", o->key_file);
			else
				say(err, errlen, "key file %s: %s", o->key_file, reason);
			goto fail;
		}
		if (!SSL_CTX_check_private_key(c->ssl)) {
			take_ssl_reason(reason, sizeof(reason));
			say(err, errlen, "key file %s does not match cert file %s: %s", o->key_file, o->cert_file,
				 reason);
			goto fail;
		}
	}
	ERR_clear_error();
	return c;
fail:
	ERR_clear_error();
	mxp_tls_ctx_free(c);
	return NULL;
}

void mxp_tls_ctx_free(struct mxp_tls_ctx *c)
{
	if (!c)
		return;
	SSL_CTX_free(c->ssl);
	BIO_meth_free(c->out_method);
	free(c);
}

bool mxp_tls_verifying(const struct mxp_tls_ctx *c)
{
	return c->verify;
}

/* ---- session ---- */

struct mxp_tls *mxp_tls_new(struct mxp_tls_ctx *c, const char *host)
{
	if (!host || !*host)
		return NULL;
	struct mxp_tls *t = calloc(1, sizeof(*t));
	BIO *in = NULL, *out = NULL;
	unsigned char addr[16];
	ERR_clear_error();
	if (!t)
		goto fail;
	t->ctx = c;
	t->host = strdup(host);
	t->ssl = SSL_new(c->ssl);
	in = BIO_new(BIO_s_mem());
	out = BIO_new(c->out_method);
	if (!t->host || !t->ssl || !in || !out)
		goto fail;
	/* an empty input asks for more (WANT_READ) instead of reporting end of file */
	BIO_set_mem_eof_return(in, -1);
	BIO_set_data(out, t);
	SSL_set_bio(t->ssl, in, out);   /* the SSL owns both from here */
	in = out = NULL;
	SSL_set_app_data(t->ssl, t);    /* for verify_cb() */
	SSL_set_connect_state(t->ssl);

	t->ip = inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
	if (c->verify) {
		X509_VERIFY_PARAM *p = SSL_get0_param(t->ssl);
		X509_VERIFY_PARAM_set_hostflags(p, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (!(t->ip ? X509_VERIFY_PARAM_set1_ip_asc(p, host) : X509_VERIFY_PARAM_set1_host(p, host, 0)))
			goto fail;
	}
	/* RFC 6066: SNI carries host names only, never addresses */
	if (!t->ip && !SSL_set_tlsext_host_name(t->ssl, host))
		goto fail;
	ERR_clear_error();
	return t;
fail:
	ERR_clear_error();
	BIO_free(in);
	BIO_free(out);
	mxp_tls_free(t);
	return NULL;
}

void mxp_tls_free(struct mxp_tls *t)
{
	if (!t)
		return;
	SSL_free(t->ssl);
	free(t->send.data);
	free(t->fill.data);
	free(t->host);
	free(t);
}

int mxp_tls_feed(struct mxp_tls *t, const void *cipher, size_t len)
{
	if (len == 0)
		return 0;
	if (t->head_len < HEAD_BYTES) {
		size_t n = HEAD_BYTES - t->head_len < len ? HEAD_BYTES - t->head_len : len;
		memcpy(t->head + t->head_len, cipher, n);
		t->head_len += n;
	}
	size_t written = 0;
	ERR_clear_error();
	int ok = BIO_write_ex(SSL_get_rbio(t->ssl), cipher, len, &written) && written == len;
	ERR_clear_error();
	return ok ? 0 : -ENOMEM;
}

int mxp_tls_handshake(struct mxp_tls *t)
{
	if (t->kind != MXP_TLS_E_NONE)
		return MXP_TLS_ERROR;
	ERR_clear_error();
	int rc = SSL_do_handshake(t->ssl);
	if (rc == 1) {
		t->established = true;
		ERR_clear_error();
		return MXP_TLS_OK;
	}
	return want_or_fail(t, SSL_get_error(t->ssl, rc));
}

int mxp_tls_write(struct mxp_tls *t, const void *plain, size_t len)
{
	if (t->kind != MXP_TLS_E_NONE)
		return MXP_TLS_ERROR;
	if (!t->established) {
		t->kind = MXP_TLS_E_PROTOCOL;
		say(t->msg, sizeof(t->msg), "write before the handshake is done (a bug in the caller)");
		return MXP_TLS_ERROR;
	}
	if (len == 0)
		return MXP_TLS_OK;
	size_t written = 0;
	ERR_clear_error();
	/* without SSL_MODE_ENABLE_PARTIAL_WRITE it succeeds only once all of it is in
	 * records, and the output never asks to wait: anything else is a failure */
	int rc = SSL_write_ex(t->ssl, plain, len, &written);
	if (rc == 1 && written == len) {
		ERR_clear_error();
		return MXP_TLS_OK;
	}
	return fail(t, SSL_get_error(t->ssl, rc));
}

long mxp_tls_read(struct mxp_tls *t, void *plain, size_t cap)
{
	if (t->kind != MXP_TLS_E_NONE)
		return MXP_TLS_ERROR;
	if (cap == 0)
		return MXP_TLS_WANT;
	if (cap > LONG_MAX)
		cap = LONG_MAX;
	size_t n = 0;
	ERR_clear_error();
	int rc = SSL_read_ex(t->ssl, plain, cap, &n);
	if (rc == 1) {
		t->established = true; /* a read may have finished the handshake itself */
		ERR_clear_error();
		return (long)n;
	}
	int e = SSL_get_error(t->ssl, rc);
	if (e == SSL_ERROR_ZERO_RETURN) {
		ERR_clear_error();
		return MXP_TLS_CLOSED;
	}
	return want_or_fail(t, e);
}

int mxp_tls_shutdown(struct mxp_tls *t)
{
	if (t->kind != MXP_TLS_E_NONE)
		return MXP_TLS_ERROR;
	if (!t->established)
		return MXP_TLS_OK;
	ERR_clear_error();
	int rc = SSL_shutdown(t->ssl);
	if (rc >= 0) {
		ERR_clear_error();
		return MXP_TLS_OK;
	}
	/* called again: close_notify is already queued, OpenSSL now waits for the peer's */
	int e = SSL_get_error(t->ssl, rc);
	return want_or_fail(t, e) == MXP_TLS_WANT ? MXP_TLS_OK : MXP_TLS_ERROR;
}

enum mxp_tls_error_kind mxp_tls_error_kind(const struct mxp_tls *t)
{
	return t->kind;
}

const char *mxp_tls_error(const struct mxp_tls *t)
{
	return t->msg;
}

const char *mxp_tls_version(const struct mxp_tls *t)
{
	return t->established ? SSL_get_version(t->ssl) : "";
}
