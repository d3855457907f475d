package io.echoreactor.reactor.counters;

/**
 * Why an event loop replaced its selector with a new one holding every key, the
 * {@code cause} tag of {@code echo_selector_rebuilds_total}.
 */
public enum RebuildCause implements CountedEvent {

	/** {@code select()} threw. */
	FAILURE("select() threw an I/O error, as it does when the epoll descriptor breaks"),

	/** {@code select()} spun: {@value #SPIN_THRESHOLD} empty returns in a row. */
	SPIN("select() returned " + RebuildCause.SPIN_THRESHOLD
			+ " times in a row with nothing selected, no wakeup and no timeout: the selector spins");

	/** Empty returns from {@code select()} in a row that count as a spin. */
	public static final int SPIN_THRESHOLD = 512;

	private final String description;

	RebuildCause(String description) {
		this.description = description;
	}

	@Override
	public String description() {
		return this.description;
	}

}
