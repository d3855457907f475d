package io.echoreactor.reactor;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.LongSupplier;

import io.echoreactor.reactor.accept.AcceptTarget;
import io.echoreactor.reactor.accept.ConnectionLimit;
import io.echoreactor.reactor.accept.Listener;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.loop.EventLoop;
import io.echoreactor.reactor.loop.LogFacts;
import io.echoreactor.reactor.loop.ReactorLog;
import io.echoreactor.reactor.loop.SelectOperation;
import io.echoreactor.reactor.memory.PendingOutputBudget;
import io.echoreactor.reactor.memory.SessionMemoryBudget;
import io.echoreactor.reactor.tcp.TcpConnection;
import io.echoreactor.reactor.tls.TlsHandshakeListener;
import io.echoreactor.reactor.udp.DatagramEcho;
import io.echoreactor.reactor.udp.SourceRateLimiter;
import org.jspecify.annotations.Nullable;

/**
 * A reactor: one {@link EventLoop} (thread {@code echo-reactor-N}), its
 * {@link ReactorConnections connections} (registered with it for their whole life, with
 * what they share), and the reactor's part of the drain. In {@code reuseport} mode it
 * also has a {@link Listener} of its own.
 *
 * <p>
 * <strong>Threading:</strong> everything runs on the reactor thread except
 * {@link #register(SocketChannel, InetAddress)}, the drain's entry points and the
 * read-only accessors, which any thread may call; they queue work for the loop.
 */
public final class EchoReactor implements EventLoop.Owner, AcceptTarget {

	private static final ReactorLog logger = ReactorLog.of(EchoReactor.class);

	/** Thread name prefix by which tools find the reactor threads. */
	public static final String THREAD_NAME_PREFIX = "echo-reactor-";

	private final int index;

	private volatile EchoServerSettings settings;

	private final ConnectionLimit limit;

	private final Listener.AcceptOperation acceptOperation;

	private final EventLoop loop;

	private final ReactorConnections connections;


	private final CompletableFuture<Void> drained = new CompletableFuture<>();

	private volatile State state = State.NEW;

	private volatile boolean servesDatagrams;


	// Reactor-thread state.

	private final List<Listener> listeners = new ArrayList<>();

	private @Nullable DatagramEcho datagrams;


	EchoReactor(int index, EchoServerSettings settings, ConnectionLimit limit, PendingOutputBudget budget,
			SessionMemoryBudget sessionMemory, SelectOperation selectOperation,
			Listener.AcceptOperation acceptOperation) throws IOException {
		this.index = index;
		this.settings = settings;
		this.limit = limit;
		this.acceptOperation = acceptOperation;
		this.loop = new EventLoop(THREAD_NAME_PREFIX + index, settings.selectTimeout().toNanos(), selectOperation,
				this);
		this.connections = new ReactorConnections(this.loop, index, settings, limit, budget, sessionMemory,
				this::completeDrainedIfEmpty);
	}

	/** @return the reactor's index, 0 to reactors - 1 */
	public int index() {
		return this.index;
	}

	/** @return the name of the reactor thread */
	public String threadName() {
		return this.loop.name();
	}

	/** @return the reactor thread's state */
	public Thread.State threadState() {
		return this.loop.threadState();
	}

	/** @return the reactor thread's id, for the JVM's per-thread accounting */
	public long threadId() {
		return this.loop.threadId();
	}

	/** @return whether the reactor thread has started and not yet ended */
	public boolean isAlive() {
		return this.loop.isAlive();
	}

	/** @return where the reactor is in its life */
	public State state() {
		return this.state;
	}

	/** @return the reactor's counters and gauges */
	public ReactorStatistics statistics() {
		return this.loop.statistics();
	}

	/** @return the number of tasks queued by other threads and not yet run */
	public int pendingTasks() {
		return this.loop.pendingTasks();
	}

	/** @return the keys registered with the selector: connections, and the listener in {@code reuseport} mode */
	public int registeredKeys() {
		return this.loop.selector().registeredKeys();
	}

