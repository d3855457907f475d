package io.echoreactor.reactor.counters;

/**
 * Why the server closed a connection. Each close is counted under exactly one cause, the
 * {@code cause} tag of {@code echo_connections_closed_total}.
 */
public enum CloseCause implements CountedEvent {

	/** The client finished. */
	EOF("the client shut down its output and everything it sent was echoed"),

	/** The peer reset the connection. */
	RESET("the peer reset the connection or the pipe broke"),

	/** No traffic for {@code idle-timeout}. */
	IDLE("no traffic either way for echo.server.idle-timeout"),

	/** The connection reached its maximum age. */
	MAX_AGE("the connection outlived echo.server.max-connection-age and was closed gracefully"),

	/** The server drained. */
	SHUTDOWN("the server was shutting down and the client had not closed yet"),

	/** Any other I/O failure. */
	ERROR("any other I/O failure on the connection"),

	/** The client stopped reading its echoes; the connection is reset. */
	WRITE_TIMEOUT("the oldest byte of the pending output waited longer than "
			+ "echo.server.write-timeout: the client stopped reading, or reads too slowly; the connection is reset"),

	/** The connection was evicted to free pending-output memory; it is reset. */
	EVICTED("echo.server.max-pending-output ran short and this connection held the most of it, above its "
			+ "fair share, for the longest without draining; the connection is reset"),

	/** The TLS handshake failed. */
	TLS_HANDSHAKE("the TLS handshake failed or did not finish within "
			+ "echo.server.ssl.handshake-timeout; echo_tls_handshakes_total tells why"),

	/** The PROXY protocol header was refused. */
	PROXY_HEADER("the PROXY protocol header was malformed, oversized, not sent in time, or sent by "
			+ "(or required from) an untrusted source; echo_proxy_headers_total tells which"),

	/** The client broke TLS after its handshake; the connection is reset. */
	TLS_PROTOCOL("after its handshake the client broke TLS: a renegotiation, more key updates than "
			+ "allowed, or a record that does not decrypt; echo_tls_violations_total tells which, and the "
			+ "connection is reset");

	private final String description;

	CloseCause(String description) {
		this.description = description;
	}

	@Override
	public String description() {
		return this.description;
	}

}
