/* stream_receiver.c — netdata children streaming to mxpd (see the header).
 *
 * The list of children (one per machine GUID ever seen) lives as long as the receiver:
 * a child's parser and host survive its disconnections. A session thread owns its
 * child while `connected` is set; the flag is taken and given back under the list's
 * mutex, so two connections of one GUID never write at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "collect/plugin_protocol.h"
#include "collect/store_internal.h"
#include "collect/stream_handshake.h"
#include "config/stream_conf.h"
#include "engine/log.h"
#include "stream_receiver.h"

#define READ_BUFFER 65536
#define HELLO_TIMEOUT_S 10

struct child {
	char guid[64];
	char hostname[256];       /* as the child named itself */
	char tags[1024];
	int update_every;
	struct mxp_host *host;    /* NULL until its labels (or first chart) came */
	struct mxp_pp *pp;
	struct mxp_stream_receiver *r;
	bool connected;           /* a session owns it (under r->lock) */
	bool told_labels_changed;
	int session_fd;           /* the owning session's socket, -1 when none */
	unsigned connections;
	char name[320];           /* for the log: "hostname (ip)" */
};

struct session {
	struct mxp_stream_receiver *r;
	int fd;
	char ip[INET6_ADDRSTRLEN];
	pthread_t thread;
	struct session *next;
	bool done;                /* the thread has returned (under r->lock) */
};

struct mxp_stream_receiver {
	struct mxp_store *store;
	struct mxp_stream_conf *keys;
	int listen_fd;
	int wake_fd;              /* eventfd: stop */
	uint16_t port;
	int timeout_s;
	pthread_t acceptor;

	pthread_mutex_t lock;     /* children, sessions, stopping */
	struct child **children;
	size_t nchildren;
	struct session *sessions;
	bool stopping;
	/* refusals are logged once a minute per child and reason: a misconfigured child
	 * retries every few seconds */
	struct refusal {
		uint64_t hash;
		int64_t last_ms;
		unsigned held;
	} refusals[64];
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool send_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		s += w;
		n -= (size_t)w;
	}
	return true;
}

