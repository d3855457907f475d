package io.echoreactor.actuator;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import io.echoreactor.reactor.EchoReactor;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.ReactorStatistics;
import io.echoreactor.reactor.SocketSettings;
import io.echoreactor.reactor.UdpSettings;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The {@code echo} endpoint ({@code /actuator/echo}): a live view of the
 * {@link EchoServer}: each reactor's thread and its state, registered keys, connections,
 * pending bytes, paused connections and task queue, the acceptor thread, and the
 * effective configuration with the bound address and port. Durations are ISO-8601
 * strings, sizes are bytes, and unset options are left out.
 *
 * <p>
 * Nothing here is secret, and reading it costs a few volatile reads per reactor; the
 * values are read one by one, not as a consistent snapshot.
 */
@Endpoint(id = "echo")
public class EchoEndpoint {

	private final EchoServer server;

	/**
	 * Create the endpoint.
	 * @param server the echo server
	 */
	public EchoEndpoint(EchoServer server) {
		this.server = server;
	}

	/**
	 * Describe the echo server now.
	 * @return the description
	 */
	@ReadOperation
	public EchoServerDescriptor echo() {
		EchoServer server = this.server;
		InetSocketAddress bound = server.localAddress();
		EchoServerSettings settings = server.settings();
		List<ReactorDescriptor> reactors = server.reactors().stream().map(EchoEndpoint::describe).toList();
		ReactorStatistics acceptor = server.acceptorStatistics();
		AcceptorDescriptor acceptorDescriptor = (acceptor != null) ? new AcceptorDescriptor(acceptor.owner(),
				server.isAcceptorAlive(), millis(server.acceptorSinceLastSelect()), server.isAcceptorStalled())
				: null;
		InetSocketAddress udpBound = server.udpLocalAddress();
		UdpDescriptor udp = (udpBound != null) ? new UdpDescriptor(describe(udpBound.getAddress()), udpBound.getPort(),
				server.reactors().stream().filter(EchoReactor::servesDatagrams).map(EchoReactor::threadName).toList(),
				server.udpRateLimitActiveBuckets()) : null;
		return new EchoServerDescriptor(server.status().name(), (bound != null) ? describe(bound.getAddress()) : null,
				server.port(), settings.acceptStrategy().name().toLowerCase(), server.activeConnections(),
				server.pendingOutputAllocated(), udp, reactors, acceptorDescriptor,
				ConfigurationDescriptor.of(this.server));
	}

	private static ReactorDescriptor describe(EchoReactor reactor) {
		ReactorStatistics statistics = reactor.statistics();
		return new ReactorDescriptor(reactor.index(), reactor.threadName(), reactor.threadState().name(),
				reactor.state().name(), reactor.isAlive(), millis(reactor.sinceLastSelect()), reactor.isStalled(),
				reactor.registeredKeys(), statistics.get(ReactorStatistics.Gauge.CONNECTIONS_ACTIVE),
				statistics.get(ReactorStatistics.Gauge.PENDING_BYTES),
				statistics.get(ReactorStatistics.Gauge.CONNECTIONS_PAUSED),
				statistics.get(ReactorStatistics.Gauge.CONNECTIONS_AWAITING_MEMORY), reactor.pendingTasks());
	}

	private static @Nullable Long millis(Duration duration) {
		return (duration != null) ? duration.toMillis() : null;
	}

	private static @Nullable String describe(InetAddress address) {
		if (address == null) {
			return null;
		}
		return address.isAnyLocalAddress() ? "*" : address.getHostAddress();
	}

	private static @Nullable String describe(Duration duration) {
		return (duration != null) ? duration.toString() : null;
	}

