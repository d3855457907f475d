package io.echoreactor.reactor.tls;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * The TLS listener, beside the plain port: the echo through TLS, with the handshake in
 * the reactor thread.
 *
 * @param context what connections are made from, or {@code null} for no TLS listener
 * @param port the TLS port; 0 picks a free one
 * @param handshakeTimeout how long a handshake may take before the connection is closed
 */
public record TlsSettings(@Nullable TlsContext context, int port, Duration handshakeTimeout) {

	public TlsSettings {
		check(port >= 0 && port <= 65535, "tls.port must be between 0 and 65535");
		check(handshakeTimeout != null && !handshakeTimeout.isNegative() && !handshakeTimeout.isZero(),
				"tls.handshakeTimeout must be positive");
	}

	/** @return whether a TLS listener is served */
	public boolean enabled() {
		return this.context != null;
	}

	private static void check(boolean condition, String message) {
		if (!condition) {
			throw new IllegalArgumentException(message);
		}
	}

}
