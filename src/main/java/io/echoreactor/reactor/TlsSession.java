package io.echoreactor.reactor;

import java.io.IOException;
import java.nio.ByteBuffer;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

import io.echoreactor.reactor.ReactorStatistics.Counter;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * TLS on one {@link TcpConnection}, in its reactor's thread: an {@link SSLEngine} between
 * the socket and the connection's {@link Stage}. Bytes read from the socket are unwrapped
 * and the plaintext handed to the stage; what the stage sends is wrapped and written as
 * records. The handshake is driven from the same calls, its delegated tasks run inline on
 * the reactor thread (their time is counted, see {@code echo_tls_task_seconds_total}).
 *
 * <p>
 * <strong>Memory.</strong> The engine's plaintext and record buffers belong to the
 * reactor ({@link TlsBuffers}) and are shared by its connections; a connection holds a
 * buffer of its own only while a record has arrived in part, and its encrypted output
 * waits in the connection's pending output, which counts toward the water marks and
 * {@code max-pending-output} like any other.
 *
 * <p>
 * <strong>Closing.</strong> A client's {@code close_notify} ends its input. Under TLS 1.3
 * the echo of what came before it is still sent, then the server's {@code close_notify}
 * and FIN (a half-close, as TLS 1.3 allows). Under TLS 1.2 the server answers with its own
 * {@code close_notify} and closes at once, as RFC 5246 7.2.1 requires: echoes not yet
 * written are discarded.
 *
 * <p>
 * <strong>Threading:</strong> confined to the connection's reactor thread.
 */
final class TlsSession {

	private static final Log logger = LogFactory.getLog(TlsSession.class);

	// Content type, version and length: RFC 8446 5.1.
	private static final int RECORD_HEADER_SIZE = 5;

	private static final ByteBuffer NOTHING = ByteBuffer.allocate(0).asReadOnlyBuffer();

	private final SSLEngine engine;

	private final TlsBuffers buffers;

	private final ReactorStatistics statistics;

	private final long startNanos;

	// A record that has arrived in part, held until the rest comes; null otherwise.
	private ByteBuffer partialRecord;

	private boolean established;

	TlsSession(SSLEngine engine, TlsBuffers buffers, ReactorStatistics statistics, long startNanos) {
		this.engine = engine;
		this.buffers = buffers;
		this.statistics = statistics;
		this.startNanos = startNanos;
	}

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

	/** @return whether the session holds a record that has arrived in part */
	boolean holdsPartialRecord() {
		return this.partialRecord != null;
	}

	/** Start the handshake: a server waits for the ClientHello. */
	void begin() throws SSLException {
		this.engine.beginHandshake();
	}

	/**
	 * Unwrap what the socket brought in and hand the plaintext to the connection's stage.
	 * @param connection the connection
	 * @param network the bytes read, consumed entirely
	 * @throws IOException if the connection fails
	 */
	void received(TcpConnection connection, ByteBuffer network) throws IOException {
		if (this.partialRecord != null) {
			// Only the rest of the held record joins it, so that the held buffer never
			// grows past one record: what follows is unwrapped where it lies.
			if (!completePartialRecord(network)) {
				return;
			}
			unwrap(connection, this.partialRecord.flip());
			if (!network.hasRemaining() || !connection.isOpen()) {
				return;
			}
			if (this.partialRecord != null) {
				// Not taken whole: what follows must wait behind it.
				this.partialRecord = append(this.partialRecord, network);
				return;
			}
		}
		// The JDK's AES-GCM works on arrays without copying; on a direct buffer it makes
		// temporary arrays for every record.
		unwrap(connection, this.buffers.heapCopy(network));
	}

	private void unwrap(TcpConnection connection, ByteBuffer source) throws IOException {
		ByteBuffer plaintext = this.buffers.plaintext();
		plaintext.clear();
		while (connection.isOpen()) {
			SSLEngineResult result = this.engine.unwrap(source, plaintext);
			SSLEngineResult.Status status = result.getStatus();
			if (status == SSLEngineResult.Status.BUFFER_OVERFLOW
					|| plaintext.remaining() < this.buffers.applicationBufferSize()) {
				deliver(connection, plaintext);
				if (status == SSLEngineResult.Status.BUFFER_OVERFLOW) {
					continue;
				}
			}
			if (status == SSLEngineResult.Status.CLOSED) {
				deliver(connection, plaintext);
				keepPartialRecord(source);
				inputEnded(connection);
				return;
			}
			if (!handshake(connection, result.getHandshakeStatus())) {
				break;
			}
			if (status == SSLEngineResult.Status.BUFFER_UNDERFLOW || !source.hasRemaining()) {
				break;
			}
		}
		deliver(connection, plaintext);
		keepPartialRecord(source);
	}

