/*
 * echo-epoll: the reference point for benchmarks/bench.sh, a TCP echo server (RFC 862) in
 * plain C on epoll, written the way echo-reactor's reactor works so that the benchmark
 * compares the JVM and our code with the least a C server has to do for the same job:
 *
 *   - one thread, one epoll instance, level-triggered, non-blocking sockets, TCP_NODELAY;
 *   - what is read (into one 64 KiB buffer) is written back at once;
 *   - what a partial write leaves waits in the connection's own growable buffer, EPOLLOUT
 *     is registered only while something waits, and past 64 KiB waiting the connection is
 *     not read (EPOLLIN off) until everything has been written back: the same
 *     backpressure as echo-reactor's high-water mark;
 *   - on end of input, everything is echoed, then the connection is closed.
 *
 * Usage: echo-epoll PORT     (0 picks a free port). Binds 127.0.0.1 only, prints
 * "listening on PORT" on stdout once it accepts, and exits with status 0 on SIGTERM or
 * SIGINT.
 *
 * Build: gcc -O2 -Wall -Wextra -o echo-epoll benchmarks/c/echo-epoll.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_BUFFER_SIZE (64 * 1024)
#define HIGH_WATER_MARK (64 * 1024) /* pending bytes past which reading pauses */
#define READ_BUDGET (256 * 1024)    /* bytes read from one connection per wakeup */
#define BACKLOG 1024
#define MAX_EVENTS 256

struct conn {
	int fd;
	uint32_t events;   /* what epoll currently watches for this connection */
	bool eof;          /* the client has shut down its output */
	char *pending;     /* bytes read but not yet written back: pending[off, len) */
	size_t off, len, cap;
	struct conn *prev, *next; /* every open connection, to close them all at exit */
};

static int epfd;
static struct conn *conns;
/* Distinguish the listener and the signalfd from connections in epoll_event.data.ptr. */
static char listener_tag, signal_tag;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void watch(struct conn *c, uint32_t events)
{
	if (c->events == events)
		return; /* spare the epoll_ctl call, as the JDK does for unchanged interest */
	struct epoll_event ev = { .events = events, .data.ptr = c };
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		die("epoll_ctl");
	c->events = events;
}

static void close_conn(struct conn *c)
{
	close(c->fd); /* also removes it from the epoll set: nothing else holds this descriptor */
	if (c->prev)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c->pending);
	free(c);
}

/* Keeps bytes a write could not take, after any that already wait (order is preserved). */
static bool keep(struct conn *c, const char *data, size_t n)
{
	if (c->off > 0 && c->off == c->len)
		c->off = c->len = 0;
	if (c->len + n > c->cap) {
		/* Move what waits to the front before growing, so the buffer stays near the
		 * high-water mark plus one read instead of creeping forward forever. */
		if (c->off > 0) {
			memmove(c->pending, c->pending + c->off, c->len - c->off);
			c->len -= c->off;
			c->off = 0;
		}
		if (c->len + n > c->cap) {
			size_t cap = c->cap ? c->cap : 16 * 1024;
			while (cap < c->len + n)
				cap *= 2;
			char *grown = realloc(c->pending, cap);
			if (!grown)
				return false;
			c->pending = grown;
			c->cap = cap;
		}
	}
	memcpy(c->pending + c->len, data, n);
	c->len += n;
	return true;
}

/*
 * Writes what waits. Returns false when the connection failed (reset, broken pipe) and
 * was closed. MSG_NOSIGNAL: a client that went away must not raise SIGPIPE and end us.
 */
static bool flush(struct conn *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->pending + c->off, c->len - c->off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN)
				break;
			if (errno == EINTR)
				continue;
			close_conn(c);
			return false;
		}
		c->off += (size_t)n;
	}
	return true;
}

/* Chooses what to watch from the state: the one place where interest changes. */
static void update_interest(struct conn *c)
{
	size_t waiting = c->len - c->off;
	if (c->eof && waiting == 0) {
		close_conn(c); /* everything the client sent has been echoed */
		return;
	}
	uint32_t events = 0;
	/* Reading resumes only once everything has drained, not at a low-water mark: the
	 * simplest rule that bounds a connection's memory. */
	if (!c->eof && (waiting == 0 || (c->events & EPOLLIN && waiting <= HIGH_WATER_MARK)))
		events |= EPOLLIN;
	if (waiting > 0)
		events |= EPOLLOUT;
	watch(c, events);
}