/* Logs a refusal, unless the same (who, why) was logged less than a minute ago. */
static void log_refusal(struct mxp_stream_receiver *r, const char *who, const char *why, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void log_refusal(struct mxp_stream_receiver *r, const char *who, const char *why, const char *fmt, ...)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a of who, then why */
	for (const char *p = who; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	for (const char *p = why; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	int64_t now = mono_ms();
	pthread_mutex_lock(&r->lock);
	struct refusal *slot = &r->refusals[h % 64];
	bool quiet = slot->hash == h && now - slot->last_ms < 60000;
	unsigned held = 0;
	if (quiet) {
		slot->held++;
	} else {
		held = slot->hash == h ? slot->held : 0;
		*slot = (struct refusal){.hash = h, .last_ms = now};
	}
	pthread_mutex_unlock(&r->lock);
	if (quiet)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (held)
		mxp_log(MXP_LOG_WARNING, "%s (and %u more times in the last minute)", line, held);
	else
		mxp_log(MXP_LOG_WARNING, "%s", line);
}

/* ---- the parser's callbacks, per child ---- */

static bool same_labels(const struct mxp_host *h, const struct mxp_label *l, size_t n);

static void on_problem(void *arg, enum mxp_pp_problem kind, uint64_t line_no, const char *line, const char *why)
{
	struct child *c = arg;
	mxp_log(MXP_LOG_WARNING, "stream %s: line %llu: %s: %s (%s; further lines of this kind are counted, not logged)",
		c->name, (unsigned long long)line_no, mxp_pp_problem_name(kind), line, why);
}

/* The child's host: its own name, or NAME-GUID8 when another host of the store has it. */
static struct mxp_host *host_create(struct child *c, const struct mxp_label *labels, size_t n)
{
	struct mxp_store *s = c->r->store;
	struct mxp_host *h = mxp_host_add(s, c->hostname, c->tags, labels, n);
	if (h == NULL && errno == EEXIST) {
		char alt[300];
		snprintf(alt, sizeof(alt), "%s-%.8s", c->hostname, c->guid);
		h = mxp_host_add(s, alt, c->tags, labels, n);
		if (h != NULL)
			mxp_log(MXP_LOG_WARNING, "stream %s: another host is named '%s': this child's is '%s'", c->name,
				c->hostname, alt);
	}
	if (h == NULL)
		mxp_log(MXP_LOG_ERROR, "stream %s: cannot add its host: %s", c->name, strerror(errno));
	else
		mxp_log(MXP_LOG_INFO, "stream %s: host '%s' created with %zu label%s%s%s", c->name, c->hostname, n,
			n == 1 ? "" : "s", c->tags[0] ? ", tags " : "", c->tags);
	return h;
}

static struct mxp_host *on_host_labels(void *arg, const struct mxp_label *labels, size_t n)
{
	struct child *c = arg;
	if (c->host == NULL) {
		c->host = host_create(c, labels, n);
		return c->host;
	}
	if (!same_labels(c->host, labels, n) && !c->told_labels_changed) {
		/* the store's host labels are immutable for its lock-free readers */
		mxp_log(MXP_LOG_WARNING, "stream %s: its host labels changed; mxp keeps the first set until it restarts",
			c->name);
		c->told_labels_changed = true;
	}
	return NULL;
}

static struct mxp_host *on_need_host(void *arg)
{
	struct child *c = arg;
	if (c->host == NULL)
		c->host = host_create(c, NULL, 0);
	return c->host;
}

/* Streaming's commands beyond a plugin's: CLAIMED_ID (netdata Cloud's claim) is
 * read and not kept. */
static int on_command(void *arg, char **w, size_t n)
{
	(void)arg;
	if (strcmp(w[0], "CLAIMED_ID") == 0)
		return n >= 3 ? 1 : -1;
	return 0;
}

/* ---- children ---- */

/* Finds or adds the child of h's GUID and takes it for this session; NULL when another
 * session has it (or out of memory: *busy false). */
static struct child *child_take(struct mxp_stream_receiver *r, const struct mxp_stream_hello *h, int fd,
				const char *ip, bool *busy)
{
	*busy = false;
	pthread_mutex_lock(&r->lock);
	struct child *c = NULL;
	for (size_t i = 0; i < r->nchildren; i++)
		if (strcmp(r->children[i]->guid, h->machine_guid) == 0)
			c = r->children[i];
	if (c != NULL && c->connected) {
		*busy = true;
		pthread_mutex_unlock(&r->lock);
		return NULL;
	}
	if (c == NULL) {
		struct child **a = realloc(r->children, (r->nchildren + 1) * sizeof(*a));
		c = a ? calloc(1, sizeof(*c)) : NULL;
		if (a != NULL)
			r->children = a;
		if (c != NULL) {
			c->r = r;
			snprintf(c->guid, sizeof(c->guid), "%s", h->machine_guid);
			snprintf(c->hostname, sizeof(c->hostname), "%s", h->hostname);
			snprintf(c->tags, sizeof(c->tags), "%s", h->tags);
			c->update_every = h->update_every > 0 ? h->update_every : 1;
			struct mxp_pp_callbacks cb = {.problem = on_problem,
						      .command = on_command,
						      .host_labels = on_host_labels,
						      .need_host = on_need_host,
						      .arg = c};
			c->pp = mxp_pp_new(NULL, c->update_every, &cb);
			if (c->pp == NULL) {
				free(c);
				c = NULL;
			} else {
				r->children[r->nchildren++] = c;
			}
		}
	}
	if (c != NULL) {
		c->connected = true;
		c->session_fd = fd;
		c->connections++;
		snprintf(c->name, sizeof(c->name), "%s (%s)", c->hostname, ip);
	}
	pthread_mutex_unlock(&r->lock);
	return c;
}

static void child_give_back(struct mxp_stream_receiver *r, struct child *c)
{
	mxp_pp_reset(c->pp);
	pthread_mutex_lock(&r->lock);
	c->connected = false;
	c->session_fd = -1;
	pthread_mutex_unlock(&r->lock);
}

/* Whether the host has exactly these labels (in any order). */
static bool same_labels(const struct mxp_host *h, const struct mxp_label *l, size_t n)
{
	if (h->nlabels != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t j = 0; j < h->nlabels && !found; j++)
			found = strcmp(h->labels[j].name, l[i].name) == 0 && strcmp(h->labels[j].value, l[i].value) == 0;
		if (!found)
			return false;
	}
	return true;
}

/* ---- a session ---- */

/* Reads the child's request; returns its length (bytes of buf used), 0 on a bad one
 * (why set), -1 when the connection ended or timed out. Leftover bytes after the request
 * stay in buf after the returned length (*got says how many were read in all). */
static ssize_t read_hello(int fd, char *buf, size_t cap, struct mxp_stream_hello *h, size_t *got, const char **why)
{
	*got = 0;
	for (;;) {
		ssize_t n = recv(fd, buf + *got, cap - *got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*why = n == 0 ? "closed before its request ended" : "no request within 10 s";
			return -1;
		}
		*got += (size_t)n;
		int rc = mxp_stream_hello_parse(buf, *got, h, why);
		if (rc == 0)
			return (ssize_t)h->length;
		if (rc < 0)
			return 0;
		if (*got == cap) {
			*why = "a request longer than 8192 bytes";
			return 0;
		}
	}
}

static void session_run(struct session *s)
{
	struct mxp_stream_receiver *r = s->r;
	char *buf = malloc(READ_BUFFER);
	if (buf == NULL)
		return;
	struct timeval tv = {.tv_sec = HELLO_TIMEOUT_S};
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct mxp_stream_hello h;
	size_t got = 0;
	const char *why = "";
	ssize_t used = read_hello(s->fd, buf, MXP_STREAM_HELLO_MAX, &h, &got, &why);
	if (used <= 0) {
		log_refusal(r, s->ip, why, "stream from %s: not a child's request: %s", s->ip, why);
		free(buf);
		return;
	}
	char reason[600];
	if (mxp_stream_conf_allow(r->keys, h.key, h.machine_guid, s->ip, reason, sizeof(reason)) != 0) {
		send_all(s->fd, MXP_STREAM_ERROR_DENIED, sizeof(MXP_STREAM_ERROR_DENIED) - 1);
		log_refusal(r, h.machine_guid, reason, "stream from %s: %s (%s) refused: %s", s->ip, h.hostname,
			    h.machine_guid, reason);
		free(buf);
		return;
	}
	bool busy;
	struct child *c = child_take(r, &h, s->fd, s->ip, &busy);
	if (c == NULL) {
		if (busy)
			send_all(s->fd, MXP_STREAM_ERROR_ALREADY, sizeof(MXP_STREAM_ERROR_ALREADY) - 1);
		const char *what = busy ? "this GUID is streaming already" : "out of memory";
		log_refusal(r, h.machine_guid, what, "stream from %s: %s (%s) refused: %s", s->ip, h.hostname,
			    h.machine_guid, what);
		free(buf);
		return;
	}
	char prompt[128];
	int version = mxp_stream_negotiate(&h, prompt, sizeof(prompt));
	if (!send_all(s->fd, prompt, strlen(prompt))) {
		child_give_back(r, c);
		free(buf);
		return;
	}
	mxp_log(MXP_LOG_INFO, "stream %s: connected (%s, guid %s, update every %d s, ver %u): protocol version %d%s",
		c->name, h.program_version[0] ? h.program_version : "netdata", c->guid, c->update_every, h.ver, version,
		c->connections > 1 ? ", resuming its host" : "");
	tv.tv_sec = r->timeout_s;
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	int64_t started = mono_ms();
	struct mxp_pp_stats before;
	mxp_pp_get_stats(c->pp, &before);
	/* what came with the request (a child does not write before the prompt, but may) */
	if ((size_t)used < got)
		mxp_pp_feed(c->pp, buf + used, got - (size_t)used, NULL);
	const char *end = "closed the connection";
	for (;;) {
		ssize_t n = recv(s->fd, buf, READ_BUFFER, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			end = "sent nothing for `timeout seconds`";
			break;
		}
		if (n <= 0) {
			if (n < 0)
				end = strerror(errno);
			break;
		}
		if (mxp_pp_feed(c->pp, buf, (size_t)n, NULL) == MXP_PP_DISABLE) {
			end = "said DISABLE";
			break;
		}
	}
	struct mxp_pp_stats after;
	mxp_pp_get_stats(c->pp, &after);
	pthread_mutex_lock(&r->lock);
	bool stopping = r->stopping;
	pthread_mutex_unlock(&r->lock);
	mxp_log(stopping ? MXP_LOG_INFO : MXP_LOG_WARNING,
		"stream %s: disconnected after %.1f s (%s): %llu lines, %llu charts, %llu dims, %llu updates, %llu values, "
		"%llu malformed",
		c->name, (double)(mono_ms() - started) / 1000, stopping ? "mxpd stops" : end,
		(unsigned long long)(after.lines - before.lines), (unsigned long long)(after.charts - before.charts),
		(unsigned long long)(after.dims - before.dims), (unsigned long long)(after.updates - before.updates),
		(unsigned long long)(after.values - before.values), (unsigned long long)(after.malformed - before.malformed));
	child_give_back(r, c);
	free(buf);
}

static void *session_main(void *arg)
{
	struct session *s = arg;
	session_run(s);
	pthread_mutex_lock(&s->r->lock);
	close(s->fd);
	s->fd = -1;
	s->done = true;
	pthread_mutex_unlock(&s->r->lock);
	return NULL;
}

/* Joins and frees the sessions that ended (all of them when all is set). */
static void sessions_reap(struct mxp_stream_receiver *r, bool all)
{
	for (;;) {
		struct session *done = NULL;
		pthread_mutex_lock(&r->lock);
		for (struct session **p = &r->sessions; *p != NULL; p = &(*p)->next) {
			if ((*p)->done || all) {
				done = *p;
				*p = done->next;
				break;
			}
		}
		pthread_mutex_unlock(&r->lock);
		if (done == NULL)
			return;
		pthread_join(done->thread, NULL);
		free(done);
	}
}

static void *acceptor_main(void *arg)
{
	struct mxp_stream_receiver *r = arg;
	struct pollfd pf[2] = {{.fd = r->listen_fd, .events = POLLIN}, {.fd = r->wake_fd, .events = POLLIN}};
	for (;;) {
		int n = poll(pf, 2, 1000);
		if (n < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			break;
		sessions_reap(r, false);
		if (n <= 0 || !(pf[0].revents & POLLIN))
			continue;
		struct sockaddr_storage sa;
		socklen_t sl = sizeof(sa);
		int fd = accept4(r->listen_fd, (struct sockaddr *)&sa, &sl, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		struct session *s = calloc(1, sizeof(*s));
		if (s == NULL) {
			close(fd);
			continue;
		}
		s->r = r;
		s->fd = fd;
		if (sa.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, s->ip, sizeof(s->ip));
		else
			inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, s->ip, sizeof(s->ip));
		/* an IPv4 client of an IPv6 socket: netdata matches allow from on the v4 form */
		if (strncmp(s->ip, "::ffff:", 7) == 0 && strchr(s->ip + 7, '.') != NULL)
			memmove(s->ip, s->ip + 7, strlen(s->ip + 7) + 1);
		pthread_mutex_lock(&r->lock);
		s->next = r->sessions;
		r->sessions = s;
		int e = pthread_create(&s->thread, NULL, session_main, s);
		if (e != 0) {
			r->sessions = s->next;
			close(fd);
			free(s);
		}
		pthread_mutex_unlock(&r->lock);
		if (e == 0)
			pthread_setname_np(s->thread, "mxp-stream");
	}
	return NULL;
}

/* Binds "[IP:]PORT" (IPv6 in brackets; no IP: every IPv4 and IPv6 address). */
static int bind_listen(const char *spec, uint16_t *port_out)
{
	char host[256] = "", port[16];
	const char *colon = NULL;
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		snprintf(host, sizeof(host), "%.*s", (int)(close - spec - 1), spec + 1);
		colon = close + 1;
	} else if ((colon = strrchr(spec, ':')) != NULL) {
		snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
	}
	snprintf(port, sizeof(port), "%s", colon ? colon + 1 : spec);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai;
	int e = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
	if (e != 0) {
		mxp_log(MXP_LOG_ERROR, "[stream] listen = %s: %s", spec, gai_strerror(e));
		errno = EINVAL;
		return -1;
	}
	/* without an IP, the IPv6 wildcard takes IPv4 too (not v6-only) */
	struct addrinfo *pick = ai;
	for (struct addrinfo *a = ai; a != NULL && host[0] == '\0'; a = a->ai_next)
		if (a->ai_family == AF_INET6)
			pick = a;
	int fd = socket(pick->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1, zero = 0;
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (pick->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	}
	if (fd < 0 || bind(fd, pick->ai_addr, pick->ai_addrlen) != 0 || listen(fd, 128) != 0) {
		int err = errno;
		mxp_log(MXP_LOG_ERROR, "[stream] listen = %s: %s", spec, strerror(err));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		errno = err;
		return -1;
	}
	freeaddrinfo(ai);
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	*port_out = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
						  : ((struct sockaddr_in *)&sa)->sin_port);
	return fd;
}

struct mxp_stream_receiver *mxp_stream_receiver_start(struct mxp_store *store, const struct mxp_stream_listen_conf *conf)
{
	char err[600];
	struct mxp_stream_receiver *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->store = store;
	r->timeout_s = conf->timeout_s > 0 ? conf->timeout_s : 60;
	r->wake_fd = -1;
	pthread_mutex_init(&r->lock, NULL);
	r->keys = mxp_stream_conf_load(conf->stream_config_path, err, sizeof(err));
	if (r->keys == NULL) {
		mxp_log(MXP_LOG_ERROR, "[stream] stream config: %s", err);
		free(r);
		errno = EINVAL;
		return NULL;
	}
	r->listen_fd = bind_listen(conf->listen, &r->port);
	r->wake_fd = r->listen_fd >= 0 ? eventfd(0, EFD_CLOEXEC) : -1;
	if (r->listen_fd < 0 || r->wake_fd < 0 || pthread_create(&r->acceptor, NULL, acceptor_main, r) != 0) {
		int e = errno;
		if (r->listen_fd >= 0)
			close(r->listen_fd);
		if (r->wake_fd >= 0)
			close(r->wake_fd);
		mxp_stream_conf_free(r->keys);
		free(r);
		errno = e;
		return NULL;
	}
	pthread_setname_np(r->acceptor, "mxp-accept");
	mxp_log(MXP_LOG_INFO, "[stream] listening on %s (port %u) for netdata children; API keys from %s (%zu enabled)",
		conf->listen, r->port, conf->stream_config_path, mxp_stream_conf_enabled_keys(r->keys));
	return r;
}

uint16_t mxp_stream_receiver_port(const struct mxp_stream_receiver *r)
{
	return r->port;
}

void mxp_stream_receiver_stop(struct mxp_stream_receiver *r)
{
	if (r == NULL)
		return;
	uint64_t one = 1;
	if (write(r->wake_fd, &one, sizeof(one)) < 0)
		mxp_log(MXP_LOG_WARNING, "[stream] cannot wake the acceptor: %s", strerror(errno));
	pthread_join(r->acceptor, NULL);
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	for (struct session *s = r->sessions; s != NULL; s = s->next)
		if (s->fd >= 0)
			shutdown(s->fd, SHUT_RDWR); /* wakes its recv */
	pthread_mutex_unlock(&r->lock);
	sessions_reap(r, true);
	for (size_t i = 0; i < r->nchildren; i++) {
		mxp_pp_free(r->children[i]->pp);
		free(r->children[i]);
	}
	free(r->children);
	close(r->listen_fd);
	close(r->wake_fd);
	mxp_stream_conf_free(r->keys);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
