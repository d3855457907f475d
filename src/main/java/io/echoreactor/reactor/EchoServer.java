package io.echoreactor.reactor;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
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

	// Replaced, under the monitor, by applyLive().
	private volatile EchoServerSettings settings;

	private final SelectOperation selectOperation;

	private final Listener.AcceptOperation acceptOperation;

	private final ConnectionLimit limit;

	private final PendingOutputBudget budget;

	private final SessionMemoryBudget sessionMemory;

	private final @Nullable LongSupplier rateLimitClock;

	private final Object monitor = new Object();

	private volatile List<EchoReactor> reactors = List.of();

	private volatile @Nullable EchoAcceptor acceptor;

	private volatile @Nullable ServerSockets sockets;

	private volatile Status status = Status.NEW;

	private volatile @Nullable IntFunction<IntConsumer> readyKeysListeners;

	private volatile @Nullable TlsHandshakeListener tlsHandshakeListener;

	private final EchoServerView view = new EchoServerView(this);

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
			Listener.AcceptOperation acceptOperation, @Nullable LongSupplier rateLimitClock) {
		this.settings = Objects.requireNonNull(settings, "settings");
		this.selectOperation = selectOperation;
		this.acceptOperation = acceptOperation;
		this.rateLimitClock = rateLimitClock;
		this.limit = new ConnectionLimit(settings.maxConnections(), settings.maxConnectionsPerAddress());
		this.budget = new PendingOutputBudget(PendingOutputBudget.limitFor(settings.maxPendingOutput()));
		this.sessionMemory = new SessionMemoryBudget(SessionMemoryBudget.limitFor(settings.maxSessionMemory()), settings.reactors());
	}

	/** @return what can be read of the server, for metrics, health and the endpoint */
	public EchoServerView view() {
		return this.view;
	}

	/**
	 * Return the bound port, as Spring Boot's web servers tell theirs.
	 * @return the bound port (useful with port 0), or -1 before start
	 */
	public int port() {
		return this.view.port();
	}

	EchoServerSettings settings() {
		return this.settings;
	}

	Status status() {
		return this.status;
	}

	@Nullable ServerSockets sockets() {
		return this.sockets;
	}

	List<EchoReactor> reactors() {
		return this.reactors;
	}

	@Nullable EchoAcceptor acceptor() {
		return this.acceptor;
	}

	int activeConnections() {
		return this.limit.open();
	}

	PendingOutputBudget pendingOutputBudget() {
		return this.budget;
	}

	SessionMemoryBudget sessionMemoryBudget() {
		return this.sessionMemory;
	}

	/** @return the UDP rate limit, or {@code null} before start, with UDP off or without a limit */
	@Nullable SourceRateLimiter rateLimiter() {
		ServerSockets sockets = this.sockets;
		return (sockets != null) ? sockets.rateLimiter() : null;
	}

	/** @return the time the UDP rate limit goes by */
	long rateLimitNow() {
		LongSupplier clock = this.rateLimitClock;
		return (clock != null) ? clock.getAsLong() : System.nanoTime();
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
			EchoAcceptor acceptor = startup.acceptor();
			ServerSockets sockets = startup.sockets();
			this.acceptor = acceptor;
			this.sockets = sockets;
			List<EchoReactor> reactors = startup.reactors();
			this.reactors = reactors;
			IntFunction<IntConsumer> readyKeysListeners = this.readyKeysListeners;
			if (readyKeysListeners != null) {
				reactors.forEach((reactor) -> reactor.setReadyKeysListener(readyKeysListeners.apply(reactor.index())));
			}
			TlsHandshakeListener tlsHandshakeListener = this.tlsHandshakeListener;
			reactors.forEach((reactor) -> reactor.setTlsHandshakeListener(tlsHandshakeListener));
			reactors.forEach(EchoReactor::start);
			if (acceptor != null) {
				acceptor.start();
			}
			this.status = Status.RUNNING;
			logger.info("Echo server started on " + Objects.requireNonNull(sockets, "bound").describe(reactors));
		}
	}

	/**
	 * Apply the live settings of {@code next} to the running server without closing a
	 * listener or a connection (see {@link EchoServerSettings#withLiveSettingsOf}): the
	 * connection limits and the PROXY protocol apply to the next connection accepted, and
	 * each reactor takes the rest on its own thread, between two of its events. Connections
	 * open are kept under lower limits, and under lower memory budgets (see
	 * {@link PendingOutputBudget} and {@link SessionMemoryBudget}). A new UDP rate limit
	 * starts with full buckets. Called from any thread.
	 * @param next the settings asked for; their restart-only values are ignored
	 * @return the settings in force, once every reactor has taken them
	 * @throws IllegalStateException if a memory budget or the UDP rate limit's table would
	 * not fit the JVM (see {@link #checkLive}); then nothing has changed
	 */
	public CompletableFuture<EchoServerSettings> applyLive(EchoServerSettings next) {
		Objects.requireNonNull(next, "next");
		synchronized (this.monitor) {
			EchoServerSettings current = this.settings;
			EchoServerSettings applied = current.withLiveSettingsOf(next);
			ServerStartup.checkMemoryFits(applied);
			UdpSettings udp = applied.udp();
			this.settings = applied;
			this.limit.setLimits(applied.maxConnections(), applied.maxConnectionsPerAddress());
			this.budget.setLimit(PendingOutputBudget.limitFor(applied.maxPendingOutput()));
			this.sessionMemory.setLimit(SessionMemoryBudget.limitFor(applied.maxSessionMemory()));
			EchoAcceptor acceptor = this.acceptor;
			if (acceptor != null) {
				acceptor.setProxyProtocol(applied.proxyProtocol());
			}
			SourceRateLimiter rateLimiter = null;
			ServerSockets sockets = this.sockets;
			if (sockets != null) {
				rateLimiter = rateLimiter(sockets.rateLimiter(), current.udp(), udp);
				sockets.setRateLimiter(rateLimiter);
			}
			List<CompletableFuture<Void>> reactors = new ArrayList<>();
			for (EchoReactor reactor : this.reactors) {
				reactors.add(reactor.apply(applied, rateLimiter));
			}
			return CompletableFuture.allOf(reactors.toArray(CompletableFuture[]::new)).thenApply((done) -> applied);
		}
	}

	/**
	 * Check the live settings of {@code next} as {@link #applyLive} would, applying
	 * nothing: so that a change can be refused whole before any part of it is applied.
	 * @param next the settings asked for; their restart-only values are ignored
	 * @throws IllegalStateException naming the setting to change, if a memory budget or
	 * the UDP rate limit's table would not fit the JVM
	 */
	public void checkLive(EchoServerSettings next) {
		ServerStartup.checkMemoryFits(this.settings.withLiveSettingsOf(next));
	}

	private static @Nullable SourceRateLimiter rateLimiter(@Nullable SourceRateLimiter current, UdpSettings before,
			UdpSettings after) {
		if (!after.enabled() || after.rateLimitPerSource() == 0) {
			return null;
		}
		if (current != null && before.rateLimitPerSource() == after.rateLimitPerSource()
				&& before.maxTrackedSources() == after.maxTrackedSources()) {
			return current;
		}
		return new SourceRateLimiter(after.rateLimitPerSource(), after.maxTrackedSources());
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
			ServerSockets.closeFaultPorts(this.sockets);
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
			ServerSockets.closeFaultPorts(this.sockets);
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
