package io.echoreactor.reactor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.Arrays;

/**
 * Bytes a connection has read but not yet written back, in order, as a queue of pooled
 * chunks. It exists only while a write is incomplete; the connection drops it, and its
 * chunks go back to the {@link BufferPool}, as soon as everything is written.
 *
 * <p>
 * <strong>Threading:</strong> confined to the owning reactor's thread.
 */
final class PendingOutput {

	private final BufferPool pool;

	// Chunks hold their unwritten bytes between position and limit ("read mode").
	private ByteBuffer[] chunks = new ByteBuffer[8];

	private int head;

	private int count;

	private long bytes;

	PendingOutput(BufferPool pool) {
		this.pool = pool;
	}

	/** @return the number of bytes waiting to be written */
	long bytes() {
		return this.bytes;
	}

	boolean isEmpty() {
		return this.bytes == 0;
	}

	/**
	 * Copy everything remaining in {@code source} to the end of the queue.
	 * @param source the bytes to append; consumed completely unless memory runs out
	 * @throws OutOfBufferMemoryException if no chunk can be had for the rest
	 */
	void append(ByteBuffer source) throws OutOfBufferMemoryException {
		while (source.hasRemaining()) {
			ByteBuffer tail = (this.count > 0) ? this.chunks[this.head + this.count - 1] : null;
			if (tail == null || tail.limit() == tail.capacity()) {
				tail = this.pool.acquire().flip();
				addChunk(tail);
			}
			int start = tail.position();
			tail.position(tail.limit()).limit(tail.capacity());
			int n = Math.min(tail.remaining(), source.remaining());
			int sourceLimit = source.limit();
			source.limit(source.position() + n);
			tail.put(source);
			source.limit(sourceLimit);
			tail.limit(tail.position()).position(start);
			this.bytes += n;
		}
	}

	private void addChunk(ByteBuffer chunk) {
		if (this.head + this.count == this.chunks.length) {
			if (this.head > 0) {
				System.arraycopy(this.chunks, this.head, this.chunks, 0, this.count);
				Arrays.fill(this.chunks, this.count, this.chunks.length, null);
				this.head = 0;
			}
			else {
				this.chunks = Arrays.copyOf(this.chunks, this.chunks.length * 2);
			}
		}
		this.chunks[this.head + this.count++] = chunk;
	}

	/**
	 * Write as much as the channel takes with one gathering write, and return the chunks
	 * that were written completely to the pool.
	 * @param channel the connection's channel
	 * @return the number of bytes written
	 * @throws IOException if the write fails
	 */
	long writeTo(GatheringByteChannel channel) throws IOException {
		long written = channel.write(this.chunks, this.head, this.count);
		this.bytes -= written;
		while (this.count > 0 && !this.chunks[this.head].hasRemaining()) {
			this.pool.release(this.chunks[this.head]);
			this.chunks[this.head++] = null;
			this.count--;
		}
		if (this.count == 0) {
			this.head = 0;
		}
		return written;
	}

	/**
	 * Return every chunk to the pool and forget the pending bytes.
	 */
	void release() {
		for (int i = this.head; i < this.head + this.count; i++) {
			this.pool.release(this.chunks[i]);
			this.chunks[i] = null;
		}
		this.head = 0;
		this.count = 0;
		this.bytes = 0;
	}

}
