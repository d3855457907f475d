package io.echoreactor.reactor;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

import io.echoreactor.proxy.ProxyProtocolSettings;
import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.accept.SocketSettings;
import io.echoreactor.reactor.fault.FaultSettings;
import io.echoreactor.reactor.tcp.Greeting;
import io.echoreactor.reactor.tls.TlsSettings;
import io.echoreactor.reactor.udp.UdpSettings;
import org.jspecify.annotations.Nullable;

/**
 * Immutable settings of an {@link EchoServer}, in the reactor's own terms (plain JDK
 * types), so the reactor can be built and tested without Spring. The service's settings,
 * their defaults and their ranges are declared once, by the configuration properties that
 * these are made from; this type holds no default of its own. A variant is made from a
 * complete set with {@link #toBuilder()}.
 *
 * <p>
 * Validation with messages for users happens where the settings are bound from
 * configuration; the checks here only guard the reactor's own invariants.
 *
 * @param address the address to bind, or {@code null} for every interface (IPv4 and IPv6)
 * @param port the port to bind; 0 picks a free one
 * @param reactors the number of reactor threads
 * @param acceptStrategy how connections reach the reactors
 * @param backlog the listen backlog
 * @param readBufferSize bytes of each reactor's read buffer
 * @param readBudget bytes read from one connection per wakeup before the others get a turn
 * @param writeBufferHighWaterMark pending bytes at which reading from a connection pauses
 * @param writeBufferLowWaterMark pending bytes at or below which a paused connection reads
 * again
 * @param idleTimeout how long a connection may see no traffic, or {@code null} for no limit
 * @param maxConnectionAge how long a connection may live, or {@code null} for no limit
 * @param maxConnectionAgeJitter the fraction of {@code maxConnectionAge} by which each
 * connection's age is randomly shortened
 * @param maxConnections the most connections served at once
 * @param maxConnectionsPerAddress the most connections from one client address, or 0 for
 * no limit
 * @param maxPendingOutput the most direct memory all connections' pending output may hold
 * together, in bytes; 0 for half of the JVM's direct memory limit
 * @param maxSessionMemory the heap that connections may hold for TLS sessions and for
 * records and headers in part, together, in bytes; 0 for a share of the maximum heap
 * @param writeTimeout how long the oldest byte of a connection's pending output may wait to
 * be written before the connection is reset, or {@code null} for no limit
 * @param stallTimeout how long a reactor (or the acceptor) may go without returning from
 * {@code select()} before it counts as stalled: health reports it, and the acceptor stops
 * handing it connections
 * @param shutdownTimeout how long a drain waits for clients to close
 * @param selectTimeout the longest a reactor blocks in {@code select()} before its
 * housekeeping runs: not a setting, {@link #SELECT_TIMEOUT} outside tests
 * @param socket the socket options
 * @param udp the UDP echo's settings
 * @param tls the TLS listener's settings
 * @param plainEnabled whether the plain (unencrypted) TCP port is served
 * @param proxyProtocol the PROXY protocol settings
 * @param greeting the greeting sent before the echo
 * @param faults the fault profiles, each on a port of its own
 */
