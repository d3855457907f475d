/*
 * load-common.h: what the two load clients of benchmarks/bench.sh share, so that their
 * numbers mean the same: the clock, the payload pattern, the latency histogram and the
 * parsing of numeric options. Included by benchmarks/c/echo-load.c (TCP) and benchmarks/c/udp-load.c
 * (UDP); each defines its own usage(), which the parsers call on a bad value.
 */
#ifndef LOAD_COMMON_H
#define LOAD_COMMON_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define NS_PER_S 1000000000ULL

static void usage(void);

/*
 * The payload: in echo-load, connection c's byte k is pattern[(start_c + k) % PERIOD], from
 * a fixed pseudo-random table. The period is prime and the table random, so a lost,
 * duplicated or reordered byte shifts the stream and the bytes after it stop matching.
 * (udp-load takes each datagram's payload from a place that depends on its flow and
 * sequence number.) The table is stored twice so that any window of up to one period is
 * contiguous: messages are sent from it and echoes compared with it, with no copy.
 */
#define PERIOD 65521
static unsigned char pattern[2 * PERIOD];

/*
 * Latency histogram, log-linear: exact below 128 ns, then 128 buckets per power of two,
 * so a bucket's midpoint is within 0.4% of any value in it (better than 1%) from 128 ns up
 * to the 10 s cap. 3,584 counters; merging threads' histograms is adding them.
 */
#define SUB_BITS 7
#define SUB_COUNT (1 << SUB_BITS)
#define MAX_LATENCY_NS (10 * NS_PER_S)
#define BUCKETS ((64 - __builtin_clzll(MAX_LATENCY_NS) - SUB_BITS + 1) * SUB_COUNT)

struct histogram {
	uint64_t counts[BUCKETS];
	uint64_t total, max;
};

static int bucket_of(uint64_t ns)
{
	if (ns < SUB_COUNT)
		return (int)ns;
	int exponent = 63 - __builtin_clzll(ns);
	return (exponent - SUB_BITS + 1) * SUB_COUNT + (int)((ns >> (exponent - SUB_BITS)) - SUB_COUNT);
}

static double bucket_midpoint(int index)
{
	if (index < SUB_COUNT)
		return index;
	int shift = index / SUB_COUNT - 1;
	uint64_t low = (uint64_t)(SUB_COUNT + index % SUB_COUNT) << shift;
	return (double)low + (double)(1ULL << shift) / 2;
}

static void record(struct histogram *h, uint64_t ns)
{
	if (ns > h->max)
		h->max = ns;
	h->counts[bucket_of(ns < MAX_LATENCY_NS ? ns : MAX_LATENCY_NS)]++;
	h->total++;
}

/* The value at quantile q, in microseconds, never above the largest value recorded. */
static double percentile_us(const struct histogram *h, double q)
{
	if (h->total == 0)
		return 0;
	uint64_t rank = (uint64_t)(q * (double)h->total + 0.999999), seen = 0;
	if (rank < 1)
		rank = 1;
	for (int i = 0; i < BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= rank) {
			double ns = bucket_midpoint(i);
			return (ns < (double)h->max ? ns : (double)h->max) / 1000;
		}
	}
	return (double)h->max / 1000;
}

/* The same table in every run and in both clients: xorshift64 from a fixed seed. */
static void fill_pattern(void)
{
	uint64_t x = 0x9E3779B97F4A7C15ULL;
	for (int i = 0; i < PERIOD; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		pattern[i] = pattern[PERIOD + i] = (unsigned char)(x >> 24);
	}
}

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * NS_PER_S + (uint64_t)t.tv_nsec;
}

/* Milliseconds until a deadline, rounded up so that a wait never ends just short of it. */
static int ms_until(uint64_t deadline)
{
	uint64_t now = now_ns();
	return now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
}

static long long integer(const char *text, long long min, long long max)
{
	char *end;
	errno = 0;
	long long value = strtoll(text, &end, 10);
	if (errno || end == text || *end || value < min || value > max)
		usage();
	return value;
}

static uint64_t seconds(const char *text, double min)
{
	char *end;
	errno = 0;
	double value = strtod(text, &end);
	if (errno || end == text || *end || !(value >= min && value <= 86400))
		usage();
	return (uint64_t)(value * NS_PER_S);
}

#endif
