/* store.c — hosts, charts and dimensions: structure under a writers' mutex, values under
 * a per-chart sequence counter, reclamation through ck_epoch.
 * The concurrency contract is stated in mxp/store.h and store_internal.h. */
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collect/store_internal.h"
#include "collect/tsan_annotate.h"

#define CONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

static const char *const algorithm_names[] = {
	[MXP_ALG_ABSOLUTE] = "absolute",
	[MXP_ALG_INCREMENTAL] = "incremental",
	[MXP_ALG_PCENT_OVER_ROW] = "percentage-of-absolute-row",
	[MXP_ALG_PCENT_OVER_DIFF] = "percentage-of-incremental-row",
};

const char *mxp_algorithm_name(enum mxp_algorithm alg)
{
	if ((unsigned)alg >= sizeof(algorithm_names) / sizeof(algorithm_names[0]))
		return "absolute";
	return algorithm_names[alg];
}

int mxp_algorithm_parse(const char *name, enum mxp_algorithm *out)
{
	for (size_t i = 0; i < sizeof(algorithm_names) / sizeof(algorithm_names[0]); i++) {
		if (strcmp(name, algorithm_names[i]) == 0) {
			*out = (enum mxp_algorithm)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- allocation helpers ---- */

static char *dup_or_null(const char *s, bool *failed)
{
	if (s == NULL)
		return NULL;
	char *d = strdup(s);
	if (d == NULL)
		*failed = true;
	return d;
}

static struct mxp_label *labels_dup(const struct mxp_label *src, size_t n, bool *failed)
{
	if (n == 0)
		return NULL;
	struct mxp_label *l = calloc(n, sizeof(*l));
	if (l == NULL) {
		*failed = true;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		l[i].name = dup_or_null(src[i].name, failed);
		l[i].value = dup_or_null(src[i].value ? src[i].value : "", failed);
	}
	return l;
}

static void labels_free(struct mxp_label *l, size_t n)
{
	for (size_t i = 0; l != NULL && i < n; i++) {
		free((char *)l[i].name);
		free((char *)l[i].value);
	}
	free(l);
}

static void dim_free(struct mxp_store *s, struct mxp_dim *d)
{
	/* the dim's templates go with its serial (series_cache.h) */
	mxp_series_cache_serial_give_back(&s->series, d->serial);
	free(d->id);
	free(d->name);
	mxp_dim_slab_give_back(&s->dim_slab, d);
}

static void chart_free(struct mxp_chart *c)
{
	struct mxp_dim *d = c->dims;
	while (d != NULL) {
		struct mxp_dim *next = d->next;
		dim_free(c->store, d);
		d = next;
	}
	free(c->id);
	free(c->name);
	free(c->type);
	free(c->family);
	free(c->context);
	free(c->units);
	free(c->title);
	free(c->chart_type);
	labels_free(c->labels, c->nlabels);
	free(c->slots_own); /* the published table, if any (older ones went through the epoch) */
	free(c);
}

static void host_free(struct mxp_host *h)
{
	struct mxp_chart *c = h->charts;
	while (c != NULL) {
		struct mxp_chart *next = c->next;
		chart_free(c);
		c = next;
	}
	free(h->hostname);
	free(h->tags);
	labels_free(h->labels, h->nlabels);
	free(h);
}

/* ---- the store ---- */

struct mxp_store *mxp_store_new(const struct mxp_store_options *opt)
{
	struct mxp_store *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->history = (opt != NULL && opt->history > 0) ? opt->history : MXP_STORE_DEFAULT_HISTORY;
	s->table_alloc = aligned_alloc;
	if (s->history > MXP_STORE_MAX_HISTORY ||
	    mxp_dim_slab_init(&s->dim_slab, sizeof(struct mxp_dim)) != 0) {
		free(s);
		errno = EINVAL;
		return NULL;
	}
	mxp_series_cache_init(&s->series);
	if (pthread_rwlock_init(&s->structure_lock, NULL) != 0) {
		mxp_dim_slab_destroy(&s->dim_slab);
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->readers_lock, NULL);
	ck_epoch_init(&s->epoch);
	ck_epoch_register(&s->epoch, &s->reclaim_record, NULL);
	return s;
}

void mxp_store_free(struct mxp_store *s)
{
	if (s == NULL)
		return;
	/* Runs the callbacks of earlier removals; no reader is left to wait for. */
	ck_epoch_barrier(&s->reclaim_record);
	mxp_tsan_acquire(&s->epoch);
	struct mxp_host *h = s->hosts;
	while (h != NULL) {
		struct mxp_host *next = h->next;
		host_free(h);
		h = next;
	}
	ck_epoch_unregister(&s->reclaim_record);
	mxp_series_cache_destroy(&s->series);
	mxp_dim_slab_destroy(&s->dim_slab);
	while (s->readers_owned != NULL) {
		struct mxp_store_reader *next = s->readers_owned->next_owned;
		free(s->readers_owned);
		s->readers_owned = next;
	}
	pthread_mutex_destroy(&s->readers_lock);
	pthread_rwlock_destroy(&s->structure_lock);
	free(s);
}

/* ---- readers ---- */

struct mxp_store_reader *mxp_store_reader_get(struct mxp_store *store)
{
	ck_epoch_record_t *rec = ck_epoch_recycle(&store->epoch, NULL);
	if (rec != NULL)
		return CONTAINER_OF(rec, struct mxp_store_reader, record);
	struct mxp_store_reader *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	ck_epoch_register(&store->epoch, &r->record, NULL);
	pthread_mutex_lock(&store->readers_lock);
	r->next_owned = store->readers_owned;
	store->readers_owned = r;
	pthread_mutex_unlock(&store->readers_lock);
	return r;
}

void mxp_store_reader_put(struct mxp_store_reader *r)
{
	if (r != NULL)
		ck_epoch_unregister(&r->record);
}

void mxp_store_read_begin(struct mxp_store_reader *r)
{
	ck_epoch_begin(&r->record, NULL);
}

void mxp_store_read_end(struct mxp_store_reader *r)
{
	/* Tells TSan what ck_epoch guarantees but does in uninstrumented libck: whatever
	 * this reader did in its section happens before a reclaim that waited for it. */
	mxp_tsan_release(r->record.global);
	ck_epoch_end(&r->record, NULL);
}

/* ---- reclamation ---- */

static void host_reclaim(ck_epoch_entry_t *e)
{
	struct mxp_host *h = CONTAINER_OF(e, struct mxp_host, epoch_entry);
	mxp_tsan_acquire(&h->store->epoch);
	host_free(h);
}

static void chart_reclaim(ck_epoch_entry_t *e)
{
	struct mxp_chart *c = CONTAINER_OF(e, struct mxp_chart, epoch_entry);
	mxp_tsan_acquire(&c->store->epoch);
	chart_free(c);
}

/* ---- structure (writers) ---- */

struct mxp_host *mxp_host_add(struct mxp_store *s, const char *hostname, const char *tags,
			      const struct mxp_label *labels, size_t nlabels)
{
	if (hostname == NULL || *hostname == '\0') {
		errno = EINVAL;
		return NULL;
	}
	bool failed = false;
	struct mxp_host *h = calloc(1, sizeof(*h));
	if (h == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	h->store = s;
	h->hostname = dup_or_null(hostname, &failed);
	h->tags = (tags != NULL && *tags != '\0') ? dup_or_null(tags, &failed) : NULL;
	h->labels = labels_dup(labels, nlabels, &failed);
	h->nlabels = failed ? 0 : nlabels;
	if (failed) {
		host_free(h);
		errno = ENOMEM;
		return NULL;
	}

	pthread_rwlock_wrlock(&s->structure_lock);
	for (struct mxp_host *o = s->hosts; o != NULL; o = o->next) {
		if (strcmp(o->hostname, hostname) == 0) {
			pthread_rwlock_unlock(&s->structure_lock);
			host_free(h);
			errno = EEXIST;
			return NULL;
		}
	}
	h->serial = s->next_host_serial++;
	h->is_localhost = (s->hosts == NULL && h->serial == 0);
	/* the host is whole before a reader can reach it */
	if (s->hosts_tail == NULL)
		ck_pr_store_ptr(&s->hosts, h);
	else
		ck_pr_store_ptr(&s->hosts_tail->next, h);
	s->hosts_tail = h;
	ck_epoch_poll(&s->reclaim_record);
	pthread_rwlock_unlock(&s->structure_lock);
	return h;
}

static char *join_type_id(const char *type, const char *id, bool *failed)
{
	char *out = NULL;
	if (asprintf(&out, "%s.%s", type, id) < 0) {
		*failed = true;
		return NULL;
	}
	return out;
}

struct mxp_chart *mxp_chart_add(struct mxp_host *host, const struct mxp_chart_def *def)
{
	if (def == NULL || def->type == NULL || def->id == NULL || *def->type == '\0' ||
	    *def->id == '\0' || def->update_every < 1) {
		errno = EINVAL;
		return NULL;
	}
	struct mxp_store *s = host->store;
	bool failed = false;
	struct mxp_chart *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	c->host = host;
	c->store = s;
	c->id = join_type_id(def->type, def->id, &failed);
	c->name = join_type_id(def->type, def->name ? def->name : def->id, &failed);
	c->type = dup_or_null(def->type, &failed);
	c->family = dup_or_null(def->family ? def->family : def->id, &failed);
	c->context = def->context ? dup_or_null(def->context, &failed)
				  : join_type_id(def->type, def->id, &failed);
	c->units = dup_or_null(def->units ? def->units : "", &failed);
	c->title = dup_or_null(def->title ? def->title : "", &failed);
	c->chart_type = dup_or_null(def->chart_type ? def->chart_type : "line", &failed);
	c->update_every = def->update_every;
	c->labels = labels_dup(def->labels, def->nlabels, &failed);
	c->nlabels = failed ? 0 : def->nlabels;
	ck_sequence_init(&c->seq);
	if (failed) {
		chart_free(c);
		errno = ENOMEM;
		return NULL;
	}

	pthread_rwlock_wrlock(&s->structure_lock);
	for (struct mxp_chart *o = host->charts; o != NULL; o = o->next) {
		if (strcmp(o->id, c->id) == 0) {
			pthread_rwlock_unlock(&s->structure_lock);
			chart_free(c);
			errno = EEXIST;
			return NULL;
		}
	}
	c->serial = s->next_chart_serial++;
	/* the chart is whole before a reader can reach it */
	if (host->charts_tail == NULL)
		ck_pr_store_ptr(&host->charts, c);
	else
		ck_pr_store_ptr(&host->charts_tail->next, c);
	host->charts_tail = c;
	ck_epoch_poll(&s->reclaim_record);
	pthread_rwlock_unlock(&s->structure_lock);
	return c;
}

static void chart_slots_reclaim(ck_epoch_entry_t *e)
{
	struct mxp_chart_slots *t = CONTAINER_OF(e, struct mxp_chart_slots, epoch_entry);
	mxp_tsan_acquire(&t->store->epoch);
	free(t);
}

/* Replaces c's slot table with one of `cap` columns: the first `keep` columns of every
 * row and their heads copied (the writer's own, no longer written in the old table: the
 * writer is here), the rest NAN and no dim; a chart's first table gets the heads of the
 * dims it has (none of them has anything stored). The new one is published (a store
 * fence, then the pointer: before any dim that needs it, which mxp_dim_add publishes
 * after its own fence), and the old one, if any, goes through the epoch (struct
 * mxp_chart_slots says why readers may still hold it), which needs structure_lock. 0 or
 * -ENOMEM (then nothing changed). */
static int chart_slots_replace(struct mxp_store *s, struct mxp_chart *c, uint32_t cap, uint32_t keep)
{
	struct mxp_chart_slots *old = c->slots_own;
	size_t cells, bytes, heads;
	if (__builtin_mul_overflow((size_t)s->history, (size_t)cap, &cells) ||
	    __builtin_mul_overflow(cells, sizeof(double), &bytes) ||
	    __builtin_mul_overflow((size_t)cap, sizeof(struct mxp_slot_col), &heads) ||
	    __builtin_add_overflow(bytes, heads, &bytes) ||
	    __builtin_add_overflow(bytes, sizeof(struct mxp_chart_slots) + 63, &bytes))
		return -ENOMEM;
	struct mxp_chart_slots *t = s->table_alloc(64, bytes & ~(size_t)63);
	if (t == NULL)
		return -ENOMEM;
	t->cap = cap;
	t->history = s->history;
	t->store = s;
	t->cols = (struct mxp_slot_col *)&t->cell[cells];
	memset(&t->epoch_entry, 0, sizeof(t->epoch_entry));
	for (size_t i = 0; i < cells; i++)
		t->cell[i] = NAN;
	for (unsigned row = 0; old != NULL && row < s->history; row++)
		memcpy(&t->cell[(size_t)row * cap], &old->cell[(size_t)row * old->cap], keep * sizeof(double));
	memset(t->cols, 0, heads);
	if (old != NULL) {
		memcpy(t->cols, old->cols, keep * sizeof(struct mxp_slot_col));
	} else {
		for (const struct mxp_dim *d = c->dims; d != NULL; d = d->next) {
			t->cols[d->col].dim = d;
			t->cols[d->col].serial = d->serial;
		}
	}
	c->slots_own = t;
	ck_pr_fence_store(); /* the cells before the pointer (ck's stores order nothing) */
	ck_pr_store_ptr(&c->slots, t);
	if (old != NULL)
		ck_epoch_call(&s->reclaim_record, &old->epoch_entry, chart_slots_reclaim);
	return 0;
}

/* Makes room in c's published slot table for the column `col` (mxp_dim_add, under
 * structure_lock): twice as wide. The doubling keeps a chart that gets its dims one by
 * one to a few copies; mxp_chart_done() fits the table to the dims. Before the chart's
 * first update there is no table to widen. 0 or -ENOMEM. */
static int chart_slots_widen(struct mxp_store *s, struct mxp_chart *c, uint32_t col)
{
	if (c->slots_own == NULL || col < c->slots_own->cap)
		return 0;
	uint32_t cap = c->slots_own->cap;
	if (cap > UINT32_MAX / 2)
		return -ENOMEM;
	return chart_slots_replace(s, c, cap * 2, cap);
}

int mxp_chart_slots_fit_publish(struct mxp_chart *c)
{
	struct mxp_store *s = c->store;
	const uint32_t fit = c->ndims;
	if (c->slots_own == NULL) {
		/* the chart's first table, of the dims it has: no old one to retire, so no
		 * lock (every dim added so far was published with no column in any table,
		 * and has nothing stored) */
		return chart_slots_replace(s, c, fit, 0);
	}
	/* never waits: a writer busy with the structure, or the baseline's walk, holds
	 * it; the next update tries again */
	if (pthread_rwlock_trywrlock(&s->structure_lock) != 0)
		return 0;
	(void)chart_slots_replace(s, c, fit, c->ndims); /* out of memory: stays wide */
	ck_epoch_poll(&s->reclaim_record);
	pthread_rwlock_unlock(&s->structure_lock);
	return 0;
}

/* |v| without labs(LONG_MIN)'s overflow */
static unsigned long magnitude(long v)
{
	return v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;
}

struct mxp_dim *mxp_dim_add(struct mxp_chart *c, const char *id, const char *name, long multiplier,
			    long divisor, enum mxp_algorithm algorithm)
{
	if (id == NULL || *id == '\0' || (unsigned)algorithm > MXP_ALG_PCENT_OVER_DIFF) {
		errno = EINVAL;
		return NULL;
	}
	struct mxp_store *s = c->host->store;
	bool failed = false;
	struct mxp_dim *d = mxp_dim_slab_take(&s->dim_slab);
	if (d == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	d->serial = MXP_SERIAL_NONE; /* until taken under the lock, below */
	d->chart = c;
	d->id = dup_or_null(id, &failed);
	d->name = dup_or_null(name ? name : id, &failed);
	d->multiplier = multiplier ? multiplier : 1;
	d->divisor = divisor ? divisor : 1;
	d->algorithm = algorithm;
	if (failed) {
		dim_free(s, d);
		errno = ENOMEM;
		return NULL;
	}

	pthread_rwlock_wrlock(&s->structure_lock);
	for (struct mxp_dim *o = c->dims; o != NULL; o = o->next) {
		if (strcmp(o->id, id) == 0) {
			pthread_rwlock_unlock(&s->structure_lock);
			dim_free(s, d);
			errno = EEXIST;
			return NULL;
		}
	}
	d->col = c->ndims;
	int rc = chart_slots_widen(s, c, d->col);
	if (rc == 0)
		rc = mxp_series_cache_serial_take(&s->series, &d->serial);
	if (rc != 0) {
		pthread_rwlock_unlock(&s->structure_lock);
		dim_free(s, d);
		errno = -rc;
		return NULL;
	}
	const struct mxp_dim *first = c->dims;
	if (first != NULL && (first->algorithm != d->algorithm || magnitude(first->multiplier) != magnitude(d->multiplier) ||
			      magnitude(first->divisor) != magnitude(d->divisor)))
		ck_pr_store_int(&c->heterogeneous, 1);
	struct mxp_slot_col *head = c->slots_own != NULL ? &c->slots_own->cols[d->col] : NULL;
	if (head != NULL)
		ck_pr_store_32(&head->serial, d->serial);
	/* the dim is whole, its column in the slot table (NAN), and the chart's flag set,
	 * before a reader can reach the dim, by the list or by its column */
	ck_pr_fence_store();
	if (head != NULL)
		ck_pr_store_ptr(&head->dim, d);
	if (c->dims_tail == NULL)
		ck_pr_store_ptr(&c->dims, d);
	else
		ck_pr_store_ptr(&c->dims_tail->next, d);
	c->dims_tail = d;
	struct mxp_dim **behind = &c->recent[c->ndims % MXP_DIM_AHEAD];
	if (*behind != NULL) /* the dim added MXP_DIM_AHEAD adds ago */
		ck_pr_store_ptr(&(*behind)->ahead, d);
	*behind = d;
	c->ndims++;
	pthread_rwlock_unlock(&s->structure_lock);
	return d;
}

int mxp_chart_remove(struct mxp_chart *c)
{
	struct mxp_host *h = c->host;
	struct mxp_store *s = h->store;
	pthread_rwlock_wrlock(&s->structure_lock);
	struct mxp_chart *prev = NULL;
	for (struct mxp_chart *o = h->charts; o != NULL && o != c; o = o->next)
		prev = o;
	/* readers that already hold c keep walking from c->next, which stays valid */
	if (prev == NULL)
		ck_pr_store_ptr(&h->charts, c->next);
	else
		ck_pr_store_ptr(&prev->next, c->next);
	if (h->charts_tail == c)
		h->charts_tail = prev;
	ck_epoch_call(&s->reclaim_record, &c->epoch_entry, chart_reclaim);
	ck_epoch_poll(&s->reclaim_record);
	pthread_rwlock_unlock(&s->structure_lock);
	return 0;
}

int mxp_host_remove(struct mxp_host *h)
{
	struct mxp_store *s = h->store;
	pthread_rwlock_wrlock(&s->structure_lock);
	struct mxp_host *prev = NULL;
	for (struct mxp_host *o = s->hosts; o != NULL && o != h; o = o->next)
		prev = o;
	if (prev == NULL)
		ck_pr_store_ptr(&s->hosts, h->next);
	else
		ck_pr_store_ptr(&prev->next, h->next);
	if (s->hosts_tail == h)
		s->hosts_tail = prev;
	ck_epoch_call(&s->reclaim_record, &h->epoch_entry, host_reclaim);
	ck_epoch_poll(&s->reclaim_record);
	pthread_rwlock_unlock(&s->structure_lock);
	return 0;
}

/* ---- lookup ---- */

struct mxp_host *mxp_host_find(struct mxp_store *s, const char *hostname)
{
	for (struct mxp_host *h = mxp_store_hosts(s); h != NULL; h = mxp_host_next(h))
		if (strcmp(h->hostname, hostname) == 0)
			return h;
	return NULL;
}

struct mxp_chart *mxp_chart_find(struct mxp_host *h, const char *full_id)
{
	for (struct mxp_chart *c = mxp_host_charts(h); c != NULL; c = mxp_chart_next(c))
		if (strcmp(c->id, full_id) == 0)
			return c;
	return NULL;
}

struct mxp_dim *mxp_dim_find(struct mxp_chart *c, const char *id)
{
	for (struct mxp_dim *d = mxp_chart_dims(c); d != NULL; d = mxp_dim_next(d))
		if (strcmp(d->id, id) == 0)
			return d;
	return NULL;
}

int mxp_store_cache_slot_get(struct mxp_store *s)
{
	int slot = -1;
	pthread_mutex_lock(&s->readers_lock);
	for (int k = 0; k < (int)MXP_SERIES_CACHE_SLOTS; k++) {
		if (!(s->cache_slots & (1u << k))) {
			s->cache_slots |= 1u << k;
			slot = k;
			break;
		}
	}
	pthread_mutex_unlock(&s->readers_lock);
	return slot;
}

void mxp_store_cache_slot_put(struct mxp_store *s, int slot)
{
	if (slot < 0)
		return;
	pthread_mutex_lock(&s->readers_lock);
	s->cache_slots &= ~(1u << slot);
	pthread_mutex_unlock(&s->readers_lock);
}