static void on_readable(struct conn *c)
{
	static char buffer[READ_BUFFER_SIZE]; /* one for the whole server, as each reactor has one */
	size_t budget = READ_BUDGET;
	while (budget > 0 && c->len - c->off <= HIGH_WATER_MARK) {
		ssize_t n = recv(c->fd, buffer, sizeof buffer, 0);
		if (n == 0) {
			c->eof = true;
			break;
		}
		if (n < 0) {
			if (errno == EAGAIN)
				break;
			if (errno == EINTR)
				continue;
			close_conn(c);
			return;
		}
		size_t written = 0;
		if (c->off == c->len) { /* nothing waits, so these bytes may go out first */
			ssize_t w = send(c->fd, buffer, (size_t)n, MSG_NOSIGNAL);
			if (w < 0 && errno != EAGAIN && errno != EINTR) {
				close_conn(c);
				return;
			}
			written = w > 0 ? (size_t)w : 0;
		}
		if (written < (size_t)n && !keep(c, buffer + written, (size_t)n - written)) {
			close_conn(c); /* out of memory: give up this connection, not the server */
			return;
		}
		budget -= (size_t)n < budget ? (size_t)n : budget;
		/* A short read drained the socket; level-triggered epoll reports more data, so
		 * no extra recv() is issued just to meet EAGAIN (echo-reactor does the same). */
		if ((size_t)n < sizeof buffer)
			break;
	}
	update_interest(c);
}

static void accept_all(int listener)
{
	for (;;) {
		int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				perror("accept4"); /* EMFILE and the like: try again on the next wakeup */
			return;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* small echoes leave at once */
		struct conn *c = calloc(1, sizeof *c);
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->events = EPOLLIN;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = conns;
		if (conns)
			conns->prev = c;
		conns = c;
	}
}

static int parse_port(const char *text)
{
	char *end;
	errno = 0;
	long port = strtol(text, &end, 10);
	if (errno || end == text || *end || port < 0 || port > 65535)
		return -1;
	return (int)port;
}

int main(int argc, char **argv)
{
	int port = argc == 2 ? parse_port(argv[1]) : -1;
	if (port < 0) {
		fprintf(stderr, "usage: echo-epoll PORT   (0 picks a free port; binds 127.0.0.1)\n");
		return 2;
	}

	/* SIGTERM and SIGINT arrive through a signalfd in the same epoll set, so the loop
	 * notices them between events, with no handler and no race around epoll_wait. */
	sigset_t stop_signals;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	if (sigprocmask(SIG_BLOCK, &stop_signals, NULL) < 0)
		die("sigprocmask");
	int sigfd = signalfd(-1, &stop_signals, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sigfd < 0)
		die("signalfd");

	int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listener < 0)
		die("socket");
	int one = 1;
	/* Lets a rerun bind the same port while old connections sit in TIME_WAIT. */
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0)
		die("bind");
	if (listen(listener, BACKLOG) < 0) /* as echo-reactor's default: a burst of connects is not dropped */
		die("listen");
	socklen_t length = sizeof address;
	if (getsockname(listener, (struct sockaddr *)&address, &length) < 0)
		die("getsockname");

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		die("epoll_create1");
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &listener_tag };
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, listener, &ev) < 0)
		die("epoll_ctl");
	ev.data.ptr = &signal_tag;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, sigfd, &ev) < 0)
		die("epoll_ctl");

	/* Printed only once the listener is registered: a client that reads it can connect. */
	printf("listening on %d\n", ntohs(address.sin_port));
	fflush(stdout);

	bool running = true;
	struct epoll_event events[MAX_EVENTS];
	while (running) {
		int ready = epoll_wait(epfd, events, MAX_EVENTS, -1);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		/* A descriptor appears at most once per epoll_wait, so closing a connection here
		 * never leaves a later entry of this batch pointing at freed memory. */
		for (int i = 0; i < ready; i++) {
			void *tag = events[i].data.ptr;
			if (tag == &signal_tag) {
				running = false;
			}
			else if (tag == &listener_tag) {
				accept_all(listener);
			}
			else {
				struct conn *c = tag;
				uint32_t happened = events[i].events;
				/* Write first: draining what waits may make room to read again. An error
				 * or hang-up goes both ways, so that the failing call closes the
				 * connection instead of level-triggered epoll reporting it forever. */
				if ((happened & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && !flush(c))
					continue;
				if (happened & (EPOLLIN | EPOLLERR | EPOLLHUP))
					on_readable(c);
				else
					update_interest(c);
			}
		}
	}

	while (conns)
		close_conn(conns);
	close(listener);
	close(sigfd);
	close(epfd);
	return 0;
}
