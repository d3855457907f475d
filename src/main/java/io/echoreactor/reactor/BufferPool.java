package io.echoreactor.reactor;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * A reactor's pool of direct chunks for pending output, so that a partial write costs no
 * allocation in the steady state and an idle connection holds no buffer at all.
 *
 * <p>
 * <strong>Threading:</strong> confined to the owning reactor's thread; not thread-safe.
 */
final class BufferPool {

	static final int CHUNK_SIZE = 16 * 1024;

	private final ArrayDeque<ByteBuffer> idle = new ArrayDeque<>();

	private final int maxIdle;

	private final PendingOutputBudget budget;

	private long inUse;

	/**
	 * Create a pool that keeps at most {@code maxIdle} free chunks; chunks returned beyond
	 * that are left to the garbage collector, which frees their native memory.
	 * @param maxIdle the number of free chunks to keep
	 */
	BufferPool(int maxIdle, PendingOutputBudget budget) {
		this.maxIdle = maxIdle;
		this.budget = budget;
	}

	ByteBuffer acquire() throws OutOfBufferMemoryException {
		ByteBuffer chunk = this.idle.pollLast();
		if (chunk == null) {
			if (!this.budget.tryReserve(CHUNK_SIZE)) {
				throw new OutOfBufferMemoryException("max-pending-output (" + this.budget.limit() / 1024
						+ " KiB) is in use");
			}
			try {
				chunk = ByteBuffer.allocateDirect(CHUNK_SIZE);
			}
			catch (OutOfMemoryError ex) {
				// Something else holds the JVM's direct memory (-XX:MaxDirectMemorySize);
				// running out of it is one connection's failure, not the reactor's.
				this.budget.release(CHUNK_SIZE);
				throw new OutOfBufferMemoryException(ex.getMessage());
			}
		}
		this.inUse++;
		return chunk.clear();
	}

	void release(ByteBuffer chunk) {
		this.inUse--;
		if (this.idle.size() < this.maxIdle) {
			this.idle.addLast(chunk);
		}
		else {
			// Left to the garbage collector, which frees its native memory.
			this.budget.release(CHUNK_SIZE);
		}
	}

	/** Drop the free chunks and give their memory back to the budget. */
	void clear() {
		this.budget.release((long) this.idle.size() * CHUNK_SIZE);
		this.idle.clear();
	}

	/** @return chunks handed out and not yet returned */
	long inUse() {
		return this.inUse;
	}

	/** @return free chunks kept for reuse */
	int idle() {
		return this.idle.size();
	}

}
