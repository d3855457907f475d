package io.echoreactor.reactor.counters;

/**
 * Why the server closed a connection. Each close is counted under exactly one cause.
 */
public enum CloseCause {

	/** The client shut down its output and everything it sent was echoed. */
	EOF("eof"),

	/** The peer reset the connection or the pipe broke. */
	RESET("reset"),

	/** No traffic either way for {@code idle-timeout}. */
	IDLE("idle"),

	/** The connection outlived {@code max-connection-age} and was closed gracefully. */
	MAX_AGE("max-age"),

	/** The server was shutting down and the client had not closed yet. */
	SHUTDOWN("shutdown"),

	/** Any other I/O failure on the connection. */
	ERROR("error"),

	/**
	 * The oldest byte of the connection's pending output waited longer than
	 * {@code write-timeout}: the client stopped reading, or reads too slowly. The
	 * connection is reset, so the client sees an error.
	 */
	WRITE_TIMEOUT("write-timeout"),

	/**
	 * {@code max-pending-output} ran short and this connection held the most of it, above
	 * its fair share, for the longest without draining. The connection is reset, so the
	 * client sees an error.
	 */
	EVICTED("evicted"),

	/**
	 * The TLS handshake failed or did not finish within
	 * {@code echo.server.ssl.handshake-timeout}; {@code echo_tls_handshakes_total} tells why.
	 */
	TLS_HANDSHAKE("tls-handshake"),

	/**
	 * The PROXY protocol header was malformed, oversized, not sent in time, or sent by (or
	 * required from) an untrusted source; {@code echo_proxy_headers_total} tells which.
	 */
	PROXY_HEADER("proxy-header"),

	/**
	 * After its handshake the client broke TLS: a renegotiation (refused), more key updates
	 * than allowed, or a record that does not decrypt or is malformed;
	 * {@code echo_tls_violations_total} tells which. The connection is reset.
	 */
	TLS_PROTOCOL("tls-protocol");

	private final String tag;

	CloseCause(String tag) {
		this.tag = tag;
	}

	/**
	 * Return the lower-case name used in metric tags and logs.
	 * @return the tag value
	 */
	public String tag() {
		return this.tag;
	}

}