	/**
	 * Return how long ago the reactor last returned from {@code select()}: at most about a
	 * second for a healthy reactor, busy or idle. Called from any thread.
	 * @return the time since, or {@link Duration#ZERO} when the thread is not running
	 */
	public Duration sinceLastSelect() {
		return Duration.ofNanos(this.loop.sinceLastSelectNanos());
	}

	/** @return whether the reactor has not returned from {@code select()} for {@code stall-timeout} */
	public boolean isStalled() {
		return this.loop.sinceLastSelectNanos() > this.settings.stallTimeout().toNanos();
	}

	/**
	 * Set what is told the number of ready keys after every return from {@code select()};
	 * it runs on the reactor thread and must be cheap.
	 * @param listener the listener
	 */
	public void setReadyKeysListener(IntConsumer listener) {
		this.loop.setReadyKeysListener(listener);
	}

	/**
	 * Set what is told of every completed TLS handshake; it runs on the reactor thread.
	 * @param listener the listener, or {@code null}
	 */
	public void setTlsHandshakeListener(@Nullable TlsHandshakeListener listener) {
		this.connections.stages().setTlsHandshakeListener(listener);
	}

	EventLoop loop() {
		return this.loop;
	}

	CompletableFuture<Void> drained() {
		return this.drained;
	}

	CompletableFuture<Void> terminated() {
		return this.loop.terminated();
	}

	/**
	 * Run {@code task} on the reactor thread. Called from any thread.
	 * @param task the task
	 */
	public void execute(Runnable task) {
		this.loop.execute(task);
	}

	/**
	 * Serve the given listener as well ({@code reuseport} mode). Called before
	 * {@link #start()}.
	 * @param channel the bound listening socket
	 * @param tls whether its connections begin with a TLS handshake
	 */
	void listen(ServerSocketChannel channel, boolean tls) throws IOException {
		Listener listener = new Listener(this.loop, channel, this.limit, this.connections::registerAccepted,
				this.acceptOperation, tls, (address) -> this.settings.proxyProtocol().readsHeaderFrom(address));
		listener.open();
		this.listeners.add(listener);
	}

	/**
	 * Serve the UDP echo on the given channel as well. Called before {@link #start()}.
	 * @param channel the bound channel
	 * @param rateLimiter the per-source rate limit, or {@code null}
	 * @param rateLimitClock the rate limit's time, or {@code null} for the loop's own
	 */
	void serveDatagrams(DatagramChannel channel, @Nullable SourceRateLimiter rateLimiter,
			@Nullable LongSupplier rateLimitClock)
			throws IOException {
		DatagramEcho datagrams = new DatagramEcho(this.loop, channel, this.settings.udp().receiveBudget(),
				rateLimiter, (rateLimitClock != null) ? rateLimitClock : this.loop::now);
		datagrams.open();
		this.datagrams = datagrams;
		this.servesDatagrams = true;
	}

	/**
	 * Apply new live settings on the reactor thread, in turn with its other work, so that
	 * a connection's state is only ever touched there. Called from any thread.
	 * @param settings the settings, whose restart-only values are those in force
	 * @param rateLimiter the UDP per-source rate limit from now on, or {@code null}
	 * @return completed once applied, or once the reactor has ended
	 */
	CompletableFuture<Void> apply(EchoServerSettings settings, @Nullable SourceRateLimiter rateLimiter) {
		CompletableFuture<Void> applied = new CompletableFuture<>();
		terminated().thenRun(() -> applied.complete(null));
		execute(() -> {
			this.settings = settings;
			this.connections.apply(settings);
			DatagramEcho datagrams = this.datagrams;
			if (datagrams != null) {
				datagrams.apply(settings.udp().receiveBudget(), rateLimiter);
			}
			applied.complete(null);
		});
		return applied;
	}

	/** @return whether this reactor owns a UDP echo channel */
	public boolean servesDatagrams() {
		return this.servesDatagrams;
	}

