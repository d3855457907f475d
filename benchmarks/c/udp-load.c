/*
 * udp-load: a closed-loop load client for UDP echo servers, used by benchmarks/bench.sh; the
 * UDP counterpart of echo-load.
 *
 * FLOWS sockets, each connected to the server (so it hears only the server), keep DEPTH
 * datagrams of SIZE bytes in flight each: a flow starts by sending DEPTH datagrams and
 * sends one more each time one is answered or given up. A datagram carries its sequence
 * number and flow, so its echo is matched to it and checked byte for byte. A datagram not
 * answered within TIMEOUT seconds counts as lost, and its place is taken by the next one.
 * Loss is reported (lost=) but is not an error: UDP does not promise delivery. A wrong
 * echo is an error.
 *
 *   udp-load --port P [--host 127.0.0.1] [--flows 1] [--size 64] [--depth 1]
 *            [--duration 10] [--warmup 2] [--timeout 1]
 *
 * Phases: open every flow, run WARMUP seconds unmeasured, then DURATION seconds measured;
 * then stop sending and wait for the datagrams still in flight, each until it is answered
 * or its timeout is up. Durations may be fractional. One thread on epoll; each wakeup
 * receives a flow's echoes in batches (recvmmsg) and sends their successors in one
 * sendmmsg, so that the client costs less per datagram than the simplest server.
 *
 * A datagram: its sequence number (8 bytes, big-endian), its flow's number (4 bytes,
 * big-endian), then SIZE - 12 bytes of the pattern, starting at a place that depends on
 * the flow and the sequence number. Sequence numbers are per slot: slot k of a flow sends
 * k, k + DEPTH, k + 2 DEPTH, ..., so an echo names its slot, and a slot's earlier numbers
 * are the ones it has sent.
 *
 * Output, one line on stdout, with the keys of echo-load's line and two more:
 *   messages_per_sec=... mb_per_sec=... connections=... p50_us=... p90_us=... p99_us=...
 *   p999_us=... max_us=... errors=... messages=... lost=... late=...
 * connections is the number of flows. Messages and bytes count datagrams answered, whole
 * and right, inside the measured window; mb_per_sec is echoed datagram bytes received
 * (10^6 bytes). A datagram's latency runs from the sendmmsg() that sent it to the
 * recvmmsg() that returned its echo. lost counts datagrams sent inside the measured
 * window that were not answered within the timeout. late counts echoes that came after
 * their datagram was given up, or a second echo of one (UDP may duplicate); they are
 * checked like any other but not counted as messages. errors counts each wrong byte, each
 * echo of the wrong length, each echo of a datagram never sent (or of another flow), and
 * each refusal (ICMP port unreachable: nothing listens).
 *
 * Exit status: 0 when errors=0 and at least one datagram was answered, 1 otherwise (no
 * answer at all also gets one line on stderr), 2 on bad arguments.
 *
 * Build: gcc -O2 -Wall -Wextra -o udp-load benchmarks/c/udp-load.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "load-common.h"

#define HEADER_SIZE 12     /* sequence number and flow number */
#define MAX_DATAGRAM 65507 /* the largest UDP payload over IPv4 */
#define BATCH 64           /* datagrams per recvmmsg() or sendmmsg() */
#define MAX_EVENTS 256

struct slot {
	uint64_t seq;       /* the datagram in flight, or the next one this slot will send */
	uint64_t sent_at;
	bool in_flight;
};

struct flow {
	int fd;
	uint32_t id;
	unsigned start;     /* where this flow's payloads begin in the pattern */
	struct slot *slots; /* DEPTH of them */
	int *unsent;        /* slots whose next datagram waits to be sent: a ring of DEPTH */
	int unsent_head, unsent_count;
	bool writing;       /* EPOLLOUT registered: the socket could not take a datagram */
};

static struct {
	struct sockaddr_storage address;
	socklen_t address_length;
	const char *host;
	int port, flows;
	uint64_t size, depth, warmup_ns, duration_ns, timeout_ns;
} options = { .host = "127.0.0.1", .port = -1, .flows = 1, .size = 64, .depth = 1, .warmup_ns = 2 * NS_PER_S,
	.duration_ns = 10 * NS_PER_S, .timeout_ns = NS_PER_S };

