package io.echoreactor.reactor.udp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.UdpDropCause;
import io.echoreactor.reactor.loop.Closeables;
import io.echoreactor.reactor.loop.Deadlines;
import io.echoreactor.reactor.loop.EventLoop;
import io.echoreactor.reactor.loop.LogFacts;
import io.echoreactor.reactor.loop.ReactorLog;
import io.echoreactor.reactor.loop.Selectable;
import io.echoreactor.reactor.loop.ThrottledWarning;
import org.jspecify.annotations.Nullable;

/**
 * The UDP echo of RFC 862 on a reactor's {@link EventLoop}: each datagram received is sent
 * back to its source as one datagram with the same bytes, never split, merged or
 * truncated (the receive buffer holds the largest UDP payload). A wakeup receives until
 * {@code receive()} finds nothing or the receive budget is spent.
 *
 * <p>
 * <strong>Never a reflector or a loop.</strong> Datagrams from a source port below 1024
 * (a service that would answer back), from the service's own port (another instance of
 * it, or its own socket) and beyond a source's {@link SourceRateLimiter rate limit} are
 * dropped unanswered. When the socket's send buffer is full the answer is dropped: UDP
 * promises nothing more, and the reactor never waits for it.
 *
 * <p>
 * <strong>No system call per datagram for the loop guard.</strong> Bound to every
 * interface, the socket may have sent from any of the host's addresses; which they are is
 * enumerated when the echo is made and again every {@link #HOST_ADDRESSES_REFRESH_NANOS
 * 30 seconds} on the loop's timer, and each datagram is looked up in that snapshot. A
 * snapshot behind an address change only counts a datagram from the own port as
 * {@code own-port} instead of {@code own-address}: it is dropped either way.
 *
 * <p>
 * <strong>Threading:</strong> confined to its loop's thread.
 */
public final class DatagramEcho implements Selectable {

	private static final ReactorLog logger = ReactorLog.of(DatagramEcho.class);

	/** Holds the largest UDP payload: 65,507 bytes over IPv4, 65,527 over IPv6. */
	public static final int RECEIVE_BUFFER_SIZE = 65_536;

	/** How often the host's addresses are enumerated again, on a wildcard bind. */
	static final long HOST_ADDRESSES_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(30);

	private final EventLoop loop;

	private final DatagramChannel channel;

	private final ByteBuffer buffer = ByteBuffer.allocateDirect(RECEIVE_BUFFER_SIZE);

	private int receiveBudget;

	private @Nullable SourceRateLimiter rateLimiter;

	private final LongSupplier clock;

	private final int ownPort;

	private final InetAddress ownAddress;

	private final ThrottledWarning failures = new ThrottledWarning(logger);

	private final HostAddresses hostAddressLookup;

	private final Deadlines.Entry hostAddressesRefresh = new Deadlines.Entry() {

		@Override
		protected void expired(long nowNanos) {
			refreshHostAddresses();
			DatagramEcho.this.loop.deadlines().schedule(this, nowNanos + HOST_ADDRESSES_REFRESH_NANOS);
		}

	};

	private Set<InetAddress> hostAddresses = Set.of();

	@SuppressWarnings("NullAway.Init") // registered in open(), before the loop can select it
	private SelectionKey key;

	/**
	 * @param loop the reactor's loop
	 * @param channel the bound, non-blocking channel
	 * @param receiveBudget datagrams per wakeup
	 * @param rateLimiter the per-source limit, or {@code null} for none
	 * @param clock the time the rate limit goes by, in {@link System#nanoTime()} terms:
	 * the loop's time, or a clock a test holds
	 */
	public DatagramEcho(EventLoop loop, DatagramChannel channel, int receiveBudget, @Nullable SourceRateLimiter rateLimiter,
			LongSupplier clock) throws IOException {
		this(loop, channel, receiveBudget, rateLimiter, clock, DatagramEcho::enumerateHostAddresses);
	}

	/**
	 * @param loop the reactor's loop
	 * @param channel the bound, non-blocking channel
	 * @param receiveBudget datagrams per wakeup
	 * @param rateLimiter the per-source limit, or {@code null} for none
	 * @param clock the time the rate limit goes by
	 * @param hostAddressLookup what enumerates the host's addresses, on a wildcard bind
	 */
	DatagramEcho(EventLoop loop, DatagramChannel channel, int receiveBudget, @Nullable SourceRateLimiter rateLimiter,
			LongSupplier clock, HostAddresses hostAddressLookup) throws IOException {
		this.loop = loop;
		this.channel = channel;
		this.receiveBudget = receiveBudget;
		this.rateLimiter = rateLimiter;
		this.clock = clock;
		this.hostAddressLookup = hostAddressLookup;
		InetSocketAddress local = (InetSocketAddress) channel.getLocalAddress();
		this.ownPort = local.getPort();
		this.ownAddress = local.getAddress();
		if (this.ownAddress.isAnyLocalAddress()) {
			refreshHostAddresses();
		}
	}

	/**
	 * Take new settings for the datagrams received from now on. Loop thread only.
	 * @param receiveBudget datagrams per wakeup
	 * @param rateLimiter the per-source limit, or {@code null} for none
	 */
	public void apply(int receiveBudget, @Nullable SourceRateLimiter rateLimiter) {
		assert this.loop.inLoop();
		this.receiveBudget = receiveBudget;
		this.rateLimiter = rateLimiter;
	}

