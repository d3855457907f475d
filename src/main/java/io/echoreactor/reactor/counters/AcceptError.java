package io.echoreactor.reactor.counters;

/**
 * Why an {@code accept()} call failed: the {@code cause} tag of
 * {@code echo_accept_errors_total}. Accepting pauses for a moment after each.
 */
public enum AcceptError implements CountedEvent {

	/** Out of file descriptors. */
	TOO_MANY_OPEN_FILES("EMFILE or ENFILE: the process or the system is out of descriptors"),

	/** Any other failure. */
	OTHER("any other failure");

	private final String description;

	AcceptError(String description) {
		this.description = description;
	}

	@Override
	public String description() {
		return this.description;
	}

}
