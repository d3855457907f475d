package io.echoreactor.reactor.counters;

/**
 * Why a {@code select()} call returned: exactly one cause per return, in this order of
 * precedence, the {@code cause} tag of {@code echo_selector_wakeups_total}.
 */
public enum WakeupCause implements CountedEvent {

	/** Keys were selected. */
	IO("keys were selected: the kernel reported ready sockets (epoll_wait returned events)"),

	/** Another thread had queued work. */
	TASK("another thread called Selector.wakeup(), or work was already queued and the loop polled "
			+ "without blocking"),

	/** The select timeout elapsed. */
	TIMEOUT("the select timeout elapsed with nothing to do"),

	/** An early return for no reason; a steady rate of these is a selector spin. */
	SPURIOUS("an early return with nothing selected, no wakeup and no timeout; a steady rate of these "
			+ "is the signature of a selector spin");

	private final String description;

	WakeupCause(String description) {
		this.description = description;
	}

	@Override
	public String description() {
		return this.description;
	}

}
