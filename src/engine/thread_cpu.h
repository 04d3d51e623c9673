/* thread_cpu.h — the CPU time of each mxp thread, measured by the thread itself and
 * read by another.
 *
 * getrusage(RUSAGE_THREAD) measures only the calling thread, so each mxp thread owns one
 * slot and publishes its own samples into it; the thread that charts them (the
 * exporter's owner, selfmon.c) reads them.
 *
 * Producer: the slot's thread only (mxp_thread_cpu_sample()). Consumers: any thread
 * (mxp_thread_cpu_read()). A sample is published as one moment: user and system time
 * are stored between ck_sequence_write_begin/end on the slot's counter, and a reader
 * copies them between ck_sequence_read_begin/retry, starting again if the producer
 * published meanwhile. The producer never waits. See thread_cpu.c for why a sequence
 * rather than two independent atomic stores.
 */
#ifndef MXP_THREAD_CPU_H
#define MXP_THREAD_CPU_H

#include <ck_sequence.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of a slot's name, with its NUL ("formatter 12" fits). */
#define MXP_THREAD_CPU_NAME_MAX 32

/* One mxp thread's CPU time. Initialise with mxp_thread_cpu_init() before the thread
 * starts; the memory must outlive every reader. Not padded to a cache line: its thread
 * writes it once per pass of its loop (about once per `update every`), not per record,
 * so sharing a line with a neighbour's slot costs nothing measurable. */
struct mxp_thread_cpu {
	char name[MXP_THREAD_CPU_NAME_MAX]; /* set by init, constant afterwards */
	ck_sequence_t seq;                  /* odd while the owner publishes */
	uint64_t user_us;                   /* [seq] cumulative user time, microseconds */
	uint64_t system_us;                 /* [seq] cumulative system time, microseconds */
	uint64_t samples;                   /* [seq] samples published so far */
};

/* A consistent copy of a slot (or a sum of slots). */
struct mxp_thread_cpu_sample {
	uint64_t user_us;
	uint64_t system_us;
	uint64_t samples;
};

/* Zeroes slot and copies name into it (cut to MXP_THREAD_CPU_NAME_MAX - 1 bytes; NULL
 * is ""). Call before the owning thread or any reader uses the slot. */
void mxp_thread_cpu_init(struct mxp_thread_cpu *slot, const char *name);

/* Measures the CALLING thread with getrusage(RUSAGE_THREAD) and publishes the result in
 * slot. MUST be called only by the thread the slot belongs to (another thread would
 * publish its own time under this slot's name). A published value never goes backwards:
 * a reading below the previous one (the kernel's user/system split is an estimate)
 * keeps the previous value. Call it in every pass of the thread's loop and once more
 * before the thread exits, so its last stretch is counted. One system call, no lock,
 * no allocation. Returns 0, or -errno of getrusage (the slot is left unchanged). */
int mxp_thread_cpu_sample(struct mxp_thread_cpu *slot);

/* Copies slot's latest sample into out. Any thread; never blocks the producer (it
 * retries while the producer publishes). */
void mxp_thread_cpu_read(const struct mxp_thread_cpu *slot, struct mxp_thread_cpu_sample *out);

/* Reads n slots and adds them up into out (samples is the sum too). Each slot is one
 * moment of its own thread; the slots are not read at one common moment. */
void mxp_thread_cpu_sum(const struct mxp_thread_cpu *const *slots, size_t n,
			struct mxp_thread_cpu_sample *out);

/* user + system of a sample, in microseconds. */
static inline uint64_t mxp_thread_cpu_total_us(const struct mxp_thread_cpu_sample *s)
{
	return s->user_us + s->system_us;
}

#endif
