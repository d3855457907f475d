package io.echoreactor.reactor.counters;

import java.util.Locale;

import javax.net.ssl.SSLException;

/**
 * Why a TLS handshake failed, told apart from the JDK's exception (which carries no
 * code, only a message and, for alerts, the alert's name) so that operators see what to
 * fix: a client that speaks something else, an old protocol, ciphers in common, or a
 * certificate.
 */
public enum TlsFailure implements CountedEvent {

	/** The handshake timed out. */
	TIMEOUT("the handshake did not finish within echo.server.ssl.handshake-timeout"),

	/** The client closed first. */
	EOF("the client closed the connection before finishing (a plain TCP health check, say)"),

	/** Not TLS. */
	NOT_TLS("the first bytes were not a TLS record: a plain-text client on the TLS port, or an "
			+ "SSLv2-format hello"),

	/** No protocol version in common. */
	PROTOCOL_VERSION("no protocol version in common (a client that offers only TLS 1.1, say)"),

	/** No cipher suite in common. */
	NO_SHARED_CIPHER("no cipher suite in common"),

	/** A certificate was refused. */
	BAD_CERTIFICATE("a certificate was refused: a client certificate missing, expired or "
			+ "malformed, or the client refused ours"),

	/** An unknown certificate authority. */
	UNKNOWN_CA("a certificate was signed by an authority the other side does not trust"),

	/**
	 * A record header that is no TLS record header (an SSLv2-format hello, a length beyond
	 * any record), or a record of the wrong type where a handshake message belongs.
	 */
	PROTOCOL("the bytes broke TLS's framing before the handshake was done"),

	/** No session memory in time. */
	MEMORY("the handshake waited for echo.server.max-session-memory to start, and did not finish within "
			+ "echo.server.ssl.handshake-timeout"),

	/** No engine could be made. */
	INTERNAL("the server could not make the connection's engine: the bundle cannot serve"),

	/** Anything else. */
	OTHER("anything else");

	private final String description;

	TlsFailure(String description) {
		this.description = description;
	}

	@Override
	public String description() {
		return this.description;
	}

	/**
	 * Classify a failed handshake.
	 * @param ex what the engine threw
	 * @return the cause
	 */
	public static TlsFailure of(SSLException ex) {
		StringBuilder messages = new StringBuilder();
		for (Throwable t = ex; t != null; t = t.getCause()) {
			messages.append(' ').append(t.getMessage());
		}
		String text = messages.toString().toLowerCase(Locale.ROOT);
		if (text.contains("unsupported or unrecognized ssl message") || text.contains("plaintext connection")) {
			return NOT_TLS;
		}
		if (text.contains("protocol_version") || text.contains("protocol version")
				|| text.contains("no appropriate protocol") || text.contains("client requested protocol")) {
			return PROTOCOL_VERSION;
		}
		if (text.contains("no cipher suites in common") || text.contains("handshake_failure")
				&& text.contains("cipher")) {
			return NO_SHARED_CIPHER;
		}
		if (text.contains("unknown_ca") || text.contains("pkix path") || text.contains("unable to find valid "
				+ "certification path")) {
			return UNKNOWN_CA;
		}
		if (text.contains("certificate") || text.contains("bad_certificate")) {
			return BAD_CERTIFICATE;
		}
		return OTHER;
	}

}
