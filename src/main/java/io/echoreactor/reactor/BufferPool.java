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

	private long inUse;

	/**
	 * Create a pool that keeps at most {@code maxIdle} free chunks; chunks returned beyond
	 * that are left to the garbage collector, which frees their native memory.
	 * @param maxIdle the number of free chunks to keep
	 */
	BufferPool(int maxIdle) {
		this.maxIdle = maxIdle;
	}

	ByteBuffer acquire() {
		this.inUse++;
		ByteBuffer chunk = this.idle.pollLast();
		return (chunk != null) ? chunk.clear() : ByteBuffer.allocateDirect(CHUNK_SIZE);
	}

	void release(ByteBuffer chunk) {
		this.inUse--;
		if (this.idle.size() < this.maxIdle) {
			this.idle.addLast(chunk);
		}
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
