package io.echoreactor.reactor.memory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.util.Arrays;

/**
 * Bytes a connection has read but not yet written back, in order, as a queue of chunks
 * from its reactor's {@link ReactorMemory}. It exists only while a write is incomplete;
 * the connection drops it, and its chunks go back, as soon as everything is written.
 *
 * <p>
 * Each chunk remembers when its first byte was queued, so the age of the oldest pending
 * byte (what {@code write-timeout} bounds) is known without a clock read per byte.
 *
 * <p>
 * <strong>Threading:</strong> confined to the owning reactor's thread.
 */
public final class PendingOutput {

	private final ReactorMemory memory;

	// Chunks hold their unwritten bytes between position and limit ("read mode").
	private ByteBuffer[] chunks = new ByteBuffer[8];

	private long[] queuedAtNanos = new long[8];

	private int head;

	private int count;

	private long bytes;

	public PendingOutput(ReactorMemory memory) {
		this.memory = memory;
	}

	/** @return the number of bytes waiting to be written */
	public long bytes() {
		return this.bytes;
	}

	public boolean isEmpty() {
		return this.bytes == 0;
	}

	/** @return the chunks held */
	public int chunks() {
		return this.count;
	}

	/** @return when the oldest pending byte was queued, in {@link System#nanoTime()} terms */
	public long oldestNanos() {
		return this.queuedAtNanos[this.head];
	}

	/**
	 * Copy everything remaining in {@code source} to the end of the queue.
	 * @param source the bytes to append
	 * @param nowNanos the loop's time
	 * @return {@code false} if no chunk could be had for the rest, which
	 * {@link ReactorMemory#readLimit(int)} prevents for what a read brought in
	 */
	public boolean append(ByteBuffer source, long nowNanos) {
		while (source.hasRemaining()) {
			ByteBuffer tail = (this.count > 0) ? this.chunks[this.head + this.count - 1] : null;
			if (tail == null || tail.limit() == tail.capacity()) {
				ByteBuffer chunk = this.memory.acquire();
				if (chunk == null) {
					return false;
				}
				tail = chunk.flip();
				addChunk(tail, nowNanos);
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
		return true;
	}

	private void addChunk(ByteBuffer chunk, long nowNanos) {
		if (this.head + this.count == this.chunks.length) {
			if (this.head > 0) {
				System.arraycopy(this.chunks, this.head, this.chunks, 0, this.count);
				System.arraycopy(this.queuedAtNanos, this.head, this.queuedAtNanos, 0, this.count);
				Arrays.fill(this.chunks, this.count, this.chunks.length, null);
				this.head = 0;
			}
			else {
				this.chunks = Arrays.copyOf(this.chunks, this.chunks.length * 2);
				this.queuedAtNanos = Arrays.copyOf(this.queuedAtNanos, this.queuedAtNanos.length * 2);
			}
		}
		this.queuedAtNanos[this.head + this.count] = nowNanos;
		this.chunks[this.head + this.count++] = chunk;
	}

	/**
	 * Write as much as the channel takes with one gathering write, and give the chunks
	 * that were written completely back.
	 * @param channel the connection's channel
	 * @return the number of bytes written
	 * @throws IOException if the write fails
	 */
	public long writeTo(GatheringByteChannel channel) throws IOException {
		long written = channel.write(this.chunks, this.head, this.count);
		this.bytes -= written;
		while (this.count > 0 && !this.chunks[this.head].hasRemaining()) {
			this.memory.release(this.chunks[this.head]);
			this.chunks[this.head++] = null;
			this.count--;
		}
		if (this.count == 0) {
			this.head = 0;
		}
		return written;
	}

	/**
	 * Give every chunk back and forget the pending bytes.
	 */
	public void release() {
		for (int i = this.head; i < this.head + this.count; i++) {
			this.memory.release(this.chunks[i]);
			this.chunks[i] = null;
		}
		this.head = 0;
		this.count = 0;
		this.bytes = 0;
	}

}
