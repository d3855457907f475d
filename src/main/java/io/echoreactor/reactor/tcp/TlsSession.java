package io.echoreactor.reactor.tcp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.TlsFailure;
import io.echoreactor.reactor.counters.TlsViolation;
import io.echoreactor.reactor.memory.SessionMemoryBudget;
import io.echoreactor.reactor.tls.TlsBuffers;
import io.echoreactor.reactor.tls.TlsContext;
import io.echoreactor.reactor.tls.TlsRecords;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * TLS on one {@link TcpConnection}, in its reactor's thread: an {@link SSLEngine} between
 * the socket and the connection's {@link Stage}. Bytes read from the socket are framed
 * into records ({@link TlsRecords}), unwrapped, and the plaintext handed to the stage;
 * what the stage sends is wrapped and written as records. The handshake is driven from
 * the same calls, its delegated tasks run inline on the reactor thread (their time is
 * counted, see {@code echo_tls_task_seconds_total}).
 *
 * <p>
 * <strong>Memory.</strong> The engine is made only once a whole first record has
 * arrived, it is a handshake record, and {@code max-session-memory} has room for a
 * handshake ({@link SessionMemoryBudget}); until then the connection costs what it
 * holds. A record that has arrived in part is held in a buffer sized for what arrived,
 * charged to the same budget. The plaintext and record buffers belong to the reactor
 * ({@link TlsBuffers}); encrypted output waits in the connection's pending output.
 *
 * <p>
 * <strong>What is refused.</strong> A first record that is no TLS handshake record
 * ({@code not-tls}) or broken framing ({@code protocol}) ends the handshake without an
 * engine. After the handshake, a TLS 1.2 renegotiation, more than
 * {@value #MAX_KEY_UPDATES} TLS 1.3 key updates in a minute, and a record that does not
 * decrypt reset the connection ({@link TlsViolation}).
 *
 * <p>
 * <strong>Closing.</strong> A client's {@code close_notify} ends its input: the echo of
 * everything before it is still sent, then the server's {@code close_notify}, then the
 * close. Under TLS 1.2, whose engine closes its output as soon as it reads the client's
 * {@code close_notify}, the plaintext before an alert record is handed on and wrapped
 * before the alert is unwrapped, so that a client that writes data and
 * {@code close_notify} in one segment still gets its echo.
 *
 * <p>
 * <strong>Threading:</strong> confined to the connection's reactor thread.
 */
public final class TlsSession {

	private static final Log logger = LogFactory.getLog(TlsSession.class);

	/** The most key updates a client may ask for in {@link #KEY_UPDATE_WINDOW_NANOS}. */
	public static final int MAX_KEY_UPDATES = TlsViolation.MAX_KEY_UPDATES;

	private static final long KEY_UPDATE_WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);

	private static final ByteBuffer NOTHING = ByteBuffer.allocate(0).asReadOnlyBuffer();

	private final TlsContext context;

	private final StageOrder stages;

	private final ReactorStatistics statistics;

	private final long startNanos;

	// Made with the first whole record, if memory allows; null before.
	private SSLEngine engine;

	private TlsBuffers buffers;

	// Bytes not yet unwrapped, from a record boundary on, in write mode: a record that has
	// arrived in part, or everything since the first record while the handshake waits for
	// memory. Null when nothing is held.
	private ByteBuffer held;

	private boolean awaitingEngine;

	private boolean waitedForEngine;

	private boolean established;

	private boolean tls12;

	private boolean inputEnded;

	private int keyUpdates;

	private long keyUpdateWindowStart;

	TlsSession(TlsContext context, StageOrder stages, ReactorStatistics statistics, long startNanos) {
		this.context = context;
		this.stages = stages;
		this.statistics = statistics;
		this.startNanos = startNanos;
	}

	/** @return the engine, or {@code null} before the first record has arrived */
	SSLEngine engine() {
		return this.engine;
	}

	boolean isEstablished() {
		return this.established;
	}

	/** @return when the handshake began, in {@link System#nanoTime()} terms */
	long startNanos() {
		return this.startNanos;
	}

	/** @return the bytes held in part (a record not complete yet), 0 if none */
	int heldBytes() {
		return (this.held != null) ? this.held.position() : 0;
	}

	/** @return whether the first record has arrived and the handshake waits for session memory to start */
	boolean awaitsEngine() {
		return this.awaitingEngine;
	}

	/**
	 * Frame what the socket brought in into records, unwrap them, and hand the plaintext
	 * to the connection's stage.
	 * @param connection the connection
	 * @param network the bytes read, consumed entirely
	 * @throws IOException if the connection fails
	 */
	void received(TcpConnection connection, ByteBuffer network) throws IOException {
		if (this.inputEnded) {
			// Nothing may follow a close_notify.
			network.position(network.limit());
			return;
		}
		// The JDK's AES-GCM works on arrays without copying; on a direct buffer it makes
		// temporary arrays for every record.
		ByteBuffer input = (this.buffers != null) ? this.buffers.heapCopy(network) : network;
		if (this.held != null) {
			if (this.awaitingEngine) {
				hold(connection, input);
				return;
			}
			if (!completeHeldRecord(connection, input)) {
				return;
			}
			ByteBuffer record = this.held.flip();
			process(connection, record);
			if (this.held == record) {
				// Still held: the handshake waits for memory, and what follows waits behind it.
				if (input.hasRemaining() && connection.isOpen()) {
					hold(connection, input);
				}
				return;
			}
			if (!connection.isOpen()) {
				return;
			}
		}
		process(connection, input);
		deliver(connection);
	}

	/**
	 * Session memory came back while the first record waited for it: start the handshake.
	 * @param connection the connection
	 * @throws IOException if the connection fails
	 */
	void resume(TcpConnection connection) throws IOException {
		if (!this.awaitingEngine || this.held == null) {
			return;
		}
		this.awaitingEngine = false;
		process(connection, this.held.flip());
		deliver(connection);
	}

	// Unwraps the whole records in source and holds what follows them: a record in part, or
	// everything from the first record on while the handshake waits for memory.
	private void process(TcpConnection connection, ByteBuffer source) throws IOException {
		while (source.hasRemaining()) {
			if (!connection.isOpen() || this.inputEnded) {
				source.position(source.limit());
				break;
			}
			int start = source.position();
			if (source.remaining() < TlsRecords.HEADER_SIZE) {
				hold(connection, source);
				return;
			}
			int size = TlsRecords.recordSize(source, start);
			if (size < 0) {
				brokenFraming(connection, size);
				return;
			}
			if (source.remaining() < size) {
				hold(connection, source);
				return;
			}
			int type = TlsRecords.contentType(source, start);
			if (this.engine == null) {
				if (type != TlsRecords.HANDSHAKE) {
					handshakeFailed(connection, TlsFailure.NOT_TLS, null);
					return;
				}
				if (!startEngine(connection)) {
					if (connection.isOpen()) {
						this.awaitingEngine = true;
						this.waitedForEngine = true;
						hold(connection, source);
						connection.awaitSessionMemory();
					}
					return;
				}
			}
			else if (this.established && this.tls12) {
				if (type == TlsRecords.HANDSHAKE) {
					violated(connection, TlsViolation.RENEGOTIATION);
					return;
				}
				if (type != TlsRecords.APPLICATION_DATA) {
					// A close_notify, say: the engine closes its output when it reads one, so
					// the echo of what came before must be wrapped first.
					deliver(connection);
				}
			}
			ByteBuffer record = source.slice(start, size);
			source.position(start + size);
			unwrap(connection, record);
		}
		if (source == this.held && this.held != null) {
			releaseHeld(connection);
		}
	}

	private boolean startEngine(TcpConnection connection) {
		if (!connection.tryChargeHandshake()) {
			return false;
		}
		try {
			SSLEngine engine = this.context.createEngine();
			engine.beginHandshake();
			this.engine = engine;
			this.buffers = this.stages.tlsBuffers(engine);
			return true;
		}
		catch (SSLException | RuntimeException ex) {
			// The bundle was checked at start and at every reload; this is the fail-safe, never
			// a plain echo.
			this.stages.engineFailed(connection, ex);
			handshakeFailed(connection, TlsFailure.INTERNAL, null);
			return false;
		}
	}

	private void brokenFraming(TcpConnection connection, int size) {
		if (this.established) {
			violated(connection, TlsViolation.RECORD);
		}
		else {
			handshakeFailed(connection,
					(this.engine == null && size == TlsRecords.NOT_A_RECORD) ? TlsFailure.NOT_TLS : TlsFailure.PROTOCOL,
					null);
		}
	}

	// Moves from input into the held record what it lacks; true once the record is whole.
	private boolean completeHeldRecord(TcpConnection connection, ByteBuffer input) {
		ByteBuffer held = this.held;
		if (held.position() < TlsRecords.HEADER_SIZE) {
			take(connection, TlsRecords.HEADER_SIZE - held.position(), TlsRecords.MAX_RECORD_SIZE, input);
			held = this.held;
			if (held.position() < TlsRecords.HEADER_SIZE) {
				return false;
			}
		}
		int size = TlsRecords.recordSize(held, 0);
		if (size < 0) {
			brokenFraming(connection, size);
			return false;
		}
		take(connection, size - held.position(), size, input);
		return this.held.position() == size;
	}

	// Moves up to wanted bytes from source into the held buffer, growing it for them.
	private void take(TcpConnection connection, int wanted, int most, ByteBuffer source) {
		int moved = Math.min(wanted, source.remaining());
		ensureHeld(connection, this.held.position() + moved, most);
		this.held.put(this.held.position(), source, source.position(), moved).position(this.held.position() + moved);
		source.position(source.position() + moved);
	}

	// Keeps what is left of source, behind what is held already.
	private void hold(TcpConnection connection, ByteBuffer source) {
		if (source == this.held) {
			source.compact();
			return;
		}
		int before = (this.held != null) ? this.held.position() : 0;
		int needed = before + source.remaining();
		int most = this.awaitingEngine ? needed : Math.max(needed, recordSizeOrMax(source, before));
		ensureHeld(connection, needed, most);
		this.held.put(source);
	}

	// What the record that the held bytes start can need, once its header is there.
	private int recordSizeOrMax(ByteBuffer source, int before) {
		if (before > 0 || source.remaining() < TlsRecords.HEADER_SIZE) {
			return TlsRecords.MAX_RECORD_SIZE;
		}
		int size = TlsRecords.recordSize(source, source.position());
		return (size > 0) ? size : TlsRecords.MAX_RECORD_SIZE;
	}

	private void ensureHeld(TcpConnection connection, int needed, int most) {
		int capacity = (this.held != null) ? this.held.capacity() : 0;
		if (needed <= capacity) {
			return;
		}
		ByteBuffer grown = ByteBuffer.allocate(TlsBuffers.heldCapacity(needed, capacity, most));
		if (this.held != null) {
			grown.put(this.held.flip());
		}
		this.held = grown;
		connection.heldInPartChanged(grown.capacity() - capacity);
	}

	private void releaseHeld(TcpConnection connection) {
		int capacity = this.held.capacity();
		this.held = null;
		connection.heldInPartChanged(-capacity);
	}

	private void unwrap(TcpConnection connection, ByteBuffer record) throws IOException {
		ByteBuffer plaintext = this.buffers.plaintext();
		while (connection.isOpen()) {
			if (plaintext.remaining() < this.buffers.applicationBufferSize()) {
				deliver(connection);
			}
			SSLEngineResult result = this.engine.unwrap(record, plaintext);
			SSLEngineResult.Status status = result.getStatus();
			if (status == SSLEngineResult.Status.BUFFER_OVERFLOW) {
				deliver(connection);
				continue;
			}
			if (status == SSLEngineResult.Status.CLOSED) {
				deliver(connection);
				inputEnded(connection);
				return;
			}
			if (status == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
				// The record was whole: the engine does not take it as TLS.
				brokenFraming(connection, TlsRecords.TOO_LONG);
				return;
			}
			if (result.bytesConsumed() == 0 && result.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING) {
				// A whole record the engine neither takes nor refuses: never loop on it.
				brokenFraming(connection, TlsRecords.TOO_LONG);
				return;
			}
			HandshakeStatus handshakeStatus = result.getHandshakeStatus();
			if (this.established && handshakeStatus != HandshakeStatus.NOT_HANDSHAKING
					&& !keyUpdateAllowed(connection)) {
				return;
			}
			handshake(connection, handshakeStatus);
			if (!record.hasRemaining()) {
				return;
			}
		}
	}

	// A handshake message after the handshake: under TLS 1.3 a key update, as the
	// renegotiations of TLS 1.2 are refused before they reach the engine.
	private boolean keyUpdateAllowed(TcpConnection connection) {
		long now = connection.context().loop().now();
		if (now - this.keyUpdateWindowStart > KEY_UPDATE_WINDOW_NANOS || this.keyUpdates == 0) {
			this.keyUpdateWindowStart = now;
			this.keyUpdates = 0;
		}
		if (++this.keyUpdates > MAX_KEY_UPDATES) {
			violated(connection, TlsViolation.KEY_UPDATES);
			return false;
		}
		return true;
	}

	private void deliver(TcpConnection connection) throws IOException {
		if (this.buffers == null) {
			return;
		}
		ByteBuffer plaintext = this.buffers.plaintext();
		if (plaintext.position() > 0 && connection.isOpen()) {
			plaintext.flip();
			connection.stage().received(connection, plaintext);
		}
		plaintext.clear();
	}

	/**
	 * Wrap what the stage sends and write the records.
	 * @param connection the connection
	 * @param plaintext the bytes to send, consumed entirely
	 * @throws IOException if the connection fails
	 */
	void send(TcpConnection connection, ByteBuffer plaintext) throws IOException {
		ByteBuffer network = this.buffers.network();
		network.clear();
		do {
			if (network.remaining() < this.buffers.packetBufferSize()) {
				// Records are written in batches: one write for several, not one each.
				connection.sendRaw(network.flip());
				network.clear();
			}
			SSLEngineResult result = this.engine.wrap(plaintext, network);
			if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
				break;
			}
			if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
				connection.sendRaw(network.flip());
				network.clear();
			}
		}
		while (plaintext.hasRemaining());
		if (network.position() > 0) {
			connection.sendRaw(network.flip());
		}
	}

	/**
	 * Send the server's {@code close_notify}. The caller sends the FIN once it is written.
	 * @param connection the connection
	 * @throws IOException if the connection fails
	 */
	void closeOutbound(TcpConnection connection) throws IOException {
		if (this.engine != null && !this.engine.isOutboundDone()) {
			this.engine.closeOutbound();
			send(connection, NOTHING);
		}
	}

	/**
	 * Write the server's {@code close_notify}, or the alert of a failed handshake, if the
	 * socket takes it at once and nothing is pending ahead of it; used when the connection
	 * closes anyway, so nothing waits for it.
	 * @param connection the connection
	 */
	void closeOutboundQuietly(TcpConnection connection) {
		// It goes straight to the socket: behind pending output, which may begin in the
		// middle of a record, it would break the stream (the client reads a record that does
		// not decrypt). A close with output pending is a reset anyway.
		if (this.engine == null || this.engine.isOutboundDone() || connection.hasPendingOutput()) {
			return;
		}
		try {
			this.engine.closeOutbound();
			ByteBuffer network = this.buffers.network();
			network.clear();
			this.engine.wrap(NOTHING, network);
			connection.channel().write(network.flip());
		}
		catch (IOException | RuntimeException ex) {
			// Ignore: the connection closes either way
		}
	}

	/** The socket reached its end without a {@code close_notify}: a truncated stream. */
	void endOfNetworkInput() {
		if (this.engine == null) {
			return;
		}
		try {
			this.engine.closeInbound();
		}
		catch (SSLException ex) {
			// Ignore: the engine complains about the missing close_notify, which is the point
		}
	}

	/** The connection closed: give back what it held. */
	void closed(TcpConnection connection) {
		if (this.held != null) {
			releaseHeld(connection);
		}
		this.awaitingEngine = false;
	}

	// Drives the handshake as far as it goes without more input.
	private void handshake(TcpConnection connection, HandshakeStatus status) throws IOException {
		while (connection.isOpen()) {
			switch (status) {
				case NEED_TASK -> {
					runDelegatedTasks();
					status = this.engine.getHandshakeStatus();
				}
				case NEED_WRAP -> {
					send(connection, NOTHING);
					status = this.engine.getHandshakeStatus();
				}
				case FINISHED -> {
					if (!this.established) {
						established(connection);
					}
					// A TLS 1.3 server may still have its session tickets to send.
					status = this.engine.getHandshakeStatus();
				}
				case NOT_HANDSHAKING -> {
					if (!this.established) {
						established(connection);
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

	// Count the handshake and move the connection on to what follows it.
	private void established(TcpConnection connection) throws IOException {
		this.established = true;
		this.tls12 = !"TLSv1.3".equals(this.engine.getSession().getProtocol());
		connection.sessionEstablished();
		this.stages.handshakeCompleted(this);
		if (connection.stage() instanceof TlsHandshake handshake) {
			connection.advance(handshake.next());
			if (handshake.next() == Echoing.INSTANCE) {
				this.stages.echoing(connection);
			}
		}
	}

	// The client's close_notify arrived.
	private void inputEnded(TcpConnection connection) throws IOException {
		if (!this.established) {
			// A client that gives up during the handshake (close_notify after its hello):
			// counted like one that closes the socket then.
			handshakeFailed(connection, TlsFailure.EOF, null);
			return;
		}
		this.inputEnded = true;
		connection.inputEnded();
	}

	/**
	 * Return why a handshake that ran out of time failed: it waited for memory to start
	 * (however late it got some), or the client did not finish.
	 * @return the failure
	 */
	TlsFailure timedOut() {
		return this.waitedForEngine ? TlsFailure.MEMORY : TlsFailure.TIMEOUT;
	}

	/**
	 * The handshake failed: count why, and close (the engine's alert, if it has one, is
	 * written first).
	 * @param connection the connection
	 * @param failure why
	 * @param ex what the engine threw, or {@code null}
	 */
	void handshakeFailed(TcpConnection connection, TlsFailure failure, SSLException ex) {
		this.stages.handshakeFailed(connection, failure, ex);
		if (ex != null) {
			closeOutboundQuietly(connection);
		}
		connection.close(CloseCause.TLS_HANDSHAKE);
	}

	private void violated(TcpConnection connection, TlsViolation violation) {
		this.statistics.increment(violation);
		connection.reset(CloseCause.TLS_PROTOCOL);
	}

	/**
	 * The engine refused what arrived: a failed handshake, or a broken record after it.
	 * @param connection the connection
	 * @param ex what the engine threw
	 */
	void failed(TcpConnection connection, SSLException ex) {
		if (!this.established) {
			handshakeFailed(connection, TlsFailure.of(ex), ex);
			return;
		}
		if (logger.isDebugEnabled()) {
			logger.debug("TLS failure on " + connection.channel(), ex);
		}
		violated(connection, TlsViolation.RECORD);
	}

	private void runDelegatedTasks() {
		long start = System.nanoTime();
		Runnable task;
		while ((task = this.engine.getDelegatedTask()) != null) {
			task.run();
			this.statistics.increment(Counter.TLS_TASKS);
		}
		this.statistics.add(Counter.TLS_TASK_NANOS, System.nanoTime() - start);
	}

}
