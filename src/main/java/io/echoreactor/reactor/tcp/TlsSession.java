package io.echoreactor.reactor.tcp;

import java.io.IOException;
import java.nio.ByteBuffer;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.TlsFailure;
import io.echoreactor.reactor.counters.TlsViolation;
import io.echoreactor.reactor.loop.ReactorLog;
import io.echoreactor.reactor.memory.SessionMemoryBudget;
import io.echoreactor.reactor.tls.TlsBuffers;
import io.echoreactor.reactor.tls.TlsContext;
import io.echoreactor.reactor.tls.TlsFraming;
import io.echoreactor.reactor.tls.TlsRecordLayer;
import io.echoreactor.reactor.tls.TlsRecords;
import org.jspecify.annotations.Nullable;

/**
 * TLS on one {@link TcpConnection}, in its reactor's thread: an {@link SSLEngine} between
 * the socket and the connection's {@link Stage}. Bytes read from the socket are framed
 * into records ({@link TlsRecords}), unwrapped, and the plaintext handed to the stage;
 * what the stage sends is wrapped and written as records ({@link TlsRecordLayer}). The
 * handshake is driven from the same calls, its delegated tasks run inline on the reactor
 * thread (their time is counted, see {@code echo_tls_task_seconds_total}).
 *
 * <p>
 * <strong>Memory.</strong> The engine is made only once a whole first record has
 * arrived, it is a handshake record, and {@code max-session-memory} has room for a
 * handshake ({@link SessionMemoryBudget}); until then the connection costs what it
 * holds. A record that has arrived in part is held ({@link TlsFraming}), charged to the
 * same budget. The plaintext and record buffers belong to the reactor
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
public final class TlsSession extends TlsRecordLayer<TcpConnection> {

	private static final ReactorLog logger = ReactorLog.of(TlsSession.class);

	private final TlsContext context;

	private final StageOrder stages;

	private final long startNanos;

	private boolean awaitingEngine;

	private boolean waitedForEngine;

	private boolean tls12;

	private boolean inputEnded;

	TlsSession(TlsContext context, StageOrder stages, ReactorStatistics statistics, long startNanos) {
		super(statistics);
		this.context = context;
		this.stages = stages;
		this.startNanos = startNanos;
	}

	/** @return when the handshake began, in {@link System#nanoTime()} terms */
	long startNanos() {
		return this.startNanos;
	}

	/** @return whether the first record has arrived and the handshake waits for session memory to start */
	boolean awaitsEngine() {
		return this.awaitingEngine;
	}

	@Override
	protected void heldChanged(TcpConnection connection, int delta) {
		connection.heldInPartChanged(delta);
	}

	@Override
	protected void write(TcpConnection connection, ByteBuffer records) throws IOException {
		connection.sendRaw(records);
	}

	@Override
	protected boolean isOpen(TcpConnection connection) {
		return connection.isOpen();
	}

	@Override
	protected void plaintext(TcpConnection connection, ByteBuffer plaintext) throws IOException {
		connection.stage().received(connection, plaintext);
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
		TlsBuffers buffers = buffers();
		ByteBuffer input = (buffers != null) ? buffers.heapCopy(network) : network;
		ByteBuffer held = held();
		if (held != null) {
			if (this.awaitingEngine) {
				hold(connection, input, true);
				return;
			}
			int size = completeHeldRecord(connection, held, input);
			if (size <= 0) {
				if (size < 0) {
					brokenFraming(connection, size);
				}
				return;
			}
			ByteBuffer record = flipHeld();
			process(connection, record);
			if (held() == record) {
				// Still held: the handshake waits for memory, and what follows waits behind it.
				if (input.hasRemaining() && connection.isOpen()) {
					hold(connection, input, true);
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
		if (!this.awaitingEngine || held() == null) {
			return;
		}
		this.awaitingEngine = false;
		process(connection, flipHeld());
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
				hold(connection, source, this.awaitingEngine);
				return;
			}
			int size = TlsRecords.recordSize(source, start);
			if (size < 0) {
				brokenFraming(connection, size);
				return;
			}
			if (source.remaining() < size) {
				hold(connection, source, this.awaitingEngine);
				return;
			}
			int type = TlsRecords.contentType(source, start);
			if (engine() == null) {
				if (type != TlsRecords.HANDSHAKE) {
					handshakeFailed(connection, TlsFailure.NOT_TLS, null);
					return;
				}
				if (!startEngine(connection)) {
					if (connection.isOpen()) {
						this.awaitingEngine = true;
						this.waitedForEngine = true;
						hold(connection, source, true);
						connection.awaitSessionMemory();
					}
					return;
				}
			}
			else if (isEstablished() && this.tls12) {
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
		if (source == held()) {
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
			engine(engine, this.stages.tlsBuffers(engine));
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
		if (isEstablished()) {
			violated(connection, TlsViolation.RECORD);
		}
		else {
			handshakeFailed(connection,
					(engine() == null && size == TlsRecords.NOT_A_RECORD) ? TlsFailure.NOT_TLS : TlsFailure.PROTOCOL,
					null);
		}
	}

	private void unwrap(TcpConnection connection, ByteBuffer record) throws IOException {
		SSLEngine engine = requireEngine();
		TlsBuffers buffers = requireBuffers();
		ByteBuffer plaintext = buffers.plaintext();
		while (connection.isOpen()) {
			if (plaintext.remaining() < buffers.applicationBufferSize()) {
				deliver(connection);
			}
			SSLEngineResult result = engine.unwrap(record, plaintext);
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
			if (isEstablished() && handshakeStatus != HandshakeStatus.NOT_HANDSHAKING
					&& !keyUpdateAllowed(connection.context().loop().now())) {
				violated(connection, TlsViolation.KEY_UPDATES);
				return;
			}
			handshake(connection, handshakeStatus);
			if (!record.hasRemaining()) {
				return;
			}
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
		if (!connection.hasPendingOutput()) {
			writeCloseNotifyQuietly(connection.channel());
		}
	}

	/** The connection closed: give back what it held. */
	void closed(TcpConnection connection) {
		releaseHeld(connection);
		this.awaitingEngine = false;
	}

	// Count the handshake and move the connection on to what follows it.
	@Override
	protected void established(TcpConnection connection, SSLEngine engine) throws IOException {
		this.tls12 = !"TLSv1.3".equals(engine.getSession().getProtocol());
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
		if (!isEstablished()) {
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
	void handshakeFailed(TcpConnection connection, TlsFailure failure, @Nullable SSLException ex) {
		this.stages.handshakeFailed(connection, failure, ex);
		if (ex != null) {
			closeOutboundQuietly(connection);
		}
		connection.close(CloseCause.TLS_HANDSHAKE);
	}

	private void violated(TcpConnection connection, TlsViolation violation) {
		statistics().increment(violation);
		connection.reset(CloseCause.TLS_PROTOCOL);
	}

	/**
	 * The engine refused what arrived: a failed handshake, or a broken record after it.
	 * @param connection the connection
	 * @param ex what the engine threw
	 */
	void failed(TcpConnection connection, SSLException ex) {
		if (!isEstablished()) {
			handshakeFailed(connection, TlsFailure.of(ex), ex);
			return;
		}
		if (logger.isDebugEnabled()) {
			logger.debug("TLS failure on " + connection.channel(),
					connection.stages().facts(connection).cause(TlsViolation.RECORD), ex);
		}
		violated(connection, TlsViolation.RECORD);
	}

}
