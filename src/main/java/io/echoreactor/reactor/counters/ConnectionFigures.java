package io.echoreactor.reactor.counters;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * What a console's table shows of one open TCP connection at the moment it was looked
 * at: an immutable copy, taken on the connection's reactor thread and read anywhere.
 *
 * @param reactor the index of the reactor that owns the connection
 * @param local the server's address of the connection, or {@code null} once the socket
 * has closed
 * @param peer the peer's address (the load balancer's, behind a PROXY header), or
 * {@code null} once the socket has closed
 * @param source the client the PROXY header names, or {@code null} without one
 * @param tlsProtocol the TLS protocol once the handshake is done ({@code TLSv1.3}), or
 * {@code null} on a plain connection or during the handshake
 * @param stage where the connection is in its life
 * @param bytesReceived bytes read from the socket since it opened, TLS records and PROXY
 * header included
 * @param bytesSent bytes written to the socket since it opened
 * @param pendingOutputBytes bytes waiting for the socket to take them
 * @param age how long the connection has been open
 */
public record ConnectionFigures(int reactor, @Nullable InetSocketAddress local, @Nullable InetSocketAddress peer,
		@Nullable InetSocketAddress source, @Nullable String tlsProtocol, Stage stage, long bytesReceived,
		long bytesSent, long pendingOutputBytes, Duration age) {

	/** @return the bytes received and sent, by which the busiest connections are ranked */
	public long bytes() {
		return this.bytesReceived + this.bytesSent;
	}

	/**
	 * Where a connection is in its life, as a console shows it.
	 */
	public enum Stage {

		/** Registered, its first stage not yet begun. */
		OPENING,

		/** Waiting for, or reading, its PROXY protocol header. */
		PROXY_HEADER,

		/** In its TLS handshake. */
		TLS_HANDSHAKE,

		/** Echoing. */
		ECHO,

		/** Closing: echoing what is left, then the FIN, or a reset at the deadline. */
		CLOSING;

		/** @return the name a console shows, in kebab-case ({@code tls-handshake}) */
		public String displayName() {
			return name().toLowerCase(Locale.ROOT).replace('_', '-');
		}

	}

}