	/** Start receiving. Loop thread, or before the loop starts. */
	public void open() throws IOException {
		this.key = this.loop.register(this.channel, SelectionKey.OP_READ, this);
		if (this.ownAddress.isAnyLocalAddress()) {
			this.loop.deadlines().schedule(this.hostAddressesRefresh, this.loop.now() + HOST_ADDRESSES_REFRESH_NANOS);
		}
	}

	// A failed enumeration keeps the last snapshot: the guard drops own-port datagrams anyway.
	private void refreshHostAddresses() {
		try {
			this.hostAddresses = Set.copyOf(this.hostAddressLookup.addresses());
		}
		catch (IOException | RuntimeException ex) {
			if (this.failures.due()) {
				this.failures.log("Unable to list this host's addresses for the UDP loop guard on "
						+ this.loop.name() + "; keeping the last list", LogFacts.reactor(this.loop.name()), ex);
			}
		}
	}

	private static Set<InetAddress> enumerateHostAddresses() throws IOException {
		return NetworkInterface.networkInterfaces()
			.flatMap(NetworkInterface::inetAddresses)
			.collect(Collectors.toUnmodifiableSet());
	}

	DatagramChannel channel() {
		return this.channel;
	}

	@Override
	public void ready(int readyOps) {
		ReactorStatistics statistics = this.loop.statistics();
		ByteBuffer buffer = this.buffer;
		for (int i = 0; i < this.receiveBudget; i++) {
			buffer.clear();
			SocketAddress received;
			try {
				received = this.channel.receive(buffer);
			}
			catch (IOException ex) {
				if (this.failures.due()) {
					this.failures.log("UDP receive failed on " + this.loop.name(),
							LogFacts.connection(this.loop.name(), this.channel, null), ex);
				}
				return;
			}
			if (received == null) {
				statistics.increment(Counter.UDP_RECEIVES_EMPTY);
				return;
			}
			statistics.increment(Counter.UDP_DATAGRAMS_RECEIVED);
			statistics.add(Counter.UDP_BYTES_RECEIVED, buffer.position());
			InetSocketAddress source = (InetSocketAddress) received;
			UdpDropCause refused = admit(source);
			if (refused != null) {
				statistics.increment(refused);
				continue;
			}
			send(buffer.flip(), source, statistics);
		}
	}

	private void send(ByteBuffer datagram, InetSocketAddress destination, ReactorStatistics statistics) {
		int length = datagram.remaining();
		try {
			if (this.channel.send(datagram, destination) == 0) {
				statistics.increment(Counter.UDP_SENDS_EMPTY);
				statistics.increment(UdpDropCause.SEND_BUFFER_FULL);
				return;
			}
		}
		catch (IOException ex) {
			statistics.increment(UdpDropCause.SEND_ERROR);
			if (logger.isDebugEnabled()) {
				logger.debug("Unable to answer " + destination + " on " + this.loop.name(),
						LogFacts.connection(this.loop.name(), this.channel, null)
							.peer(destination)
							.cause(UdpDropCause.SEND_ERROR),
						ex);
			}
			return;
		}
		statistics.increment(Counter.UDP_DATAGRAMS_SENT);
		statistics.add(Counter.UDP_BYTES_SENT, length);
	}

	/**
	 * Return why a datagram from {@code source} must not be answered.
	 * @param source its source
	 * @return the cause, or {@code null} to answer it
	 */
	@Nullable UdpDropCause admit(InetSocketAddress source) {
		int port = source.getPort();
		if (port == this.ownPort) {
			return isOwnAddress(source.getAddress()) ? UdpDropCause.OWN_ADDRESS : UdpDropCause.OWN_PORT;
		}
		if (port < 1024) {
			return UdpDropCause.LOW_SOURCE_PORT;
		}
		if (this.rateLimiter != null && !this.rateLimiter.tryAcquire(source.getAddress(), this.clock.getAsLong())) {
			return UdpDropCause.RATE_LIMIT;
		}
		return null;
	}

	private boolean isOwnAddress(InetAddress address) {
		if (!this.ownAddress.isAnyLocalAddress()) {
			return this.ownAddress.equals(address);
		}
		return address.isLoopbackAddress() || address.isAnyLocalAddress() || this.hostAddresses.contains(address);
	}

	@Override
	public void rekeyed(SelectionKey key) {
		this.key = key;
	}

	@Override
	public void abort(CloseCause cause) {
		close();
	}

	/** Stop receiving and close the channel. Loop thread. */
	public void close() {
		if (this.key != null) {
			this.key.cancel();
		}
		this.loop.deadlines().cancel(this.hostAddressesRefresh);
		Closeables.closeQuietly(this.channel);
	}

	/**
	 * What lists the host's addresses: {@link NetworkInterface} in service, a stand-in in
	 * tests.
	 */
	@FunctionalInterface
	interface HostAddresses {

		/**
		 * Return every address of the host's interfaces.
		 * @return the addresses
		 * @throws IOException if they cannot be listed
		 */
		Set<InetAddress> addresses() throws IOException;

	}

}
