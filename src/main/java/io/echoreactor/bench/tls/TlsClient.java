package io.echoreactor.bench.tls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * TLS on one TCP flow: an {@link SSLEngine} in client mode between the socket and the
 * flow, its {@link Receiver}. The handshake is driven from the loop's readiness events,
 * its delegated tasks run inline; records read are unwrapped and the plaintext handed to
 * the flow, whose messages are wrapped and written a few records at a time.
 *
 * <p>
 * <strong>Threading:</strong> confined to the flow's loop thread.
 */
public final class TlsClient {

	private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

	private final SSLEngine engine;

	private final SocketChannel channel;

	private final TlsBuffers buffers;

	// A record that arrived in part, ready to read (flipped); kept for reuse.
	private ByteBuffer partial = ByteBuffer.allocate(0);

	private boolean hasPartial;

	// Records the socket did not take, ready to write (flipped); kept for reuse.
	private ByteBuffer pending = ByteBuffer.allocate(0);

	private boolean hasPending;

	private boolean lastReadFilled;

	private boolean closedByPeer;

	/**
	 * Put TLS over a connected socket.
	 * @param engine the client's engine, not yet handshaking
	 * @param channel the socket
	 * @param buffers the buffers of the socket's loop
	 */
	public TlsClient(SSLEngine engine, SocketChannel channel, TlsBuffers buffers) {
		this.engine = engine;
		this.channel = channel;
		this.buffers = buffers;
	}

	/** @return the engine */
	public SSLEngine engine() {
		return this.engine;
	}

	/** Start the handshake: the ClientHello goes out with the next {@link #handshake}. */
	public void begin() throws SSLException {
		this.engine.beginHandshake();
	}

	/** @return whether records wait for the socket to take them */
	public boolean hasPending() {
		return this.hasPending;
	}

