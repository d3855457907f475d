package io.echoreactor.reactor.tls;

import java.nio.ByteBuffer;

import javax.net.ssl.SSLEngine;

/**
 * The per-reactor buffers the engines of its connections share, sized from the
 * engine's own packet and application buffer sizes.
 */
public final class TlsBuffers {

	// Several records' worth, so that one read and one write carry several records.
	private static final int RECORDS = 4;

	// The smallest buffer for bytes held in part: an object header's worth, so that a client
	// that trickles bytes is not given a new buffer for each one.
	private static final int MIN_HELD = 64;

	private final int packetBufferSize;

	private final int applicationBufferSize;

	private final ByteBuffer plaintext;

	private final ByteBuffer network;

	private ByteBuffer heapInput = ByteBuffer.allocate(0);

	public TlsBuffers(SSLEngine prototype) {
		this.packetBufferSize = prototype.getSession().getPacketBufferSize();
		this.applicationBufferSize = prototype.getSession().getApplicationBufferSize();
		// Heap buffers: the JDK's engine encrypts and decrypts arrays without copying.
		this.plaintext = ByteBuffer.allocate(RECORDS * this.applicationBufferSize);
		this.network = ByteBuffer.allocate(RECORDS * this.packetBufferSize);
	}

	public int packetBufferSize() {
		return this.packetBufferSize;
	}

	public int applicationBufferSize() {
		return this.applicationBufferSize;
	}

	public ByteBuffer plaintext() {
		return this.plaintext;
	}

	public ByteBuffer network() {
		return this.network;
	}

	/**
	 * Return {@code bytes} itself if it is a heap buffer, or its content copied into one
	 * the reactor reuses (grown once to the size of its reads), consuming
	 * {@code bytes}.
	 */
	public ByteBuffer heapCopy(ByteBuffer bytes) {
		if (bytes.hasArray()) {
			return bytes;
		}
		if (this.heapInput.capacity() < bytes.remaining()) {
			this.heapInput = ByteBuffer.allocate(Math.max(bytes.capacity(), this.packetBufferSize));
		}
		return this.heapInput.clear().put(bytes).flip();
	}

	/**
	 * Return the capacity of a buffer for bytes held in part: room for what has arrived,
	 * doubling as more comes, never more than the record can need. A client that sends one
	 * byte of a record and holds is given a few dozen bytes, not a record's worth.
	 * @param needed the bytes to hold now
	 * @param current the capacity held now, 0 if none
	 * @param most the most that can be needed: the record's size, once its header is known
	 * @return the capacity
	 */
	public static int heldCapacity(int needed, int current, int most) {
		int grown = Math.max(Math.max(needed, MIN_HELD), current * 2);
		return Math.max(needed, Math.min(grown, most));
	}

}