	/**
	 * Move from {@code network} into the held record what it lacks, as far as
	 * {@code network} goes.
	 * @return whether the held record is now whole (or its header names a record larger
	 * than any the engine accepts, which the engine then refuses)
	 */
	private boolean completePartialRecord(ByteBuffer network) {
		ByteBuffer held = this.partialRecord;
		if (held.position() < RECORD_HEADER_SIZE && !take(held, RECORD_HEADER_SIZE - held.position(), network)) {
			return false;
		}
		int recordSize = RECORD_HEADER_SIZE + (((held.get(3) & 0xff) << 8) | (held.get(4) & 0xff));
		if (recordSize > held.capacity()) {
			this.partialRecord = append(held, network);
			return true;
		}
		return take(held, recordSize - held.position(), network);
	}

	// Moves up to wanted bytes from source into target; true if all of them were there.
	private static boolean take(ByteBuffer target, int wanted, ByteBuffer source) {
		int moved = Math.min(wanted, source.remaining());
		target.put(target.position(), source, source.position(), moved).position(target.position() + moved);
		source.position(source.position() + moved);
		return moved == wanted;
	}

	private void deliver(TcpConnection connection, ByteBuffer plaintext) throws IOException {
		if (plaintext.position() > 0 && connection.isOpen()) {
			plaintext.flip();
			connection.stage().received(connection, plaintext);
			plaintext.clear();
		}
	}

	private void keepPartialRecord(ByteBuffer source) {
		if (source == this.partialRecord) {
			if (!source.hasRemaining()) {
				this.buffers.release(source);
				this.partialRecord = null;
			}
			else {
				source.compact();
			}
		}
		else if (source.hasRemaining()) {
			this.partialRecord = append(null, source);
		}
	}

	private ByteBuffer append(ByteBuffer kept, ByteBuffer more) {
		int needed = ((kept != null) ? kept.position() : 0) + more.remaining();
		ByteBuffer target = kept;
		if (target == null || target.capacity() < needed) {
			target = this.buffers.acquire(needed);
			if (kept != null) {
				target.put(kept.flip());
				this.buffers.release(kept);
			}
		}
		return target.put(more);
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
		if (!this.engine.isOutboundDone()) {
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
		// not decrypt). Closing with output pending discards it, so the stream ends
		// truncated, without an alert.
		if (this.engine.isOutboundDone() || connection.hasPendingOutput()) {
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

	/** @return whether a {@code close_notify} from the peer closes the connection at once (before TLS 1.3) */
	boolean closesWithPeer() {
		String protocol = this.engine.getSession().getProtocol();
		return !"TLSv1.3".equals(protocol);
	}

	/** The socket reached its end without a {@code close_notify}: a truncated stream. */
	void endOfNetworkInput() {
		try {
			this.engine.closeInbound();
		}
		catch (SSLException ex) {
			// Ignore: the engine complains about the missing close_notify, which is the point
		}
	}

	// Drives the handshake as far as it goes without more input; false if it needs more.
	private boolean handshake(TcpConnection connection, HandshakeStatus status) throws IOException {
		while (true) {
			switch (status) {
				case NEED_TASK -> {
					runDelegatedTasks();
					status = this.engine.getHandshakeStatus();
				}
				case NEED_WRAP -> {
					send(connection, NOTHING);
					status = this.engine.getHandshakeStatus();
					if (!connection.isOpen()) {
						return false;
					}
				}
				case FINISHED -> {
					established(connection);
					// A TLS 1.3 server may still have its session tickets to send.
					status = this.engine.getHandshakeStatus();
				}
				case NOT_HANDSHAKING -> {
					if (!this.established) {
						established(connection);
					}
					return true;
				}
				default -> {
					// NEED_UNWRAP: the caller unwraps more, if it has more
					return true;
				}
			}
		}
	}

	// Count the handshake and move the connection on to what follows it.
	private void established(TcpConnection connection) throws IOException {
		this.established = true;
		connection.pipeline().handshakeCompleted(this);
		if (connection.stage() instanceof TlsHandshake handshake) {
			connection.advance(handshake.next());
			if (handshake.next() == Echoing.INSTANCE) {
				connection.pipeline().echoing(connection);
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
		if (closesWithPeer()) {
			// TLS 1.2 and earlier: answer with close_notify and close now (RFC 5246 7.2.1).
			CloseCause cause = connection.stage().closeCause();
			connection.close((cause == CloseCause.SHUTDOWN) ? CloseCause.EOF : cause);
			return;
		}
		connection.inputEnded();
	}

	/**
	 * The handshake failed: count why, and close (the engine's alert, if it has one, is
	 * written first).
	 * @param connection the connection
	 * @param failure why
	 * @param ex what the engine threw, or {@code null}
	 */
	void handshakeFailed(TcpConnection connection, TlsFailure failure, SSLException ex) {
		connection.pipeline().handshakeFailed(connection, failure, ex);
		if (ex != null) {
			closeOutboundQuietly(connection);
		}
		connection.close(CloseCause.TLS_HANDSHAKE);
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
		connection.close(CloseCause.ERROR);
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
