/* test_tls.c — the TLS byte pump (send/tls.c) against an in-process OpenSSL server over
 * memory BIOs (no sockets): the handshake and data both ways, the pending run staying
 * put while other calls produce output, every verification outcome with its kind and
 * message, SNI, client certificates, a plain-text "server", close_notify, a corrupted
 * record, and the context's file errors. After every call of the module, OpenSSL's
 * error queue must be empty. The certificates are made at test time with the OpenSSL
 * API, in a temporary folder the fixture removes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "send/tls.h"

#define DAY (24L * 3600)
#define MIB (1024u * 1024u)

/* A key and its certificate. */
struct cred {
	EVP_PKEY *key;
	X509 *cert;
};

/* The PKI of one test: a CA, leaves it signed, and the odd ones out. */
static struct {
	char dir[64];
	struct cred ca, leaf, expired, client, self, stranger_ca, stranger;
	char ca_pem[128], ca_path[128], client_pem[128], client_key[128], other_key[128];
	char garbage[128], encrypted_key[128];
} pki;

static long serial = 1;

static void add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, v3, nid, value);
	cr_assert_not_null(ext, "extension %d = %s", nid, value);
	cr_assert(X509_add_ext(x, ext, -1));
	X509_EXTENSION_free(ext);
}

/* A P-256 key and a certificate for it named cn (and san, "DNS:a,IP:b", if not NULL),
 * valid from now + from_s to now + to_s, signed by issuer (NULL: self-signed); a CA
 * when ca. */
static struct cred make_cred(const char *cn, const char *san, const struct cred *issuer, long from_s, long to_s,
			     bool ca)
{
	struct cred c = {.key = EVP_EC_gen("P-256"), .cert = X509_new()};
	cr_assert(c.key && c.cert);
	X509 *x = c.cert;
	cr_assert(X509_set_version(x, 2));
	cr_assert(ASN1_INTEGER_set(X509_get_serialNumber(x), serial++));
	cr_assert(X509_gmtime_adj(X509_getm_notBefore(x), from_s));
	cr_assert(X509_gmtime_adj(X509_getm_notAfter(x), to_s));
	cr_assert(X509_set_pubkey(x, c.key));
	X509_NAME *name = X509_get_subject_name(x);
	cr_assert(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0));
	cr_assert(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->cert) : name));
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer ? issuer->cert : x, x, NULL, NULL, 0);
	add_ext(x, &v3, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
	add_ext(x, &v3, NID_subject_key_identifier, "hash");
	if (ca)
		add_ext(x, &v3, NID_key_usage, "critical,keyCertSign,cRLSign");
	if (issuer)
		add_ext(x, &v3, NID_authority_key_identifier, "keyid");
	if (san)
		add_ext(x, &v3, NID_subject_alt_name, san);
	cr_assert(X509_sign(x, issuer ? issuer->key : c.key, EVP_sha256()));
	return c;
}

static void free_cred(struct cred *c)
{
	EVP_PKEY_free(c->key);
	X509_free(c->cert);
}

static void write_cert(const char *path, X509 *x)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert(PEM_write_X509(f, x));
	fclose(f);
}

/* Writes key to path, encrypted under a passphrase when pass is not NULL. */
static void write_key(const char *path, EVP_PKEY *key, const char *pass)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert(PEM_write_PrivateKey(f, key, pass ? EVP_aes_256_cbc() : NULL, NULL, 0, NULL, (void *)pass));
	fclose(f);
}

