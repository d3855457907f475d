package io.echoreactor.reactor.counters;

/**
 * Why an {@code accept()} call failed: the {@code cause} tag of
 * {@code echo_accept_errors_total}. Accepting pauses for a moment after each.
 */
public enum AcceptError implements CountedEvent {

	/** Out of file descriptors. */
	TOO_MANY_OPEN_FILES("too-many-open-files", "EMFILE or ENFILE: the process or the system is out of descriptors"),

	/** Any other failure. */
	OTHER("other", "any other failure");

	private final String tag;

	private final String description;

	AcceptError(String tag, String description) {
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
