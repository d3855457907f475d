package io.echoreactor.reactor;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.accept.EchoAcceptor;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.fault.FaultPort;
import io.echoreactor.reactor.fault.FaultPorts;
import io.echoreactor.reactor.udp.SourceRateLimiter;
import io.echoreactor.reactor.udp.UdpSettings;
import org.jspecify.annotations.Nullable;

/**
 * What can be read of a running {@link EchoServer}, for the metrics, the health
 * indicators and the {@code echo} endpoint: its settings and where it is in its life, the
 * bound addresses, its reactors and their statistics, the accepting thread, the memory
 * budgets and the UDP rate limit. Read-only: nothing here starts, stops or changes the
 * server. One view per server, from {@link EchoServer#view()}; it follows the server,
 * so it can be kept and read again.
 *
 * <p>
 * <strong>Threading:</strong> every method may be called from any thread; each reads
 * what the server publishes through volatile fields or counters with a single writer.
 */
public final class EchoServerView {

	private final EchoServer server;

	private final ConnectionSnapshots snapshots;

	EchoServerView(EchoServer server) {
		this.server = server;
		this.snapshots = new ConnectionSnapshots(server::reactors, System::nanoTime);
	}

	/** @return the settings the server runs with */
	public EchoServerSettings settings() {
		return this.server.settings();
	}

	/** @return where the server is in its life */
	public EchoServer.Status status() {
		return this.server.status();
	}

	/** @return whether the server has started and not yet stopped (it may be draining) */
	public boolean isRunning() {
		EchoServer.Status status = status();
		return status == EchoServer.Status.RUNNING || status == EchoServer.Status.DRAINING;
	}

	/** @return the bound address, or {@code null} before start */
	public @Nullable InetSocketAddress localAddress() {
		ServerSockets sockets = this.server.sockets();
		return (sockets != null) ? sockets.plain() : null;
	}

	/** @return the bound port (useful with port 0), or -1 before start */
	public int port() {
		return port(localAddress());
	}

	/** @return the TLS listener's bound address, or {@code null} before start or without TLS */
	public @Nullable InetSocketAddress tlsLocalAddress() {
		ServerSockets sockets = this.server.sockets();
		return (sockets != null) ? sockets.tls() : null;
	}

	/** @return the TLS port (useful with port 0), or -1 before start or without TLS */
	public int tlsPort() {
		return port(tlsLocalAddress());
	}

	/** @return the UDP socket's bound address, or {@code null} before start or with UDP off */
	public @Nullable InetSocketAddress udpLocalAddress() {
		ServerSockets sockets = this.server.sockets();
		return (sockets != null) ? sockets.udp() : null;
	}

	/** @return the UDP port (useful with port 0), or -1 before start or with UDP off */
	public int udpPort() {
		return port(udpLocalAddress());
	}

	private static int port(@Nullable InetSocketAddress address) {
		return (address != null) ? address.getPort() : -1;
	}

	/** @return the reactors, in index order; empty before start */
	public List<EchoReactor> reactors() {
		return this.server.reactors();
	}

	/**
	 * The reactor of the given index, which meters registered before the start ask for.
	 * @param index the reactor's index
	 * @return the reactor, or {@code null} until it exists
	 */
	public @Nullable EchoReactor reactor(int index) {
		List<EchoReactor> reactors = reactors();
		return (index < reactors.size()) ? reactors.get(index) : null;
	}

	/**
	 * Return a snapshot of the open TCP connections for a console: each reactor's totals
	 * and the busiest connections. Taken on the reactors' threads at most once a second;
	 * asked again within the second, it is the last one.
	 * @param top how many of the busiest connections to list, at most 100
	 * @return the snapshot, completed once every reactor has answered
	 */
	public CompletableFuture<ConnectionsSnapshot> connectionsSnapshot(int top) {
		return this.snapshots.snapshot(top);
	}

	/** @return how many connection snapshots the reactors have been asked for */
	public long connectionsSnapshotsTaken() {
		return this.snapshots.taken();
	}

	/** @return the number of open connections over all reactors */
	public int activeConnections() {
		return this.server.activeConnections();
	}

	/**
	 * Return the statistics of the thread that accepts connections: the acceptor thread,
	 * or {@code null} in {@code reuseport} mode, where each reactor accepts and counts in
	 * its own statistics.
	 * @return the acceptor's statistics, or {@code null}
	 */
	public @Nullable ReactorStatistics acceptorStatistics() {
		EchoAcceptor acceptor = this.server.acceptor();
		return (acceptor != null) ? acceptor.statistics() : null;
	}

