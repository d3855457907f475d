package io.echoreactor.reactor;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

import io.echoreactor.proxy.ProxyProtocolSettings;
import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.accept.SocketSettings;
import io.echoreactor.reactor.tcp.Greeting;
import io.echoreactor.reactor.tls.TlsSettings;
import io.echoreactor.reactor.udp.UdpSettings;

/**
 * Immutable settings of an {@link EchoServer}, in the reactor's own terms (plain JDK
 * types), so the reactor can be built and tested without Spring. Create with
 * {@link #builder()}; the builder's defaults are the service's defaults.
 *
 * <p>
 * Validation with messages for users happens where the settings are bound from
 * configuration; the checks here only guard the reactor's own invariants.
 */
public final class EchoServerSettings {

	private final InetAddress address;

	private final int port;

	private final int reactors;

	private final AcceptStrategy acceptStrategy;

	private final int backlog;

	private final int readBufferSize;

	private final int readBudget;

	private final int writeBufferHighWaterMark;

	private final int writeBufferLowWaterMark;

	private final Duration idleTimeout;

	private final Duration maxConnectionAge;

	private final double maxConnectionAgeJitter;

	private final int maxConnections;

	private final int maxConnectionsPerAddress;

	private final long maxPendingOutput;

	private final long maxSessionMemory;

	private final Duration writeTimeout;

	private final Duration stallTimeout;

	private final Duration shutdownTimeout;

	private final Duration selectTimeout;

	private final SocketSettings socket;

	private final UdpSettings udp;

	private final TlsSettings tls;

	private final boolean plainEnabled;

	private final ProxyProtocolSettings proxyProtocol;

	private final Greeting greeting;

	private EchoServerSettings(Builder builder) {
		this.address = builder.address;
		this.port = builder.port;
		this.reactors = builder.reactors;
		this.acceptStrategy = Objects.requireNonNull(builder.acceptStrategy, "acceptStrategy");
		this.backlog = builder.backlog;
		this.readBufferSize = builder.readBufferSize;
		this.readBudget = builder.readBudget;
		this.writeBufferHighWaterMark = builder.writeBufferHighWaterMark;
		this.writeBufferLowWaterMark = builder.writeBufferLowWaterMark;
		this.idleTimeout = builder.idleTimeout;
		this.maxConnectionAge = builder.maxConnectionAge;
		this.maxConnectionAgeJitter = builder.maxConnectionAgeJitter;
		this.maxConnections = builder.maxConnections;
		this.maxConnectionsPerAddress = builder.maxConnectionsPerAddress;
		this.maxPendingOutput = builder.maxPendingOutput;
		this.maxSessionMemory = builder.maxSessionMemory;
		this.writeTimeout = builder.writeTimeout;
		this.stallTimeout = Objects.requireNonNull(builder.stallTimeout, "stallTimeout");
		this.shutdownTimeout = Objects.requireNonNull(builder.shutdownTimeout, "shutdownTimeout");
		this.selectTimeout = Objects.requireNonNull(builder.selectTimeout, "selectTimeout");
		this.socket = Objects.requireNonNull(builder.socket, "socket");
		this.udp = Objects.requireNonNull(builder.udp, "udp");
		this.tls = Objects.requireNonNull(builder.tls, "tls");
		this.plainEnabled = builder.plainEnabled;
		this.proxyProtocol = Objects.requireNonNull(builder.proxyProtocol, "proxyProtocol");
		this.greeting = Objects.requireNonNull(builder.greeting, "greeting");
		check(this.plainEnabled || this.tls.enabled(), "plain TCP and TLS cannot both be off");
		check(this.port >= 0 && this.port <= 65535, "port must be between 0 and 65535");
		check(this.reactors >= 1, "reactors must be at least 1");
		check(this.backlog >= 1, "backlog must be at least 1");
		check(this.readBufferSize >= 1, "readBufferSize must be at least 1");
		check(this.readBudget >= 1, "readBudget must be at least 1");
		check(this.writeBufferLowWaterMark >= 0 && this.writeBufferLowWaterMark < this.writeBufferHighWaterMark,
				"writeBufferLowWaterMark must be at least 0 and below writeBufferHighWaterMark");
		check(this.maxConnections >= 1, "maxConnections must be at least 1");
		check(this.maxConnectionsPerAddress >= 0, "maxConnectionsPerAddress must be at least 0");
		check(this.writeTimeout == null || isPositive(this.writeTimeout), "writeTimeout must be positive");
		check(this.stallTimeout.compareTo(this.selectTimeout) > 0, "stallTimeout must be longer than selectTimeout");
		check(this.maxPendingOutput >= 0, "maxPendingOutput must be at least 0");
		check(this.maxSessionMemory >= 0, "maxSessionMemory must be at least 0");
		check(isPositive(this.shutdownTimeout), "shutdownTimeout must be positive");
		check(isPositive(this.selectTimeout), "selectTimeout must be positive");
		check(this.idleTimeout == null || isPositive(this.idleTimeout), "idleTimeout must be positive");
		check(this.maxConnectionAge == null || isPositive(this.maxConnectionAge), "maxConnectionAge must be positive");
		check(this.maxConnectionAgeJitter >= 0 && this.maxConnectionAgeJitter <= 1,
				"maxConnectionAgeJitter must be between 0 and 1");
	}

