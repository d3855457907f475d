/*
 * echo-load: a closed-loop load client for TCP echo servers, used by benchmarks/bench.sh.
 *
 * Each connection keeps DEPTH messages of SIZE bytes in flight: it starts by sending DEPTH
 * messages and sends one more each time a message's echo is complete. Every echoed byte
 * is checked against what was sent, so the numbers come with proof that the echo was
 * right: a wrong, missing or extra byte is an error, and any error makes the exit status 1.
 *
 *   echo-load --port P [--host 127.0.0.1] [--connections 1] [--size 64] [--depth 1]
 *             [--duration 10] [--warmup 2] [--threads 1] [--connect-rate N] [--idle]
 *
 * Phases: connect every connection (at most 10 s), run WARMUP seconds unmeasured, then
 * DURATION seconds measured; then stop sending, shut down each connection's output once
 * all it sent is out, and wait (at most 10 s) for every echo and the server's end of
 * stream. Durations may be fractional. --threads T spreads the connections over T threads,
 * each with its own epoll instance; benchmarks/bench.sh uses one, as the client has one core.
 * --connect-rate N opens the connections at N per second in all instead of all at once
 * (a server's listen backlog is not overrun by thousands of connects at the same moment);
 * each thread opens its share at its share of the rate, and the last connect still has
 * 10 s to complete.
 *
 * --idle holds the connections instead of loading them: each sends one message and waits
 * for its echo (so that the server has served every connection once), then the client
 * prints "idle connections=N" on stdout and sends nothing more until SIGTERM or SIGINT
 * or DURATION seconds, whichever comes first; then it closes every connection as at the
 * end of a run (end of stream, the server's end of stream) and prints its line, with the
 * one echo of each connection as its messages (measured, with their latency) and a rate
 * of 0. benchmarks/bench.sh uses it to weigh the server's memory per idle connection.
 *
 * Output, one line on stdout:
 *   messages_per_sec=... mb_per_sec=... connections=... p50_us=... p90_us=... p99_us=...
 *   p999_us=... max_us=... errors=... messages=...
 * Messages and bytes count echoes completed inside the measured window. mb_per_sec is
 * echoed payload received (10^6 bytes), one direction only: the bytes sent are the same
 * amount again. A message's latency runs from the send() that took its first byte to the
 * recv() that returned its last echoed byte. errors counts wrong and extra bytes (each),
 * and connections that failed, ended early or were still incomplete at the end (each).
 *
 * Exit status: 0 when errors=0, 1 on any error or a failed connect (one line on stderr),
 * 2 on bad arguments.
 *
 * Build: gcc -O2 -Wall -Wextra -pthread -o echo-load benchmarks/c/echo-load.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "load-common.h"

#define CONNECT_TIMEOUT_NS (10 * NS_PER_S)
#define DRAIN_TIMEOUT_NS (10 * NS_PER_S)
#define READ_BUFFER_SIZE (64 * 1024)
#define MAX_EVENTS 256

struct conn {
	int fd;
	unsigned start;      /* where this connection's stream begins in the pattern */
	uint64_t queued;     /* bytes released for sending: (completed + depth) * size while running */
	uint64_t sent;       /* bytes handed to send() */
	uint64_t received;   /* echoed bytes received and checked */
	uint64_t stamped;    /* messages whose first byte has been sent, and so have a send time */
	uint64_t completed;  /* messages whose last byte has come back */
	uint64_t *sent_at;   /* send time of each message in flight, by message number % depth */
	bool connected, writing, output_shut, done;
};

struct worker {
	pthread_t thread;
	struct conn *conns;
	int count, open, epfd;
	bool running;        /* still releasing messages; false once the measured window is over */
	bool holding;        /* --idle: sending nothing more, and not ending either */
	uint64_t window_start, window_end;
	unsigned char *buffer;
	struct histogram latency;
	uint64_t messages, bytes, errors;
	char failure[256];   /* why connecting failed, for the one line on stderr */
};

static struct {
	struct sockaddr_storage address;
	socklen_t address_length;
	const char *host;
	int port, connections, threads;
	uint64_t size, depth, warmup_ns, duration_ns, connect_rate;
	bool idle;
} options = { .host = "127.0.0.1", .port = -1, .connections = 1, .threads = 1, .size = 64, .depth = 1,
	.warmup_ns = 2 * NS_PER_S, .duration_ns = 10 * NS_PER_S };

