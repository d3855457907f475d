package io.echoreactor.reactor.counters;

/**
 * Why a connection was accepted and closed at once, before it was served: the
 * {@code cause} tag of {@code echo_connections_rejected_total}.
 */
public enum RejectCause implements CountedEvent {

	/** The server's connection limit. */
	LIMIT("limit", "echo.server.max-connections was reached"),

	/** The client address's connection limit. */
	ADDRESS_LIMIT("address-limit", "the client's address already had echo.server.max-connections-per-address");

	private final String tag;

	private final String description;

	RejectCause(String tag, String description) {
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
