/* Proves tests/tsan/include/ck_pr.h lets ThreadSanitizer see ck's seqlock and SPSC ring. */

/*
 * Two scenarios, each with exactly one producer and one consumer thread:
 *
 *  seq:  a ck_sequence seqlock. The writer, in a loop, enters
 *        ck_sequence_write_begin, stores the loop counter into
 *        MXP_SELFTEST_SEQ_FIELDS uint64_t fields with ck_pr_store_64 and leaves
 *        with ck_sequence_write_end. The reader snapshots the fields with
 *        ck_pr_load_64 inside CK_SEQUENCE_READ and checks that all of them
 *        agree and that the counter never goes backwards. Ordering relied on:
 *        the sequence number's stores and loads, plus ck_pr_fence_store /
 *        ck_pr_fence_load, order the fields against the sequence.
 *
 *  ring: an SPSC ck_ring. The producer fills a struct with plain stores and
 *        enqueues a pointer to it (ck_ring_enqueue_spsc); the consumer
 *        dequeues it (ck_ring_dequeue_spsc) and reads the struct with plain
 *        loads, checking the sequence number and payload on every hop.
 *        Ordering relied on: the producer's store of p_tail after the slot is
 *        written publishes the slot and the struct behind it; the consumer's
 *        store of c_head after the slot is read lets the producer reuse it.
 *
 * Built with -I tests/tsan/include and -fsanitize=thread, TSan must stay
 * silent. Built against ck's own <ck_pr.h>, whose atomics TSan cannot see,
 * TSan reports races (in the ring at least; on x86-64 ck's seqlock accesses
 * are inline asm and invisible altogether). The functional checks must pass
 * in every build, sanitized or not.
 *
 * Usage: shim_selftest [all|seq|ring] [messages] [ring_slots]
 *        defaults: all 1000000 1024; ring_slots is a power of two >= 4.
 *        Under TSan without the shim give the ring a small count (ring 5000):
 *        TSan then re-examines every racy access, and 1000000 take hours.
 * Exit:  0 every check passed, 1 a functional check failed,
 *        2 bad arguments or a setup failure (allocation, pthread_create).
 */

#include <ck_pr.h>
#include <ck_ring.h>
#include <ck_sequence.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MXP_SELFTEST_SEQ_FIELDS 8		/* fields written under one seqlock write */
#define MXP_SELFTEST_SEQ_GAP 4			/* stalls between writes, else the reader starves */
#define MXP_SELFTEST_PAYLOAD 4			/* uint64_t payload words per ring message */
#define MXP_SELFTEST_MIX UINT64_C(0x9e3779b97f4a7c15) /* spreads seq over payload bits */

#define MXP_SELFTEST_OK 0
#define MXP_SELFTEST_FAIL 1			/* a functional check failed */
#define MXP_SELFTEST_SETUP 2			/* bad arguments, no memory, no thread */

struct seq_test {
	ck_sequence_t seq;
	uint64_t field[MXP_SELFTEST_SEQ_FIELDS];
	unsigned int writer_done;		/* ck_pr_store_uint'd to 1 after the last write */
	uint64_t writes;			/* read-only while the threads run */

	/* Reader's results; main reads them after pthread_join. */
	uint64_t snapshots;
	uint64_t attempts;
	bool failed;
};

struct ring_msg {
	uint64_t seq;
	uint64_t payload[MXP_SELFTEST_PAYLOAD];
	bool seen;				/* set by the consumer, checked by main after join */
};

struct ring_test {
	ck_ring_t ring;
	ck_ring_buffer_t *slots;
	struct ring_msg *msgs;
	uint64_t messages;
	uint64_t full_spins;			/* producer only */
	uint64_t empty_spins;			/* consumer only */
	bool failed;				/* consumer only */
	unsigned int consumer_quit;		/* ck_pr_store_uint'd to 1 when the consumer gives up */
};

static uint64_t
payload_word(uint64_t seq, unsigned int k)
{

	return seq * MXP_SELFTEST_MIX + k;
}