	/**
	 * The echo server as the endpoint shows it.
	 *
	 * @param state the server's state: NEW, RUNNING, DRAINING or STOPPED
	 * @param address the bound address, {@code *} for all interfaces; {@code null} before
	 * start
	 * @param port the bound port, -1 before start
	 * @param acceptStrategy {@code acceptor} or {@code reuseport}
	 * @param connections the open connections over all reactors
	 * @param pendingOutputAllocated direct memory allocated for pending output so far, in
	 * bytes (kept for reuse; at most {@code configuration.maxPendingOutput})
	 * @param udp the UDP echo, {@code null} before start or when it is off
	 * @param reactors the reactors, by index; empty before start
	 * @param acceptor the acceptor thread, {@code null} in {@code reuseport} mode
	 * @param configuration the effective configuration
	 */
	public record EchoServerDescriptor(String state, String address, int port, String acceptStrategy,
			int connections, long pendingOutputAllocated, UdpDescriptor udp, List<ReactorDescriptor> reactors,
			AcceptorDescriptor acceptor,
			ConfigurationDescriptor configuration) implements OperationResponseBody {

	}

	/**
	 * The UDP echo.
	 *
	 * @param address the bound address, {@code *} for all interfaces
	 * @param port the bound UDP port
	 * @param reactors the reactor threads that own a UDP socket: the first reactor in
	 * {@code acceptor} mode, every reactor in {@code reuseport} mode
	 * @param activeBuckets the rate limit's buckets in debt now: drawn on and not yet
	 * refilled
	 */
	public record UdpDescriptor(String address, int port, List<String> reactors, int activeBuckets) {

	}

	/**
	 * One reactor.
	 *
	 * @param index the reactor's index
	 * @param thread the thread's name
	 * @param threadState the thread's state, as {@link Thread.State} names it
	 * @param state the reactor's state: NEW, RUNNING, DRAINING, CLOSING or TERMINATED
	 * @param alive whether the thread is alive
	 * @param sinceLastSelectMillis milliseconds since it last returned from select(): at
	 * most about 1000 for a healthy reactor, busy or idle
	 * @param stalled whether that is longer than {@code stall-timeout}
	 * @param registeredKeys the keys registered with its selector: its connections, plus
	 * its listener in {@code reuseport} mode
	 * @param activeConnections its open connections
	 * @param pendingBytes bytes read but not yet written back
	 * @param pausedConnections connections whose reading is paused by backpressure
	 * @param connectionsAwaitingMemory connections waiting to read until pending-output
	 * memory is available
	 * @param pendingTasks tasks other threads queued and it has not run yet
	 */
	public record ReactorDescriptor(int index, String thread, String threadState, String state, boolean alive,
			Long sinceLastSelectMillis, boolean stalled, int registeredKeys, long activeConnections,
			long pendingBytes, long pausedConnections, long connectionsAwaitingMemory, int pendingTasks) {

	}

	/**
	 * The acceptor thread.
	 *
	 * @param thread the thread's name
	 * @param alive whether it is alive (or the server is not running, when it need not be)
	 * @param sinceLastSelectMillis milliseconds since it last returned from select()
	 * @param stalled whether that is longer than {@code stall-timeout}
	 */
	public record AcceptorDescriptor(String thread, boolean alive, Long sinceLastSelectMillis, boolean stalled) {

	}