public record EchoServerSettings(@Nullable InetAddress address, int port, int reactors, AcceptStrategy acceptStrategy,
		int backlog, int readBufferSize, int readBudget, int writeBufferHighWaterMark, int writeBufferLowWaterMark,
		@Nullable Duration idleTimeout, @Nullable Duration maxConnectionAge, double maxConnectionAgeJitter, int maxConnections,
		int maxConnectionsPerAddress, long maxPendingOutput, long maxSessionMemory, @Nullable Duration writeTimeout,
		Duration stallTimeout, Duration shutdownTimeout, Duration selectTimeout, SocketSettings socket,
		UdpSettings udp, TlsSettings tls, boolean plainEnabled, ProxyProtocolSettings proxyProtocol,
		Greeting greeting, FaultSettings faults) {

	/**
	 * The longest a reactor blocks in {@code select()}: the tick of its housekeeping (stall
	 * detection, the drain's checks). An internal constant, not a setting; tests shorten it.
	 */
	public static final Duration SELECT_TIMEOUT = Duration.ofSeconds(1);

	public EchoServerSettings {
		Objects.requireNonNull(acceptStrategy, "acceptStrategy");
		Objects.requireNonNull(stallTimeout, "stallTimeout");
		Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
		Objects.requireNonNull(selectTimeout, "selectTimeout");
		Objects.requireNonNull(socket, "socket");
		Objects.requireNonNull(udp, "udp");
		Objects.requireNonNull(tls, "tls");
		Objects.requireNonNull(proxyProtocol, "proxyProtocol");
		Objects.requireNonNull(greeting, "greeting");
		Objects.requireNonNull(faults, "faults");
		check(plainEnabled || tls.enabled(), "plain TCP and TLS cannot both be off");
		check(port >= 0 && port <= 65535, "port must be between 0 and 65535");
		check(reactors >= 1, "reactors must be at least 1");
		check(backlog >= 1, "backlog must be at least 1");
		check(readBufferSize >= 1, "readBufferSize must be at least 1");
		check(readBudget >= 1, "readBudget must be at least 1");
		check(writeBufferLowWaterMark >= 0 && writeBufferLowWaterMark < writeBufferHighWaterMark,
				"writeBufferLowWaterMark must be at least 0 and below writeBufferHighWaterMark");
		check(maxConnections >= 1, "maxConnections must be at least 1");
		check(maxConnectionsPerAddress >= 0, "maxConnectionsPerAddress must be at least 0");
		check(writeTimeout == null || isPositive(writeTimeout), "writeTimeout must be positive");
		check(stallTimeout.compareTo(selectTimeout) > 0, "stallTimeout must be longer than selectTimeout");
		check(maxPendingOutput >= 0, "maxPendingOutput must be at least 0");
		check(maxSessionMemory >= 0, "maxSessionMemory must be at least 0");
		check(isPositive(shutdownTimeout), "shutdownTimeout must be positive");
		check(isPositive(selectTimeout), "selectTimeout must be positive");
		check(idleTimeout == null || isPositive(idleTimeout), "idleTimeout must be positive");
		check(maxConnectionAge == null || isPositive(maxConnectionAge), "maxConnectionAge must be positive");
		check(maxConnectionAgeJitter >= 0 && maxConnectionAgeJitter <= 1,
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
	 * Return these settings with the live ones of {@code next}: what a running server can
	 * take (limits, timeouts, budgets, water marks, the options of new sockets, the UDP rate
	 * limit, the PROXY protocol, the TLS handshake timeout, the greeting), while what was
	 * built at start (addresses, ports, reactors, buffers, memory budgets, whether each
	 * protocol is served, the TLS context) stays as it is.
	 * @param next the settings asked for
	 * @return the settings a running server applies
	 */
	public EchoServerSettings withLiveSettingsOf(EchoServerSettings next) {
		SocketSettings nextSocket = next.socket;
		UdpSettings nextUdp = next.udp;
		return toBuilder().readBudget(next.readBudget)
			.writeBufferWaterMarks(next.writeBufferLowWaterMark, next.writeBufferHighWaterMark)
			.idleTimeout(next.idleTimeout)
			.maxConnectionAge(next.maxConnectionAge, next.maxConnectionAgeJitter)
			.maxConnections(next.maxConnections)
			.maxConnectionsPerAddress(next.maxConnectionsPerAddress)
			.maxPendingOutput(next.maxPendingOutput)
			.maxSessionMemory(next.maxSessionMemory)
			.writeTimeout(next.writeTimeout)
			.socket(new SocketSettings(nextSocket.tcpNoDelay(), nextSocket.keepAlive(), nextSocket.keepAliveIdle(),
					nextSocket.keepAliveInterval(), nextSocket.keepAliveCount(), this.socket.receiveBufferSize(),
					this.socket.sendBufferSize()))
			.udp(new UdpSettings(this.udp.enabled(), this.udp.port(), nextUdp.rateLimitPerSource(),
					nextUdp.maxTrackedSources(), nextUdp.receiveBudget(), this.udp.receiveBufferSize(),
					this.udp.sendBufferSize()))
			.tls(new TlsSettings(this.tls.context(), this.tls.port(), next.tls.handshakeTimeout()))
			.proxyProtocol(next.proxyProtocol)
			.greeting(next.greeting)
			.build();
	}

	/**
	 * Return a builder holding these settings, to make a variant of them.
	 * @return a new builder
	 */
	public Builder toBuilder() {
		return new Builder(this);
	}

	/**
	 * Builder of a variant of complete {@link EchoServerSettings}: it starts from a set of
	 * settings and has no defaults of its own.
	 */
	public static final class Builder {

		private @Nullable InetAddress address;

		private int port;

		private int reactors;

		private AcceptStrategy acceptStrategy;

		private int backlog;

		private int readBufferSize;

		private int readBudget;

		private int writeBufferHighWaterMark;

		private int writeBufferLowWaterMark;

		private @Nullable Duration idleTimeout;

		private @Nullable Duration maxConnectionAge;

		private double maxConnectionAgeJitter;

		private int maxConnections;

		private int maxConnectionsPerAddress;

		private long maxPendingOutput;

		private long maxSessionMemory;

		private @Nullable Duration writeTimeout;

		private Duration stallTimeout;

		private Duration shutdownTimeout;

		private Duration selectTimeout;

		private SocketSettings socket;

		private UdpSettings udp;

		private TlsSettings tls;

		private boolean plainEnabled;

		private ProxyProtocolSettings proxyProtocol;

		private Greeting greeting;

		private FaultSettings faults;

		private Builder(EchoServerSettings from) {
			this.address = from.address;
			this.port = from.port;
			this.reactors = from.reactors;
			this.acceptStrategy = from.acceptStrategy;
			this.backlog = from.backlog;
			this.readBufferSize = from.readBufferSize;
			this.readBudget = from.readBudget;
			this.writeBufferHighWaterMark = from.writeBufferHighWaterMark;
			this.writeBufferLowWaterMark = from.writeBufferLowWaterMark;
			this.idleTimeout = from.idleTimeout;
			this.maxConnectionAge = from.maxConnectionAge;
			this.maxConnectionAgeJitter = from.maxConnectionAgeJitter;
			this.maxConnections = from.maxConnections;
			this.maxConnectionsPerAddress = from.maxConnectionsPerAddress;
			this.maxPendingOutput = from.maxPendingOutput;
			this.maxSessionMemory = from.maxSessionMemory;
			this.writeTimeout = from.writeTimeout;
			this.stallTimeout = from.stallTimeout;
			this.shutdownTimeout = from.shutdownTimeout;
			this.selectTimeout = from.selectTimeout;
			this.socket = from.socket;
			this.udp = from.udp;
			this.tls = from.tls;
			this.plainEnabled = from.plainEnabled;
			this.proxyProtocol = from.proxyProtocol;
			this.greeting = from.greeting;
			this.faults = from.faults;
		}

		public Builder address(@Nullable InetAddress address) {
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

		public Builder idleTimeout(@Nullable Duration idleTimeout) {
			this.idleTimeout = idleTimeout;
			return this;
		}

		public Builder maxConnectionAge(@Nullable Duration maxConnectionAge, double jitter) {
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

		public Builder writeTimeout(@Nullable Duration writeTimeout) {
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

		public Builder faults(FaultSettings faults) {
			this.faults = faults;
			return this;
		}

		public EchoServerSettings build() {
			return new EchoServerSettings(this.address, this.port, this.reactors, this.acceptStrategy, this.backlog,
					this.readBufferSize, this.readBudget, this.writeBufferHighWaterMark, this.writeBufferLowWaterMark,
					this.idleTimeout, this.maxConnectionAge, this.maxConnectionAgeJitter, this.maxConnections,
					this.maxConnectionsPerAddress, this.maxPendingOutput, this.maxSessionMemory, this.writeTimeout,
					this.stallTimeout, this.shutdownTimeout, this.selectTimeout, this.socket, this.udp, this.tls,
					this.plainEnabled, this.proxyProtocol, this.greeting, this.faults);
		}

	}

}