static void *
seq_writer(void *arg)
{
	struct seq_test *t = arg;
	uint64_t i;
	unsigned int k;

	for (i = 1; i <= t->writes; i++) {
		ck_sequence_write_begin(&t->seq);
		for (k = 0; k < MXP_SELFTEST_SEQ_FIELDS; k++)
			ck_pr_store_64(&t->field[k], i);
		ck_sequence_write_end(&t->seq);

		for (k = 0; k < MXP_SELFTEST_SEQ_GAP; k++)
			ck_pr_stall();
	}

	ck_pr_store_uint(&t->writer_done, 1);
	return NULL;
}

/*
 * Snapshots until a snapshot taken after the writer finished, so the last one
 * must show the final counter.
 */
static void *
seq_reader(void *arg)
{
	struct seq_test *t = arg;
	uint64_t snap[MXP_SELFTEST_SEQ_FIELDS];
	uint64_t last = 0;
	unsigned int version, done, k;

	for (;;) {
		done = ck_pr_load_uint(&t->writer_done);

		CK_SEQUENCE_READ(&t->seq, &version) {
			t->attempts++;
			for (k = 0; k < MXP_SELFTEST_SEQ_FIELDS; k++)
				snap[k] = ck_pr_load_64(&t->field[k]);
		}
		t->snapshots++;

		for (k = 1; k < MXP_SELFTEST_SEQ_FIELDS; k++) {
			if (snap[k] != snap[0]) {
				fprintf(stderr, "seq: torn snapshot: field[0]=%" PRIu64
				    " field[%u]=%" PRIu64 "\n", snap[0], k, snap[k]);
				t->failed = true;
				return NULL;
			}
		}
		if (snap[0] < last) {
			fprintf(stderr, "seq: went backwards: %" PRIu64 " after %" PRIu64 "\n",
			    snap[0], last);
			t->failed = true;
			return NULL;
		}
		last = snap[0];

		if (done != 0)
			break;
	}

	if (last != t->writes) {
		fprintf(stderr, "seq: final snapshot %" PRIu64 ", expected %" PRIu64 "\n",
		    last, t->writes);
		t->failed = true;
	}
	return NULL;
}

static void *
ring_producer(void *arg)
{
	struct ring_test *t = arg;
	struct ring_msg *m;
	uint64_t i;
	unsigned int k;

	for (i = 0; i < t->messages; i++) {
		m = &t->msgs[i];
		m->seq = i;
		for (k = 0; k < MXP_SELFTEST_PAYLOAD; k++)
			m->payload[k] = payload_word(i, k);

		while (ck_ring_enqueue_spsc(&t->ring, t->slots, m) == false) {
			/* A full ring nobody drains any more: stop, main reports it. */
			if (ck_pr_load_uint(&t->consumer_quit) != 0)
				return NULL;
			t->full_spins++;
			ck_pr_stall();
		}
	}
	return NULL;
}

static void *
ring_consumer(void *arg)
{
	struct ring_test *t = arg;
	struct ring_msg *m;
	void *p;
	uint64_t expect;
	unsigned int k;

	for (expect = 0; expect < t->messages; expect++) {
		while (ck_ring_dequeue_spsc(&t->ring, t->slots, &p) == false) {
			t->empty_spins++;
			ck_pr_stall();
		}
		m = p;

		if (m != &t->msgs[expect]) {
			fprintf(stderr, "ring: hop %" PRIu64 ": got %p, expected %p\n",
			    expect, p, (void *)&t->msgs[expect]);
			goto fail;
		}
		if (m->seq != expect) {
			fprintf(stderr, "ring: hop %" PRIu64 ": message says %" PRIu64 "\n",
			    expect, m->seq);
			goto fail;
		}
		for (k = 0; k < MXP_SELFTEST_PAYLOAD; k++) {
			if (m->payload[k] != payload_word(expect, k)) {
				fprintf(stderr, "ring: message %" PRIu64 " payload[%u] = %#"
				    PRIx64 ", expected %#" PRIx64 "\n", expect, k,
				    m->payload[k], payload_word(expect, k));
				goto fail;
			}
		}
		m->seen = true;
	}
	return NULL;
fail:
	t->failed = true;
	ck_pr_store_uint(&t->consumer_quit, 1);
	return NULL;
}

