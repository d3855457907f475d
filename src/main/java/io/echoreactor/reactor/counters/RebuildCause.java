package io.echoreactor.reactor.counters;

/**
 * Why an event loop replaced its selector with a new one holding every key.
 */
public enum RebuildCause {

	/** {@code select()} threw, as it does when the epoll descriptor breaks. */
	FAILURE("failure"),

	/**
	 * {@code select()} returned {@value LoopSelector#SPIN_THRESHOLD} times in a row with
	 * nothing selected, no wakeup and no timeout: the selector spins.
	 */
	SPIN("spin");

	private final String tag;

	RebuildCause(String tag) {
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