static int epfd;
static struct flow *flows;
static bool running;      /* still sending; false once the measured window is over */
static uint64_t window_start, window_end, in_flight, answered;
static uint64_t messages, bytes, errors, lost, late, refused;
static struct histogram latency;

/* Receive and send batches, shared by all flows (one thread). */
static struct mmsghdr in[BATCH], out[BATCH];
static struct iovec in_iov[BATCH], out_iov[BATCH][2];
static unsigned char *in_buffers, out_headers[BATCH][HEADER_SIZE];

static void put_be(unsigned char *to, uint64_t value, int length)
{
	for (int i = length - 1; i >= 0; i--, value >>= 8)
		to[i] = (unsigned char)value;
}

static uint64_t get_be(const unsigned char *from, int length)
{
	uint64_t value = 0;
	for (int i = 0; i < length; i++)
		value = value << 8 | from[i];
	return value;
}

/* Where the payload of flow f's datagram s begins in the pattern. */
static const unsigned char *payload_of(const struct flow *f, uint64_t seq)
{
	uint64_t length = options.size - HEADER_SIZE;
	return pattern + (f->start + (seq % PERIOD) * (length % PERIOD)) % PERIOD;
}

static void watch(struct flow *f, bool writing)
{
	if (f->writing == writing)
		return;
	struct epoll_event ev = { .events = EPOLLIN | (writing ? EPOLLOUT : 0), .data.ptr = f };
	epoll_ctl(epfd, EPOLL_CTL_MOD, f->fd, &ev);
	f->writing = writing;
}

static void queue(struct flow *f, int slot)
{
	f->unsent[(f->unsent_head + f->unsent_count++) % (int)options.depth] = slot;
}

/* Sends what waits, in batches, until the socket cannot take more. */
static void send_queued(struct flow *f)
{
	while (f->unsent_count > 0) {
		unsigned n = f->unsent_count < BATCH ? (unsigned)f->unsent_count : BATCH;
		for (unsigned i = 0; i < n; i++) {
			struct slot *s = &f->slots[f->unsent[(f->unsent_head + (int)i) % (int)options.depth]];
			put_be(out_headers[i], s->seq, 8);
			put_be(out_headers[i] + 8, f->id, 4);
			out_iov[i][1].iov_base = (void *)payload_of(f, s->seq);
			out[i].msg_hdr.msg_iovlen = options.size > HEADER_SIZE ? 2 : 1;
		}
		uint64_t t = now_ns();
		int sent = sendmmsg(f->fd, out, n, 0);
		if (sent < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				watch(f, true);
				return;
			}
			/* ECONNREFUSED, say: the datagram counts as sent, and as lost when its time is up. */
			if (errno == ECONNREFUSED)
				refused++;
			errors++;
			sent = 1;
		}
		for (int i = 0; i < sent; i++) {
			struct slot *s = &f->slots[f->unsent[f->unsent_head]];
			f->unsent_head = (f->unsent_head + 1) % (int)options.depth;
			f->unsent_count--;
			s->sent_at = t;
			s->in_flight = true;
			in_flight++;
		}
	}
	watch(f, false);
}

/* The slot is free: while running, its next datagram goes out with the flow's next batch. */
static void advance(struct flow *f, struct slot *s)
{
	s->in_flight = false;
	in_flight--;
	s->seq += options.depth;
	if (running)
		queue(f, (int)(s - f->slots));
}

/* Checks one echo against the datagram it names. */
static void check(struct flow *f, const unsigned char *data, size_t length, bool truncated, uint64_t t)
{
	answered++;
	if (length != options.size || truncated || length < HEADER_SIZE) {
		errors++;
		return;
	}
	uint64_t seq = get_be(data, 8);
	struct slot *s = &f->slots[seq % options.depth];
	if (get_be(data + 8, 4) != f->id || seq > s->seq || (seq == s->seq && !s->in_flight)) {
		errors++; /* an echo of a datagram this flow never sent */
		return;
	}
	uint64_t wrong = 0;
	const unsigned char *expected = payload_of(f, seq);
	if (memcmp(data + HEADER_SIZE, expected, length - HEADER_SIZE) != 0) {
		for (size_t i = HEADER_SIZE; i < length; i++)
			wrong += data[i] != expected[i - HEADER_SIZE];
	}
	errors += wrong;
	if (seq < s->seq) {
		late++; /* given up already, or answered already */
		return;
	}
	if (wrong == 0 && t >= window_start && t < window_end) {
		record(&latency, t - s->sent_at);
		messages++;
		bytes += length;
	}
	advance(f, s);
}

