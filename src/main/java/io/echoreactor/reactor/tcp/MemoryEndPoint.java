package io.echoreactor.reactor.tcp;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;

import javax.net.ssl.SSLEngine;

import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ConnectionFigures;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.ReactorStatistics.Gauge;
import io.echoreactor.reactor.memory.PendingOutput;
import io.echoreactor.reactor.memory.SessionMemoryBudget;
import org.jspecify.annotations.Nullable;

/**
 * A connection's dealings with its reactor's memory beyond the pending output its
 * {@link TcpEndPoint} keeps: the waits, with reading off, for memory for pending output
 * and for session memory; and the charges to the session memory budget, the TLS engine's
 * and those of the bytes held in part (a TLS record, a PROXY header) at the capacity of
 * the buffers that hold them. Memory gives back through the {@code MemoryHolder} calls.
 * Beside them, what a console's table shows of the connection: its {@link #figures(int) figures}.
 *
 * <p>
 * <strong>Threading:</strong> confined to the connection's reactor thread, like the
 * connection.
 */
abstract class MemoryEndPoint extends TcpEndPoint {

	private long engineCharge;

	private int heldInPart;

	private boolean heldBeforeEngine;

	private final long openedNanos;

	MemoryEndPoint(ConnectionContext context, SocketChannel channel) {
		super(context, channel);
		this.openedNanos = context.loop().now();
	}

	/** @return the client's address a PROXY header named, or {@code null} without one */
	public abstract @Nullable InetSocketAddress client();

	/** @return the bytes read from the socket since it opened. Reactor thread only. */
	public final long bytesReceived() {
		return this.bytesReceived;
	}

	/** @return the bytes written to the socket since it opened. Reactor thread only. */
	public final long bytesSent() {
		return this.bytesSent;
	}

	/** @return the bytes of pending output, 0 if none. Reactor thread only. */
	public final long pendingOutputBytes() {
		PendingOutput pending = pendingOutput();
		return (pending != null) ? pending.bytes() : 0;
	}

	/**
	 * Copy what a console's table shows of the connection. Reactor thread only; it
	 * allocates, so it runs only when a snapshot is asked for, never on the echo's path.
	 * @param reactor the index of the reactor that owns the connection
	 * @return the figures
	 */
	public final ConnectionFigures figures(int reactor) {
		assert this.context.loop().inLoop();
		TlsSession tls = tls();
		SSLEngine engine = (tls != null && tls.isEstablished()) ? tls.engine() : null;
		String protocol = (engine != null) ? engine.getSession().getProtocol() : null;
		Duration age = Duration.ofNanos(Math.max(0, this.context.loop().now() - this.openedNanos));
		return new ConnectionFigures(reactor, address(true), address(false), client(), protocol,
				figuresStage(), this.bytesReceived, this.bytesSent, pendingOutputBytes(), age);
	}

	private @Nullable InetSocketAddress address(boolean local) {
		try {
			return (InetSocketAddress) (local ? this.channel.getLocalAddress() : this.channel.getRemoteAddress());
		}
		catch (IOException | RuntimeException ex) {
			// A closed socket has no address left to show
			return null;
		}
	}

	/** @return where the connection is in its life, as a console shows it. Reactor thread only. */
	public final ConnectionFigures.Stage figuresStage() {
		Stage stage = stage();
		if (stage instanceof ProxyHeaderStage) {
			return ConnectionFigures.Stage.PROXY_HEADER;
		}
		if (stage instanceof TlsHandshake) {
			return ConnectionFigures.Stage.TLS_HANDSHAKE;
		}
		if (stage instanceof Closing) {
			return ConnectionFigures.Stage.CLOSING;
		}
		return (stage instanceof Unstarted) ? ConnectionFigures.Stage.OPENING : ConnectionFigures.Stage.ECHO;
	}

	/** @return the TLS session, or {@code null} on a plain connection */
	abstract @Nullable TlsSession tls();

	/** @return the stage the connection is in */
	abstract Stage stage();

	/** Start the TLS handshake that waited for session memory, which came back. */
	abstract void startAwaitedHandshake();

	boolean isAwaitingMemory() {
		return hasFlag(AWAITING_MEMORY | AWAITING_SESSION_MEMORY);
	}

	@Override
	final void awaitMemory() {
		stopReading(AWAITING_MEMORY);
		statistics().increment(Counter.MEMORY_WAITS);
		statistics().add(Gauge.CONNECTIONS_AWAITING_MEMORY, 1);
		this.context.memory().await(this);
	}

