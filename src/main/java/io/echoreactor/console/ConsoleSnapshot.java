package io.echoreactor.console;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.ToLongFunction;

import io.echoreactor.actuator.EchoEndpoint;
import io.echoreactor.reactor.ConnectionsSnapshot;
import io.echoreactor.reactor.EchoReactor;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerView;
import io.echoreactor.reactor.counters.ConnectionFigures;
import io.echoreactor.reactor.counters.CountedEvent;
import io.echoreactor.reactor.counters.FaultKind;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.ReactorStatistics.Gauge;
import io.echoreactor.reactor.counters.TlsFailure;
import io.echoreactor.reactor.counters.UdpDropCause;
import io.echoreactor.reactor.counters.WakeupCause;
import io.echoreactor.reactor.fault.FaultPort;
import io.echoreactor.reactor.loop.LogFacts;
import org.jspecify.annotations.Nullable;

/**
 * What the console shows at one instant: counters since the start and levels now, each
 * in its base unit (bytes, nanoseconds, counts). The browser turns two snapshots into
 * rates; the page without JavaScript shows them as they are. Values are read one by one
 * from the reactors' single-writer counters, not as a consistent cut, as the meters are.
 *
 * @param takenAtMillis when it was taken, milliseconds since the epoch
 * @param monotonicNanos a monotonic clock's reading when it was taken, for rates
 * @param state the server's state: NEW, RUNNING, DRAINING or STOPPED
 * @param port the TCP port, -1 before start or when plain TCP is off
 * @param connections the open connections over all reactors
 * @param reactors each reactor's figures, by index
 * @param udp the UDP socket's figures, {@code null} when UDP is off
 * @param tls the TLS handshakes, {@code null} when TLS is off
 * @param faults the fault profiles, empty with none
 * @param connectionsTable the busiest connections, by bytes each way, most first; empty
 * when {@code connectionsTableAvailable} is false
 * @param connectionsTableAvailable whether every reactor answered for the table in time;
 * one that is stalled, which its health says, leaves the table out rather than the page
 * @param settings the settings in force, as the {@code echo} endpoint shows them
 */
