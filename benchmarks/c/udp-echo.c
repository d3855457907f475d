/*
 * udp-echo: the reference point for the UDP scenario of benchmarks/bench.sh, a UDP echo
 * server (RFC 862) in plain C with the least there is to it: one thread and one socket,
 * a blocking recvfrom() and a sendto() of the same bytes back to the sender, in a loop.
 * No epoll, no batching (recvmmsg), no loop guard or rate limit: what any UDP echo has to
 * do, and nothing more, to compare the JVM servers with.
 *
 * A datagram is received whole into a 64 KiB buffer (larger than any UDP payload) and
 * sent back whole. When the kernel cannot take the answer, sendto() blocks until it can;
 * an answer that fails (the sender is gone) is dropped, as UDP allows.
 *
 * Usage: udp-echo PORT     (0 picks a free port). Binds 127.0.0.1 only, prints
 * "listening on PORT" on stdout once bound, and exits with status 0 on SIGTERM or SIGINT.
 *
 * Build: gcc -O2 -Wall -Wextra -o udp-echo benchmarks/c/udp-echo.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFFER_SIZE (64 * 1024)

static volatile sig_atomic_t stopping;

static void stop(int signal)
{
	(void)signal;
	stopping = 1;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
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
		fprintf(stderr, "usage: udp-echo PORT   (0 picks a free port; binds 127.0.0.1)\n");
		return 2;
	}

	/* No SA_RESTART: a signal makes the blocked recvfrom() return EINTR, and the loop ends. */
	struct sigaction action = { .sa_handler = stop };
	sigemptyset(&action.sa_mask);
	if (sigaction(SIGTERM, &action, NULL) < 0 || sigaction(SIGINT, &action, NULL) < 0)
		die("sigaction");

	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&address, sizeof address) < 0)
		die("bind");
	socklen_t length = sizeof address;
	if (getsockname(fd, (struct sockaddr *)&address, &length) < 0)
		die("getsockname");

	printf("listening on %d\n", ntohs(address.sin_port));
	fflush(stdout);

	static char buffer[BUFFER_SIZE];
	while (!stopping) {
		struct sockaddr_storage sender;
		socklen_t sender_length = sizeof sender;
		ssize_t n = recvfrom(fd, buffer, sizeof buffer, 0, (struct sockaddr *)&sender, &sender_length);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("recvfrom");
		}
		/* Errors are the sender's business (gone, unreachable): the next datagram is served. */
		while (sendto(fd, buffer, (size_t)n, 0, (struct sockaddr *)&sender, sender_length) < 0 && errno == EINTR
				&& !stopping)
			;
	}
	close(fd);
	return 0;
}
