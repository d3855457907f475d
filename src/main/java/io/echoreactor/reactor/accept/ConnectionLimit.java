package io.echoreactor.reactor.accept;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server-wide bounds on open connections: {@code max-connections} in all, and
 * {@code max-connections-per-address} from any one client address (off when 0). Touched
 * once when a connection is accepted and once when it closes, never per byte, so shared
 * atomics cost nothing measurable.
 *
 * <p>
 * <strong>Threading:</strong> called from any thread.
 */
public final class ConnectionLimit {

	private final AtomicInteger open = new AtomicInteger();

	private volatile int max;

	private volatile int maxPerAddress;

	// Only addresses with open connections are present, so clients that come and go cannot
	// grow it beyond max-connections entries.
	private final ConcurrentHashMap<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();

	public ConnectionLimit(int max, int maxPerAddress) {
		this.max = max;
		this.maxPerAddress = maxPerAddress;
	}

	/** @return whether connections are counted per client address */
	/**
	 * Change the limits for the connections accepted from now on: those open are kept,
	 * and counted against the new limits. Called from any thread.
	 * @param max the most connections at once
	 * @param maxPerAddress the most connections from one address, or 0 for no limit
	 */
	public void setLimits(int max, int maxPerAddress) {
		this.max = max;
		this.maxPerAddress = maxPerAddress;
	}

	public boolean limitsAddresses() {
		return this.maxPerAddress > 0;
	}

	public boolean tryAcquire() {
		if (this.open.incrementAndGet() <= this.max) {
			return true;
		}
		this.open.decrementAndGet();
		return false;
	}

	public void release() {
		this.open.decrementAndGet();
	}

	/**
	 * Count one more connection from {@code address}, if it has fewer than
	 * {@code max-connections-per-address}.
	 * @param address the client's address
	 * @return {@code false} if the address is at its limit
	 */
	public boolean tryAcquire(InetAddress address) {
		boolean[] admitted = new boolean[1];
		this.perAddress.compute(address, (key, count) -> {
			int current = (count != null) ? count : 0;
			admitted[0] = current < this.maxPerAddress;
			return admitted[0] ? current + 1 : count;
		});
		return admitted[0];
	}

	/**
	 * Count one connection from {@code address} less.
	 * @param address the client's address
	 */
	public void release(InetAddress address) {
		this.perAddress.computeIfPresent(address, (key, count) -> (count > 1) ? count - 1 : null);
	}

	public int open() {
		return this.open.get();
	}

	/** @return the client addresses with open connections that are counted */
	int addresses() {
		return this.perAddress.size();
	}

}