static void on_readable(struct flow *f)
{
	for (;;) {
		int n = recvmmsg(f->fd, in, BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN) {
				if (errno == ECONNREFUSED)
					refused++;
				errors++;
			}
			break;
		}
		uint64_t t = now_ns();
		for (int i = 0; i < n; i++) {
			check(f, in_iov[i].iov_base, in[i].msg_len, in[i].msg_hdr.msg_flags & MSG_TRUNC, t);
			in[i].msg_hdr.msg_flags = 0;
		}
		if (n < BATCH)
			break; /* the socket is drained; epoll reports the next echo */
	}
	send_queued(f);
}

/* Gives up the datagrams in flight for longer than the timeout. */
static void expire(uint64_t now)
{
	for (int i = 0; i < options.flows; i++) {
		struct flow *f = &flows[i];
		for (uint64_t k = 0; k < options.depth; k++) {
			struct slot *s = &f->slots[k];
			if (s->in_flight && now - s->sent_at >= options.timeout_ns) {
				if (s->sent_at >= window_start && s->sent_at < window_end)
					lost++;
				advance(f, s);
			}
		}
		send_queued(f);
	}
}

static bool open_flows(void)
{
	for (int i = 0; i < options.flows; i++) {
		struct flow *f = &flows[i];
		f->fd = socket(options.address.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (f->fd < 0) {
			fprintf(stderr, "udp-load: socket: %s\n", strerror(errno));
			return false;
		}
		/* Connected: the kernel passes only the server's datagrams, and reports its ICMP errors. */
		if (connect(f->fd, (struct sockaddr *)&options.address, options.address_length) < 0) {
			fprintf(stderr, "udp-load: connect to %s port %d: %s\n", options.host, options.port, strerror(errno));
			return false;
		}
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = f };
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, f->fd, &ev) < 0) {
			fprintf(stderr, "udp-load: epoll_ctl: %s\n", strerror(errno));
			return false;
		}
	}
	return true;
}

static void run(void)
{
	uint64_t start = now_ns();
	window_start = start + options.warmup_ns;
	window_end = window_start + options.duration_ns;
	running = true;
	for (int i = 0; i < options.flows; i++) {
		for (uint64_t k = 0; k < options.depth; k++) {
			flows[i].slots[k].seq = k;
			queue(&flows[i], (int)k);
		}
		send_queued(&flows[i]);
	}
	/* Timeouts are looked for twenty times per timeout, at least every 50 ms. */
	uint64_t scan_every = options.timeout_ns / 20 < 50000000 ? options.timeout_ns / 20 : 50000000;
	if (scan_every < 1000000)
		scan_every = 1000000;
	uint64_t next_scan = start + scan_every;
	struct epoll_event events[MAX_EVENTS];
	for (;;) {
		uint64_t now = now_ns();
		if (running && now >= window_end) {
			running = false;
			for (int i = 0; i < options.flows; i++)
				flows[i].unsent_count = 0; /* waiting to go out still: never sent, nothing to wait for */
		}
		if (now >= next_scan) {
			expire(now);
			next_scan = now + scan_every;
		}
		if (!running && in_flight == 0)
			break; /* every datagram answered or given up */
		uint64_t deadline = running && window_end < next_scan ? window_end : next_scan;
		int ready = epoll_wait(epfd, events, MAX_EVENTS, ms_until(deadline));
		for (int i = 0; i < ready; i++) {
			struct flow *f = events[i].data.ptr;
			if (events[i].events & (EPOLLIN | EPOLLERR))
				on_readable(f);
			else if (events[i].events & EPOLLOUT)
				send_queued(f);
		}
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: udp-load --port P [--host 127.0.0.1] [--flows 1] [--size 64] [--depth 1]\n"
			"                [--duration 10] [--warmup 2] [--timeout 1]\n"
			"  closed loop: each flow (a UDP socket) keeps DEPTH datagrams of SIZE bytes (12 to 65507) in\n"
			"  flight and checks every echo; a datagram unanswered after TIMEOUT seconds is lost; durations\n"
			"  in seconds, fractions allowed; exits 1 on any error.\n");
	exit(2);
}

