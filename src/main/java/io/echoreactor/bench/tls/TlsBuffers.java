package io.echoreactor.bench.tls;

import java.nio.ByteBuffer;

import javax.net.ssl.SSLSession;

/**
 * The buffers a loop's TLS connections share: records read, plaintext unwrapped from
 * them, and records wrapped to send. A connection holds bytes of its own only while a
 * record has arrived in part or the socket did not take all it was given, so an idle TLS
 * connection costs no buffer.
 */
public final class TlsBuffers {

	/** The largest record with its overhead. */
	final int packetSize;

	/** The most plaintext one record can carry. */
	final int applicationSize;

	/** Records read from a socket. */
	final ByteBuffer in;

	/** Plaintext unwrapped, several records' worth before it is checked. */
	final ByteBuffer plain;

	/** Records wrapped, a few written at once. */
	final ByteBuffer out;

	/**
	 * Size the buffers for a session's records.
	 * @param session the session of the loop's first TLS connection
	 */
	public TlsBuffers(SSLSession session) {
		this.packetSize = session.getPacketBufferSize();
		this.applicationSize = session.getApplicationBufferSize();
		this.in = ByteBuffer.allocateDirect(64 * 1024 + this.packetSize);
		this.plain = ByteBuffer.allocateDirect(Math.max(64 * 1024, 2 * this.applicationSize));
		this.out = ByteBuffer.allocateDirect(4 * this.packetSize);
	}

}
