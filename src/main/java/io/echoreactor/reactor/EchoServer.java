package io.echoreactor.reactor;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.accept.ConnectionLimit;
import io.echoreactor.reactor.accept.EchoAcceptor;
import io.echoreactor.reactor.accept.Listener;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.loop.SelectOperation;
import io.echoreactor.reactor.memory.PendingOutputBudget;
import io.echoreactor.reactor.memory.SessionMemoryBudget;
import io.echoreactor.reactor.tls.TlsHandshakeListener;
import io.echoreactor.reactor.udp.SourceRateLimiter;
import io.echoreactor.reactor.udp.UdpSettings;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The TCP echo server (RFC 862): binds the listening socket(s), owns the
 * {@link EchoReactor reactors} and the {@link AcceptStrategy accept strategy}, and drains
 * on shutdown. A plain class with no framework in it; {@code EchoServerLifecycle} runs
 * it under Spring.
 *
 * <p>
 * <strong>Threading:</strong> {@link #start()}, {@link #stop()} and
 * {@link #shutDownGracefully(Consumer)} may be called from any thread; the drain itself
 * runs on a thread named {@code echo-shutdown}.
 */
public final class EchoServer {

	private static final Log logger = LogFactory.getLog(EchoServer.class);

	/**
	 * How long the final phase of a shutdown writes pending bytes before closing outright.
	 * Well under a second, so that the callback still runs within {@code shutdown-timeout}
	 * plus one second on a loaded machine, where threads wake tens of milliseconds late.
	 */
	public static final Duration FLUSH_TIMEOUT = Duration.ofMillis(800);

	static final String SHUTDOWN_THREAD_NAME = "echo-shutdown";

	private final EchoServerSettings settings;

	private final SelectOperation selectOperation;

	private final Listener.AcceptOperation acceptOperation;

	private final ConnectionLimit limit;

	private final PendingOutputBudget budget;

	private final SessionMemoryBudget sessionMemory;

	private final LongSupplier rateLimitClock;

	private final Object monitor = new Object();

	private volatile List<EchoReactor> reactors = List.of();

	private volatile EchoAcceptor acceptor;

	private volatile ServerSockets sockets;

	private volatile Status status = Status.NEW;

	private volatile IntFunction<IntConsumer> readyKeysListeners;

	private volatile TlsHandshakeListener tlsHandshakeListener;

	/**
	 * Create a server; nothing is bound until {@link #start()}.
	 * @param settings the settings
	 */
	public EchoServer(EchoServerSettings settings) {
		this(settings, SelectOperation.DEFAULT, Listener.AcceptOperation.DEFAULT);
	}

	EchoServer(EchoServerSettings settings, SelectOperation selectOperation) {
		this(settings, selectOperation, Listener.AcceptOperation.DEFAULT);
	}

	EchoServer(EchoServerSettings settings, SelectOperation selectOperation,
			Listener.AcceptOperation acceptOperation) {
		this(settings, selectOperation, acceptOperation, null);
	}

	/**
	 * Create a server whose UDP rate limit goes by the given clock instead of the
	 * reactors' own time, so that a test decides when buckets refill.
	 * @param settings the settings
	 * @param rateLimitClock the time, in {@link System#nanoTime()} terms
	 */
	EchoServer(EchoServerSettings settings, LongSupplier rateLimitClock) {
		this(settings, SelectOperation.DEFAULT, Listener.AcceptOperation.DEFAULT,
				Objects.requireNonNull(rateLimitClock, "rateLimitClock"));
	}

	private EchoServer(EchoServerSettings settings, SelectOperation selectOperation,
			Listener.AcceptOperation acceptOperation, LongSupplier rateLimitClock) {
		this.settings = Objects.requireNonNull(settings, "settings");
		this.selectOperation = selectOperation;
		this.acceptOperation = acceptOperation;
		this.rateLimitClock = rateLimitClock;
		this.limit = new ConnectionLimit(settings.maxConnections(), settings.maxConnectionsPerAddress());
		this.budget = new PendingOutputBudget(PendingOutputBudget.limitFor(settings.maxPendingOutput()));
		this.sessionMemory = new SessionMemoryBudget(SessionMemoryBudget.limitFor(settings.maxSessionMemory()), settings.reactors());
	}

	/** @return the settings the server runs with */
	public EchoServerSettings settings() {
		return this.settings;
	}

	/** @return where the server is in its life */
	public Status status() {
		return this.status;
	}

	/** @return whether the server has started and not yet stopped (it may be draining) */
	public boolean isRunning() {
		Status status = this.status;
		return status == Status.RUNNING || status == Status.DRAINING;
	}

	/** @return the bound address, or {@code null} before start */
	public @Nullable InetSocketAddress localAddress() {
		ServerSockets sockets = this.sockets;
		return (sockets != null) ? sockets.plain() : null;
	}

	/** @return the bound port (useful with port 0), or -1 before start */
	public int port() {
		InetSocketAddress address = localAddress();
		return (address != null) ? address.getPort() : -1;
	}

	/** @return the reactors, in index order; empty before start */
	public List<EchoReactor> reactors() {
		return this.reactors;
	}

	/**
	 * Return the statistics of the thread that accepts connections: the acceptor thread,
	 * or {@code null} in {@code reuseport} mode, where each reactor accepts and counts in
	 * its own statistics.
	 * @return the acceptor's statistics, or {@code null}
	 */
	public @Nullable ReactorStatistics acceptorStatistics() {
		EchoAcceptor acceptor = this.acceptor;
		return (acceptor != null) ? acceptor.statistics() : null;
	}

	/** @return whether the accepting thread, if there is one, is alive */
	public boolean isAcceptorAlive() {
		EchoAcceptor acceptor = this.acceptor;
		return acceptor == null || acceptor.isAlive() || this.status != Status.RUNNING;
	}

	/** @return the most direct memory all connections' pending output may hold together, in bytes */
	public long pendingOutputLimit() {
		return this.budget.limit();
	}

	/**
	 * Return the direct memory pending output has allocated so far: chunks are allocated
	 * on first need and then kept for reuse, so this only grows, up to
	 * {@link #pendingOutputLimit()}.
	 * @return the bytes allocated
	 */
	public long pendingOutputAllocated() {
		return this.budget.allocatedBytes();
	}

	PendingOutputBudget pendingOutputBudget() {
		return this.budget;
	}

	/** @return the most heap connections may hold for TLS sessions and records and headers in part, in bytes */
	public long sessionMemoryLimit() {
		return this.sessionMemory.limit();
	}

	/** @return the session memory held now, in bytes */
	public long sessionMemoryUsed() {
		return this.sessionMemory.used();
	}

	/** @return whether the accepting thread, if there is one, has not returned from select() for stall-timeout */
	public boolean isAcceptorStalled() {
		EchoAcceptor acceptor = this.acceptor;
		return acceptor != null && acceptor.sinceLastSelectNanos() > this.settings.stallTimeout().toNanos();
	}

	/**
	 * Return the threads that have not returned from {@code select()} for
	 * {@code stall-timeout}: wedged reactors, and the acceptor. Called from any thread.
	 * @return their names; empty when none is stalled or the server is not running
	 */
	public List<String> stalledThreads() {
		if (this.status != Status.RUNNING && this.status != Status.DRAINING) {
			return List.of();
		}
		List<String> stalled = new ArrayList<>();
		for (EchoReactor reactor : this.reactors) {
			if (reactor.isStalled()) {
				stalled.add(reactor.threadName());
			}
		}
		if (isAcceptorStalled()) {
			stalled.add(EchoAcceptor.THREAD_NAME);
		}
		return stalled;
	}

	/**
	 * Return whether new connections and datagrams reach a reactor that serves them: in
	 * {@code reuseport} mode the kernel routes connections and datagrams to every
	 * reactor's sockets, so one stalled reactor is enough to strand some; in
	 * {@code acceptor} mode the acceptor skips stalled reactors, so it takes the acceptor
	 * or every reactor, or the first reactor alone while it owns the one UDP socket.
	 * Called from any thread.
	 * @return whether connections and datagrams are served
	 */
	public boolean isServingNewConnections() {
		List<String> stalled = stalledThreads();
		if (stalled.isEmpty()) {
			return true;
		}
		if (this.settings.acceptStrategy() == AcceptStrategy.REUSEPORT) {
			return false;
		}
		for (EchoReactor reactor : this.reactors) {
			if (reactor.servesDatagrams() && stalled.contains(reactor.threadName())) {
				return false;
			}
		}
		return !stalled.contains(EchoAcceptor.THREAD_NAME) && stalled.size() < this.reactors.size();
	}

	/**
	 * Return how long ago the accepting thread last returned from {@code select()}.
	 * @return the time since, or {@code null} in {@code reuseport} mode
	 */
	public @Nullable Duration acceptorSinceLastSelect() {
		EchoAcceptor acceptor = this.acceptor;
		return (acceptor != null) ? Duration.ofNanos(acceptor.sinceLastSelectNanos()) : null;
	}

	/** @return the number of open connections over all reactors */
	public int activeConnections() {
		return this.limit.open();
	}

	/**
	 * Set what each reactor tells the number of ready keys after every return from
	 * {@code select()}; see {@link EchoReactor#setReadyKeysListener(IntConsumer)}. The
	 * reactors exist only once the server starts, so the listeners are given to them then
	 * (or at once, if the server has already started). Called from any thread.
	 * @param listenerForReactor returns the listener for the reactor of the given index
	 */
	public void setReadyKeysListeners(IntFunction<IntConsumer> listenerForReactor) {
		Objects.requireNonNull(listenerForReactor, "listenerForReactor");
		synchronized (this.monitor) {
			this.readyKeysListeners = listenerForReactor;
			for (EchoReactor reactor : this.reactors) {
				reactor.setReadyKeysListener(listenerForReactor.apply(reactor.index()));
			}
		}
	}

	/**
	 * Bind and start the reactor threads.
	 * @throws EchoBindException if the address cannot be bound
	 * @throws EchoServerException if the server cannot start for another reason
	 */
	public void start() {
		synchronized (this.monitor) {
			if (this.status != Status.NEW) {
				throw new IllegalStateException("The echo server can start only once; it is " + this.status);
			}
			ServerStartup startup = new ServerStartup(this.settings, this.limit, this.budget, this.sessionMemory,
					this.selectOperation, this.acceptOperation, this.rateLimitClock);
			try {
				startup.bind();
			}
			catch (EchoServerException ex) {
				this.acceptor = startup.acceptor();
				this.status = Status.STOPPED;
				throw ex;
			}
			this.acceptor = startup.acceptor();
			this.sockets = startup.sockets();
			List<EchoReactor> reactors = startup.reactors();
			this.reactors = reactors;
			IntFunction<IntConsumer> readyKeysListeners = this.readyKeysListeners;
			if (readyKeysListeners != null) {
				reactors.forEach((reactor) -> reactor.setReadyKeysListener(readyKeysListeners.apply(reactor.index())));
			}
			TlsHandshakeListener tlsHandshakeListener = this.tlsHandshakeListener;
			reactors.forEach((reactor) -> reactor.setTlsHandshakeListener(tlsHandshakeListener));
			reactors.forEach(EchoReactor::start);
			if (this.acceptor != null) {
				this.acceptor.start();
			}
			this.status = Status.RUNNING;
			logger.info("Echo server started on " + this.sockets.describe(reactors));
		}
	}

	/** @return the TLS listener's bound address, or {@code null} before start or without TLS */
	public @Nullable InetSocketAddress tlsLocalAddress() {
		ServerSockets sockets = this.sockets;
		return (sockets != null) ? sockets.tls() : null;
	}

	/** @return the TLS port (useful with port 0), or -1 before start or without TLS */
	public int tlsPort() {
		InetSocketAddress address = tlsLocalAddress();
		return (address != null) ? address.getPort() : -1;
	}

	/**
	 * Set what each reactor tells of every completed TLS handshake. Called from any
	 * thread, before or after start.
	 * @param listener the listener
	 */
	public void setTlsHandshakeListener(TlsHandshakeListener listener) {
		synchronized (this.monitor) {
			this.tlsHandshakeListener = listener;
			for (EchoReactor reactor : this.reactors) {
				reactor.setTlsHandshakeListener(listener);
			}
		}
	}

	/** @return the UDP socket's bound address, or {@code null} before start or with UDP off */
	public @Nullable InetSocketAddress udpLocalAddress() {
		ServerSockets sockets = this.sockets;
		return (sockets != null) ? sockets.udp() : null;
	}

	/** @return the UDP port (useful with port 0), or -1 before start or with UDP off */
	public int udpPort() {
		InetSocketAddress address = udpLocalAddress();
		return (address != null) ? address.getPort() : -1;
	}

	/** @return the size of the UDP rate limit's table; 0 when it is off */
	public int udpRateLimitBuckets() {
		UdpSettings udp = this.settings.udp();
		return (udp.enabled() && udp.rateLimitPerSource() > 0) ? udp.maxTrackedSources() : 0;
	}

	/**
	 * Return the buckets of the UDP rate limit's table in debt now: drawn on and not yet
	 * refilled, which takes a second at most. A scan of the table; called from any thread.
	 * @return the buckets in use; 0 when the rate limit is off
	 */
	public int udpRateLimitActiveBuckets() {
		SourceRateLimiter rateLimiter = rateLimiter();
		return (rateLimiter != null) ? rateLimiter
			.activeBuckets((this.rateLimitClock != null) ? this.rateLimitClock.getAsLong() : System.nanoTime()) : 0;
	}

	/** @return how often a UDP rate-limit bucket in debt changed hands between sources that share it */
	public long udpRateLimitShared() {
		SourceRateLimiter rateLimiter = rateLimiter();
		return (rateLimiter != null) ? rateLimiter.shared() : 0;
	}

	/** @return the UDP rate limit, or {@code null} before start, with UDP off or without a limit */
	@Nullable SourceRateLimiter rateLimiter() {
		ServerSockets sockets = this.sockets;
		return (sockets != null) ? sockets.rateLimiter() : null;
	}

	/**
	 * Drain and stop, asynchronously, on a thread named {@code echo-shutdown}: stop
	 * accepting (connections the kernel has queued are accepted and served), keep echoing
	 * until every client has closed or {@code shutdown-timeout} has passed, then stop
	 * echoing, write what is pending for up to {@link #FLUSH_TIMEOUT}, send FIN and close.
	 * The callback always runs, within {@code shutdown-timeout} plus one second.
	 * @param callback told how the shutdown ended
	 */
	public void shutDownGracefully(Consumer<ShutdownResult> callback) {
		Objects.requireNonNull(callback, "callback");
		synchronized (this.monitor) {
			if (this.status != Status.RUNNING) {
				callback.accept(ShutdownResult.IMMEDIATE);
				return;
			}
			this.status = Status.DRAINING;
		}
		// The bound on the callback counts from this call, not from when the thread runs.
		long start = System.nanoTime();
		Thread thread = new Thread(() -> drain(callback, start), SHUTDOWN_THREAD_NAME);
		thread.start();
	}

	private void drain(Consumer<ShutdownResult> callback, long start) {
		ShutdownResult result = ShutdownResult.CONNECTIONS_ACTIVE;
		try {
			result = shutdown().drain(start + this.settings.shutdownTimeout().toNanos());
		}
		catch (RuntimeException ex) {
			logger.warn("Graceful shutdown of the echo server failed", ex);
		}
		finally {
			this.status = Status.STOPPED;
			callback.accept(result);
		}
	}

	/**
	 * Stop at once: close every connection and end the reactor threads. Waits for them for
	 * at most {@link #FLUSH_TIMEOUT}.
	 */
	public void stop() {
		synchronized (this.monitor) {
			if (this.status == Status.STOPPED || this.status == Status.NEW) {
				this.status = Status.STOPPED;
				return;
			}
			this.status = Status.STOPPED;
		}
		shutdown().stop();
		logger.info("Echo server stopped");
	}

	private GracefulShutdown shutdown() {
		return new GracefulShutdown(this.acceptor, this.reactors, this::activeConnections, FLUSH_TIMEOUT);
	}

	/**
	 * Where the server is in its life.
	 */
	public enum Status {

		/** Created; nothing bound. */
		NEW,

		/** Accepting and echoing. */
		RUNNING,

		/** Not accepting; echoing until clients close or the shutdown timeout passes. */
		DRAINING,

		/** Stopped. */
		STOPPED

	}

}
