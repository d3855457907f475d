package io.echoreactor.reactor.counters;

/**
 * What came of reading a connection's PROXY protocol header; each connection that a
 * header was read from (or required of) is counted under exactly one.
 */
public enum ProxyHeaderResult implements CountedEvent {

	/** A version 1 header. */
	V1("v1", "a version 1 (text) header naming the client"),

	/** A version 2 header. */
	V2("v2", "a version 2 (binary) header naming the client"),

	/** A LOCAL header. */
	LOCAL("local", "the LOCAL command or v1 UNKNOWN: the proxy's own connection, such as a health check"),

	/** No header. */
	ABSENT("absent", "no header: data where a header was allowed (optional mode), or refused where one was "
			+ "required (required mode)"),

	/** A malformed header; closed. */
	MALFORMED("malformed", "a header that breaks the specification; the connection is closed"),

	/** An oversized header; closed. */
	OVERSIZED("oversized", "a header longer than the server holds; the connection is closed"),

	/** An untrusted source where a header is required; closed. */
	UNTRUSTED("untrusted", "a header required of a source outside echo.server.proxy-protocol.trusted-sources; the "
			+ "connection is closed"),

	/** No complete header in time; closed. */
	TIMEOUT("timeout", "no complete header within echo.server.proxy-protocol.header-timeout; the connection is "
			+ "closed");

	private final String tag;

	private final String description;

	ProxyHeaderResult(String tag, String description) {
		this.tag = tag;
		this.description = description;
	}

	@Override
	public String tag() {
		return this.tag;
	}

	@Override
	public String description() {
		return this.description;
	}

}