public record ConsoleSnapshot(long takenAtMillis, long monotonicNanos, String state, int port, int connections,
		List<Reactor> reactors, @Nullable Udp udp, @Nullable Tls tls, List<Fault> faults,
		List<Connection> connectionsTable, boolean connectionsTableAvailable, Map<String, Object> settings) {

	/** The most rows of the connections table. */
	public static final int CONNECTIONS_SHOWN = 20;

	// Well beyond a healthy reactor's longest turn, and short enough for a page request.
	private static final long CONNECTIONS_TIMEOUT_MILLIS = 2000;

	/**
	 * Take a snapshot of the given server. Its connections table comes from the reactors'
	 * own snapshot of their connections, which they take on their threads at most once a
	 * second however many consoles ask; so the echo pays for it only while a console is
	 * open.
	 * @param server the echo server
	 * @return the snapshot
	 */
	public static ConsoleSnapshot of(EchoServer server) {
		EchoServerView view = server.view();
		List<EchoReactor> reactors = view.reactors();
		List<Reactor> reactorFigures = reactors.stream().map(Reactor::of).toList();
		Udp udp = (view.udpLocalAddress() != null) ? Udp.of(view.udpPort(), reactors) : null;
		Tls tls = (view.tlsLocalAddress() != null) ? Tls.of(view.tlsPort(), reactors) : null;
		List<Fault> faults = view.faults().stream().map(Fault::of).toList();
		List<Connection> table = connectionsTable(view, reactors);
		return new ConsoleSnapshot(System.currentTimeMillis(), System.nanoTime(), view.status().name(), view.port(),
				view.activeConnections(), reactorFigures, udp, tls, faults, (table != null) ? table : List.of(),
				table != null, EchoEndpoint.configuration(server));
	}

	private static @Nullable List<Connection> connectionsTable(EchoServerView view, List<EchoReactor> reactors) {
		ConnectionsSnapshot snapshot;
		try {
			snapshot = view.connectionsSnapshot(CONNECTIONS_SHOWN)
				.get(CONNECTIONS_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return null;
		}
		catch (ExecutionException | TimeoutException ex) {
			return null;
		}
		List<Connection> table = new ArrayList<>(snapshot.busiestByBytes().size());
		for (ConnectionFigures figures : snapshot.busiestByBytes()) {
			table.add(Connection.of(figures, reactors));
		}
		return table;
	}

	private static <E extends Enum<E> & CountedEvent> Map<String, Long> byTag(E[] events,
			ToLongFunction<E> count) {
		Map<String, Long> counts = new LinkedHashMap<>();
		for (E event : events) {
			counts.put(event.tag(), count.applyAsLong(event));
		}
		return counts;
	}

	private static long sum(List<EchoReactor> reactors, Counter counter) {
		long sum = 0;
		for (EchoReactor reactor : reactors) {
			sum += reactor.statistics().get(counter);
		}
		return sum;
	}

	/**
	 * One reactor.
	 *
	 * @param index its index
	 * @param thread its thread's name
	 * @param state NEW, RUNNING, DRAINING, CLOSING or TERMINATED
	 * @param connections its open connections
	 * @param pendingBytes bytes read and not yet written back, in bytes
	 * @param reads {@code read()} calls on client sockets, in total
	 * @param emptyReads those that returned nothing (EAGAIN), in total
	 * @param writes {@code write()} calls, in total
	 * @param bytesReceived bytes read from clients, in total
	 * @param bytesSent bytes written to clients, in total
	 * @param busyNanos nanoseconds spent outside {@code select()}, in total
	 * @param wakeups returns from {@code select()} by cause, in total
	 */
	public record Reactor(int index, String thread, String state, long connections, long pendingBytes, long reads,
			long emptyReads, long writes, long bytesReceived, long bytesSent, long busyNanos,
			Map<String, Long> wakeups) {

		static Reactor of(EchoReactor reactor) {
			ReactorStatistics statistics = reactor.statistics();
			return new Reactor(reactor.index(), reactor.threadName(), reactor.state().name(),
					statistics.get(Gauge.CONNECTIONS_ACTIVE), statistics.get(Gauge.PENDING_BYTES),
					statistics.get(Counter.READS), statistics.get(Counter.READS_EMPTY), statistics.get(Counter.WRITES),
					statistics.get(Counter.BYTES_RECEIVED), statistics.get(Counter.BYTES_SENT),
					statistics.get(Counter.BUSY_NANOS), byTag(WakeupCause.values(), statistics::wakeups));
		}

	}

	/**
	 * The UDP echo, over the reactors that own a UDP socket.
	 *
	 * @param port the bound UDP port
	 * @param datagramsReceived datagrams received, in total
	 * @param datagramsSent datagrams sent back, in total
	 * @param bytesReceived payload bytes received, in total
	 * @param bytesSent payload bytes sent back, in total
	 * @param dropped datagrams dropped unanswered, by cause, in total
	 */
	public record Udp(int port, long datagramsReceived, long datagramsSent, long bytesReceived, long bytesSent,
			Map<String, Long> dropped) {

		static Udp of(int port, List<EchoReactor> reactors) {
			return new Udp(port, sum(reactors, Counter.UDP_DATAGRAMS_RECEIVED), sum(reactors, Counter.UDP_DATAGRAMS_SENT),
					sum(reactors, Counter.UDP_BYTES_RECEIVED), sum(reactors, Counter.UDP_BYTES_SENT),
					byTag(UdpDropCause.values(), (cause) -> reactors.stream()
						.mapToLong((reactor) -> reactor.statistics().dropped(cause))
						.sum()));
		}

	}

	/**
	 * The TLS handshakes, over all reactors.
	 *
	 * @param port the TLS port
	 * @param completed handshakes completed, in total
	 * @param failed handshakes failed, by cause, in total
	 */
	public record Tls(int port, long completed, Map<String, Long> failed) {

		static Tls of(int port, List<EchoReactor> reactors) {
			return new Tls(port, sum(reactors, Counter.TLS_HANDSHAKES), byTag(TlsFailure.values(),
					(failure) -> reactors.stream().mapToLong((reactor) -> reactor.statistics().tlsFailures(failure)).sum()));
		}

	}

	/**
	 * A fault profile.
	 *
	 * @param name its name, as in {@code echo.server.faults.NAME}
	 * @param port its TCP port
	 * @param connections its open connections
	 * @param injected the faults it injected, by kind, in total
	 */
	public record Fault(String name, int port, long connections, Map<String, Long> injected) {

		static Fault of(FaultPort port) {
			return new Fault(port.name(), port.port(), port.connections(), byTag(FaultKind.values(), port::injected));
		}

	}

	/**
	 * One connection of the table.
	 *
	 * @param reactor the thread that serves it
	 * @param local the server's address and port it came in on
	 * @param peer the peer's address and port: the client's, or the load balancer's behind
	 * a PROXY header
	 * @param proxySource the client's address and port as the PROXY header gave it, or
	 * {@code null} without one
	 * @param tlsProtocol the negotiated TLS protocol, or {@code null} on plain TCP or
	 * before the handshake is done
	 * @param stage where it is: opening, proxy-header, tls-handshake, echo or closing
	 * @param bytesReceived bytes read from the peer, in total
	 * @param bytesSent bytes written to the peer, in total
	 * @param pendingBytes bytes read and not yet written back
	 * @param ageMillis milliseconds since it was accepted
	 */
	public record Connection(String reactor, String local, String peer, @Nullable String proxySource,
			@Nullable String tlsProtocol, String stage, long bytesReceived, long bytesSent, long pendingBytes,
			long ageMillis) {

		static Connection of(ConnectionFigures figures, List<EchoReactor> reactors) {
			String reactor = (figures.reactor() < reactors.size()) ? reactors.get(figures.reactor()).threadName()
					: String.valueOf(figures.reactor());
			InetSocketAddress source = figures.source();
			return new Connection(reactor, address(figures.local()), address(figures.peer()),
					(source != null) ? address(source) : null, figures.tlsProtocol(), figures.stage().displayName(),
					figures.bytesReceived(), figures.bytesSent(), figures.pendingOutputBytes(),
					figures.age().toMillis());
		}

		/** An address as a user writes it: {@code 192.0.2.7:7007}, {@code [2001:db8::7]:7007}. */
		static String address(@Nullable InetSocketAddress address) {
			return (address != null) ? LogFacts.format(address) : "closed";
		}

	}

}
