package io.echoreactor.reactor.fault;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory that connections of fault ports may hold together for echoes held back
 * (delayed, paced or waiting for a client that does not read): {@code
 * faults-max-pending-output}, apart from the plain ports' budget, so that a fault
 * connection can never make a plain one wait or be evicted. Spent, it makes fault
 * connections wait to read; none is ever evicted, since waiting is what a fault port
 * does. Charged and released once per read and per chunk written, never per byte.
 *
 * <p>
 * <strong>Threading:</strong> called from any reactor thread.
 */
final class FaultMemory {

	private final long limit;

	private final AtomicLong used = new AtomicLong();

	FaultMemory(long limit) {
		this.limit = limit;
	}

	/**
	 * Take up to {@code wanted} bytes.
	 * @param wanted the bytes wanted
	 * @return the bytes taken, 0 when the budget is spent
	 */
	int tryAcquire(int wanted) {
		while (true) {
			long current = this.used.get();
			long granted = Math.min(wanted, this.limit - current);
			if (granted <= 0) {
				return 0;
			}
			if (this.used.compareAndSet(current, current + granted)) {
				return (int) granted;
			}
		}
	}

	void release(long bytes) {
		this.used.addAndGet(-bytes);
	}

	long used() {
		return this.used.get();
	}

	long limit() {
		return this.limit;
	}

}