	void start() {
		this.connections.memory().fillReserve();
		this.state = State.RUNNING;
		this.loop.start();
	}

	/** Release what a reactor whose thread never started holds. */
	void abandon() {
		this.loop.abandon();
	}

	@Override
	public boolean takesConnections() {
		return this.state != State.TERMINATED && !isStalled();
	}

	/**
	 * Hand an accepted channel to this reactor, which owns it from now on. Called from the
	 * acceptor thread.
	 */
	@Override
	public void register(SocketChannel channel, @Nullable InetAddress address, boolean tls) {
		this.connections.register(channel, address, tls);
	}

	/**
	 * Stop accepting (after accepting what the kernel has queued) and from then on report
	 * {@link #drained()} when the last connection closes. Called from any thread.
	 */
	CompletableFuture<Void> stopAccepting() {
		CompletableFuture<Void> stopped = new CompletableFuture<>();
		// A reactor whose thread has ended runs no task, and has nothing left to accept.
		terminated().thenRun(() -> stopped.complete(null));
		execute(() -> {
			closeListener();
			if (this.state == State.RUNNING) {
				this.state = State.DRAINING;
			}
			completeDrainedIfEmpty();
			stopped.complete(null);
		});
		return stopped;
	}

	/**
	 * Close every connection without dropping a byte silently (see {@code Closing}): echo
	 * until quiet, then FIN; reset whatever is not quiet at {@code deadlineNanos}. Then the
	 * loop ends. Called from any thread.
	 */
	void closeConnections(long deadlineNanos) {
		execute(() -> {
			closeListener();
			this.state = State.CLOSING;
			this.connections.closeAll(deadlineNanos);
		});
	}

	// The UDP channel closes with the listeners: all stop taking new work at the drain.
	private void closeListener() {
		for (Listener listener : this.listeners) {
			listener.close(this.settings.backlog());
		}
		this.listeners.clear();
		DatagramEcho datagrams = this.datagrams;
		if (datagrams != null) {
			this.datagrams = null;
			datagrams.close();
		}
	}

	private void completeDrainedIfEmpty() {
		if (this.connections.open() == 0 && this.state != State.RUNNING && !this.drained.isDone()) {
			this.drained.complete(null);
		}
	}

	/**
	 * Return the open connections, for tests that inspect per-connection state through
	 * {@link #execute(Runnable)}. Runs on the reactor thread.
	 * @return the open connections
	 */
	public List<TcpConnection> connections() {
		return this.connections.connections();
	}

	@Override
	public boolean finished() {
		// Each connection resets itself at its closing deadline; the margin only guards
		// against one that did not.
		return this.state == State.CLOSING && (this.connections.open() == 0
				|| this.loop.now() - this.connections.closeDeadlineNanos()
						- TimeUnit.MILLISECONDS.toNanos(50) > 0);
	}

	@Override
	public void ended(boolean died) {
		this.state = State.TERMINATED;
		try {
			this.loop.selector().forEachRegistered((selectable) -> {
				try {
					if (died || !(selectable instanceof TcpConnection connection)) {
						selectable.abort(died ? CloseCause.ERROR : CloseCause.SHUTDOWN);
					}
					else {
						connection.reset(connection.stage().closeCause());
					}
				}
				catch (RuntimeException ex) {
					logger.warn("Failure while closing " + selectable + " on " + threadName(),
							LogFacts.reactor(threadName()), ex);
				}
			});
		}
		finally {
			try {
				closeListener();
			}
			finally {
				this.connections.memory().releaseReserve();
				this.connections.sessionMemory().release();
				this.drained.complete(null);
			}
		}
	}

	/**
	 * Where a reactor is in its life.
	 */
	public enum State {

		/** Created, thread not started. */
		NEW,

		/** Accepting (in {@code reuseport} mode) and echoing. */
		RUNNING,

		/** No longer accepting; echoing until clients close. */
		DRAINING,

		/** Closing the remaining connections. */
		CLOSING,

		/** The loop has ended. */
		TERMINATED

	}

}
