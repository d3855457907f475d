package io.echoreactor.reactor.counters;

/**
 * How a {@code write()} call on a client socket fell short of what it was offered: the
 * {@code result} tag of {@code echo_writes_incomplete_total}.
 */
public enum IncompleteWrite implements CountedEvent {

	/** Some bytes written. */
	PARTIAL("some bytes written, not all"),

	/** Nothing written. */
	EMPTY("nothing written: EAGAIN");

	private final String description;

	IncompleteWrite(String description) {
		this.description = description;
	}

	@Override
	public String description() {
		return this.description;
	}

}
