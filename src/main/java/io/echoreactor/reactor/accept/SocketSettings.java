package io.echoreactor.reactor.accept;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Socket options applied to the listening and accepted sockets; {@code null} leaves
 * the kernel's default.
 *
 * @param tcpNoDelay whether to disable Nagle's algorithm
 * @param keepAlive whether to enable TCP keepalive
 * @param keepAliveIdle idle time before the first keepalive probe, or {@code null}
 * @param keepAliveInterval time between keepalive probes, or {@code null}
 * @param keepAliveCount unanswered probes before the connection is dropped, or {@code null}
 * @param receiveBufferSize {@code SO_RCVBUF} in bytes, or {@code null}
 * @param sendBufferSize {@code SO_SNDBUF} in bytes, or {@code null}
 */
public record SocketSettings(boolean tcpNoDelay, boolean keepAlive, @Nullable Duration keepAliveIdle,
		@Nullable Duration keepAliveInterval, @Nullable Integer keepAliveCount, @Nullable Integer receiveBufferSize,
		@Nullable Integer sendBufferSize) {

}
