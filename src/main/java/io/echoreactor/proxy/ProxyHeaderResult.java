package io.echoreactor.proxy;

/**
 * What came of reading a connection's PROXY protocol header; each connection that a
 * header was read from (or required of) is counted under exactly one.
 */
public enum ProxyHeaderResult {

	/** A version 1 (text) header naming the client. */
	V1("v1"),

	/** A version 2 (binary) header naming the client. */
	V2("v2"),

	/** A header with the LOCAL command (or v1 UNKNOWN): the proxy's own connection, such as a health check. */
	LOCAL("local"),

	/** No header where one was allowed ({@code optional}) or required ({@code required}, then closed). */
	ABSENT("absent"),

	/** A header that breaks the specification; the connection is closed. */
	MALFORMED("malformed"),

	/** A header longer than the server holds; the connection is closed. */
	OVERSIZED("oversized"),

	/** A connection from a source outside the trusted sources where a header is required; closed. */
	UNTRUSTED("untrusted"),

	/** No complete header within the header timeout; the connection is closed. */
	TIMEOUT("timeout");

	private final String tag;

	ProxyHeaderResult(String tag) {
		this.tag = tag;
	}

	/**
	 * Return the lower-case name used in metric tags.
	 * @return the tag value
	 */
	public String tag() {
		return this.tag;
	}

}
