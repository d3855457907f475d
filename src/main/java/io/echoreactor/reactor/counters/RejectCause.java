package io.echoreactor.reactor.counters;

/**
 * Why a connection was accepted and closed at once, before it was served: the
 * {@code cause} tag of {@code echo_connections_rejected_total}.
 */
public enum RejectCause implements CountedEvent {

	/** The server's connection limit. */
	LIMIT("echo.server.max-connections was reached"),

	/** The client address's connection limit. */
	ADDRESS_LIMIT("the client's address already had echo.server.max-connections-per-address");

	private final String description;

	RejectCause(String description) {
		this.description = description;
	}

	@Override
	public String description() {
		return this.description;
	}

}