static pthread_barrier_t all_connected, all_echoed, all_released;
static atomic_bool connect_failed, echo_failed;

static void watch(struct worker *w, struct conn *c, bool writing)
{
	if (c->writing == writing)
		return;
	struct epoll_event ev = { .events = EPOLLIN | (writing ? EPOLLOUT : 0), .data.ptr = c };
	epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	c->writing = writing;
}

static void finish(struct worker *w, struct conn *c, bool failed)
{
	if (failed)
		w->errors++;
	close(c->fd);
	c->done = true;
	w->open--;
}

static void send_some(struct worker *w, struct conn *c)
{
	uint64_t t = now_ns();
	while (c->sent < c->queued) {
		size_t at = (c->start + c->sent) % PERIOD;
		size_t chunk = c->queued - c->sent < PERIOD ? c->queued - c->sent : PERIOD;
		/* MSG_NOSIGNAL: a server that went away is an error to count, not a SIGPIPE. */
		ssize_t n = send(c->fd, pattern + at, chunk, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				watch(w, c, true);
				return;
			}
			finish(w, c, true);
			return;
		}
		c->sent += (uint64_t)n;
		/* A message is in flight from the send() that took its first byte. */
		while (c->stamped * options.size < c->sent)
			c->sent_at[c->stamped++ % options.depth] = t;
	}
	watch(w, c, false);
	/* After the run, end of stream tells the server that everything has been sent; the
	 * echo must then come back complete, followed by the server's own end of stream. */
	if (!w->running && !w->holding && !c->output_shut) {
		shutdown(c->fd, SHUT_WR);
		c->output_shut = true;
	}
}

/* Compares echoed bytes with what was sent; counts every byte that differs or is extra. */
static void check(struct worker *w, struct conn *c, const unsigned char *data, size_t n)
{
	if (c->received + n > c->sent) {
		w->errors += c->received + n - c->sent; /* an echo of bytes never sent */
		n = (size_t)(c->sent - c->received);
	}
	for (size_t done = 0; done < n;) {
		size_t at = (c->start + c->received + done) % PERIOD;
		size_t chunk = n - done < PERIOD ? n - done : PERIOD;
		if (memcmp(data + done, pattern + at, chunk) != 0) {
			for (size_t i = 0; i < chunk; i++)
				w->errors += data[done + i] != pattern[at + i];
		}
		done += chunk;
	}
	c->received += n;
}

static void on_readable(struct worker *w, struct conn *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, w->buffer, READ_BUFFER_SIZE, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				finish(w, c, true);
			return;
		}
		if (n == 0) {
			/* The server's end of stream is right only after ours and the last echo. */
			finish(w, c, !c->output_shut || c->received < c->sent);
			return;
		}
		uint64_t t = now_ns();
		bool measured = t >= w->window_start && t < w->window_end;
		check(w, c, w->buffer, (size_t)n);
		if (measured)
			w->bytes += (uint64_t)n;
		while ((c->completed + 1) * options.size <= c->received) {
			uint64_t latency = t - c->sent_at[c->completed % options.depth];
			c->completed++;
			if (measured) {
				record(&w->latency, latency);
				w->messages++;
			}
			if (w->running)
				c->queued += options.size; /* closed loop: one message out per echo back */
		}
		if (c->sent < c->queued)
			send_some(w, c);
		if (c->done || n < READ_BUFFER_SIZE)
			return; /* a short read emptied the socket; epoll reports the next data */
	}
}

/* Opens one connection; its completion is reported by epoll as writable. */
static bool open_one(struct worker *w, struct conn *c)
{
	c->fd = socket(options.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		snprintf(w->failure, sizeof w->failure, "socket: %s", strerror(errno));
		return false;
	}
	w->open++;
	int one = 1;
	/* Pipelined small messages leave at once instead of waiting for the previous ACK. */
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(c->fd, (struct sockaddr *)&options.address, options.address_length) < 0 && errno != EINPROGRESS) {
		snprintf(w->failure, sizeof w->failure, "connect to %s port %d: %s", options.host, options.port,
				strerror(errno));
		return false;
	}
	/* Writable means the handshake is over, one way or the other; SO_ERROR says which. */
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
	epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->fd, &ev);
	return true;
}