	public static boolean isPositive(Duration duration) {
		return !duration.isNegative() && !duration.isZero();
	}

	public static void check(boolean condition, String message) {
		if (!condition) {
			throw new IllegalArgumentException(message);
		}
	}

	/**
	 * Return a builder holding the defaults.
	 * @return a new builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/** @return the address to bind, or {@code null} for every interface (IPv4 and IPv6) */
	public InetAddress address() {
		return this.address;
	}

	/** @return the port to bind; 0 picks a free one */
	public int port() {
		return this.port;
	}

	/** @return the number of reactor threads */
	public int reactors() {
		return this.reactors;
	}

	/** @return how connections reach the reactors */
	public AcceptStrategy acceptStrategy() {
		return this.acceptStrategy;
	}

	/** @return the listen backlog */
	public int backlog() {
		return this.backlog;
	}

	/** @return bytes of each reactor's read buffer */
	public int readBufferSize() {
		return this.readBufferSize;
	}

	/** @return bytes read from one connection per wakeup before the others get a turn */
	public int readBudget() {
		return this.readBudget;
	}

	/** @return pending bytes at which reading from a connection pauses */
	public int writeBufferHighWaterMark() {
		return this.writeBufferHighWaterMark;
	}

	/** @return pending bytes at or below which a paused connection reads again */
	public int writeBufferLowWaterMark() {
		return this.writeBufferLowWaterMark;
	}

	/** @return how long a connection may see no traffic, or {@code null} for no limit */
	public Duration idleTimeout() {
		return this.idleTimeout;
	}

	/** @return how long a connection may live, or {@code null} for no limit */
	public Duration maxConnectionAge() {
		return this.maxConnectionAge;
	}

	/** @return the fraction of {@link #maxConnectionAge()} by which each connection's age is randomly shortened */
	public double maxConnectionAgeJitter() {
		return this.maxConnectionAgeJitter;
	}

	/** @return the most connections served at once */
	public int maxConnections() {
		return this.maxConnections;
	}

	/** @return the most connections from one client address, or 0 for no limit */
	public int maxConnectionsPerAddress() {
		return this.maxConnectionsPerAddress;
	}

	/**
	 * Return how long the oldest byte of a connection's pending output may wait to be
	 * written before the connection is reset.
	 * @return the timeout, or {@code null} for none
	 */
	public Duration writeTimeout() {
		return this.writeTimeout;
	}

	/**
	 * Return how long a reactor (or the acceptor) may go without returning from
	 * {@code select()} before it counts as stalled: health reports it, and the acceptor
	 * stops handing it connections.
	 * @return the stall timeout
	 */
	public Duration stallTimeout() {
		return this.stallTimeout;
	}

	/**
	 * Return the most direct memory all connections' pending output may hold together;
	 * 0 for half of the JVM's direct memory limit.
	 * @return the limit in bytes, or 0
	 */
	public long maxPendingOutput() {
		return this.maxPendingOutput;
	}

	/**
	 * Return the heap that connections may hold for TLS sessions and for records and
	 * headers in part, together.
	 * @return the limit in bytes, or 0 for the default (a share of the maximum heap)
	 */
	public long maxSessionMemory() {
		return this.maxSessionMemory;
	}

	/** @return how long a drain waits for clients to close */
	public Duration shutdownTimeout() {
		return this.shutdownTimeout;
	}

	/** @return the longest a reactor blocks in {@code select()} before its housekeeping runs */
	public Duration selectTimeout() {
		return this.selectTimeout;
	}

	/** @return the socket options */
	public SocketSettings socket() {
		return this.socket;
	}

	/** @return the UDP echo's settings */
	public UdpSettings udp() {
		return this.udp;
	}

	/** @return the TLS listener's settings */
	public TlsSettings tls() {
		return this.tls;
	}

	/** @return whether the plain (unencrypted) TCP port is served */
	public boolean plainEnabled() {
		return this.plainEnabled;
	}

	/** @return the PROXY protocol settings */
	public ProxyProtocolSettings proxyProtocol() {
		return this.proxyProtocol;
	}

	/** @return the greeting sent before the echo, {@link Greeting#OFF} by default */
	public Greeting greeting() {
		return this.greeting;
	}

