package io.echoreactor.reactor.tls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.TlsViolation;
import org.jspecify.annotations.Nullable;

/**
 * The record layer of one TLS session, above its {@link TlsFraming framing} and beneath
 * what the handshake and the echo make of it: the engine and the reactor's buffers it
 * uses; the wrapping of what is sent into records, written in batches; the handshake
 * driven as far as it goes without more input, the engine's delegated tasks run inline
 * and timed; the plaintext handed on; and the count of key updates a client asks for.
 *
 * <p>
 * A superclass of the session rather than an object of its own, as Netty layers its
 * handlers' state, so that a TLS connection costs the objects it did. What a connection
 * is stays the subclass's business: it is {@code C}, handed through, and reached by the
 * abstract methods.
 *
 * <p>
 * <strong>Threading:</strong> confined to the connection's reactor thread.
 *
 * @param <C> the connection the session belongs to
 */
public abstract class TlsRecordLayer<C> extends TlsFraming<C> {

	/** The most key updates a client may ask for in a minute. */
	public static final int MAX_KEY_UPDATES = TlsViolation.MAX_KEY_UPDATES;

	private static final long KEY_UPDATE_WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);

	/** Nothing to wrap: what the engine sends of its own, handshake messages or alerts. */
	protected static final ByteBuffer NOTHING = ByteBuffer.allocate(0).asReadOnlyBuffer();

	private final ReactorStatistics statistics;

	// Made with the first whole record, if memory allows; null before.
	private @Nullable SSLEngine engine;

	private @Nullable TlsBuffers buffers;

	private boolean established;

	private int keyUpdates;

	private long keyUpdateWindowStart;

	protected TlsRecordLayer(ReactorStatistics statistics) {
		this.statistics = statistics;
	}

	/**
	 * @param connection the connection
	 * @return whether the connection is still open
	 */
	protected abstract boolean isOpen(C connection);

	/**
	 * The handshake is done: count it and move the connection on.
	 * @param connection the connection
	 * @param engine the engine, whose session is now established
	 * @throws IOException if the connection fails
	 */
	protected abstract void established(C connection, SSLEngine engine) throws IOException;

	/**
	 * Hand plaintext on to the connection's stage.
	 * @param connection the connection
	 * @param plaintext the bytes, consumed entirely
	 * @throws IOException if the connection fails
	 */
	protected abstract void plaintext(C connection, ByteBuffer plaintext) throws IOException;

	/**
	 * Write records to the socket, behind any pending output.
	 * @param connection the connection
	 * @param records the records, consumed entirely
	 * @throws IOException if the write fails
	 */
	protected abstract void write(C connection, ByteBuffer records) throws IOException;

	/** @return whether the handshake is done */
	public final boolean isEstablished() {
		return this.established;
	}

	/** @return the engine, or {@code null} before the first record has arrived */
	public final @Nullable SSLEngine engine() {
		return this.engine;
	}

	/**
	 * Return the engine, once the first record has started it.
	 * @return the engine
	 */
	protected final SSLEngine requireEngine() {
		SSLEngine engine = this.engine;
		if (engine == null) {
			throw new IllegalStateException("No record has started the engine yet");
		}
		return engine;
	}

	/**
	 * Return the buffers the engine uses, made with it.
	 * @return the buffers
	 */
	protected final TlsBuffers requireBuffers() {
		TlsBuffers buffers = this.buffers;
		if (buffers == null) {
			throw new IllegalStateException("No record has started the engine yet");
		}
		return buffers;
	}

	/** @return the buffers the engine uses, or {@code null} before it is made */
	protected final @Nullable TlsBuffers buffers() {
		return this.buffers;
	}

	/**
	 * Use the engine, made for the first record.
	 * @param engine the engine, its handshake begun
	 * @param buffers the reactor's buffers for it
	 */
	protected final void engine(SSLEngine engine, TlsBuffers buffers) {
		this.engine = engine;
		this.buffers = buffers;
	}

	protected final ReactorStatistics statistics() {
		return this.statistics;
	}

	/**
	 * Wrap what the connection sends and write the records.
	 * @param connection the connection
	 * @param plaintext the bytes to send, consumed entirely
	 * @throws IOException if the connection fails
	 */
	public final void send(C connection, ByteBuffer plaintext) throws IOException {
		SSLEngine engine = requireEngine();
		TlsBuffers buffers = requireBuffers();
		ByteBuffer network = buffers.network();
		network.clear();
		do {
			if (network.remaining() < buffers.packetBufferSize()) {
				// Records are written in batches: one write for several, not one each.
				write(connection, network.flip());
				network.clear();
			}
			SSLEngineResult result = engine.wrap(plaintext, network);
			if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
				break;
			}
			if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
				write(connection, network.flip());
				network.clear();
			}
		}
		while (plaintext.hasRemaining());
		if (network.position() > 0) {
			write(connection, network.flip());
		}
	}

	/**
	 * Send the server's {@code close_notify}. The caller sends the FIN once it is written.
	 * @param connection the connection
	 * @throws IOException if the connection fails
	 */
	public final void closeOutbound(C connection) throws IOException {
		SSLEngine engine = this.engine;
		if (engine != null && !engine.isOutboundDone()) {
			engine.closeOutbound();
			send(connection, NOTHING);
		}
	}

	/**
	 * Write the server's {@code close_notify}, or the alert of a failed handshake, straight
	 * to the socket, if it takes it at once; for a connection that closes anyway, so that
	 * nothing waits for it.
	 * @param channel the socket
	 */
	protected final void writeCloseNotifyQuietly(WritableByteChannel channel) {
		SSLEngine engine = this.engine;
		TlsBuffers buffers = this.buffers;
		if (engine == null || buffers == null || engine.isOutboundDone()) {
			return;
		}
		try {
			engine.closeOutbound();
			ByteBuffer network = buffers.network();
			network.clear();
			engine.wrap(NOTHING, network);
			channel.write(network.flip());
		}
		catch (IOException | RuntimeException ex) {
			// Ignore: the connection closes either way
		}
	}

	/** The socket reached its end without a {@code close_notify}: a truncated stream. */
	public final void endOfNetworkInput() {
		SSLEngine engine = this.engine;
		if (engine == null) {
			return;
		}
		try {
			engine.closeInbound();
		}
		catch (SSLException ex) {
			// Ignore: the engine complains about the missing close_notify, which is the point
		}
	}

	/**
	 * Count a handshake message after the handshake: under TLS 1.3 a key update, as the
	 * renegotiations of TLS 1.2 are refused before they reach the engine.
	 * @param nowNanos the time
	 * @return whether the client is still within {@link #MAX_KEY_UPDATES} a minute
	 */
	protected final boolean keyUpdateAllowed(long nowNanos) {
		if (nowNanos - this.keyUpdateWindowStart > KEY_UPDATE_WINDOW_NANOS || this.keyUpdates == 0) {
			this.keyUpdateWindowStart = nowNanos;
			this.keyUpdates = 0;
		}
		return ++this.keyUpdates <= MAX_KEY_UPDATES;
	}

	/** Run the engine's delegated tasks inline, counting them and their time. */
	protected final void runDelegatedTasks() {
		SSLEngine engine = requireEngine();
		long start = System.nanoTime();
		Runnable task;
		while ((task = engine.getDelegatedTask()) != null) {
			task.run();
			this.statistics.increment(Counter.TLS_TASKS);
		}
		this.statistics.add(Counter.TLS_TASK_NANOS, System.nanoTime() - start);
	}

	/**
	 * Drive the handshake as far as it goes without more input.
	 * @param connection the connection
	 * @param status where the engine's handshake is
	 * @throws IOException if the connection fails
	 */
	protected final void handshake(C connection, HandshakeStatus status) throws IOException {
		SSLEngine engine = requireEngine();
		while (isOpen(connection)) {
			switch (status) {
				case NEED_TASK -> {
					runDelegatedTasks();
					status = engine.getHandshakeStatus();
				}
				case NEED_WRAP -> {
					send(connection, NOTHING);
					status = engine.getHandshakeStatus();
				}
				case FINISHED -> {
					if (!this.established) {
						this.established = true;
						established(connection, engine);
					}
					// A TLS 1.3 server may still have its session tickets to send.
					status = engine.getHandshakeStatus();
				}
				case NOT_HANDSHAKING -> {
					if (!this.established) {
						this.established = true;
						established(connection, engine);
					}
					return;
				}
				default -> {
					// NEED_UNWRAP: the next record drives it on
					return;
				}
			}
		}
	}

	/**
	 * Hand on the plaintext unwrapped so far, if the connection is open, and clear it.
	 * @param connection the connection
	 * @throws IOException if the connection fails
	 */
	protected final void deliver(C connection) throws IOException {
		TlsBuffers buffers = this.buffers;
		if (buffers == null) {
			return;
		}
		ByteBuffer plaintext = buffers.plaintext();
		if (plaintext.position() > 0 && isOpen(connection)) {
			plaintext.flip();
			plaintext(connection, plaintext);
		}
		plaintext.clear();
	}

}
