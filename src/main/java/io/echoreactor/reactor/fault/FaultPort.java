package io.echoreactor.reactor.fault;

import java.net.InetSocketAddress;

import io.echoreactor.reactor.accept.ConnectionLimit;
import io.echoreactor.reactor.counters.FaultKind;
import org.jspecify.annotations.Nullable;

/**
 * One fault profile as it runs: its settings, the addresses it bound, and its counts on
 * every reactor, read by the meters and the {@code echo} endpoint.
 *
 * <p>
 * <strong>Threading:</strong> the addresses are set while the server starts; the counts
 * are written by the reactor threads; everything may be read from any thread.
 */
public final class FaultPort {

	private final FaultProfile profile;

	private final FaultCounts[] counts;

	private final ConnectionLimit limit;

	private final FaultMemory memory;

	private final long idleTimeoutNanos;

	private volatile @Nullable InetSocketAddress tcp;

	private volatile @Nullable InetSocketAddress udp;

	FaultPort(FaultProfile profile, int reactors, ConnectionLimit limit, FaultMemory memory, long idleTimeoutNanos) {
		this.profile = profile;
		this.counts = new FaultCounts[reactors];
		for (int i = 0; i < reactors; i++) {
			this.counts[i] = new FaultCounts();
		}
		this.limit = limit;
		this.memory = memory;
		this.idleTimeoutNanos = idleTimeoutNanos;
	}

	/** @return the profile's name */
	public String name() {
		return this.profile.name();
	}

	/** @return the profile's settings */
	public FaultProfile profile() {
		return this.profile;
	}

	/** @return the bound TCP port, or -1 before it is bound */
	public int port() {
		InetSocketAddress tcp = this.tcp;
		return (tcp != null) ? tcp.getPort() : -1;
	}

	/** @return the bound UDP port, or -1 when the profile has no UDP fault */
	public int udpPort() {
		InetSocketAddress udp = this.udp;
		return (udp != null) ? udp.getPort() : -1;
	}

	/**
	 * Return how many faults of the given kind the profile has injected, over all
	 * reactors. Called from any thread.
	 * @param kind the kind
	 * @return the count
	 */
	public long injected(FaultKind kind) {
		long sum = 0;
		for (FaultCounts count : this.counts) {
			sum += count.injected(kind);
		}
		return sum;
	}

	/** @return the profile's connections open now, over all reactors */
	public long connections() {
		long sum = 0;
		for (FaultCounts count : this.counts) {
			sum += count.connections();
		}
		return sum;
	}

	FaultCounts counts(int reactor) {
		return this.counts[reactor];
	}

	ConnectionLimit limit() {
		return this.limit;
	}

	FaultMemory memory() {
		return this.memory;
	}

	long idleTimeoutNanos() {
		return this.idleTimeoutNanos;
	}

	void bound(InetSocketAddress tcp) {
		this.tcp = tcp;
	}

	void boundDatagrams(InetSocketAddress udp) {
		this.udp = udp;
	}

	@Override
	public String toString() {
		return "fault profile " + name();
	}

}
