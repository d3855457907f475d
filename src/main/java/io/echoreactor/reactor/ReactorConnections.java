package io.echoreactor.reactor;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.echoreactor.reactor.accept.ConnectionLimit;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.ReactorStatistics.Gauge;
import io.echoreactor.reactor.loop.Closeables;
import io.echoreactor.reactor.loop.EventLoop;
import io.echoreactor.reactor.loop.LogFacts;
import io.echoreactor.reactor.loop.ReactorLog;
import io.echoreactor.reactor.memory.PendingOutputBudget;
import io.echoreactor.reactor.memory.ReactorMemory;
import io.echoreactor.reactor.memory.SessionMemory;
import io.echoreactor.reactor.memory.SessionMemoryBudget;
import io.echoreactor.reactor.tcp.ConnectionContext;
import io.echoreactor.reactor.tcp.StageOrder;
import io.echoreactor.reactor.tcp.TcpConnection;
import org.jspecify.annotations.Nullable;

/**
 * The {@link TcpConnection connections} of one {@link EchoReactor} and what they share:
 * the read buffer, the memory for pending output and for sessions, the order of their
 * stages, the limits and timeouts. It registers each connection handed over, counts it
 * while it is open and gives back its place under the limits when it closes; it is the
 * {@link ConnectionContext} through which every one of them sees its reactor.
 *
 * <p>
 * <strong>Threading:</strong> confined to the reactor thread, except
 * {@link #register(SocketChannel, InetAddress, boolean)}, which queues the work for it.
 */
final class ReactorConnections implements ConnectionContext {

	private static final ReactorLog logger = ReactorLog.of(ReactorConnections.class);

	private final EventLoop loop;

	// Reactor-thread state, replaced by apply(): the settings and what is derived from them.
	private EchoServerSettings settings;

	private final ConnectionLimit limit;

	private final ReactorMemory memory;

	private final SessionMemory sessionMemory;

	private final StageOrder stages;

	private final ByteBuffer readBuffer;

	private long idleTimeoutNanos;

	private long writeTimeoutNanos;

	private final Runnable closed;

	private int open;

	private boolean closing;

	private long closeDeadlineNanos;

	/**
	 * @param loop the reactor's loop
	 * @param index the reactor's index
	 * @param settings the settings
	 * @param limit the connection limits
	 * @param budget the budget for pending output, shared by all reactors
	 * @param sessionMemory the budget for session memory, shared by all reactors
	 * @param closed told, on the reactor thread, whenever a connection has closed
	 */
	ReactorConnections(EventLoop loop, int index, EchoServerSettings settings, ConnectionLimit limit,
			PendingOutputBudget budget, SessionMemoryBudget sessionMemory, Runnable closed) {
		this.loop = loop;
		this.settings = settings;
		this.limit = limit;
		this.closed = closed;
		this.readBuffer = ByteBuffer.allocateDirect(settings.readBufferSize());
		this.memory = new ReactorMemory(budget, loop, settings.readBufferSize());
		this.sessionMemory = new SessionMemory(sessionMemory, loop);
		this.stages = new StageOrder(this, index, limit, settings.maxConnectionAge(), settings.maxConnectionAgeJitter(),
				settings.socket(), settings.proxyProtocol(), settings.tls(), settings.greeting());
		this.idleTimeoutNanos = nanosOrZero(settings.idleTimeout());
		this.writeTimeoutNanos = nanosOrZero(settings.writeTimeout());
	}

	private static long nanosOrZero(@Nullable Duration duration) {
		return (duration != null) ? duration.toNanos() : 0;
	}

	/**
	 * Take new live settings: the timeouts, budgets and water marks apply to every open
	 * connection from its next event on, and each connection's deadline is worked out
	 * again, so that an idle timeout shortened closes a connection already idle that long;
	 * how a connection begins (its maximum age, PROXY header, handshake timeout, greeting)
	 * applies to the connections accepted from now on. Reactor thread only.
	 * @param settings the settings, whose restart-only values are those in force
	 */
	void apply(EchoServerSettings settings) {
		assert this.loop.inLoop();
		this.settings = settings;
		this.idleTimeoutNanos = nanosOrZero(settings.idleTimeout());
		this.writeTimeoutNanos = nanosOrZero(settings.writeTimeout());
		this.stages.apply(settings.maxConnectionAge(), settings.maxConnectionAgeJitter(), settings.socket(),
				settings.proxyProtocol(), settings.tls(), settings.greeting());
		for (TcpConnection connection : connections()) {
			connection.settingsChanged();
		}
	}

	/** @return the connections open now */
	int open() {
		return this.open;
	}

	/** @return when connections still open are reset, once {@link #closeAll(long)} has begun */
	long closeDeadlineNanos() {
		return this.closeDeadlineNanos;
	}

