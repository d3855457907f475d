package io.echoreactor.reactor.counters;

/**
 * Why a {@code select()} call returned: exactly one cause per return, in this order of
 * precedence.
 */
public enum WakeupCause {

	/** Keys were selected: the kernel reported ready sockets (epoll_wait returned events). */
	IO("io"),

	/**
	 * Another thread had queued work: it called {@code Selector.wakeup()}, or work was
	 * already queued and the loop polled without blocking.
	 */
	TASK("task"),

	/** The select timeout elapsed with nothing to do. */
	TIMEOUT("timeout"),

	/**
	 * Returned early with nothing selected, no wakeup and no timeout. A steady rate of
	 * these is the signature of a selector spin.
	 */
	SPURIOUS("spurious");

	private final String tag;

	WakeupCause(String tag) {
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