	/**
	 * The effective configuration: {@code echo.server.*} after defaults were applied.
	 *
	 * @param address the address to bind, {@code *} for all interfaces
	 * @param port the configured port (0 picks a free one)
	 * @param reactors the number of reactors
	 * @param acceptStrategy {@code acceptor} or {@code reuseport}
	 * @param backlog the listen backlog
	 * @param readBufferSize bytes per reactor read buffer
	 * @param readBudget bytes read from one connection per wakeup
	 * @param writeBufferHighWaterMark pending bytes at which reading pauses
	 * @param writeBufferLowWaterMark pending bytes at which reading resumes
	 * @param idleTimeout the idle timeout, {@code null} if off
	 * @param maxConnections the most connections served at once
	 * @param maxConnectionsPerAddress the most connections from one client address, 0 for
	 * no limit
	 * @param maxPendingOutput the most direct memory pending output may hold, in bytes (the
	 * effective limit, derived when not set)
	 * @param maxConnectionAge the maximum connection age, {@code null} if off
	 * @param maxConnectionAgeJitter the jitter applied to the maximum age
	 * @param writeTimeout how long a pending echo may wait to be written, {@code null} if off
	 * @param stallTimeout how long a thread may stay out of select() before it counts as
	 * stalled
	 * @param shutdownTimeout how long the drain waits
	 * @param selectTimeout the longest a reactor blocks in select()
	 * @param socket the socket options
	 * @param udp the UDP echo's settings
	 */
	public record ConfigurationDescriptor(String address, int port, int reactors, String acceptStrategy, int backlog,
			int readBufferSize, int readBudget, int writeBufferHighWaterMark, int writeBufferLowWaterMark,
			String idleTimeout, int maxConnections, int maxConnectionsPerAddress, long maxPendingOutput,
			String maxConnectionAge, double maxConnectionAgeJitter, String writeTimeout, String stallTimeout,
			String shutdownTimeout, String selectTimeout, SocketDescriptor socket, UdpSettingsDescriptor udp) {

		static ConfigurationDescriptor of(EchoServer server) {
			EchoServerSettings settings = server.settings();
			SocketSettings socket = settings.socket();
			InetAddress address = settings.address();
			return new ConfigurationDescriptor((address != null) ? describe(address) : "*", settings.port(),
					settings.reactors(), settings.acceptStrategy().name().toLowerCase(), settings.backlog(),
					settings.readBufferSize(), settings.readBudget(), settings.writeBufferHighWaterMark(),
					settings.writeBufferLowWaterMark(), describe(settings.idleTimeout()), settings.maxConnections(),
					settings.maxConnectionsPerAddress(), server.pendingOutputLimit(),
					describe(settings.maxConnectionAge()), settings.maxConnectionAgeJitter(),
					describe(settings.writeTimeout()), describe(settings.stallTimeout()),
					describe(settings.shutdownTimeout()), describe(settings.selectTimeout()),
					new SocketDescriptor(socket.tcpNoDelay(), socket.keepAlive(), describe(socket.keepAliveIdle()),
							describe(socket.keepAliveInterval()), socket.keepAliveCount(), socket.receiveBufferSize(),
							socket.sendBufferSize()),
					UdpSettingsDescriptor.of(settings.udp()));
		}

	}

	/**
	 * The socket options; {@code null} leaves the kernel's default.
	 *
	 * @param tcpNoDelay whether Nagle's algorithm is off
	 * @param keepAlive whether TCP keepalive is on
	 * @param keepAliveIdle idle time before the first probe
	 * @param keepAliveInterval time between probes
	 * @param keepAliveCount unanswered probes before the connection is dropped
	 * @param receiveBufferSize SO_RCVBUF in bytes
	 * @param sendBufferSize SO_SNDBUF in bytes
	 */
	public record SocketDescriptor(boolean tcpNoDelay, boolean keepAlive, String keepAliveIdle,
			String keepAliveInterval, Integer keepAliveCount, Integer receiveBufferSize, Integer sendBufferSize) {

	}

	/**
	 * The UDP echo's settings.
	 *
	 * @param enabled whether UDP is served
	 * @param port the configured UDP port, {@code null} for the TCP port's number
	 * @param rateLimitPerSource datagrams per second per source address, 0 for no limit
	 * @param maxTrackedSources the size of the rate limit's table of buckets
	 * @param receiveBudget datagrams received per wakeup
	 * @param receiveBufferSize SO_RCVBUF in bytes, {@code null} for the kernel's default
	 * @param sendBufferSize SO_SNDBUF in bytes, {@code null} for the kernel's default
	 */
	public record UdpSettingsDescriptor(boolean enabled, Integer port, int rateLimitPerSource, int maxTrackedSources,
			int receiveBudget, Integer receiveBufferSize, Integer sendBufferSize) {

		static UdpSettingsDescriptor of(UdpSettings udp) {
			return new UdpSettingsDescriptor(udp.enabled(), udp.port(), udp.rateLimitPerSource(),
					udp.maxTrackedSources(), udp.receiveBudget(), udp.receiveBufferSize(), udp.sendBufferSize());
		}

	}

}