/* Runs a and b on two threads and joins both. Returns 0 or an errno value. */
static int
run_pair(void *(*a)(void *), void *(*b)(void *), void *arg)
{
	pthread_t ta, tb;
	int err;

	err = pthread_create(&ta, NULL, a, arg);
	if (err != 0)
		return err;
	err = pthread_create(&tb, NULL, b, arg);
	if (err != 0) {
		pthread_join(ta, NULL);
		return err;
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	return 0;
}

/* Returns MXP_SELFTEST_OK, _FAIL or _SETUP. */
static int
test_seq(uint64_t writes)
{
	static struct seq_test t;
	int err;

	ck_sequence_init(&t.seq);
	t.writes = writes;

	err = run_pair(seq_writer, seq_reader, &t);
	if (err != 0) {
		fprintf(stderr, "seq: pthread_create: %s\n", strerror(err));
		return MXP_SELFTEST_SETUP;
	}
	if (t.failed)
		return MXP_SELFTEST_FAIL;

	printf("seq: PASS %" PRIu64 " writes, %" PRIu64 " consistent snapshots, %"
	    PRIu64 " retried reads\n", writes, t.snapshots, t.attempts - t.snapshots);
	return MXP_SELFTEST_OK;
}

/* Returns MXP_SELFTEST_OK, _FAIL or _SETUP. */
static int
test_ring(uint64_t messages, unsigned int slots)
{
	static struct ring_test t;
	uint64_t i;
	int err, rc = MXP_SELFTEST_SETUP;

	t.messages = messages;
	t.slots = calloc(slots, sizeof(*t.slots));
	t.msgs = calloc(messages, sizeof(*t.msgs));
	if (t.slots == NULL || t.msgs == NULL) {
		fprintf(stderr, "ring: cannot allocate %" PRIu64 " messages\n", messages);
		goto out;
	}
	ck_ring_init(&t.ring, slots);

	err = run_pair(ring_producer, ring_consumer, &t);
	if (err != 0) {
		fprintf(stderr, "ring: pthread_create: %s\n", strerror(err));
		goto out;
	}

	rc = MXP_SELFTEST_FAIL;
	if (t.failed)
		goto out;
	for (i = 0; i < messages; i++) {
		if (!t.msgs[i].seen) {
			fprintf(stderr, "ring: message %" PRIu64 " never consumed\n", i);
			goto out;
		}
	}
	if (ck_ring_size(&t.ring) != 0) {
		fprintf(stderr, "ring: %u entries left over\n", ck_ring_size(&t.ring));
		goto out;
	}

	printf("ring: PASS %" PRIu64 " messages in order through %u slots "
	    "(producer waited %" PRIu64 " times, consumer %" PRIu64 ")\n",
	    messages, slots, t.full_spins, t.empty_spins);
	rc = MXP_SELFTEST_OK;
out:
	free(t.msgs);
	free(t.slots);
	return rc;
}

/* Parses a decimal count in [min, max]; returns false if it is not one. */
static bool
parse_count(const char *s, unsigned long long min, unsigned long long max,
    unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return false;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "all";
	unsigned long long messages = 1000000, slots = 1024;
	bool run_seq, run_ring;
	int rc = MXP_SELFTEST_OK, r;

	run_seq = strcmp(mode, "all") == 0 || strcmp(mode, "seq") == 0;
	run_ring = strcmp(mode, "all") == 0 || strcmp(mode, "ring") == 0;
	if (argc > 4 || (!run_seq && !run_ring) ||
	    (argc > 2 && !parse_count(argv[2], 1, UINT64_MAX / 2, &messages)) ||
	    (argc > 3 && (!parse_count(argv[3], 4, 1U << 30, &slots) ||
	    (slots & (slots - 1)) != 0))) {
		fprintf(stderr, "usage: %s [all|seq|ring] [messages >= 1] "
		    "[ring_slots: power of two >= 4]\n", argv[0]);
		return MXP_SELFTEST_SETUP;
	}

	if (run_seq) {
		r = test_seq(messages);
		if (r > rc)
			rc = r;
	}
	if (run_ring) {
		r = test_ring(messages, (unsigned int)slots);
		if (r > rc)
			rc = r;
	}

	printf("%s\n", rc == MXP_SELFTEST_OK ? "shim_selftest: PASS" : "shim_selftest: FAIL");
	return rc;
}
