package io.echoreactor.reactor;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

import javax.net.ssl.SSLEngine;

/**
 * The per-reactor buffers the engines of its connections share, sized from the
 * engine's own packet and application buffer sizes.
 */
final class TlsBuffers {

	// Several records' worth, so that one read and one write carry several records.
	private static final int RECORDS = 4;

	// Held records are reused up to this many per reactor; more are left to the GC.
	private static final int SPARE_RECORDS = 64;

	private final int packetBufferSize;

	private final int applicationBufferSize;

	private final ByteBuffer plaintext;

	private final ByteBuffer network;

	private final ArrayDeque<ByteBuffer> spareRecords = new ArrayDeque<>();

	private ByteBuffer heapInput = ByteBuffer.allocate(0);

	TlsBuffers(SSLEngine prototype) {
		this.packetBufferSize = prototype.getSession().getPacketBufferSize();
		this.applicationBufferSize = prototype.getSession().getApplicationBufferSize();
		// Heap buffers: the JDK's engine encrypts and decrypts arrays without copying.
		this.plaintext = ByteBuffer.allocate(RECORDS * this.applicationBufferSize);
		this.network = ByteBuffer.allocate(RECORDS * this.packetBufferSize);
	}

	int packetBufferSize() {
		return this.packetBufferSize;
	}

	int applicationBufferSize() {
		return this.applicationBufferSize;
	}

	ByteBuffer plaintext() {
		return this.plaintext;
	}

	ByteBuffer network() {
		return this.network;
	}

	/**
	 * Return {@code bytes} itself if it is a heap buffer, or its content copied into one
	 * the reactor reuses (grown once to the size of its reads), consuming
	 * {@code bytes}.
	 */
	ByteBuffer heapCopy(ByteBuffer bytes) {
		if (bytes.hasArray()) {
			return bytes;
		}
		if (this.heapInput.capacity() < bytes.remaining()) {
			this.heapInput = ByteBuffer.allocate(Math.max(bytes.capacity(), this.packetBufferSize));
		}
		return this.heapInput.clear().put(bytes).flip();
	}

	/** @return an empty buffer for a record held in part, of at least {@code size} bytes */
	ByteBuffer acquire(int size) {
		ByteBuffer spare = (size <= this.packetBufferSize) ? this.spareRecords.pollFirst() : null;
		return (spare != null) ? spare.clear() : ByteBuffer.allocate(Math.max(size, this.packetBufferSize));
	}

	/** Give back a buffer that {@link #acquire} returned and nothing holds any more. */
	void release(ByteBuffer buffer) {
		if (buffer.capacity() == this.packetBufferSize && this.spareRecords.size() < SPARE_RECORDS) {
			this.spareRecords.addFirst(buffer);
		}
	}

}
