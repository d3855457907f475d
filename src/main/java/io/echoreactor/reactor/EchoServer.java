package io.echoreactor.reactor;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

import com.sun.management.HotSpotDiagnosticMXBean;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

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

	private final LongSupplier rateLimitClock;

	private final Object monitor = new Object();

	private volatile List<EchoReactor> reactors = List.of();

	private volatile EchoAcceptor acceptor;

	private volatile InetSocketAddress localAddress;

	private volatile InetSocketAddress udpLocalAddress;

	private volatile InetSocketAddress tlsLocalAddress;

	private volatile SourceRateLimiter rateLimiter;

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
		this.budget = new PendingOutputBudget(pendingOutputLimit(settings));
	}

	/**
	 * Return the most direct memory pending output may hold under the given settings:
	 * {@code max-pending-output}, or by default half of the JVM's direct memory (the rest
	 * is for the reactors' read buffers, and the JDK's and the HTTP server's own buffers).
	 * @param settings the settings
	 * @return the limit in bytes
	 */
	public static long pendingOutputLimit(EchoServerSettings settings) {
		long maxPendingOutput = settings.maxPendingOutput();
		return (maxPendingOutput > 0) ? maxPendingOutput : maxDirectMemory() / 2;
	}

	/**
	 * Return the direct memory the reactors keep in reserve, out of
	 * {@link #pendingOutputLimit(EchoServerSettings)}, so that each can always hold what
	 * one read brings in.
	 * @param settings the settings
	 * @return the reserves of all reactors, in bytes
	 */
	public static long pendingOutputReserve(EchoServerSettings settings) {
		return (long) settings.reactors() * ReactorMemory.reserveChunks(settings.readBufferSize())
				* PendingOutputBudget.CHUNK_SIZE;
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
	public InetSocketAddress localAddress() {
		return this.localAddress;
	}

	/** @return the bound port (useful with port 0), or -1 before start */
	public int port() {
		InetSocketAddress address = this.localAddress;
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
	public ReactorStatistics acceptorStatistics() {
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
	public Duration acceptorSinceLastSelect() {
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
			List<EchoReactor> reactors = new ArrayList<>();
			List<ServerSocketChannel> listeners = new ArrayList<>();
			List<DatagramChannel> datagramChannels = new ArrayList<>();
			try {
				checkReserveFitsBudget();
				for (int i = 0; i < this.settings.reactors(); i++) {
					reactors.add(new EchoReactor(i, this.settings, this.limit, this.budget, this.selectOperation,
							this.acceptOperation));
				}
				if (this.settings.acceptStrategy() == AcceptStrategy.ACCEPTOR) {
					this.acceptor = new EchoAcceptor(List.copyOf(reactors), this.limit, this.settings,
							this.selectOperation, this.acceptOperation);
				}
				if (this.settings.plainEnabled()) {
					this.localAddress = bindListeners(reactors, listeners, this.settings.port(), false,
							EchoBindException.Protocol.TCP);
				}
				if (this.settings.tls().enabled()) {
					this.tlsLocalAddress = bindListeners(reactors, listeners, this.settings.tls().port(), true,
							EchoBindException.Protocol.TLS);
				}
				if (this.settings.udp().enabled()) {
					bindDatagrams(reactors, datagramChannels);
				}
			}
			catch (IOException | RuntimeException ex) {
				for (ServerSocketChannel listener : listeners) {
					Closeables.closeQuietly(listener);
				}
				for (DatagramChannel channel : datagramChannels) {
					Closeables.closeQuietly(channel);
				}
				reactors.forEach(EchoReactor::abandon);
				EchoAcceptor acceptor = this.acceptor;
				if (acceptor != null) {
					acceptor.abandon();
				}
				this.status = Status.STOPPED;
				if (ex instanceof EchoServerException echoServerException) {
					throw echoServerException;
				}
				throw new EchoServerException("Unable to start the echo server", ex);
			}
			this.reactors = List.copyOf(reactors);
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
			logger.info("Echo server started on " + describe((this.localAddress != null) ? this.localAddress
					: this.tlsLocalAddress) + " (" + ((this.localAddress != null) ? "" : "TLS only, ") + "accept strategy "
					+ this.settings.acceptStrategy().name().toLowerCase() + ", " + reactors.size() + " reactor"
					+ ((reactors.size() != 1) ? "s" : "") + ")" + describeTls() + describeUdp());
		}
	}

	// With less, one reactor's reserve could not be refilled while another's connections
	// held the rest, and reading would stop for want of memory nobody can evict.
	private void checkReserveFitsBudget() {
		long reserve = pendingOutputReserve(this.settings);
		if (reserve * 2 > this.budget.limit()) {
			throw new EchoServerException("echo.server.max-pending-output (" + this.budget.limit() / 1024
					+ " KiB) must be at least " + reserve * 2 / 1024 + " KiB: twice what the " + this.settings.reactors()
					+ " reactor(s) keep in reserve to hold one read each (echo.server.read-buffer-size, "
					+ this.settings.readBufferSize() / 1024 + " KiB); raise it, or lower echo.server.reactors or "
					+ "echo.server.read-buffer-size", null);
		}
	}

	/**
	 * Return the JVM's limit on direct memory: {@code -XX:MaxDirectMemorySize}, or the
	 * maximum heap size when that is not set.
	 * @return the limit in bytes
	 */
	public static long maxDirectMemory() {
		try {
			String value = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
				.getVMOption("MaxDirectMemorySize")
				.getValue();
			long configured = Long.parseLong(value);
			// 0 means the default, which is the maximum heap size.
			return (configured > 0) ? configured : Runtime.getRuntime().maxMemory();
		}
		catch (RuntimeException ex) {
			return Runtime.getRuntime().maxMemory();
		}
	}

	private String describeTls() {
		InetSocketAddress tls = this.tlsLocalAddress;
		return (tls != null && this.localAddress != null) ? "; TLS on " + describe(tls) : "";
	}

	private String describeUdp() {
		InetSocketAddress udp = this.udpLocalAddress;
		if (udp == null) {
			return "; UDP off";
		}
		return "; UDP on " + describe(udp) + ((this.settings.acceptStrategy() == AcceptStrategy.REUSEPORT)
				? " (a socket per reactor)" : " (" + this.reactors.get(0).threadName() + ")");
	}

	// In acceptor mode the first reactor owns the one socket; in reuseport mode each
	// reactor owns one, and the kernel spreads sources over them.
	private void bindDatagrams(List<EchoReactor> reactors, List<DatagramChannel> channels) throws IOException {
		EchoServerSettings.UdpSettings udp = this.settings.udp();
		int port = (udp.port() != null) ? udp.port() : this.settings.port();
		InetSocketAddress requested = new InetSocketAddress(this.settings.address(), port);
		SourceRateLimiter rateLimiter = (udp.rateLimitPerSource() > 0)
				? new SourceRateLimiter(udp.rateLimitPerSource(), udp.maxTrackedSources()) : null;
		this.rateLimiter = rateLimiter;
		if (this.settings.acceptStrategy() == AcceptStrategy.REUSEPORT) {
			// As for TCP: bind once without SO_REUSEPORT, so that another process's port is
			// an error rather than a group to join.
			int bound;
			try (DatagramChannel probe = bindDatagram(requested, false)) {
				bound = ((InetSocketAddress) probe.getLocalAddress()).getPort();
			}
			InetSocketAddress address = new InetSocketAddress(this.settings.address(), bound);
			for (EchoReactor reactor : reactors) {
				DatagramChannel channel = bindDatagram(address, true);
				channels.add(channel);
				reactor.serveDatagrams(channel, rateLimiter, this.rateLimitClock);
			}
		}
		else {
			DatagramChannel channel = bindDatagram(requested, false);
			channels.add(channel);
			reactors.get(0).serveDatagrams(channel, rateLimiter, this.rateLimitClock);
		}
		this.udpLocalAddress = (InetSocketAddress) channels.get(0).getLocalAddress();
	}

	private DatagramChannel bindDatagram(InetSocketAddress address, boolean reusePort) throws IOException {
		DatagramChannel channel = DatagramChannel.open();
		try {
			EchoServerSettings.UdpSettings udp = this.settings.udp();
			if (reusePort) {
				channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
			}
			if (udp.receiveBufferSize() != null) {
				channel.setOption(StandardSocketOptions.SO_RCVBUF, udp.receiveBufferSize());
			}
			if (udp.sendBufferSize() != null) {
				channel.setOption(StandardSocketOptions.SO_SNDBUF, udp.sendBufferSize());
			}
			try {
				channel.bind(address);
			}
			catch (IOException ex) {
				throw new EchoBindException(address, ex, EchoBindException.Protocol.UDP);
			}
			channel.configureBlocking(false);
			return channel;
		}
		catch (IOException | RuntimeException ex) {
			Closeables.closeQuietly(channel);
			throw ex;
		}
	}

	/** @return the TLS listener's bound address, or {@code null} before start or without TLS */
	public InetSocketAddress tlsLocalAddress() {
		return this.tlsLocalAddress;
	}

	/** @return the TLS port (useful with port 0), or -1 before start or without TLS */
	public int tlsPort() {
		InetSocketAddress address = this.tlsLocalAddress;
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
	public InetSocketAddress udpLocalAddress() {
		return this.udpLocalAddress;
	}

	/** @return the UDP port (useful with port 0), or -1 before start or with UDP off */
	public int udpPort() {
		InetSocketAddress address = this.udpLocalAddress;
		return (address != null) ? address.getPort() : -1;
	}

	/** @return the source addresses the UDP rate limit tracks now; 0 when it is off */
	public int udpTrackedSources() {
		SourceRateLimiter rateLimiter = this.rateLimiter;
		return (rateLimiter != null) ? rateLimiter.tracked() : 0;
	}

	/** @return the source addresses the UDP rate limit has forgotten to stay within its bound */
	public long udpForgottenSources() {
		SourceRateLimiter rateLimiter = this.rateLimiter;
		return (rateLimiter != null) ? rateLimiter.forgotten() : 0;
	}

	static String describe(InetSocketAddress address) {
		String host = address.getAddress().isAnyLocalAddress() ? "*" : address.getAddress().getHostAddress();
		return host + ":" + address.getPort();
	}

	// One listener on the acceptor, or one SO_REUSEPORT listener per reactor.
	private InetSocketAddress bindListeners(List<EchoReactor> reactors, List<ServerSocketChannel> listeners, int port,
			boolean tls, EchoBindException.Protocol protocol) throws IOException {
		InetSocketAddress requested = new InetSocketAddress(this.settings.address(), port);
		if (this.acceptor != null) {
			ServerSocketChannel listener = bind(requested, false, protocol);
			listeners.add(listener);
			this.acceptor.listen(listener, tls);
			return (InetSocketAddress) listener.getLocalAddress();
		}
		// SO_REUSEPORT would let this group join another process's group on the same port
		// without a word. Binding once without it first fails as it should if the port is
		// held, and picks the port when 0 was asked for.
		int bound;
		try (ServerSocketChannel probe = bind(requested, false, protocol)) {
			bound = ((InetSocketAddress) probe.getLocalAddress()).getPort();
		}
		InetSocketAddress address = new InetSocketAddress(this.settings.address(), bound);
		for (EchoReactor reactor : reactors) {
			ServerSocketChannel listener = bind(address, true, protocol);
			listeners.add(listener);
			reactor.listen(listener, tls);
		}
		return (InetSocketAddress) listeners.get(listeners.size() - 1).getLocalAddress();
	}

	private ServerSocketChannel bind(InetSocketAddress address, boolean reusePort, EchoBindException.Protocol protocol)
			throws IOException {
		ServerSocketChannel listener = ServerSocketChannel.open();
		try {
			listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
			if (reusePort) {
				if (!listener.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
					throw new EchoServerException("The reuseport accept strategy needs SO_REUSEPORT, which this "
							+ "platform does not support; use the acceptor strategy", null);
				}
				listener.setOption(StandardSocketOptions.SO_REUSEPORT, true);
			}
			Integer receiveBufferSize = this.settings.socket().receiveBufferSize();
			if (receiveBufferSize != null) {
				// Set before listen() so that accepted sockets inherit it with a matching window scale.
				listener.setOption(StandardSocketOptions.SO_RCVBUF, receiveBufferSize);
			}
			try {
				listener.bind(address, this.settings.backlog());
			}
			catch (IOException ex) {
				throw new EchoBindException(address, ex, protocol);
			}
			listener.configureBlocking(false);
			return listener;
		}
		catch (IOException | RuntimeException ex) {
			Closeables.closeQuietly(listener);
			throw ex;
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
		}
		// The bound on the callback counts from this call, not from when the thread runs.
		long start = System.nanoTime();
		Thread thread = new Thread(() -> drain(callback, start), SHUTDOWN_THREAD_NAME);
		thread.start();
	}

	private void drain(Consumer<ShutdownResult> callback, long start) {
		long deadline = start + this.settings.shutdownTimeout().toNanos();
		ShutdownResult result = ShutdownResult.CONNECTIONS_ACTIVE;
		try {
			logger.info("Commencing graceful shutdown of the echo server. Waiting for " + activeConnections()
					+ " connection(s) to close");
			List<CompletableFuture<Void>> acceptingStopped = new ArrayList<>();
			EchoAcceptor acceptor = this.acceptor;
			if (acceptor != null) {
				acceptingStopped.add(acceptor.stop());
			}
			await(acceptingStopped, deadline);
			for (EchoReactor reactor : this.reactors) {
				acceptingStopped.add(reactor.stopAccepting());
			}
			await(acceptingStopped, deadline);
			if (await(this.reactors.stream().map(EchoReactor::drained).toList(), deadline)) {
				result = ShutdownResult.IDLE;
			}
			int open = activeConnections();
			// Count the flush from the deadline, not from whenever this thread woke up after it.
			closeAndAwait(Math.min(System.nanoTime(), deadline) + FLUSH_TIMEOUT.toNanos());
			if (result == ShutdownResult.IDLE) {
				logger.info("Graceful shutdown of the echo server complete");
			}
			else {
				logger.info("Graceful shutdown of the echo server ended by shutdown-timeout; closed " + open
						+ " connection(s) still open");
			}
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
		EchoAcceptor acceptor = this.acceptor;
		if (acceptor != null) {
			await(List.of(acceptor.stop()), System.nanoTime() + FLUSH_TIMEOUT.toNanos());
		}
		closeAndAwait(System.nanoTime());
		logger.info("Echo server stopped");
	}

	private void closeAndAwait(long deadlineNanos) {
		for (EchoReactor reactor : this.reactors) {
			reactor.closeConnections(deadlineNanos);
		}
		// The reactors close what is left at the deadline themselves; allow for one pass.
		await(this.reactors.stream().map(EchoReactor::terminated).toList(),
				Math.max(deadlineNanos, System.nanoTime()) + TimeUnit.MILLISECONDS.toNanos(90));
	}

	private static boolean await(List<CompletableFuture<Void>> futures, long deadlineNanos) {
		try {
			CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
				.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
			return true;
		}
		catch (TimeoutException | ExecutionException ex) {
			return false;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
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
