package io.echoreactor.reactor;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The direct memory that all connections' pending output may hold together
 * ({@code max-pending-output}), counted in pool chunks. A chunk that cannot be had within
 * it is refused at once, so the connection that needed it is closed cheaply; asking the
 * JDK for direct memory it does not have instead costs a full GC and up to half a second
 * of sleeping on the reactor thread, per refusal.
 *
 * <p>
 * <strong>Threading:</strong> shared by the reactors; touched only when a pool allocates
 * or drops a chunk, never per message, so one atomic costs nothing measurable.
 */
final class PendingOutputBudget {

	private final AtomicLong reserved = new AtomicLong();

	private final long limit;

	PendingOutputBudget(long limit) {
		this.limit = limit;
	}

	boolean tryReserve(long bytes) {
		long current;
		do {
			current = this.reserved.get();
			if (current + bytes > this.limit) {
				return false;
			}
		}
		while (!this.reserved.compareAndSet(current, current + bytes));
		return true;
	}

	void release(long bytes) {
		this.reserved.addAndGet(-bytes);
	}

	/** @return the most the pools may hold */
	long limit() {
		return this.limit;
	}

}
