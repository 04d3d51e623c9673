/* fuzz_plugin_protocol.c — netdata's plugins.d protocol (src/collect/plugin_protocol.c)
 * on any bytes, into a real store. The bytes are read twice, by two parsers into two
 * stores: once in pieces whose sizes come from the first input bytes, once whole. Both
 * must count the same (lines, charts, dims, updates, values, every problem kind): how
 * the pipe or socket cut the stream must not change what is read. The counters must
 * add up (malformed = the sum of problems; no more values than SET lines), and every
 * chart the parser made must be in its store with the dims it counted.
 *
 * Input: bytes 0..1 are piece sizes (cycled; 0 means 1 byte), the rest is the stream.
 *
 * Built with -fsanitize=fuzzer it is a libFuzzer target; linked with
 * tests/fuzz/replay_main.c it replays a corpus (make test does). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collect/plugin_protocol.h"
#include "collect/store_internal.h"

#define HEADER_BYTES 2u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mxp_host *other_host;

/* OVERWRITE labels moves the stream to a second host, as the streaming source does */
static struct mxp_host *on_labels(void *arg, const struct mxp_label *l, size_t n)
{
	(void)arg;
	for (size_t i = 0; i < n; i++)
		if (l[i].name == NULL || l[i].value == NULL || l[i].name[0] == '\0')
			__builtin_trap();
	return other_host;
}

/* the streaming source's extra commands: one it takes, one it finds malformed */
static int on_command(void *arg, char **w, size_t n)
{
	(void)arg;
	if (strcmp(w[0], "CLAIMED_ID") == 0)
		return n == 3 ? 1 : -1;
	return 0;
}

struct run {
	struct mxp_store *store;
	struct mxp_pp *pp;
	struct mxp_pp_stats stats;
	size_t store_dims;
};

static void run(struct run *r, const uint8_t *data, size_t size, const uint8_t *cuts)
{
	r->store = mxp_store_new(&(struct mxp_store_options){.history = 8});
	struct mxp_host *h = mxp_host_add(r->store, "local", NULL, NULL, 0);
	other_host = mxp_host_add(r->store, "child", NULL, NULL, 0);
	/* a chart of another writer, for CHART t.owned to collide with */
	mxp_chart_add(h, &(struct mxp_chart_def){.type = "t", .id = "owned", .update_every = 1});
	struct mxp_pp_callbacks cb = {.host_labels = on_labels, .command = on_command};
	r->pp = mxp_pp_new(h, 1, &cb);
	struct timeval tv = {.tv_sec = 1700000000, .tv_usec = 0};
	size_t off = 0, k = 0;
	while (off < size) {
		size_t piece = cuts ? (cuts[k++ % HEADER_BYTES] ? cuts[(k - 1) % HEADER_BYTES] : 1) : size;
		if (piece > size - off)
			piece = size - off;
		/* each piece in an allocation of its own size: ASan sees any read past it */
		char *buf = malloc(piece ? piece : 1);
		memcpy(buf, data + off, piece);
		if (mxp_pp_feed(r->pp, buf, piece, &tv) == MXP_PP_DISABLE)
			off = size;
		free(buf);
		off += piece;
	}
	mxp_pp_get_stats(r->pp, &r->stats);
	r->store_dims = 0;
	for (struct mxp_host *hh = r->store->hosts; hh; hh = hh->next)
		for (struct mxp_chart *c = hh->charts; c; c = c->next)
			r->store_dims += c->ndims;
}

static void finish(struct run *r)
{
	mxp_pp_free(r->pp);
	mxp_store_free(r->store);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER_BYTES)
		return 0;
	struct run a, b;
	run(&a, data + HEADER_BYTES, size - HEADER_BYTES, data);
	run(&b, data + HEADER_BYTES, size - HEADER_BYTES, NULL);
	const struct mxp_pp_stats *sa = &a.stats, *sb = &b.stats;
	if (sa->lines != sb->lines || sa->charts != sb->charts || sa->dims != sb->dims ||
	    sa->updates != sb->updates || sa->values != sb->values || sa->flushed != sb->flushed ||
	    sa->variables != sb->variables || sa->ignored != sb->ignored || sa->obsoleted != sb->obsoleted ||
	    sa->malformed != sb->malformed)
		__builtin_trap();
	uint64_t sum = 0;
	for (int k = 0; k < MXP_PP_NPROBLEMS; k++) {
		if (sa->problems[k] != sb->problems[k])
			__builtin_trap();
		sum += sa->problems[k];
	}
	if (sum != sa->malformed)
		__builtin_trap();
	/* dims live in charts: obsolete charts take theirs out of the store */
	if (sa->obsoleted == 0 && a.store_dims != sa->dims)
		__builtin_trap();
	if (a.store_dims != b.store_dims)
		__builtin_trap();
	finish(&a);
	finish(&b);
	return 0;
}