	/**
	 * Builder for {@link EchoServerSettings}.
	 */
	public static final class Builder {

		private InetAddress address;

		private int port = 7007;

		private int reactors = Runtime.getRuntime().availableProcessors();

		private AcceptStrategy acceptStrategy = AcceptStrategy.ACCEPTOR;

		private int backlog = 1024;

		private int readBufferSize = 64 * 1024;

		private int readBudget = 256 * 1024;

		private int writeBufferHighWaterMark = 64 * 1024;

		private int writeBufferLowWaterMark = 32 * 1024;

		private Duration idleTimeout;

		private Duration maxConnectionAge;

		private double maxConnectionAgeJitter = 0.1;

		private int maxConnections = 10_000;

		private int maxConnectionsPerAddress;

		private long maxPendingOutput;

		private long maxSessionMemory;

		private Duration writeTimeout = Duration.ofSeconds(60);

		private Duration stallTimeout = Duration.ofSeconds(10);

		private Duration shutdownTimeout = Duration.ofSeconds(10);

		private Duration selectTimeout = Duration.ofSeconds(1);

		private SocketSettings socket = SocketSettings.DEFAULTS;

		private UdpSettings udp = UdpSettings.DEFAULTS;

		private TlsSettings tls = TlsSettings.DISABLED;

		private boolean plainEnabled = true;

		private ProxyProtocolSettings proxyProtocol = ProxyProtocolSettings.OFF;

		private Greeting greeting = Greeting.OFF;

		private Builder() {
		}

		public Builder address(InetAddress address) {
			this.address = address;
			return this;
		}

		public Builder port(int port) {
			this.port = port;
			return this;
		}

		public Builder reactors(int reactors) {
			this.reactors = reactors;
			return this;
		}

		public Builder acceptStrategy(AcceptStrategy acceptStrategy) {
			this.acceptStrategy = acceptStrategy;
			return this;
		}

		public Builder backlog(int backlog) {
			this.backlog = backlog;
			return this;
		}

		public Builder readBufferSize(int readBufferSize) {
			this.readBufferSize = readBufferSize;
			return this;
		}

		public Builder readBudget(int readBudget) {
			this.readBudget = readBudget;
			return this;
		}

		public Builder writeBufferWaterMarks(int low, int high) {
			this.writeBufferLowWaterMark = low;
			this.writeBufferHighWaterMark = high;
			return this;
		}

		public Builder idleTimeout(Duration idleTimeout) {
			this.idleTimeout = idleTimeout;
			return this;
		}

		public Builder maxConnectionAge(Duration maxConnectionAge, double jitter) {
			this.maxConnectionAge = maxConnectionAge;
			this.maxConnectionAgeJitter = jitter;
			return this;
		}

		public Builder maxConnections(int maxConnections) {
			this.maxConnections = maxConnections;
			return this;
		}

		public Builder maxConnectionsPerAddress(int maxConnectionsPerAddress) {
			this.maxConnectionsPerAddress = maxConnectionsPerAddress;
			return this;
		}

		public Builder writeTimeout(Duration writeTimeout) {
			this.writeTimeout = writeTimeout;
			return this;
		}

		public Builder stallTimeout(Duration stallTimeout) {
			this.stallTimeout = stallTimeout;
			return this;
		}

		public Builder maxPendingOutput(long maxPendingOutput) {
			this.maxPendingOutput = maxPendingOutput;
			return this;
		}

		/**
		 * Set the heap that connections may hold for their protocols together.
		 * @param maxSessionMemory the limit in bytes, or 0 for the default
		 * @return this builder
		 */
		public Builder maxSessionMemory(long maxSessionMemory) {
			this.maxSessionMemory = maxSessionMemory;
			return this;
		}

		public Builder shutdownTimeout(Duration shutdownTimeout) {
			this.shutdownTimeout = shutdownTimeout;
			return this;
		}

		public Builder selectTimeout(Duration selectTimeout) {
			this.selectTimeout = selectTimeout;
			return this;
		}

		public Builder socket(SocketSettings socket) {
			this.socket = socket;
			return this;
		}

		public Builder udp(UdpSettings udp) {
			this.udp = udp;
			return this;
		}

		public Builder tls(TlsSettings tls) {
			this.tls = tls;
			return this;
		}

		public Builder plainEnabled(boolean plainEnabled) {
			this.plainEnabled = plainEnabled;
			return this;
		}

		public Builder proxyProtocol(ProxyProtocolSettings proxyProtocol) {
			this.proxyProtocol = proxyProtocol;
			return this;
		}

		public Builder greeting(Greeting greeting) {
			this.greeting = greeting;
			return this;
		}

		public EchoServerSettings build() {
			return new EchoServerSettings(this);
		}

	}

}
