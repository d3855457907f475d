package io.echoreactor.reactor.counters;

/**
 * How a {@code write()} call on a client socket fell short of what it was offered: the
 * {@code result} tag of {@code echo_writes_incomplete_total}.
 */
public enum IncompleteWrite implements CountedEvent {

	/** Some bytes written. */
	PARTIAL("partial", "some bytes written, not all"),

	/** Nothing written. */
	EMPTY("empty", "nothing written: EAGAIN");

	private final String tag;

	private final String description;

	IncompleteWrite(String tag, String description) {
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
