package io.echoreactor.reactor.tcp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Objects;

import javax.net.ssl.SSLException;

import io.echoreactor.proxy.ProxyHeader;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.loop.Deadlines;
import io.echoreactor.reactor.loop.ReactorLog;
import io.echoreactor.reactor.memory.SessionMemoryBudget;
import org.jspecify.annotations.Nullable;

/**
 * One client connection: its {@link Stage stages} (PROXY header, TLS handshake, echoing,
 * closing) and its TLS session, its deadlines (idle, maximum age, write timeout, and its
 * stage's own), and how it closes, with a FIN or a reset. The socket side (reading,
 * writing, pending output, backpressure) is its {@link TcpEndPoint}, its waits for memory
 * and charges to it its {@link MemoryEndPoint}; what the bytes mean is the stage's
 * business.
 *
 * <p>
 * An idle connection holds no buffer: pending output exists only while a write is
 * incomplete, and the deadlines live in this object (see {@link Deadlines}).
 *
 * <p>
 * <strong>Threading:</strong> created, used and closed only on its reactor's thread, so no
 * field needs a lock or a fence. It is the attachment of its selection key.
 */
public final class TcpConnection extends MemoryEndPoint {

	private static final ReactorLog logger = ReactorLog.of(TcpConnection.class);

	// Counted against max-connections-per-address; replaced by the one a PROXY header names.
	private @Nullable InetAddress address;

	private final long expiresAtNanos;

	private @Nullable ProxyHeader proxy;

	// Until its stage order begins it: whatever arrives before is never echoed.
	private Stage stage = Unstarted.INSTANCE;

	private @Nullable TlsSession tls;

	/**
	 * @param context what it sees of the reactor that owns it
	 * @param channel the connected, non-blocking channel
	 * @param address the client's address as the per-address limit counted it, or
	 * {@code null}
	 * @param expiresAtNanos when it reaches its maximum age, or {@link Long#MAX_VALUE}
	 */
	public TcpConnection(ConnectionContext context, SocketChannel channel, @Nullable InetAddress address,
			long expiresAtNanos) {
		super(context, channel);
		this.address = address;
		this.expiresAtNanos = expiresAtNanos;
	}

	/** @return the client's address as the per-address limit counts it, or {@code null} */
	public @Nullable InetAddress address() {
		return this.address;
	}

	/** @return the PROXY header the connection started with, or {@code null} */
	@Nullable ProxyHeader proxy() {
		return this.proxy;
	}

	@Override
	public Stage stage() {
		return this.stage;
	}

	/** @return the TLS session, or {@code null} on a plain connection */
	@Override
	@Nullable TlsSession tls() {
		return this.tls;
	}