	/**
	 * Hand an accepted channel over, to be registered on the reactor thread. Called from
	 * any thread.
	 */
	void register(SocketChannel channel, @Nullable InetAddress address, boolean tls) {
		this.loop.execute(new Registration(channel, address, tls));
	}

	/**
	 * Register an accepted channel as a connection and put it on its first stage.
	 * @param channel the channel, still blocking
	 * @param address the client's address as the per-address limit counted it, or
	 * {@code null}
	 * @param tls whether it came in on the TLS port
	 */
	void registerAccepted(SocketChannel channel, @Nullable InetAddress address, boolean tls) {
		assert this.loop.inLoop();
		this.open++;
		statistics().increment(Counter.CONNECTIONS_ACCEPTED);
		statistics().add(Gauge.CONNECTIONS_ACTIVE, 1);
		TcpConnection connection = new TcpConnection(this, channel, address, this.stages.expiry());
		try {
			channel.configureBlocking(false);
			this.stages.configure(channel);
			connection.open();
		}
		catch (IOException | RuntimeException ex) {
			if (logger.isDebugEnabled()) {
				logger.debug("Unable to register " + channel,
						LogFacts.connection(this.loop.name(), channel, null).cause(CloseCause.ERROR), ex);
			}
			Closeables.closeQuietly(channel);
			closed(connection, CloseCause.ERROR);
			return;
		}
		try {
			this.stages.begin(connection, tls);
		}
		catch (IOException ex) {
			if (logger.isDebugEnabled()) {
				logger.debug("Unable to begin " + channel,
						LogFacts.connection(this.loop.name(), channel, null).cause(CloseCause.ERROR), ex);
			}
			connection.close(CloseCause.ERROR);
			return;
		}
		if (this.closing) {
			connection.beginClose(CloseCause.SHUTDOWN, this.closeDeadlineNanos);
		}
	}

	/**
	 * Begin closing every connection, and every one registered from now on, for the
	 * shutdown.
	 * @param deadlineNanos when a connection that is not yet quiet is reset
	 */
	void closeAll(long deadlineNanos) {
		assert this.loop.inLoop();
		this.closing = true;
		this.closeDeadlineNanos = deadlineNanos;
		for (TcpConnection connection : connections()) {
			connection.beginClose(CloseCause.SHUTDOWN, deadlineNanos);
		}
	}

	@Override
	public void closed(TcpConnection connection, @Nullable CloseCause cause) {
		this.open--;
		statistics().add(Gauge.CONNECTIONS_ACTIVE, -1);
		if (cause != null) {
			statistics().increment(cause);
		}
		this.limit.release();
		if (connection.address() != null) {
			this.limit.release(connection.address());
		}
		this.closed.run();
	}

	/**
	 * Return the open connections. Runs on the reactor thread.
	 * @return the open connections
	 */
	List<TcpConnection> connections() {
		assert this.loop.inLoop();
		List<TcpConnection> connections = new ArrayList<>();
		for (SelectionKey key : this.loop.selector().keys()) {
			if (key.attachment() instanceof TcpConnection connection) {
				connections.add(connection);
			}
		}
		return connections;
	}

	private ReactorStatistics statistics() {
		return this.loop.statistics();
	}

	@Override
	public EventLoop loop() {
		return this.loop;
	}

	@Override
	public StageOrder stages() {
		return this.stages;
	}

	@Override
	public ByteBuffer readBuffer() {
		return this.readBuffer;
	}

	@Override
	public int readBudget() {
		return this.settings.readBudget();
	}

	@Override
	public ReactorMemory memory() {
		return this.memory;
	}

	@Override
	public SessionMemory sessionMemory() {
		return this.sessionMemory;
	}

	@Override
	public int writeBufferHighWaterMark() {
		return this.settings.writeBufferHighWaterMark();
	}

	@Override
	public int writeBufferLowWaterMark() {
		return this.settings.writeBufferLowWaterMark();
	}

	@Override
	public long idleTimeoutNanos() {
		return this.idleTimeoutNanos;
	}

	@Override
	public long writeTimeoutNanos() {
		return this.writeTimeoutNanos;
	}

	@Override
	public long flushTimeoutNanos() {
		return EchoServer.FLUSH_TIMEOUT.toNanos();
	}

	/**
	 * A connection handed over by the acceptor, to be registered on the reactor thread.
	 */
	private final class Registration implements EventLoop.Rejectable {

		private final SocketChannel channel;

		private final @Nullable InetAddress address;

		private final boolean tls;

		Registration(SocketChannel channel, @Nullable InetAddress address, boolean tls) {
			this.channel = channel;
			this.address = address;
			this.tls = tls;
		}

		@Override
		public void run() {
			registerAccepted(this.channel, this.address, this.tls);
		}

		@Override
		public void rejected() {
			Closeables.closeQuietly(this.channel);
			ReactorConnections.this.limit.release();
			if (this.address != null) {
				ReactorConnections.this.limit.release(this.address);
			}
		}

	}

}