/* Opens every connection, all at once or at the connect rate, and waits for all of them:
 * at most CONNECT_TIMEOUT_NS after the last one was opened. */
static bool connect_all(struct worker *w)
{
	/* This thread's share of the rate: its connections are spread evenly over the same time. */
	double gap_ns = options.connect_rate ? (double)NS_PER_S * options.threads / (double)options.connect_rate : 0;
	uint64_t origin = now_ns(), deadline = UINT64_MAX;
	int opened = 0;
	struct epoll_event events[MAX_EVENTS];
	for (int waiting = w->count; waiting > 0;) {
		uint64_t next_at = UINT64_MAX;
		while (opened < w->count) {
			uint64_t at = origin + (uint64_t)(opened * gap_ns);
			if (at > now_ns()) {
				next_at = at;
				break;
			}
			if (!open_one(w, &w->conns[opened++]))
				return false;
		}
		if (opened == w->count && deadline == UINT64_MAX)
			deadline = now_ns() + CONNECT_TIMEOUT_NS;
		int timeout = ms_until(next_at < deadline ? next_at : deadline);
		if (ms_until(deadline) == 0) {
			snprintf(w->failure, sizeof w->failure, "timed out connecting to %s port %d (%d of %d connected)",
					options.host, options.port, w->count - waiting, w->count);
			return false;
		}
		int ready = epoll_wait(w->epfd, events, MAX_EVENTS, timeout);
		for (int i = 0; i < ready; i++) {
			struct conn *c = events[i].data.ptr;
			int error = 0;
			socklen_t length = sizeof error;
			getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &length);
			if (error) {
				snprintf(w->failure, sizeof w->failure, "connect to %s port %d: %s", options.host, options.port,
						strerror(error));
				return false;
			}
			if (!c->connected) {
				c->connected = true;
				struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
				epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev);
				waiting--;
			}
		}
	}
	return true;
}

/* Handles what epoll reports until every open connection is done or the deadline passes;
 * with until_echoed, only until every connection has its first echo back. Returns false
 * at the deadline. */