	/**
	 * Return the TLS session, where the caller knows the connection is a TLS connection:
	 * a TLS stage, or the session itself, is what calls.
	 * @return the TLS session
	 */
	TlsSession requireTls() {
		return Objects.requireNonNull(this.tls, "a TLS stage runs only on a TLS connection");
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
			// Only an engine throws it, and only a TLS connection has one.
			requireTls().failed(this, ex);
		}
		catch (IOException ex) {
			failed(ex);
		}
		catch (RuntimeException ex) {
			TlsSession tls = this.tls;
			if (tls == null) {
				throw ex;
			}
			// The engine's failure on what a client sent: the client's doing; the connection ends.
			tls.failed(this, new SSLException(ex));
		}
	}

	@Override
	void endOfStream() throws IOException {
		TlsSession tls = this.tls;
		if (tls != null) {
			tls.endOfNetworkInput();
		}
		inputEnded();
	}

	void inputEnded() throws IOException {
		inputShutdown();
		this.stage.endOfInput(this);
	}

	@Override
	void flushed() throws IOException {
		this.stage.flushed(this);
	}

	/**
	 * Send {@code data} to the client (through TLS, on a TLS connection). Consumes
	 * {@code data} entirely.
	 * @param data the bytes to send
	 * @throws IOException if the write fails
	 */
	void send(ByteBuffer data) throws IOException {
		TlsSession tls = this.tls;
		if (tls == null) {
			sendRaw(data);
		}
		else {
			tls.send(this, data);
		}
	}

	/**
	 * Hand bytes on to the stage, through TLS on a TLS connection.
	 * @param bytes the bytes, consumed entirely
	 */
	@Override
	void received(ByteBuffer bytes) throws IOException {
		TlsSession tls = this.tls;
		if (tls == null) {
			this.stage.received(this, bytes);
		}
		else {
			tls.received(this, bytes);
		}
	}

	@Override
	void startAwaitedHandshake() {
		TlsSession tls = requireTls();
		try {
			tls.resume(this);
		}
		catch (SSLException ex) {
			tls.failed(this, ex);
		}
		catch (IOException ex) {
			failed(ex);
		}
	}

	/**
	 * Send the server's FIN (after its {@code close_notify}, on a TLS connection) once
	 * everything pending is written; the client can still send.
	 */
	void shutdownOutput() throws IOException {
		if (!isOutputShutdown()) {
			TlsSession tls = this.tls;
			if (tls != null) {
				tls.closeOutbound(this);
			}
			shutdownOutputWhenFlushed();
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
	void proxy(@Nullable ProxyHeader header) {
		this.proxy = header;
	}

	StageOrder stages() {
		return this.context.stages();
	}

	/** Count the connection against its client's per-address limit from now on. */
	void countedAs(InetAddress client) {
		this.address = client;
	}

	@Override
	public @Nullable InetSocketAddress client() {
		ProxyHeader proxy = this.proxy;
		return (proxy != null) ? proxy.source() : null;
	}

	@Nullable InetAddress peerAddress() {
		try {
			return ((InetSocketAddress) this.channel.getRemoteAddress()).getAddress();
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
			// Nothing has been echoed yet, and Closing would echo the rest of a header as data: close
			// at once, with a reset if bytes are held (optional mode's data, dropped).
			if (header.holdsBytes()) {
				reset(cause);
			}
			else {
				close(cause);
			}
			return;
		}
		if (isInputShutdown() && !hasPendingOutput()) {
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

	/** Work the deadlines out again under the reactor's new settings. Reactor thread only. */
	public void settingsChanged() {
		scheduleDeadline();
	}

	/** Schedule the earliest of the connection's deadlines (see {@link ConnectionTimers}). */
	@Override
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

	long expiresAtNanos() {
		return this.expiresAtNanos;
	}

	private void failed(IOException ex) {
		String message = String.valueOf(ex.getMessage());
		boolean reset = message.contains("reset") || message.contains("Broken pipe");
		if (!reset && logger.isDebugEnabled()) {
			logger.debug("I/O failure on " + this.channel, stages().facts(this).cause(CloseCause.ERROR), ex);
		}
		close(reset ? CloseCause.RESET : CloseCause.ERROR);
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
	@Override
	public void reset(CloseCause cause) {
		close(cause, true);
	}

	private void close(@Nullable CloseCause cause, boolean reset) {
		assert this.context.loop().inLoop();
		if (!this.channel.isOpen()) {
			return;
		}
		if (owesClient(cause)) {
			reset = true;
		}
		this.context.loop().deadlines().cancel(this);
		cancelKey();
		TlsSession tls = this.tls;
		if (tls != null && tls.isEstablished() && !reset && !isOutputShutdown()) {
			tls.closeOutboundQuietly(this);
		}
		closeSocket(reset);
		endMemoryWaits();
		releaseSessionMemory();
		// Last: giving chunks back may resume other connections waiting for memory.
		releasePendingOutput();
		this.context.closed(this, cause);
	}

	private void releaseSessionMemory() {
		TlsSession tls = this.tls;
		if (tls != null) {
			tls.closed(this);
		}
		if (this.stage instanceof ProxyHeaderStage header) {
			header.closed(this);
		}
		releaseEngineCharge();
	}

}
