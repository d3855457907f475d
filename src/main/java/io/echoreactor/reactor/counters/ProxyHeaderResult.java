package io.echoreactor.reactor.counters;

/**
 * What came of reading a connection's PROXY protocol header; each connection that a
 * header was read from (or required of) is counted under exactly one.
 */
public enum ProxyHeaderResult implements CountedEvent {

	/** A version 1 header. */
	V1("a version 1 (text) header naming the client"),

	/** A version 2 header. */
	V2("a version 2 (binary) header naming the client"),

	/** A LOCAL header. */
	LOCAL("the LOCAL command or v1 UNKNOWN: the proxy's own connection, such as a health check"),

	/** No header. */
	ABSENT("no header: data where a header was allowed (optional mode), or refused where one was "
			+ "required (required mode)"),

	/** A malformed header; closed. */
	MALFORMED("a header that breaks the specification; the connection is closed"),

	/** An oversized header; closed. */
	OVERSIZED("a header longer than the server holds; the connection is closed"),

	/** An untrusted source where a header is required; closed. */
	UNTRUSTED("a header required of a source outside echo.server.proxy-protocol.trusted-sources; the "
			+ "connection is closed"),

	/** No complete header in time; closed. */
	TIMEOUT("no complete header within echo.server.proxy-protocol.header-timeout; the connection is "
			+ "closed");

	private final String description;

	ProxyHeaderResult(String description) {
		this.description = description;
	}

	@Override
	public String description() {
		return this.description;
	}

}