static bool serve(struct worker *w, uint64_t deadline, bool until_echoed)
{
	struct epoll_event events[MAX_EVENTS];
	int echoed = 0;
	for (int i = 0; i < w->count; i++)
		echoed += w->conns[i].done || w->conns[i].completed > 0;
	while (w->open > 0 && !(until_echoed && echoed == w->count)) {
		int timeout = ms_until(deadline);
		if (timeout == 0)
			return false;
		int ready = epoll_wait(w->epfd, events, MAX_EVENTS, timeout);
		for (int i = 0; i < ready; i++) {
			struct conn *c = events[i].data.ptr;
			bool before = c->done || c->completed > 0;
			if (!c->done && (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
				on_readable(w, c);
			if (!c->done && (events[i].events & EPOLLOUT))
				send_some(w, c);
			echoed += !before && (c->done || c->completed > 0);
		}
	}
	return true;
}

/* Ends every connection: end of stream once all is sent, then every echo and the server's
 * end of stream, at most DRAIN_TIMEOUT_NS; a connection still incomplete then is an error. */
static void drain(struct worker *w)
{
	w->running = false;
	w->holding = false;
	for (int i = 0; i < w->count; i++)
		if (!w->conns[i].done)
			send_some(w, &w->conns[i]); /* shuts output down where all is sent */
	serve(w, now_ns() + DRAIN_TIMEOUT_NS, false);
	for (int i = 0; i < w->count; i++)
		if (!w->conns[i].done)
			finish(w, &w->conns[i], true); /* echoes still missing after the drain */
}

/* --idle: one echo on every connection, every echo measured. */
static bool echo_once(struct worker *w)
{
	w->window_start = 0;
	w->window_end = UINT64_MAX;
	w->holding = true;
	for (int i = 0; i < w->count; i++) {
		w->conns[i].queued = options.size;
		send_some(w, &w->conns[i]);
	}
	bool echoed = serve(w, now_ns() + CONNECT_TIMEOUT_NS, true);
	if (!echoed)
		snprintf(w->failure, sizeof w->failure, "not every connection to %s port %d echoed its message in %llu s",
				options.host, options.port, (unsigned long long)(CONNECT_TIMEOUT_NS / NS_PER_S));
	return echoed && w->errors == 0 && w->open == w->count;
}

/* --idle: until SIGTERM, SIGINT or DURATION, whichever comes first; the signals are blocked
 * in every thread, so that they wait here. */
static void hold(void)
{
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	struct timespec duration = { .tv_sec = (time_t)(options.duration_ns / NS_PER_S),
		.tv_nsec = (long)(options.duration_ns % NS_PER_S) };
	while (sigtimedwait(&stop, NULL, &duration) < 0 && errno == EINTR)
		;
}

static void run(struct worker *w)
{
	uint64_t start = now_ns();
	w->window_start = start + options.warmup_ns;
	w->window_end = w->window_start + options.duration_ns;
	w->running = true;
	for (int i = 0; i < w->count; i++) {
		w->conns[i].queued = options.depth * options.size;
		send_some(w, &w->conns[i]);
	}
	serve(w, w->window_end, false);
	drain(w);
}

static void *work(void *argument)
{
	struct worker *w = argument;
	if (!connect_all(w))
		atomic_store(&connect_failed, true);
	/* The load starts only once every thread has all its connections. */
	pthread_barrier_wait(&all_connected);
	if (atomic_load(&connect_failed)) {
		for (int i = 0; i < w->count; i++)
			if (w->conns[i].fd >= 0)
				close(w->conns[i].fd);
		if (options.idle) {
			/* The main thread waits for every thread at both. */
			pthread_barrier_wait(&all_echoed);
			pthread_barrier_wait(&all_released);
		}
		return NULL;
	}
	if (!options.idle) {
		run(w);
		return NULL;
	}
	if (!echo_once(w))
		atomic_store(&echo_failed, true);
	/* Every thread's connections have echoed once; the main thread holds them. */
	pthread_barrier_wait(&all_echoed);
	pthread_barrier_wait(&all_released);
	drain(w);
	return NULL;
}

static void usage(void)
{
	fprintf(stderr, "usage: echo-load --port P [--host 127.0.0.1] [--connections 1] [--size 64] [--depth 1]\n"
			"                 [--duration 10] [--warmup 2] [--threads 1] [--connect-rate N] [--idle]\n"
			"  closed loop: each connection keeps DEPTH messages of SIZE bytes in flight and checks every\n"
			"  echoed byte; durations in seconds, fractions allowed; exits 1 on any error.\n"
			"  --connect-rate: connections opened per second (default: all at once).\n"
			"  --idle: one echo per connection, then \"idle connections=N\" on stdout and nothing sent\n"
			"  until SIGTERM, SIGINT or DURATION seconds; then every connection is closed.\n");
	exit(2);
}

static void parse(int argc, char **argv)
{
	static const struct option known[] = { { "host", required_argument, NULL, 'h' },
		{ "port", required_argument, NULL, 'p' }, { "connections", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' }, { "depth", required_argument, NULL, 'd' },
		{ "duration", required_argument, NULL, 'D' }, { "warmup", required_argument, NULL, 'w' },
		{ "threads", required_argument, NULL, 't' }, { "connect-rate", required_argument, NULL, 'r' },
		{ "idle", no_argument, NULL, 'i' }, { NULL, 0, NULL, 0 } };
	for (int option; (option = getopt_long(argc, argv, "", known, NULL)) != -1;) {
		switch (option) {
		case 'h': options.host = optarg; break;
		case 'p': options.port = (int)integer(optarg, 1, 65535); break;
		case 'c': options.connections = (int)integer(optarg, 1, 100000); break;
		case 's': options.size = (uint64_t)integer(optarg, 1, 64 << 20); break;
		case 'd': options.depth = (uint64_t)integer(optarg, 1, 4096); break;
		case 'D': options.duration_ns = seconds(optarg, 0.001); break;
		case 'w': options.warmup_ns = seconds(optarg, 0); break;
		case 't': options.threads = (int)integer(optarg, 1, 256); break;
		case 'r': options.connect_rate = (uint64_t)integer(optarg, 1, 10000000); break;
		case 'i': options.idle = true; break;
		default: usage();
		}
	}
	if (optind != argc || options.port < 0 || options.threads > options.connections)
		usage();
	/* A numeric address only: the load goes where it is told, never through a resolver. */
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV }, *found;
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

	struct conn *conns = calloc((size_t)options.connections, sizeof *conns);
	struct worker *workers = calloc((size_t)options.threads, sizeof *workers);
	if (!conns || !workers) {
		fprintf(stderr, "echo-load: out of memory\n");
		return 1;
	}
	for (int i = 0; i < options.connections; i++) {
		conns[i].fd = -1;
		conns[i].start = (unsigned)(((uint64_t)i * 7919) % PERIOD); /* connections differ */
		conns[i].sent_at = calloc(options.depth, sizeof(uint64_t));
		if (!conns[i].sent_at) {
			fprintf(stderr, "echo-load: out of memory\n");
			return 1;
		}
	}
	pthread_barrier_init(&all_connected, NULL, (unsigned)options.threads);
	pthread_barrier_init(&all_echoed, NULL, (unsigned)options.threads + 1);
	pthread_barrier_init(&all_released, NULL, (unsigned)options.threads + 1);
	if (options.idle) {
		/* Blocked in every thread (they inherit the mask), so that hold() receives them. */
		sigset_t stop;
		sigemptyset(&stop);
		sigaddset(&stop, SIGTERM);
		sigaddset(&stop, SIGINT);
		pthread_sigmask(SIG_BLOCK, &stop, NULL);
	}
	for (int t = 0; t < options.threads; t++) {
		struct worker *w = &workers[t];
		int first = (int)((long long)options.connections * t / options.threads);
		w->conns = conns + first;
		w->count = (int)((long long)options.connections * (t + 1) / options.threads) - first;
		w->epfd = epoll_create1(EPOLL_CLOEXEC);
		w->buffer = malloc(READ_BUFFER_SIZE);
		if (w->epfd < 0 || !w->buffer || pthread_create(&w->thread, NULL, work, w) != 0) {
			fprintf(stderr, "echo-load: cannot start thread %d\n", t);
			return 1;
		}
	}
	if (options.idle) {
		pthread_barrier_wait(&all_echoed);
		if (!atomic_load(&connect_failed) && !atomic_load(&echo_failed)) {
			printf("idle connections=%d\n", options.connections);
			fflush(stdout);
			hold();
		}
		pthread_barrier_wait(&all_released);
	}
	for (int t = 0; t < options.threads; t++)
		pthread_join(workers[t].thread, NULL);
	for (int t = 0; t < options.threads; t++) {
		if (workers[t].failure[0]) {
			fprintf(stderr, "echo-load: %s\n", workers[t].failure);
			return 1;
		}
	}

	struct histogram *all = calloc(1, sizeof *all);
	uint64_t messages = 0, bytes = 0, errors = 0;
	for (int t = 0; t < options.threads; t++) {
		struct worker *w = &workers[t];
		for (int i = 0; i < BUCKETS; i++)
			all->counts[i] += w->latency.counts[i];
		all->total += w->latency.total;
		all->max = w->latency.max > all->max ? w->latency.max : all->max;
		messages += w->messages;
		bytes += w->bytes;
		errors += w->errors;
	}
	/* --idle: the messages are the one echo of each connection, and there is no rate. */
	double window = options.idle ? INFINITY : (double)options.duration_ns / NS_PER_S;
	printf("messages_per_sec=%.0f mb_per_sec=%.3f connections=%d p50_us=%.1f p90_us=%.1f p99_us=%.1f "
			"p999_us=%.1f max_us=%.1f errors=%llu messages=%llu\n",
			(double)messages / window, (double)bytes / window / 1e6, options.connections,
			percentile_us(all, 0.50), percentile_us(all, 0.90), percentile_us(all, 0.99), percentile_us(all, 0.999),
			(double)all->max / 1000, (unsigned long long)errors, (unsigned long long)messages);
	return errors == 0 ? 0 : 1;
}
