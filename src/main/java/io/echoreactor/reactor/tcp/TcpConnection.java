package io.echoreactor.reactor.tcp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

import javax.net.ssl.SSLException;

import io.echoreactor.proxy.ProxyHeader;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.IncompleteWrite;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.ReactorStatistics.Gauge;
import io.echoreactor.reactor.loop.Closeables;
import io.echoreactor.reactor.loop.Deadlines;
import io.echoreactor.reactor.loop.Selectable;
import io.echoreactor.reactor.memory.MemoryHolder;
import io.echoreactor.reactor.memory.PendingOutput;
import io.echoreactor.reactor.memory.SessionMemoryBudget;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * One client connection and its I/O: reading (within the read budget and what memory
 * allows), writing back, pending output while a write is incomplete, backpressure at the
 * water marks, half-close, closing with a FIN or a reset, and its deadlines (idle,
 * maximum age, write timeout, and its {@link Stage stage's} own). What the bytes mean is
 * the stage's business.
 *
 * <p>
 * An idle connection holds no buffer: pending output exists only while a write is
 * incomplete, and the deadlines live in this object (see {@link Deadlines}).
 *
 * <p>
 * <strong>Threading:</strong> created, used and closed only on its reactor's thread, so no
 * field needs a lock or a fence. It is the attachment of its selection key.
 */
public final class TcpConnection extends Deadlines.Entry implements Selectable, MemoryHolder {

	private static final Log logger = LogFactory.getLog(TcpConnection.class);

	/** Reading is paused: pending output passed the high-water mark. */
	private static final int PAUSED = 1;

	/** Reading waits for memory for pending output. */
	private static final int AWAITING_MEMORY = 2;

	/** The client shut down its output. */
	private static final int INPUT_SHUTDOWN = 4;

	/** The server sent its FIN. */
	private static final int OUTPUT_SHUTDOWN = 8;

	/** Reading waits for session memory: a TLS handshake to start, or room for a record in part. */
	private static final int AWAITING_SESSION_MEMORY = 16;

	private final ConnectionContext context;

	private final SocketChannel channel;

	// The client address counted against max-connections-per-address; replaced by the one
	// a PROXY header names.
	private InetAddress address;

	private final long expiresAtNanos;

	private ProxyHeader proxy;

	private SelectionKey key;

	private int interestOps;

	private int flags;

	// Until its stage order begins it: whatever arrives before is never echoed.
	private Stage stage = Unstarted.INSTANCE;

	private TlsSession tls;

	private PendingOutput pending;

	private long lastReadNanos;

	private long lastWriteNanos;

	// Charged to the session memory budget: the TLS engine's cost, and the bytes held in part
	// (a TLS record, a PROXY header) at the capacity of the buffers that hold them.
	private long engineCharge;

	private int heldInPart;

	private boolean heldBeforeEngine;

	/**
	 * @param context what it sees of the reactor that owns it
	 * @param channel the connected, non-blocking channel
	 * @param address the client's address as the per-address limit counted it, or
	 * {@code null}
	 * @param expiresAtNanos when it reaches its maximum age, or {@link Long#MAX_VALUE}
	 */
	public TcpConnection(ConnectionContext context, SocketChannel channel, InetAddress address, long expiresAtNanos) {
		this.context = context;
		this.channel = channel;
		this.address = address;
		this.expiresAtNanos = expiresAtNanos;
		this.lastReadNanos = context.loop().now();
		this.lastWriteNanos = this.lastReadNanos;
	}

	/** Register with the reactor's selector, interested in reading. */
	public void open() throws IOException {
		this.interestOps = SelectionKey.OP_READ;
		this.key = this.context.loop().register(this.channel, this.interestOps, this);
		scheduleDeadline();
	}

	public SocketChannel channel() {
		return this.channel;
	}

	public InetAddress address() {
		return this.address;
	}

	/** @return the PROXY header the connection started with, or {@code null} */
	ProxyHeader proxy() {
		return this.proxy;
	}

	public Stage stage() {
		return this.stage;
	}

	/** @return the TLS session, or {@code null} on a plain connection */
	TlsSession tls() {
		return this.tls;
	}

	boolean isOpen() {
		return this.channel.isOpen();
	}

	boolean hasPendingOutput() {
		return this.pending != null;
	}

	/** @return the chunks of pending output held, 0 if none */
	@Override
	public int heldChunks() {
		return (this.pending != null) ? this.pending.chunks() : 0;
	}

	boolean isInputShutdown() {
		return (this.flags & INPUT_SHUTDOWN) != 0;
	}

	boolean isOutputShutdown() {
		return (this.flags & OUTPUT_SHUTDOWN) != 0;
	}

	boolean isPaused() {
		return (this.flags & PAUSED) != 0;
	}

	@Override
	public long lastReadNanos() {
		return this.lastReadNanos;
	}

	@Override
	public long lastWriteNanos() {
		return this.lastWriteNanos;
	}

	@Override
	public void ready(int readyOps) {
		assert this.context.loop().inLoop();
		try {
			if ((readyOps & SelectionKey.OP_WRITE) != 0) {
				flush();
			}
			if ((readyOps & SelectionKey.OP_READ) != 0 && this.channel.isOpen()) {
				read();
			}
		}
		catch (SSLException ex) {
			this.tls.failed(this, ex);
		}
		catch (IOException ex) {
			failed(ex);
		}
		catch (RuntimeException ex) {
			if (this.tls == null) {
				throw ex;
			}
			// The engine's own failure on what a client sent: the client's doing, not the
			// loop's, and the connection never goes on.
			this.tls.failed(this, new SSLException(ex));
		}
	}

	private void read() throws IOException {
		ByteBuffer buffer = this.context.readBuffer();
		ReactorStatistics statistics = statistics();
		int budget = this.context.readBudget();
		if (mustWaitForSessionMemory()) {
			awaitSessionMemory();
			return;
		}
		while (true) {
			int limit = this.context.memory().readLimit(buffer.capacity());
			if (limit == 0) {
				awaitMemory();
				return;
			}
			buffer.clear().limit(limit);
			int n = this.channel.read(buffer);
			statistics.increment(Counter.READS);
			if (n > 0) {
				statistics.add(Counter.BYTES_RECEIVED, n);
				this.lastReadNanos = this.context.loop().now();
				buffer.flip();
				received(buffer);
				if ((this.interestOps & SelectionKey.OP_READ) == 0 || !this.channel.isOpen()) {
					return;
				}
				// A short read means the socket is drained; the selector is level-triggered
				// and reports it again when more arrives, so no read() just to meet EAGAIN.
				budget -= n;
				if (n < limit || budget <= 0) {
					return;
				}
			}
			else if (n == 0) {
				statistics.increment(Counter.READS_EMPTY);
				return;
			}
			else {
				if (this.tls != null) {
					this.tls.endOfNetworkInput();
				}
				inputEnded();
				return;
			}
		}
	}

	void inputEnded() throws IOException {
		this.flags |= INPUT_SHUTDOWN;
		interestOps(this.interestOps & ~SelectionKey.OP_READ);
		this.stage.endOfInput(this);
	}

	/**
	 * Send {@code data} to the client (through TLS, on a TLS connection). Consumes
	 * {@code data} entirely.
	 * @param data the bytes to send
	 * @throws IOException if the write fails
	 */
	void send(ByteBuffer data) throws IOException {
		if (this.tls == null) {
			sendRaw(data);
		}
		else {
			this.tls.send(this, data);
		}
	}

	/**
	 * Write {@code data} to the socket, keeping what it does not take as pending output.
	 * Consumes {@code data} entirely.
	 * @param data the bytes to write
	 * @throws IOException if the write fails
	 */
	void sendRaw(ByteBuffer data) throws IOException {
		long now = this.context.loop().now();
		if (this.pending == null) {
			int offered = data.remaining();
			int written = this.channel.write(data);
			countWrite(offered, written);
			if (!data.hasRemaining()) {
				this.lastWriteNanos = now;
				return;
			}
			// Progress is measured from here: a connection that starts waiting is not stalled yet.
			this.lastWriteNanos = now;
			this.pending = new PendingOutput(this.context.memory());
			this.context.memory().budget().holderAdded();
			interestOps(this.interestOps | SelectionKey.OP_WRITE);
			statistics().increment(Counter.OP_WRITE_REGISTRATIONS);
		}
		long before = this.pending.bytes();
		boolean kept = this.pending.append(data, now);
		statistics().add(Gauge.PENDING_BYTES, this.pending.bytes() - before);
		if (!kept) {
			// Only a stage that sends more than it read can get here.
			this.context.memory().warnShort();
			reset(CloseCause.ERROR);
			return;
		}
		if ((this.flags & PAUSED) == 0 && this.pending.bytes() > this.context.writeBufferHighWaterMark()) {
			this.flags |= PAUSED;
			interestOps(this.interestOps & ~SelectionKey.OP_READ);
			statistics().increment(Counter.BACKPRESSURE_PAUSES);
			statistics().add(Gauge.CONNECTIONS_PAUSED, 1);
		}
		if (before == 0) {
			scheduleDeadline();
		}
	}

	private void flush() throws IOException {
		PendingOutput pending = this.pending;
		if (pending == null) {
			return;
		}
		long offered = pending.bytes();
		long written = pending.writeTo(this.channel);
		countWrite(offered, written);
		statistics().add(Gauge.PENDING_BYTES, -written);
		if (written > 0) {
			this.lastWriteNanos = this.context.loop().now();
		}
		if ((this.flags & PAUSED) != 0 && pending.bytes() <= this.context.writeBufferLowWaterMark()) {
			this.flags &= ~PAUSED;
			statistics().add(Gauge.CONNECTIONS_PAUSED, -1);
			resumeReadingIfAllowed();
		}
		if (pending.isEmpty()) {
			dropPendingOutput();
			interestOps(this.interestOps & ~SelectionKey.OP_WRITE);
			scheduleDeadline();
			if ((this.flags & OUTPUT_SHUTDOWN) != 0) {
				// The FIN waited for what was pending, a close_notify say.
				this.channel.shutdownOutput();
			}
			this.stage.flushed(this);
		}
	}

	private void countWrite(long offered, long written) {
		ReactorStatistics statistics = statistics();
		statistics.increment(Counter.WRITES);
		statistics.add(Counter.BYTES_SENT, written);
		if (written == 0) {
			statistics.increment(IncompleteWrite.EMPTY);
		}
		else if (written < offered) {
			statistics.increment(IncompleteWrite.PARTIAL);
		}
	}

	private void dropPendingOutput() {
		PendingOutput pending = this.pending;
		this.pending = null;
		statistics().add(Gauge.PENDING_BYTES, -pending.bytes());
		this.context.memory().budget().holderRemoved();
		pending.release();
	}

	private void awaitMemory() {
		this.flags |= AWAITING_MEMORY;
		interestOps(this.interestOps & ~SelectionKey.OP_READ);
		statistics().increment(Counter.MEMORY_WAITS);
		statistics().add(Gauge.CONNECTIONS_AWAITING_MEMORY, 1);
		this.context.memory().await(this);
	}

	// Whether the next read could leave bytes held in part where there is no room for them:
	// before an engine, against the sessions' part of the budget; after it (or in the PROXY
	// header), against the whole.
	private boolean mustWaitForSessionMemory() {
		SessionMemoryBudget budget = this.context.sessionMemory().budget();
		if (this.tls != null && this.tls.engine() == null) {
			return budget.sessionsFull();
		}
		return (this.tls != null || this.stage instanceof ProxyHeaderStage) && budget.isSpent();
	}

	/** Wait, with reading off, until session memory comes back. */
	void awaitSessionMemory() {
		if ((this.flags & AWAITING_SESSION_MEMORY) != 0) {
			return;
		}
		this.flags |= AWAITING_SESSION_MEMORY;
		interestOps(this.interestOps & ~SelectionKey.OP_READ);
		statistics().increment(Counter.SESSION_MEMORY_WAITS);
		statistics().add(Gauge.CONNECTIONS_AWAITING_SESSION_MEMORY, 1);
		this.context.sessionMemory().await(this);
	}

	/** @return whether the connection waits for session memory to start its TLS handshake */
	@Override
	public boolean awaitsHandshakeStart() {
		return this.tls != null && this.tls.awaitsEngine();
	}

	/** Session memory came back: start a handshake that waited for it, then read again. */
	@Override
	public void sessionMemoryAvailable() {
		if ((this.flags & AWAITING_SESSION_MEMORY) == 0 || !this.channel.isOpen()) {
			return;
		}
		this.flags &= ~AWAITING_SESSION_MEMORY;
		statistics().add(Gauge.CONNECTIONS_AWAITING_SESSION_MEMORY, -1);
		if (this.tls != null && this.tls.awaitsEngine()) {
			try {
				this.tls.resume(this);
			}
			catch (SSLException ex) {
				this.tls.failed(this, ex);
			}
			catch (IOException ex) {
				failed(ex);
			}
			if (!this.channel.isOpen() || (this.flags & AWAITING_SESSION_MEMORY) != 0) {
				return;
			}
		}
		resumeReadingIfAllowed();
	}

	/**
	 * Charge a TLS handshake to the session memory budget, if it has room.
	 * @return whether it was charged
	 */
	boolean tryChargeHandshake() {
		if (!this.context.sessionMemory().budget().tryReserveHandshake()) {
			return false;
		}
		this.engineCharge = SessionMemoryBudget.HANDSHAKE_COST;
		return true;
	}

	/** The handshake is done: the engine holds less from now on. */
	void sessionEstablished() {
		long refund = this.engineCharge - SessionMemoryBudget.SESSION_COST;
		if (refund > 0) {
			this.engineCharge = SessionMemoryBudget.SESSION_COST;
			this.context.sessionMemory().budget().release(refund, true);
		}
	}

	/**
	 * The bytes held in part for this connection changed by {@code delta}.
	 * @param delta the change in the capacity of the buffers holding them
	 */
	void heldInPartChanged(int delta) {
		SessionMemoryBudget budget = this.context.sessionMemory().budget();
		int before = this.heldInPart;
		if (before == 0) {
			// Bytes held before the connection has an engine are a handshake's to come, and
			// count with the sessions until they are given back.
			this.heldBeforeEngine = this.tls != null && this.tls.engine() == null;
		}
		this.heldInPart += delta;
		if (!this.heldBeforeEngine) {
			if (before == 0 && this.heldInPart > 0) {
				budget.holderAdded();
			}
			else if (before > 0 && this.heldInPart == 0) {
				budget.holderRemoved();
			}
		}
		if (delta > 0) {
			budget.reserve(delta, this.heldBeforeEngine);
		}
		else if (delta < 0) {
			budget.release(-delta, this.heldBeforeEngine);
		}
	}

	/**
	 * @return the bytes held in part of a record or header that eviction may reclaim: none
	 * for a connection still without an engine, which its handshake timeout bounds
	 */
	@Override
	public int heldInPart() {
		return this.heldBeforeEngine ? 0 : this.heldInPart;
	}

	/** Memory for pending output is available again: read if nothing else holds reading off. */
	@Override
	public void memoryAvailable() {
		if ((this.flags & AWAITING_MEMORY) != 0 && this.channel.isOpen()) {
			this.flags &= ~AWAITING_MEMORY;
			statistics().add(Gauge.CONNECTIONS_AWAITING_MEMORY, -1);
			resumeReadingIfAllowed();
		}
	}

	/** @return whether the connection reads now: not paused, waiting for memory, or at the end of its input */
	boolean isReading() {
		return (this.interestOps & SelectionKey.OP_READ) != 0;
	}

	private void resumeReadingIfAllowed() {
		if ((this.flags & (PAUSED | AWAITING_MEMORY | AWAITING_SESSION_MEMORY | INPUT_SHUTDOWN)) == 0) {
			interestOps(this.interestOps | SelectionKey.OP_READ);
		}
	}

	/**
	 * Send the server's FIN (after its {@code close_notify}, on a TLS connection) once
	 * everything pending is written; the client can still send.
	 */
	void shutdownOutput() throws IOException {
		if ((this.flags & OUTPUT_SHUTDOWN) == 0) {
			if (this.tls != null) {
				this.tls.closeOutbound(this);
			}
			this.flags |= OUTPUT_SHUTDOWN;
			if (this.pending == null) {
				this.channel.shutdownOutput();
			}
		}
	}

	/**
	 * Begin TLS: every byte from now on passes through {@code session}'s engine, and the
	 * {@code handshake} stage bounds the handshake.
	 * @param session the session
	 * @param handshake the handshake stage, which knows what follows it
	 */
	void startTls(TlsSession session, TlsHandshake handshake) {
		this.tls = session;
		advance(handshake);
	}

	/**
	 * Remember the PROXY header the connection started with.
	 * @param header the header, or {@code null}
	 */
	void proxy(ProxyHeader header) {
		this.proxy = header;
	}

	/**
	 * Hand bytes on to the stage, through TLS on a TLS connection.
	 * @param bytes the bytes, consumed entirely
	 */
	void received(ByteBuffer bytes) throws IOException {
		if (this.tls == null) {
			this.stage.received(this, bytes);
		}
		else {
			this.tls.received(this, bytes);
		}
	}

	StageOrder stages() {
		return this.context.stages();
	}

	/** Count the connection against its client's per-address limit from now on. */
	void countedAs(InetAddress client) {
		this.address = client;
	}

	@Nullable InetAddress peerAddress() {
		try {
			return ((java.net.InetSocketAddress) this.channel.getRemoteAddress()).getAddress();
		}
		catch (IOException | RuntimeException ex) {
			return null;
		}
	}

	/**
	 * Move on to {@code next}: the stage replaces itself when it is done.
	 * @param next the next stage
	 */
	void advance(Stage next) {
		this.stage = next;
		scheduleDeadline();
	}

	/**
	 * Begin closing for {@code cause}, unless the connection is already closing.
	 * @param cause why
	 * @param deadlineNanos when a connection that is not yet quiet is reset
	 */
	public void beginClose(CloseCause cause, long deadlineNanos) {
		if (!this.channel.isOpen() || this.stage instanceof Closing) {
			return;
		}
		if (this.stage instanceof ProxyHeaderStage header) {
			// Nothing has been echoed yet and what arrives now is the rest of a header, which
			// Closing would echo as data. Close at once; with a reset if bytes are held, as
			// they may have been data (optional mode) and are dropped.
			if (header.holdsBytes()) {
				reset(cause);
			}
			else {
				close(cause);
			}
			return;
		}
		if (isInputShutdown() && this.pending == null) {
			close(cause);
			return;
		}
		advance(new Closing(cause, deadlineNanos));
	}

	@Override
	protected void expired(long nowNanos) {
		try {
			ConnectionTimers.expired(this, nowNanos);
		}
		catch (IOException ex) {
			failed(ex);
		}
	}

	/** Schedule the earliest of the connection's deadlines (see {@link ConnectionTimers}). */
	void scheduleDeadline() {
		if (!this.channel.isOpen()) {
			return;
		}
		long due = ConnectionTimers.due(this);
		if (due == Long.MAX_VALUE) {
			this.context.loop().deadlines().cancel(this);
		}
		else {
			this.context.loop().deadlines().schedule(this, due);
		}
	}

	ConnectionContext context() {
		return this.context;
	}

	private ReactorStatistics statistics() {
		return this.context.loop().statistics();
	}

	PendingOutput pendingOutput() {
		return this.pending;
	}

	boolean isAwaitingMemory() {
		return (this.flags & (AWAITING_MEMORY | AWAITING_SESSION_MEMORY)) != 0;
	}

	long expiresAtNanos() {
		return this.expiresAtNanos;
	}

	private void failed(IOException ex) {
		String message = String.valueOf(ex.getMessage());
		boolean reset = message.contains("reset") || message.contains("Broken pipe");
		if (!reset && logger.isDebugEnabled()) {
			logger.debug("I/O failure on " + this.channel, ex);
		}
		close(reset ? CloseCause.RESET : CloseCause.ERROR);
	}

	@Override
	public void rekeyed(SelectionKey key) {
		this.key = key;
	}

	@Override
	public void evict() {
		reset(CloseCause.EVICTED);
	}

	@Override
	public void abort(CloseCause cause) {
		close(cause);
	}

	/**
	 * Close with a FIN, or with a reset where a FIN would tell the client that all is well
	 * when it is not: echoes still pending, or bytes of its held in part unechoed (a failed
	 * handshake aside, whose bytes were no data). The kernel resets, too, a socket closed
	 * with input unread.
	 * @param cause why
	 */
	public void close(CloseCause cause) {
		close(cause, false);
	}

	/**
	 * Close a connection refused for its client's per-address limit, which a PROXY header
	 * named: counted as rejected, not as closed.
	 */
	void reject() {
		close(null, false);
	}

	/**
	 * Close with a reset (SO_LINGER 0), so that the client's next read or write fails:
	 * bytes it sent were not echoed, or echoes it was owed were dropped.
	 * @param cause why
	 */
	public void reset(CloseCause cause) {
		close(cause, true);
	}

	private void close(CloseCause cause, boolean reset) {
		if (!this.channel.isOpen()) {
			return;
		}
		if (this.pending != null || (this.heldInPart > 0 && cause != CloseCause.TLS_HANDSHAKE)) {
			reset = true;
		}
		this.context.loop().deadlines().cancel(this);
		this.key.cancel();
		if (this.tls != null && this.tls.isEstablished() && !reset && (this.flags & OUTPUT_SHUTDOWN) == 0) {
			this.tls.closeOutboundQuietly(this);
		}
		if (reset) {
			try {
				this.channel.setOption(StandardSocketOptions.SO_LINGER, 0);
				statistics().increment(Counter.CLOSE_RESETS);
			}
			catch (IOException | RuntimeException ex) {
				// Ignore: closed either way, and a peer that already reset needs no reset
			}
		}
		Closeables.closeQuietly(this.channel);
		if ((this.flags & PAUSED) != 0) {
			statistics().add(Gauge.CONNECTIONS_PAUSED, -1);
		}
		if ((this.flags & AWAITING_MEMORY) != 0) {
			statistics().add(Gauge.CONNECTIONS_AWAITING_MEMORY, -1);
		}
		if ((this.flags & AWAITING_SESSION_MEMORY) != 0) {
			statistics().add(Gauge.CONNECTIONS_AWAITING_SESSION_MEMORY, -1);
			this.context.sessionMemory().forget(this);
		}
		this.flags = 0;
		releaseSessionMemory();
		// Last: giving chunks back may resume other connections waiting for memory.
		if (this.pending != null) {
			dropPendingOutput();
		}
		this.context.closed(this, cause);
	}

	private void releaseSessionMemory() {
		if (this.tls != null) {
			this.tls.closed(this);
		}
		if (this.stage instanceof ProxyHeaderStage header) {
			header.closed(this);
		}
		if (this.engineCharge > 0) {
			this.context.sessionMemory().budget().release(this.engineCharge, true);
			this.engineCharge = 0;
		}
	}

	private void interestOps(int ops) {
		if (ops != this.interestOps) {
			this.interestOps = ops;
			this.key.interestOps(ops);
		}
	}

	/**
	 * A connection's stage until its stage order begins it. Nothing should arrive then; if
	 * anything does, it is never echoed.
	 */
	private static final class Unstarted implements Stage {

		static final Unstarted INSTANCE = new Unstarted();

		@Override
		public void received(TcpConnection connection, ByteBuffer data) {
			connection.reset(CloseCause.ERROR);
		}

		@Override
		public void endOfInput(TcpConnection connection) {
			connection.close(CloseCause.ERROR);
		}

		@Override
		public void flushed(TcpConnection connection) {
		}

	}

}