static void parse(int argc, char **argv)
{
	static const struct option known[] = { { "host", required_argument, NULL, 'h' },
		{ "port", required_argument, NULL, 'p' }, { "flows", required_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 's' }, { "depth", required_argument, NULL, 'd' },
		{ "duration", required_argument, NULL, 'D' }, { "warmup", required_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 'T' }, { NULL, 0, NULL, 0 } };
	for (int option; (option = getopt_long(argc, argv, "", known, NULL)) != -1;) {
		switch (option) {
		case 'h': options.host = optarg; break;
		case 'p': options.port = (int)integer(optarg, 1, 65535); break;
		case 'f': options.flows = (int)integer(optarg, 1, 10000); break;
		case 's': options.size = (uint64_t)integer(optarg, HEADER_SIZE, MAX_DATAGRAM); break;
		case 'd': options.depth = (uint64_t)integer(optarg, 1, 4096); break;
		case 'D': options.duration_ns = seconds(optarg, 0.001); break;
		case 'w': options.warmup_ns = seconds(optarg, 0); break;
		case 'T': options.timeout_ns = seconds(optarg, 0.001); break;
		default: usage();
		}
	}
	if (optind != argc || options.port < 0)
		usage();
	/* A numeric address only: the load goes where it is told, never through a resolver. */
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV }, *found;
	char port[16];
	snprintf(port, sizeof port, "%d", options.port);
	if (getaddrinfo(options.host, port, &hints, &found) != 0)
		usage();
	memcpy(&options.address, found->ai_addr, found->ai_addrlen);
	options.address_length = found->ai_addrlen;
	freeaddrinfo(found);
}

int main(int argc, char **argv)
{
	parse(argc, argv);
	fill_pattern();

	flows = calloc((size_t)options.flows, sizeof *flows);
	/* One byte more than a datagram, so that a longer echo shows as truncated. */
	in_buffers = malloc(BATCH * (options.size + 1));
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!flows || !in_buffers || epfd < 0) {
		fprintf(stderr, "udp-load: out of memory\n");
		return 1;
	}
	for (int i = 0; i < options.flows; i++) {
		flows[i].fd = -1;
		flows[i].id = (uint32_t)i;
		flows[i].start = (unsigned)(((uint64_t)i * 7919) % PERIOD); /* flows differ */
		flows[i].slots = calloc(options.depth, sizeof *flows[i].slots);
		flows[i].unsent = calloc(options.depth, sizeof *flows[i].unsent);
		if (!flows[i].slots || !flows[i].unsent) {
			fprintf(stderr, "udp-load: out of memory\n");
			return 1;
		}
	}
	for (int i = 0; i < BATCH; i++) {
		in_iov[i] = (struct iovec) { .iov_base = in_buffers + (size_t)i * (options.size + 1),
			.iov_len = options.size + 1 };
		in[i].msg_hdr = (struct msghdr) { .msg_iov = &in_iov[i], .msg_iovlen = 1 };
		out_iov[i][0] = (struct iovec) { .iov_base = out_headers[i], .iov_len = HEADER_SIZE };
		out_iov[i][1].iov_len = options.size - HEADER_SIZE;
		out[i].msg_hdr = (struct msghdr) { .msg_iov = out_iov[i], .msg_iovlen = 2 };
	}
	if (!open_flows())
		return 1;
	run();
	for (int i = 0; i < options.flows; i++)
		close(flows[i].fd);

	double window = (double)options.duration_ns / NS_PER_S;
	printf("messages_per_sec=%.0f mb_per_sec=%.3f connections=%d p50_us=%.1f p90_us=%.1f p99_us=%.1f "
			"p999_us=%.1f max_us=%.1f errors=%llu messages=%llu lost=%llu late=%llu\n",
			(double)messages / window, (double)bytes / window / 1e6, options.flows, percentile_us(&latency, 0.50),
			percentile_us(&latency, 0.90), percentile_us(&latency, 0.99), percentile_us(&latency, 0.999),
			(double)latency.max / 1000, (unsigned long long)errors, (unsigned long long)messages,
			(unsigned long long)lost, (unsigned long long)late);
	if (refused > 0)
		fprintf(stderr, "udp-load: %s port %d refused %llu time(s): nothing listens there\n", options.host,
				options.port, (unsigned long long)refused);
	else if (answered == 0)
		fprintf(stderr, "udp-load: no datagram was answered by %s port %d\n", options.host, options.port);
	return errors == 0 && answered > 0 ? 0 : 1;
}
