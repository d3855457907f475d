package io.echoreactor.reactor;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server-wide bound on open connections ({@code max-connections}). Touched once when
 * a connection is accepted and once when it closes, never per byte, so one shared atomic
 * costs nothing measurable.
 *
 * <p>
 * <strong>Threading:</strong> called from any thread.
 */
final class ConnectionLimit {

	private final AtomicInteger open = new AtomicInteger();

	private final int max;

	ConnectionLimit(int max) {
		this.max = max;
	}

	boolean tryAcquire() {
		if (this.open.incrementAndGet() <= this.max) {
			return true;
		}
		this.open.decrementAndGet();
		return false;
	}

	void release() {
		this.open.decrementAndGet();
	}

	int open() {
		return this.open.get();
	}

}