	/**
	 * Drive the handshake as far as it goes without waiting.
	 * @param flow where plaintext that arrives early (a greeting) goes
	 * @return whether the handshake is over
	 * @throws IOException if it failed or the server closed the connection
	 */
	public boolean handshake(Receiver flow) throws IOException {
		if (!flush()) {
			return false;
		}
		for (;;) {
			HandshakeStatus status = this.engine.getHandshakeStatus();
			switch (status) {
				case NEED_TASK -> runTasks();
				case NEED_WRAP -> {
					if (!wrapHandshake() || hasPending()) {
						return false;
					}
				}
				case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
					int read = readOnce(flow);
					if (read < 0 || this.closedByPeer) {
						throw new SSLException("the server closed the connection during the TLS handshake");
					}
					if (read == 0 && this.engine.getHandshakeStatus() == status) {
						return false;
					}
				}
				default -> {
					return true;
				}
			}
			if (flow.isDone()) {
				return false;
			}
		}
	}

	/**
	 * Read what the socket has, unwrap it and hand the plaintext to the flow.
	 * @param flow the flow
	 * @return -1 once the server has closed (its {@code close_notify} or end of stream), else
	 * the bytes read by the last read
	 * @throws IOException if the connection fails
	 */
	public int read(Receiver flow) throws IOException {
		for (;;) {
			int read = readOnce(flow);
			if (read < 0 || this.closedByPeer) {
				return -1;
			}
			if (!this.lastReadFilled || flow.isDone()) {
				return read;
			}
		}
	}

	private int readOnce(Receiver flow) throws IOException {
		ByteBuffer in = this.buffers.in;
		in.clear();
		if (this.hasPartial) {
			in.put(this.partial);
			this.hasPartial = false;
		}
		int room = in.remaining();
		int read = this.channel.read(in);
		if (read < 0) {
			try {
				this.engine.closeInbound();
			}
			catch (SSLException ex) {
				// The server closed without close_notify; the flow decides whether that lost anything
			}
			return -1;
		}
		this.lastReadFilled = (read == room);
		in.flip();
		if (in.hasRemaining()) {
			unwrap(in, flow, System.nanoTime());
		}
		if (in.hasRemaining() && !this.closedByPeer) {
			this.partial = keep(this.partial, false, in);
			this.hasPartial = true;
		}
		return read;
	}

	private void unwrap(ByteBuffer in, Receiver flow, long now) throws IOException {
		ByteBuffer plain = this.buffers.plain;
		plain.clear();
		while (in.hasRemaining() && !flow.isDone()) {
			SSLEngineResult result = this.engine.unwrap(in, plain);
			switch (result.getStatus()) {
				case BUFFER_UNDERFLOW -> {
					deliver(plain, flow, now);
					return;
				}
				case BUFFER_OVERFLOW -> {
					deliver(plain, flow, now);
					continue;
				}
				case CLOSED -> {
					deliver(plain, flow, now);
					this.closedByPeer = true;
					return;
				}
				default -> {
					// OK
				}
			}
			HandshakeStatus status = result.getHandshakeStatus();
			if (status == HandshakeStatus.NEED_TASK || status == HandshakeStatus.NEED_WRAP) {
				// Mid-handshake, or a post-handshake message (a key update) to answer.
				runHandshakeSteps();
			}
			if (plain.remaining() < this.buffers.applicationSize) {
				deliver(plain, flow, now);
			}
			if (result.bytesConsumed() == 0 && result.bytesProduced() == 0
					&& this.engine.getHandshakeStatus() != HandshakeStatus.NEED_UNWRAP) {
				break;
			}
		}
		deliver(plain, flow, now);
	}

	private void deliver(ByteBuffer plain, Receiver flow, long now) throws IOException {
		if (plain.position() > 0 && !flow.isDone()) {
			plain.flip();
			flow.plaintext(plain, now);
		}
		plain.clear();
	}

	private void runHandshakeSteps() throws IOException {
		for (;;) {
			HandshakeStatus status = this.engine.getHandshakeStatus();
			if (status == HandshakeStatus.NEED_TASK) {
				runTasks();
			}
			else if (status != HandshakeStatus.NEED_WRAP || !wrapHandshake()) {
				return;
			}
		}
	}

	private void runTasks() {
		Runnable task;
		while ((task = this.engine.getDelegatedTask()) != null) {
			task.run();
		}
	}

	// Returns whether the engine produced anything.
	private boolean wrapHandshake() throws IOException {
		ByteBuffer out = this.buffers.out;
		out.clear();
		SSLEngineResult result = this.engine.wrap(EMPTY, out);
		out.flip();
		write(out);
		return result.bytesProduced() > 0 && result.getStatus() == SSLEngineResult.Status.OK;
	}

	/**
	 * Wrap plaintext and write the records.
	 * @param source the plaintext; consumed as far as wrapped
	 * @return the plaintext bytes wrapped; 0 while earlier records still wait
	 * @throws IOException if the connection fails or TLS is closed
	 */
	public int send(ByteBuffer source) throws IOException {
		if (!flush()) {
			return 0;
		}
		if (this.engine.isOutboundDone()) {
			throw new SSLException("the TLS session is closed");
		}
		ByteBuffer out = this.buffers.out;
		out.clear();
		int consumed = 0;
		while (source.hasRemaining() && out.remaining() >= this.buffers.packetSize) {
			SSLEngineResult result = this.engine.wrap(source, out);
			consumed += result.bytesConsumed();
			if (result.getStatus() != SSLEngineResult.Status.OK) {
				break;
			}
		}
		out.flip();
		write(out);
		return consumed;
	}

	/**
	 * Send {@code close_notify}: this client sends nothing more.
	 * @throws IOException if the connection fails
	 */
	public void closeOutbound() throws IOException {
		this.engine.closeOutbound();
		ByteBuffer out = this.buffers.out;
		out.clear();
		while (!this.engine.isOutboundDone() && out.remaining() >= this.buffers.packetSize) {
			SSLEngineResult result = this.engine.wrap(EMPTY, out);
			if (result.bytesProduced() == 0) {
				break;
			}
		}
		out.flip();
		write(out);
	}

	/**
	 * Write the records that waited.
	 * @return whether none waits any more
	 * @throws IOException if the connection fails
	 */
	public boolean flush() throws IOException {
		if (!this.hasPending) {
			return true;
		}
		this.channel.write(this.pending);
		if (this.pending.hasRemaining()) {
			return false;
		}
		this.hasPending = false;
		return true;
	}

	private void write(ByteBuffer out) throws IOException {
		if (!this.hasPending && out.hasRemaining()) {
			this.channel.write(out);
		}
		if (out.hasRemaining()) {
			this.pending = keep(this.pending, this.hasPending, out);
			this.hasPending = true;
		}
	}

	// Appends what remains of source to store (flipped, holding bytes if inUse); returns the
	// store, flipped. The store is reused, and grows only when it must.
	private ByteBuffer keep(ByteBuffer store, boolean inUse, ByteBuffer source) {
		int kept = inUse ? store.remaining() : 0;
		int needed = kept + source.remaining();
		if (store.capacity() < needed) {
			ByteBuffer larger = ByteBuffer.allocate(Math.max(needed, 2 * this.buffers.packetSize));
			if (inUse) {
				larger.put(store);
			}
			return larger.put(source).flip();
		}
		if (inUse) {
			store.compact();
		}
		else {
			store.clear();
		}
		return store.put(source).flip();
	}

	/**
	 * Where the plaintext read goes: the flow the connection carries. TLS sits below the
	 * flows, so it knows them only as this.
	 */
	public interface Receiver {

		/**
		 * Take plaintext from the server.
		 * @param data the bytes
		 * @param now when they were read
		 */
		void plaintext(ByteBuffer data, long now);

		/** @return whether the flow has ended, so that nothing more is read for it */
		boolean isDone();

	}

}