	/** Memory for pending output is available again: read if nothing else holds reading off. */
	@Override
	public void memoryAvailable() {
		assert this.context.loop().inLoop();
		if (endWait(AWAITING_MEMORY)) {
			statistics().add(Gauge.CONNECTIONS_AWAITING_MEMORY, -1);
			resumeReadingIfAllowed();
		}
	}

	/** Wait, with reading off, until session memory comes back. */
	@Override
	final void awaitSessionMemory() {
		if (hasFlag(AWAITING_SESSION_MEMORY)) {
			return;
		}
		stopReading(AWAITING_SESSION_MEMORY);
		statistics().increment(Counter.SESSION_MEMORY_WAITS);
		statistics().add(Gauge.CONNECTIONS_AWAITING_SESSION_MEMORY, 1);
		this.context.sessionMemory().await(this);
	}

	/**
	 * Stop waiting for session memory, which came back.
	 * @return whether the connection was waiting for it and is still open
	 */
	final boolean sessionMemoryWaitEnded() {
		if (!endWait(AWAITING_SESSION_MEMORY)) {
			return false;
		}
		statistics().add(Gauge.CONNECTIONS_AWAITING_SESSION_MEMORY, -1);
		return true;
	}

	/** @return whether the connection waits for session memory (again) */
	final boolean isAwaitingSessionMemory() {
		return hasFlag(AWAITING_SESSION_MEMORY);
	}

	// Whether the next read could leave bytes held in part where there is no room for them:
	// before an engine, against the sessions' part of the budget; after it (or in the PROXY
	// header), against the whole.
	@Override
	boolean mustWaitForSessionMemory() {
		SessionMemoryBudget budget = this.context.sessionMemory().budget();
		TlsSession tls = tls();
		if (tls != null && tls.engine() == null) {
			return budget.sessionsFull();
		}
		return (tls != null || stage() instanceof ProxyHeaderStage) && budget.isSpent();
	}

	// Whether bytes held in part from now on are those of a handshake still without an engine.
	private boolean holdsBeforeEngine() {
		TlsSession tls = tls();
		return tls != null && tls.engine() == null;
	}

	/** @return whether the connection waits for session memory to start its TLS handshake */
	@Override
	public boolean awaitsHandshakeStart() {
		TlsSession tls = tls();
		return tls != null && tls.awaitsEngine();
	}

	/** Session memory came back: start a handshake that waited for it, then read again. */
	@Override
	public void sessionMemoryAvailable() {
		assert this.context.loop().inLoop();
		if (!sessionMemoryWaitEnded()) {
			return;
		}
		if (awaitsHandshakeStart()) {
			startAwaitedHandshake();
			if (!this.channel.isOpen() || isAwaitingSessionMemory()) {
				return;
			}
		}
		resumeReadingIfAllowed();
	}

	/**
	 * Charge a TLS handshake to the session memory budget, if it has room.
	 * @return whether it was charged
	 */
	final boolean tryChargeHandshake() {
		if (!this.context.sessionMemory().budget().tryReserveHandshake()) {
			return false;
		}
		this.engineCharge = SessionMemoryBudget.HANDSHAKE_COST;
		return true;
	}

	/** The handshake is done: the engine holds less from now on. */
	final void sessionEstablished() {
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
	final void heldInPartChanged(int delta) {
		assert this.context.loop().inLoop();
		SessionMemoryBudget budget = this.context.sessionMemory().budget();
		int before = this.heldInPart;
		if (before == 0) {
			// Bytes held before the connection has an engine are a handshake's to come, and
			// count with the sessions until they are given back.
			this.heldBeforeEngine = holdsBeforeEngine();
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

	/**
	 * @param cause why the connection closes
	 * @return whether closing now should reset rather than send a FIN: echoes still
	 * pending, or bytes held in part (other than those of a failed handshake)
	 */
	final boolean owesClient(@Nullable CloseCause cause) {
		return hasPendingOutput() || (this.heldInPart > 0 && cause != CloseCause.TLS_HANDSHAKE);
	}

	/** The socket is closed: stop waiting for memory. */
	final void endMemoryWaits() {
		if (hasFlag(AWAITING_MEMORY)) {
			statistics().add(Gauge.CONNECTIONS_AWAITING_MEMORY, -1);
		}
		if (hasFlag(AWAITING_SESSION_MEMORY)) {
			statistics().add(Gauge.CONNECTIONS_AWAITING_SESSION_MEMORY, -1);
			this.context.sessionMemory().forget(this);
		}
		clearFlags();
	}

	/** The connection is closed: give back the TLS engine's charge, if any. */
	final void releaseEngineCharge() {
		if (this.engineCharge > 0) {
			this.context.sessionMemory().budget().release(this.engineCharge, true);
			this.engineCharge = 0;
		}
	}

}