	/** @return whether the accepting thread, if there is one, is alive */
	public boolean isAcceptorAlive() {
		EchoAcceptor acceptor = this.server.acceptor();
		return acceptor == null || acceptor.isAlive() || status() != EchoServer.Status.RUNNING;
	}

	/** @return whether the accepting thread, if there is one, has not returned from select() for stall-timeout */
	public boolean isAcceptorStalled() {
		EchoAcceptor acceptor = this.server.acceptor();
		return acceptor != null && acceptor.sinceLastSelectNanos() > settings().stallTimeout().toNanos();
	}

	/**
	 * Return how long ago the accepting thread last returned from {@code select()}.
	 * @return the time since, or {@code null} in {@code reuseport} mode
	 */
	public @Nullable Duration acceptorSinceLastSelect() {
		EchoAcceptor acceptor = this.server.acceptor();
		return (acceptor != null) ? Duration.ofNanos(acceptor.sinceLastSelectNanos()) : null;
	}

	/**
	 * Return the threads that have not returned from {@code select()} for
	 * {@code stall-timeout}: wedged reactors, and the acceptor.
	 * @return their names; empty when none is stalled or the server is not running
	 */
	public List<String> stalledThreads() {
		if (!isRunning()) {
			return List.of();
		}
		List<String> stalled = new ArrayList<>();
		for (EchoReactor reactor : reactors()) {
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
	 * @return whether connections and datagrams are served
	 */
	public boolean isServingNewConnections() {
		List<String> stalled = stalledThreads();
		if (stalled.isEmpty()) {
			return true;
		}
		if (settings().acceptStrategy() == AcceptStrategy.REUSEPORT) {
			return false;
		}
		List<EchoReactor> reactors = reactors();
		for (EchoReactor reactor : reactors) {
			if (reactor.servesDatagrams() && stalled.contains(reactor.threadName())) {
				return false;
			}
		}
		return !stalled.contains(EchoAcceptor.THREAD_NAME) && stalled.size() < reactors.size();
	}

	/** @return the most direct memory all connections' pending output may hold together, in bytes */
	public long pendingOutputLimit() {
		return this.server.pendingOutputBudget().limit();
	}

	/**
	 * Return the direct memory pending output has allocated so far: chunks are allocated
	 * on first need and then kept for reuse, so this only grows, up to
	 * {@link #pendingOutputLimit()}.
	 * @return the bytes allocated
	 */
	public long pendingOutputAllocated() {
		return this.server.pendingOutputBudget().allocatedBytes();
	}

	/** @return the most heap connections may hold for TLS sessions and records and headers in part, in bytes */
	public long sessionMemoryLimit() {
		return this.server.sessionMemoryBudget().limit();
	}

	/** @return the session memory held now, in bytes */
	public long sessionMemoryUsed() {
		return this.server.sessionMemoryBudget().used();
	}

	/** @return the size of the UDP rate limit's table; 0 when it is off */
	public int udpRateLimitBuckets() {
		UdpSettings udp = settings().udp();
		return (udp.enabled() && udp.rateLimitPerSource() > 0) ? udp.maxTrackedSources() : 0;
	}

	/**
	 * Return the buckets of the UDP rate limit's table in debt now: drawn on and not yet
	 * refilled, which takes a second at most. A scan of the table.
	 * @return the buckets in use; 0 when the rate limit is off
	 */
	public int udpRateLimitActiveBuckets() {
		SourceRateLimiter rateLimiter = this.server.rateLimiter();
		return (rateLimiter != null) ? rateLimiter.activeBuckets(this.server.rateLimitNow()) : 0;
	}

	/** @return how often a UDP rate-limit bucket in debt changed hands between sources that share it */
	public long udpRateLimitShared() {
		SourceRateLimiter rateLimiter = this.server.rateLimiter();
		return (rateLimiter != null) ? rateLimiter.shared() : 0;
	}

	/** @return the fault ports, in the order of the settings; empty before start or with none */
	public List<FaultPort> faults() {
		FaultPorts faults = faults(this.server.sockets());
		return (faults != null) ? faults.ports() : List.of();
	}

	/** @return the bytes held now by connections of fault ports, apart from the plain ports' */
	public long faultPendingOutput() {
		FaultPorts faults = faults(this.server.sockets());
		return (faults != null) ? faults.pendingOutput() : 0;
	}

	private static @Nullable FaultPorts faults(@Nullable ServerSockets sockets) {
		return (sockets != null) ? sockets.faults() : null;
	}

}