static void setup(void)
{
	snprintf(pki.dir, sizeof(pki.dir), "/tmp/mxp_test_tls.XXXXXX");
	cr_assert_not_null(mkdtemp(pki.dir));
	pki.ca = make_cred("mxp test CA", NULL, NULL, -DAY, 3650 * DAY, true);
	pki.leaf = make_cred("localhost", "DNS:localhost,IP:127.0.0.1,IP:::1", &pki.ca, -DAY, 3650 * DAY, false);
	pki.expired = make_cred("localhost", "DNS:localhost,IP:127.0.0.1", &pki.ca, -10 * DAY, -DAY, false);
	pki.client = make_cred("mxp-client", NULL, &pki.ca, -DAY, 3650 * DAY, false);
	pki.self = make_cred("127.0.0.1", "IP:127.0.0.1,DNS:localhost", NULL, -DAY, 3650 * DAY, false);
	pki.stranger_ca = make_cred("some other CA", NULL, NULL, -DAY, 3650 * DAY, true);
	pki.stranger = make_cred("localhost", "DNS:localhost", &pki.stranger_ca, -DAY, 3650 * DAY, false);

	snprintf(pki.ca_pem, sizeof(pki.ca_pem), "%s/ca.pem", pki.dir);
	write_cert(pki.ca_pem, pki.ca.cert);
	/* what `openssl rehash` makes: the CA under its subject hash */
	snprintf(pki.ca_path, sizeof(pki.ca_path), "%s/capath", pki.dir);
	cr_assert_eq(mkdir(pki.ca_path, 0700), 0);
	char hashed[192];
	snprintf(hashed, sizeof(hashed), "%s/%08lx.0", pki.ca_path, X509_subject_name_hash(pki.ca.cert));
	write_cert(hashed, pki.ca.cert);
	snprintf(pki.client_pem, sizeof(pki.client_pem), "%s/client.pem", pki.dir);
	write_cert(pki.client_pem, pki.client.cert);
	snprintf(pki.client_key, sizeof(pki.client_key), "%s/client.key", pki.dir);
	write_key(pki.client_key, pki.client.key, NULL);
	snprintf(pki.other_key, sizeof(pki.other_key), "%s/other.key", pki.dir);
	write_key(pki.other_key, pki.self.key, NULL);
	snprintf(pki.encrypted_key, sizeof(pki.encrypted_key), "%s/encrypted.key", pki.dir);
	write_key(pki.encrypted_key, pki.client.key, "secret");
	snprintf(pki.garbage, sizeof(pki.garbage), "%s/garbage.pem", pki.dir);
	FILE *f = fopen(pki.garbage, "w");
	cr_assert_not_null(f);
	fputs("this is not PEM\n", f);
	fclose(f);
	ERR_clear_error();
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void teardown(void)
{
	nftw(pki.dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	struct cred *all[] = {&pki.ca, &pki.leaf, &pki.expired, &pki.client, &pki.self, &pki.stranger_ca,
			      &pki.stranger};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		free_cred(all[i]);
}

TestSuite(tls, .init = setup, .fini = teardown);

/* ---- the server ---- */

struct server {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *in, *out;          /* client -> server, server -> client */
	bool done, failed;      /* its handshake */
	bool sni_called;
	char sni[256];          /* "" when the client sent none */
};

static int on_servername(SSL *ssl, int *alert, void *arg)
{
	(void)alert;
	struct server *s = arg;
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	s->sni_called = true;
	snprintf(s->sni, sizeof(s->sni), "%s", name ? name : "");
	return SSL_TLSEXT_ERR_OK;
}

/* A server presenting id; requiring a client certificate issued by client_ca when it is
 * not NULL; speaking at most max_version (0: any). */
static struct server *server_new(const struct cred *id, const struct cred *client_ca, int max_version)
{
	struct server *s = calloc(1, sizeof(*s));
	cr_assert_not_null(s);
	s->ctx = SSL_CTX_new(TLS_server_method());
	cr_assert_not_null(s->ctx);
	cr_assert(SSL_CTX_use_certificate(s->ctx, id->cert));
	cr_assert(SSL_CTX_use_PrivateKey(s->ctx, id->key));
	if (client_ca) {
		cr_assert(X509_STORE_add_cert(SSL_CTX_get_cert_store(s->ctx), client_ca->cert));
		SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	if (max_version)
		cr_assert(SSL_CTX_set_max_proto_version(s->ctx, max_version));
	SSL_CTX_set_tlsext_servername_callback(s->ctx, on_servername);
	SSL_CTX_set_tlsext_servername_arg(s->ctx, s);
	s->ssl = SSL_new(s->ctx);
	s->in = BIO_new(BIO_s_mem());
	s->out = BIO_new(BIO_s_mem());
	cr_assert(s->ssl && s->in && s->out);
	BIO_set_mem_eof_return(s->in, -1);
	SSL_set_bio(s->ssl, s->in, s->out);
	SSL_set_accept_state(s->ssl);
	return s;
}

static void server_free(struct server *s)
{
	SSL_free(s->ssl);
	SSL_CTX_free(s->ctx);
	free(s);
	ERR_clear_error();
}

/* The module leaves OpenSSL's error queue empty after each of its calls. */
#define CLEAN_QUEUE() cr_assert_eq(ERR_peek_error(), 0, "OpenSSL's error queue is not empty")

/* Moves the client's pending output to the server in pieces of at most step bytes.
 * Returns the bytes moved. */
static size_t client_to_server(struct mxp_tls *c, struct server *s, size_t step)
{
	const void *d;
	size_t n, total = 0;
	while ((n = mxp_tls_pending(c, &d)) > 0) {
		cr_assert_not_null(d);
		if (n > step)
			n = step;
		cr_assert_eq(BIO_write(s->in, d, (int)n), (int)n);
		mxp_tls_consumed(c, n);
		total += n;
	}
	cr_assert_null(d);
	return total;
}

/* Feeds the client what the server wrote, in pieces of at most step bytes. */
static size_t server_to_client(struct server *s, struct mxp_tls *c, size_t step)
{
	char buf[4096];
	size_t total = 0;
	int n;
	if (step > sizeof(buf))
		step = sizeof(buf);
	while ((n = BIO_read(s->out, buf, (int)step)) > 0) {
		cr_assert_eq(mxp_tls_feed(c, buf, (size_t)n), 0);
		CLEAN_QUEUE();
		total += (size_t)n;
	}
	return total;
}

static void server_step(struct server *s)
{
	if (s->done || s->failed)
		return;
	int rc = SSL_do_handshake(s->ssl);
	if (rc == 1) {
		s->done = true;
		return;
	}
	int e = SSL_get_error(s->ssl, rc);
	if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
		s->failed = true;
}

/* Runs both handshakes, bytes going across in pieces of `step`, until neither side
 * moves. Returns the client's last mxp_tls_handshake() result. */
static int handshake_step(struct mxp_tls *c, struct server *s, size_t step)
{
	int rc = MXP_TLS_WANT;
	for (int round = 0; round < 50; round++) {
		if (rc == MXP_TLS_WANT) {
			rc = mxp_tls_handshake(c);
			CLEAN_QUEUE();
		}
		size_t moved = client_to_server(c, s, step);
		server_step(s);
		moved += server_to_client(s, c, step);
		if (rc != MXP_TLS_WANT && moved == 0)
			return rc;
		if (rc == MXP_TLS_WANT && moved == 0 && (s->done || s->failed))
			break;
	}
	return rc;
}

static int handshake(struct mxp_tls *c, struct server *s)
{
	return handshake_step(c, s, SIZE_MAX);
}

/* Everything the server can decrypt now, appended to buf[*len..cap). Returns
 * SSL_ERROR_WANT_READ, or the error that stopped it. */
static int server_read_all(struct server *s, unsigned char *buf, size_t *len, size_t cap)
{
	for (;;) {
		size_t n = 0;
		int rc = SSL_read_ex(s->ssl, buf + *len, cap - *len, &n);
		if (rc != 1)
			return SSL_get_error(s->ssl, rc);
		*len += n;
		cr_assert_lt(*len, cap, "the server's buffer is full");
	}
}

static void server_write(struct server *s, const void *data, size_t len)
{
	size_t n = 0;
	cr_assert_eq(SSL_write_ex(s->ssl, data, len, &n), 1);
	cr_assert_eq(n, len);
}

static unsigned char pat(size_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13);
}

static struct mxp_tls_ctx *ctx_ok(const struct mxp_tls_options *o)
{
	char err[512] = "";
	struct mxp_tls_ctx *ctx = mxp_tls_ctx_new(o, err, sizeof(err));
	cr_assert_not_null(ctx, "mxp_tls_ctx_new: %s", err);
	CLEAN_QUEUE();
	return ctx;
}

static struct mxp_tls *tls_ok(struct mxp_tls_ctx *ctx, const char *host)
{
	struct mxp_tls *t = mxp_tls_new(ctx, host);
	cr_assert_not_null(t);
	CLEAN_QUEUE();
	cr_assert_eq(mxp_tls_error_kind(t), MXP_TLS_E_NONE);
	cr_assert_str_empty(mxp_tls_error(t));
	return t;
}

/* A client of the CA file against server presenting id, connecting to host: the result
 * of its handshake. */
struct pair {
	struct mxp_tls_ctx *ctx;
	struct mxp_tls *c;
	struct server *s;
	int rc;
};

static struct pair connect_to(const struct cred *id, const char *host)
{
	struct mxp_tls_options o = {.verify = true, .ca_file = pki.ca_pem};
	struct pair p = {.ctx = ctx_ok(&o)};
	p.c = tls_ok(p.ctx, host);
	p.s = server_new(id, NULL, 0);
	p.rc = handshake(p.c, p.s);
	return p;
}

static void pair_free(struct pair *p)
{
	if (mxp_tls_error_kind(p->c) != MXP_TLS_E_NONE)
		cr_log_info("%s", mxp_tls_error(p->c));
	mxp_tls_free(p->c);
	mxp_tls_ctx_free(p->ctx);
	server_free(p->s);
}

/* ---- handshake and data ---- */

Test(tls, handshake_and_data_both_ways)
{
	struct pair p = connect_to(&pki.leaf, "localhost");
	cr_assert_eq(p.rc, MXP_TLS_OK, "%s", mxp_tls_error(p.c));
	cr_assert(p.s->done);
	cr_assert_str_eq(mxp_tls_version(p.c), "TLSv1.3");
	cr_assert(mxp_tls_verifying(p.ctx));
	cr_assert_eq(SSL_get_verify_result(p.s->ssl), X509_V_OK);

	/* 1 MiB in one write, the server reads it all back */
	unsigned char *out = malloc(MIB), *in = malloc(MIB + 1);
	cr_assert(out && in);
	for (size_t i = 0; i < MIB; i++)
		out[i] = pat(i);
	cr_assert_eq(mxp_tls_write(p.c, out, MIB), MXP_TLS_OK);
	CLEAN_QUEUE();
	size_t got = 0;
	client_to_server(p.c, p.s, 65536);
	cr_assert_eq(server_read_all(p.s, in, &got, MIB + 1), SSL_ERROR_WANT_READ);
	cr_assert_eq(got, MIB);
	cr_assert(memcmp(in, out, MIB) == 0);

	/* the other way, in pieces: records fed in 333-byte pieces, read 1..13 bytes at a time */
	cr_assert_eq(mxp_tls_read(p.c, in, 100), MXP_TLS_WANT);
	CLEAN_QUEUE();
	const size_t back = 100000;
	server_write(p.s, out, back / 2);
	server_write(p.s, out + back / 2, back - back / 2);
	server_to_client(p.s, p.c, 333);
	got = 0;
	for (size_t k = 1; got < back; k = k % 13 + 1) {
		long n = mxp_tls_read(p.c, in + got, k);
		CLEAN_QUEUE();
		cr_assert_gt(n, 0, "read %ld at %zu", n, got);
		cr_assert_leq((size_t)n, k);
		got += (size_t)n;
	}
	cr_assert_eq(got, back);
	cr_assert(memcmp(in, out, back) == 0);
	cr_assert_eq(mxp_tls_read(p.c, in, 100), MXP_TLS_WANT);
	free(out);
	free(in);
	pair_free(&p);
}

Test(tls, handshake_in_tiny_pieces)
{
	struct mxp_tls_options o = {.verify = true, .ca_file = pki.ca_pem};
	struct mxp_tls_ctx *ctx = ctx_ok(&o);
	struct mxp_tls *c = tls_ok(ctx, "localhost");
	struct server *s = server_new(&pki.leaf, NULL, 0);
	cr_assert_eq(handshake_step(c, s, 7), MXP_TLS_OK, "%s", mxp_tls_error(c));
	cr_assert(s->done);
	cr_log_info("%s", mxp_tls_error(c));
	mxp_tls_free(c);
	mxp_tls_ctx_free(ctx);
	server_free(s);
}

/* The run mxp_tls_pending() returns is consumed in odd pieces while writes and a read
 * that answers the server's key update add output: the run keeps its address and its
 * bytes, and the server decrypts the whole stream in order. */
Test(tls, pending_run_stays_put_while_output_grows)
{
	struct pair p = connect_to(&pki.leaf, "localhost");
	cr_assert_eq(p.rc, MXP_TLS_OK, "%s", mxp_tls_error(p.c));
	const size_t cap = 8 * MIB;
	unsigned char *rx = malloc(cap), *chunk = malloc(65536), plain[64];
	cr_assert(rx && chunk);
	size_t written = 0, received = 0, key_updates = 0;
	static const size_t steps[] = {1, 3, 17, 101, 999, 4093, 16411, 7};

	for (int round = 0; round < 40; round++) {
		size_t len = (size_t)round * 7919 % 40000 + 1;
		for (size_t i = 0; i < len; i++)
			chunk[i] = pat(written + i);
		cr_assert_eq(mxp_tls_write(p.c, chunk, len), MXP_TLS_OK);
		written += len;

		const void *run;
		size_t n = mxp_tls_pending(p.c, &run);
		cr_assert_gt(n, 0);
		unsigned char *copy = malloc(n);
		cr_assert_not_null(copy);
		memcpy(copy, run, n);
		size_t done = 0;
		for (unsigned step = 0; done < n; step++) {
			size_t k = steps[(round + step) % 8];
			if (k > n - done)
				k = n - done;
			cr_assert_eq(BIO_write(p.s->in, (const char *)run + done, (int)k), (int)k);
			mxp_tls_consumed(p.c, k);
			done += k;

			/* more output behind the run: a write, and every third step a read that
			 * answers a key update the server asks for */
			size_t more = step * 37 % 500 + 1;
			for (size_t i = 0; i < more; i++)
				chunk[i] = pat(written + i);
			cr_assert_eq(mxp_tls_write(p.c, chunk, more), MXP_TLS_OK);
			written += more;
			if (step % 3 == 0 && SSL_get_key_update_type(p.s->ssl) == SSL_KEY_UPDATE_NONE) {
				cr_assert(SSL_key_update(p.s->ssl, SSL_KEY_UPDATE_REQUESTED));
				server_write(p.s, "x", 1);
				key_updates++;
				server_to_client(p.s, p.c, SIZE_MAX);
				cr_assert_eq(mxp_tls_read(p.c, plain, sizeof(plain)), 1);
				CLEAN_QUEUE();
			}
			if (done < n) {
				const void *rest;
				size_t m = mxp_tls_pending(p.c, &rest);
				cr_assert(rest == (const char *)run + done, "the run moved");
				cr_assert_eq(m, n - done);
				cr_assert(memcmp(rest, copy + done, m) == 0, "the run's bytes changed");
			}
		}
		free(copy);
		cr_assert_eq(server_read_all(p.s, rx, &received, cap), SSL_ERROR_WANT_READ);
	}
	client_to_server(p.c, p.s, 1000);
	cr_assert_eq(server_read_all(p.s, rx, &received, cap), SSL_ERROR_WANT_READ);
	cr_assert_eq(received, written);
	for (size_t i = 0; i < written; i++)
		cr_assert_eq(rx[i], pat(i), "byte %zu", i);
	cr_assert_gt(key_updates, 10);
	free(rx);
	free(chunk);
	pair_free(&p);
}

/* ---- verification ---- */

Test(tls, trusted_via_ca_path)
{
	struct mxp_tls_options o = {.verify = true, .ca_path = pki.ca_path};
	struct mxp_tls_ctx *ctx = ctx_ok(&o);
	struct mxp_tls *c = tls_ok(ctx, "localhost");
	struct server *s = server_new(&pki.leaf, NULL, 0);
	cr_assert_eq(handshake(c, s), MXP_TLS_OK, "%s", mxp_tls_error(c));
	cr_log_info("%s", mxp_tls_error(c));
	mxp_tls_free(c);
	mxp_tls_ctx_free(ctx);
	server_free(s);
}

Test(tls, self_signed_is_untrusted)
{
	struct pair p = connect_to(&pki.self, "localhost");
	cr_assert_eq(p.rc, MXP_TLS_ERROR);
	cr_assert_eq(mxp_tls_error_kind(p.c), MXP_TLS_E_UNTRUSTED);
	char want[512];
	snprintf(want, sizeof(want), "certificate not trusted: self-signed certificate, 'CN=127.0.0.1' (CA file %s)",
		 pki.ca_pem);
	cr_assert_str_eq(mxp_tls_error(p.c), want);
	/* the client told the server why (a fatal alert was pending and went across) */
	cr_assert(p.s->failed);
	/* sticky (the server's errors are in the queue: cleared to see the module's) */
	ERR_clear_error();
	cr_assert_eq(mxp_tls_handshake(p.c), MXP_TLS_ERROR);
	cr_assert_eq(mxp_tls_write(p.c, "x", 1), MXP_TLS_ERROR);
	cr_assert_eq(mxp_tls_error_kind(p.c), MXP_TLS_E_UNTRUSTED);
	CLEAN_QUEUE();
	pair_free(&p);
}

Test(tls, unknown_issuer_is_untrusted)
{
	struct pair p = connect_to(&pki.stranger, "localhost");
	cr_assert_eq(p.rc, MXP_TLS_ERROR);
	cr_assert_eq(mxp_tls_error_kind(p.c), MXP_TLS_E_UNTRUSTED);
	cr_assert(strstr(mxp_tls_error(p.c), "certificate not trusted: unable to get local issuer certificate, "
					     "'CN=localhost' issued by 'CN=some other CA'"),
		  "%s", mxp_tls_error(p.c));
	pair_free(&p);
}

Test(tls, wrong_hostname)
{
	struct pair p = connect_to(&pki.leaf, "example.invalid");
	cr_assert_eq(p.rc, MXP_TLS_ERROR);
	cr_assert_eq(mxp_tls_error_kind(p.c), MXP_TLS_E_HOSTNAME);
	cr_assert_str_eq(mxp_tls_error(p.c), "certificate is for 'localhost', '127.0.0.1', '::1', not 'example.invalid'");
	cr_assert_str_eq(p.s->sni, "example.invalid");
	pair_free(&p);
}

Test(tls, ip_literal_checked_against_ip_names)
{
	const char *good[] = {"127.0.0.1", "::1"};
	for (size_t i = 0; i < 2; i++) {
		struct pair p = connect_to(&pki.leaf, good[i]);
		cr_assert_eq(p.rc, MXP_TLS_OK, "%s: %s", good[i], mxp_tls_error(p.c));
		pair_free(&p);
	}
	struct pair p = connect_to(&pki.leaf, "127.0.0.2");
	cr_assert_eq(p.rc, MXP_TLS_ERROR);
	cr_assert_eq(mxp_tls_error_kind(p.c), MXP_TLS_E_HOSTNAME);
	cr_assert_str_eq(mxp_tls_error(p.c), "certificate is for 'localhost', '127.0.0.1', '::1', not '127.0.0.2'");
	pair_free(&p);
	/* a DNS name that reads like the address does not stand for it */
	struct cred named = make_cred("127.0.0.1", "DNS:127.0.0.1", &pki.ca, -DAY, DAY, false);
	p = connect_to(&named, "127.0.0.1");
	cr_assert_eq(p.rc, MXP_TLS_ERROR);
	cr_assert_eq(mxp_tls_error_kind(p.c), MXP_TLS_E_HOSTNAME);
	cr_assert(strstr(mxp_tls_error(p.c), "an address needs an IP address name"), "%s", mxp_tls_error(p.c));
	pair_free(&p);
	free_cred(&named);
}

Test(tls, expired)
{
	struct pair p = connect_to(&pki.expired, "localhost");
	cr_assert_eq(p.rc, MXP_TLS_ERROR);
	cr_assert_eq(mxp_tls_error_kind(p.c), MXP_TLS_E_EXPIRED);
	struct tm tm;
	char want[128];
	cr_assert(ASN1_TIME_to_tm(X509_get0_notAfter(pki.expired.cert), &tm));
	strftime(want, sizeof(want), "certificate expired on %Y-%m-%d %H:%M:%S UTC (subject 'CN=localhost')", &tm);
	cr_assert_str_eq(mxp_tls_error(p.c), want);
	pair_free(&p);
}

Test(tls, not_yet_valid)
{
	struct cred future = make_cred("localhost", "DNS:localhost", &pki.ca, DAY, 10 * DAY, false);
	struct pair p = connect_to(&future, "localhost");
	cr_assert_eq(p.rc, MXP_TLS_ERROR);
	cr_assert_eq(mxp_tls_error_kind(p.c), MXP_TLS_E_EXPIRED);
	cr_assert(strstr(mxp_tls_error(p.c), "certificate not valid before "), "%s", mxp_tls_error(p.c));
	cr_assert(strstr(mxp_tls_error(p.c), "clock"), "%s", mxp_tls_error(p.c));
	pair_free(&p);
	free_cred(&future);
}

Test(tls, verify_off_accepts_anything)
{
	struct mxp_tls_options o = {.verify = false};
	struct mxp_tls_ctx *ctx = ctx_ok(&o);
	cr_assert_not(mxp_tls_verifying(ctx));
	const struct cred *servers[] = {&pki.self, &pki.expired, &pki.stranger};
	for (size_t i = 0; i < 3; i++) {
		struct mxp_tls *c = tls_ok(ctx, "example.invalid");
		struct server *s = server_new(servers[i], NULL, 0);
		cr_assert_eq(handshake(c, s), MXP_TLS_OK, "%zu: %s", i, mxp_tls_error(c));
		cr_assert_eq(mxp_tls_write(c, "ping", 4), MXP_TLS_OK);
		client_to_server(c, s, SIZE_MAX);
		unsigned char buf[8];
		size_t got = 0;
		cr_assert_eq(server_read_all(s, buf, &got, sizeof(buf)), SSL_ERROR_WANT_READ);
		cr_assert_eq(got, 4);
		cr_assert(memcmp(buf, "ping", 4) == 0);
		mxp_tls_free(c);
		server_free(s);
	}
	mxp_tls_ctx_free(ctx);
}

Test(tls, sni_sent_for_names_only)
{
	struct pair p = connect_to(&pki.leaf, "localhost");
	cr_assert_eq(p.rc, MXP_TLS_OK);
	cr_assert(p.s->sni_called);
	cr_assert_str_eq(p.s->sni, "localhost");
	pair_free(&p);
	const char *ips[] = {"127.0.0.1", "::1"};
	for (size_t i = 0; i < 2; i++) {
		p = connect_to(&pki.leaf, ips[i]);
		cr_assert_eq(p.rc, MXP_TLS_OK);
		cr_assert(p.s->sni_called);
		cr_assert_str_empty(p.s->sni, "SNI sent for %s", ips[i]);
		pair_free(&p);
	}
}

/* ---- client certificates ---- */

Test(tls, client_certificate_presented_and_verified)
{
	struct mxp_tls_options o = {
		.verify = true, .ca_file = pki.ca_pem, .cert_file = pki.client_pem, .key_file = pki.client_key};
	struct mxp_tls_ctx *ctx = ctx_ok(&o);
	int versions[] = {0, TLS1_2_VERSION};
	for (size_t i = 0; i < 2; i++) {
		struct mxp_tls *c = tls_ok(ctx, "localhost");
		struct server *s = server_new(&pki.leaf, &pki.ca, versions[i]);
		cr_assert_eq(handshake(c, s), MXP_TLS_OK, "%s", mxp_tls_error(c));
		cr_assert(s->done);
		X509 *peer = SSL_get0_peer_certificate(s->ssl);
		cr_assert_not_null(peer, "the server got no client certificate");
		cr_assert_eq(X509_cmp(peer, pki.client.cert), 0);
		cr_assert_eq(SSL_get_verify_result(s->ssl), X509_V_OK);
		cr_assert_eq(mxp_tls_write(c, "ok", 2), MXP_TLS_OK);
		client_to_server(c, s, SIZE_MAX);
		unsigned char buf[4];
		size_t got = 0;
		server_read_all(s, buf, &got, sizeof(buf));
		cr_assert_eq(got, 2);
		mxp_tls_free(c);
		server_free(s);
	}
	mxp_tls_ctx_free(ctx);
}

/* TLS 1.3: the client's handshake ends before the server checks; its refusal comes as
 * an alert with the first read. */
Test(tls, client_certificate_required_tls13)
{
	struct mxp_tls_options o = {.verify = true, .ca_file = pki.ca_pem};
	struct mxp_tls_ctx *ctx = ctx_ok(&o);
	struct mxp_tls *c = tls_ok(ctx, "localhost");
	struct server *s = server_new(&pki.leaf, &pki.ca, 0);
	int rc = handshake(c, s);
	cr_assert(s->failed);
	if (rc == MXP_TLS_OK) {
		unsigned char buf[16];
		cr_assert_eq(mxp_tls_read(c, buf, sizeof(buf)), MXP_TLS_ERROR);
	} else {
		cr_assert_eq(rc, MXP_TLS_ERROR);
	}
	CLEAN_QUEUE();
	cr_assert_eq(mxp_tls_error_kind(c), MXP_TLS_E_HANDSHAKE);
	cr_assert_str_eq(mxp_tls_error(c), "handshake failed: the server sent tlsv13 alert certificate required "
					   "(the server requires a client certificate: set cert file and key file)");
	cr_log_info("%s", mxp_tls_error(c));
	mxp_tls_free(c);
	mxp_tls_ctx_free(ctx);
	server_free(s);
}

Test(tls, client_certificate_required_tls12)
{
	struct mxp_tls_options o = {.verify = true, .ca_file = pki.ca_pem};
	struct mxp_tls_ctx *ctx = ctx_ok(&o);
	struct mxp_tls *c = tls_ok(ctx, "localhost");
	struct server *s = server_new(&pki.leaf, &pki.ca, TLS1_2_VERSION);
	cr_assert_eq(handshake(c, s), MXP_TLS_ERROR);
	cr_assert(s->failed);
	cr_assert_eq(mxp_tls_error_kind(c), MXP_TLS_E_HANDSHAKE);
	cr_assert(strstr(mxp_tls_error(c), "handshake failed: the server sent sslv3 alert handshake failure"),
		  "%s", mxp_tls_error(c));
	cr_assert(strstr(mxp_tls_error(c), "client certificate"), "%s", mxp_tls_error(c));
	cr_log_info("%s", mxp_tls_error(c));
	mxp_tls_free(c);
	mxp_tls_ctx_free(ctx);
	server_free(s);
}

Test(tls, client_certificate_rejected)
{
	/* a client certificate the server's CA did not issue */
	struct cred odd = make_cred("intruder", NULL, &pki.stranger_ca, -DAY, DAY, false);
	char pem[160], key[160];
	snprintf(pem, sizeof(pem), "%s/odd.pem", pki.dir);
	snprintf(key, sizeof(key), "%s/odd.key", pki.dir);
	write_cert(pem, odd.cert);
	write_key(key, odd.key, NULL);
	struct mxp_tls_options o = {.verify = true, .ca_file = pki.ca_pem, .cert_file = pem, .key_file = key};
	struct mxp_tls_ctx *ctx = ctx_ok(&o);
	struct mxp_tls *c = tls_ok(ctx, "localhost");
	struct server *s = server_new(&pki.leaf, &pki.ca, 0);
	int rc = handshake(c, s);
	if (rc == MXP_TLS_OK) {
		unsigned char buf[16];
		cr_assert_eq(mxp_tls_read(c, buf, sizeof(buf)), MXP_TLS_ERROR);
	}
	cr_assert_eq(mxp_tls_error_kind(c), MXP_TLS_E_HANDSHAKE);
	cr_assert(strstr(mxp_tls_error(c), "the server rejected the client certificate"), "%s", mxp_tls_error(c));
	mxp_tls_free(c);
	mxp_tls_ctx_free(ctx);
	server_free(s);
	free_cred(&odd);
}

/* ---- what is not TLS, and the ends of a session ---- */

Test(tls, plaintext_server)
{
	struct mxp_tls_options o = {.verify = true, .ca_file = pki.ca_pem};
	struct mxp_tls_ctx *ctx = ctx_ok(&o);
	struct mxp_tls *c = tls_ok(ctx, "localhost");
	cr_assert_eq(mxp_tls_handshake(c), MXP_TLS_WANT);
	const void *hello;
	size_t n = mxp_tls_pending(c, &hello);
	cr_assert_gt(n, 0);
	cr_assert_eq(((const unsigned char *)hello)[0], 22, "a handshake record first");
	mxp_tls_consumed(c, n);
	const char *answer = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
	cr_assert_eq(mxp_tls_feed(c, answer, strlen(answer)), 0);
	cr_assert_eq(mxp_tls_handshake(c), MXP_TLS_ERROR);
	CLEAN_QUEUE();
	cr_assert_eq(mxp_tls_error_kind(c), MXP_TLS_E_HANDSHAKE);
	cr_assert_str_eq(mxp_tls_error(c), "handshake failed: wrong version number (the server answered in plain "
					   "text: 'HTTP/1.1 400 Bad Request'; not a TLS server?)");
	mxp_tls_free(c);

	/* binary garbage */
	c = tls_ok(ctx, "localhost");
	cr_assert_eq(mxp_tls_handshake(c), MXP_TLS_WANT);
	n = mxp_tls_pending(c, &hello);
	mxp_tls_consumed(c, n);
	static const unsigned char junk[64] = {0xff, 0x03, 0x03, 0x00, 0x10};
	cr_assert_eq(mxp_tls_feed(c, junk, sizeof(junk)), 0);
	cr_assert_eq(mxp_tls_handshake(c), MXP_TLS_ERROR);
	cr_assert_eq(mxp_tls_error_kind(c), MXP_TLS_E_HANDSHAKE);
	cr_assert(strstr(mxp_tls_error(c), "not a TLS server?"), "%s", mxp_tls_error(c));
	cr_log_info("%s", mxp_tls_error(c));
	mxp_tls_free(c);
	mxp_tls_ctx_free(ctx);
}

Test(tls, close_notify_both_ways)
{
	struct pair p = connect_to(&pki.leaf, "localhost");
	cr_assert_eq(p.rc, MXP_TLS_OK);
	/* data, then the server's close_notify: the data first, then CLOSED, sticky */
	server_write(p.s, "bye", 3);
	cr_assert_geq(SSL_shutdown(p.s->ssl), 0);
	server_to_client(p.s, p.c, SIZE_MAX);
	char buf[16];
	cr_assert_eq(mxp_tls_read(p.c, buf, sizeof(buf)), 3);
	cr_assert(memcmp(buf, "bye", 3) == 0);
	cr_assert_eq(mxp_tls_read(p.c, buf, sizeof(buf)), MXP_TLS_CLOSED);
	CLEAN_QUEUE();
	cr_assert_eq(mxp_tls_read(p.c, buf, sizeof(buf)), MXP_TLS_CLOSED);
	cr_assert_eq(mxp_tls_error_kind(p.c), MXP_TLS_E_NONE);
	/* ours: queued, and the server sees a clean close */
	cr_assert_eq(mxp_tls_shutdown(p.c), MXP_TLS_OK);
	CLEAN_QUEUE();
	cr_assert_gt(client_to_server(p.c, p.s, SIZE_MAX), 0);
	size_t got = 0;
	cr_assert_eq(server_read_all(p.s, (unsigned char *)buf, &got, sizeof(buf)), SSL_ERROR_ZERO_RETURN);
	pair_free(&p);
}

Test(tls, client_close_notify_then_again)
{
	struct pair p = connect_to(&pki.leaf, "localhost");
	cr_assert_eq(p.rc, MXP_TLS_OK);
	cr_assert_eq(mxp_tls_write(p.c, "last", 4), MXP_TLS_OK);
	cr_assert_eq(mxp_tls_shutdown(p.c), MXP_TLS_OK);
	cr_assert_eq(mxp_tls_shutdown(p.c), MXP_TLS_OK, "%s", mxp_tls_error(p.c));
	CLEAN_QUEUE();
	client_to_server(p.c, p.s, SIZE_MAX);
	unsigned char buf[8];
	size_t got = 0;
	cr_assert_eq(server_read_all(p.s, buf, &got, sizeof(buf)), SSL_ERROR_ZERO_RETURN);
	cr_assert_eq(got, 4);
	pair_free(&p);
}

Test(tls, corrupted_record_is_a_protocol_error)
{
	struct pair p = connect_to(&pki.leaf, "localhost");
	cr_assert_eq(p.rc, MXP_TLS_OK);
	server_write(p.s, "some data that will be damaged", 30);
	char rec[256];
	int n = BIO_read(p.s->out, rec, sizeof(rec));
	cr_assert_gt(n, 20);
	rec[n - 5] ^= 0x40;
	cr_assert_eq(mxp_tls_feed(p.c, rec, (size_t)n), 0);
	char buf[64];
	cr_assert_eq(mxp_tls_read(p.c, buf, sizeof(buf)), MXP_TLS_ERROR);
	CLEAN_QUEUE();
	cr_assert_eq(mxp_tls_error_kind(p.c), MXP_TLS_E_PROTOCOL);
	cr_assert(strstr(mxp_tls_error(p.c), "TLS session failed: "), "%s", mxp_tls_error(p.c));
	cr_assert(strstr(mxp_tls_error(p.c), "bad record mac"), "%s", mxp_tls_error(p.c));
	/* the fatal alert for the server */
	const void *alert;
	cr_assert_gt(mxp_tls_pending(p.c, &alert), 0);
	pair_free(&p);
}

Test(tls, before_the_handshake)
{
	struct mxp_tls_options o = {.verify = true, .ca_file = pki.ca_pem};
	struct mxp_tls_ctx *ctx = ctx_ok(&o);
	cr_assert_null(mxp_tls_new(ctx, NULL));
	cr_assert_null(mxp_tls_new(ctx, ""));
	struct mxp_tls *c = tls_ok(ctx, "localhost");
	const void *d = "";
	cr_assert_eq(mxp_tls_pending(c, &d), 0);
	cr_assert_null(d);
	cr_assert_str_empty(mxp_tls_version(c));
	/* nothing to close yet */
	cr_assert_eq(mxp_tls_shutdown(c), MXP_TLS_OK);
	cr_assert_eq(mxp_tls_pending(c, &d), 0);
	cr_assert_eq(mxp_tls_write(c, "x", 1), MXP_TLS_ERROR);
	CLEAN_QUEUE();
	cr_assert_eq(mxp_tls_error_kind(c), MXP_TLS_E_PROTOCOL);
	mxp_tls_free(c);
	mxp_tls_ctx_free(ctx);
}

/* ---- the context's files ---- */

/* mxp_tls_ctx_new(o) fails with a message holding each of the NULL-ended strings. */
static void ctx_fails(const struct mxp_tls_options *o, ...)
{
	char err[512] = "";
	struct mxp_tls_ctx *ctx = mxp_tls_ctx_new(o, err, sizeof(err));
	cr_assert_null(ctx);
	CLEAN_QUEUE();
	va_list ap;
	va_start(ap, o);
	for (const char *want; (want = va_arg(ap, const char *));)
		cr_assert(strstr(err, want), "'%s' not in '%s'", want, err);
	va_end(ap);
	cr_log_info("%s", err);
}

Test(tls, context_file_errors)
{
	char missing[160];
	snprintf(missing, sizeof(missing), "%s/no-such-ca.pem", pki.dir);
	ctx_fails(&(struct mxp_tls_options){.verify = true, .ca_file = missing}, "CA file ", missing,
		  "No such file or directory", NULL);
	ctx_fails(&(struct mxp_tls_options){.verify = true, .ca_file = pki.garbage}, "CA file ", pki.garbage, NULL);
	ctx_fails(&(struct mxp_tls_options){.verify = true, .ca_path = missing}, "CA path ", missing,
		  "No such file or directory", NULL);
	ctx_fails(&(struct mxp_tls_options){.verify = true, .ca_path = pki.ca_pem}, "CA path ", pki.ca_pem,
		  "not a folder", NULL);
	ctx_fails(&(struct mxp_tls_options){.verify = true, .cert_file = pki.client_pem}, "both", "cert file",
		  pki.client_pem, NULL);
	ctx_fails(&(struct mxp_tls_options){.verify = true, .cert_file = missing, .key_file = pki.client_key},
		  "cert file ", missing, NULL);
	ctx_fails(&(struct mxp_tls_options){.verify = true, .cert_file = pki.client_pem, .key_file = missing},
		  "key file ", missing, NULL);
	ctx_fails(&(struct mxp_tls_options){.verify = true, .cert_file = pki.client_pem, .key_file = pki.garbage},
		  "key file ", pki.garbage, NULL);
	ctx_fails(&(struct mxp_tls_options){.verify = true, .cert_file = pki.client_pem, .key_file = pki.other_key},
		  "key file ", pki.other_key, "does not match cert file ", pki.client_pem, NULL);
	ctx_fails(&(struct mxp_tls_options){.verify = true, .cert_file = pki.client_pem,
					    .key_file = pki.encrypted_key},
		  "key file ", pki.encrypted_key, "encrypted", "no passphrase", NULL);
	/* the same files, right: it loads */
	struct mxp_tls_ctx *ctx = ctx_ok(&(struct mxp_tls_options){
		.verify = true, .ca_file = pki.ca_pem, .ca_path = pki.ca_path, .cert_file = pki.client_pem,
		.key_file = pki.client_key});
	mxp_tls_ctx_free(ctx);
	mxp_tls_ctx_free(NULL);
	mxp_tls_free(NULL);
}
