package io.echoreactor.reactor.udp;

import org.jspecify.annotations.Nullable;

/**
 * The UDP echo (RFC 862's second half) on the same reactors.
 *
 * @param enabled whether to serve UDP
 * @param port the UDP port, or {@code null} for the TCP port's configured number; 0
 * picks a free port
 * @param rateLimitPerSource datagrams per second answered for one source address (a
 * token bucket holding one second's worth), or 0 for no limit
 * @param maxTrackedSources the size of the rate limit's table of buckets, 1 to
 * 4,194,304: a keyed hash of a source's address picks its bucket, and sources that share
 * one share its rate
 * @param receiveBudget datagrams received per wakeup before other work gets a turn
 * @param receiveBufferSize {@code SO_RCVBUF} in bytes, or {@code null}
 * @param sendBufferSize {@code SO_SNDBUF} in bytes, or {@code null}
 */
public record UdpSettings(boolean enabled, @Nullable Integer port, int rateLimitPerSource, int maxTrackedSources,
		int receiveBudget, @Nullable Integer receiveBufferSize, @Nullable Integer sendBufferSize) {

	public UdpSettings {
		check(port == null || (port >= 0 && port <= 65535), "udp.port must be between 0 and 65535");
		check(rateLimitPerSource >= 0, "udp.rateLimitPerSource must be at least 0");
		check(maxTrackedSources >= 1 && maxTrackedSources <= SourceRateLimiter.MAX_BUCKETS,
				"udp.maxTrackedSources must be between 1 and " + SourceRateLimiter.MAX_BUCKETS);
		check(receiveBudget >= 1, "udp.receiveBudget must be at least 1");
	}

	private static void check(boolean condition, String message) {
		if (!condition) {
			throw new IllegalArgumentException(message);
		}
	}

}
