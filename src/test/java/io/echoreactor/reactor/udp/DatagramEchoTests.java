package io.echoreactor.reactor.udp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.UdpDropCause;
import io.echoreactor.reactor.loop.EventLoop;
import io.echoreactor.reactor.loop.SelectOperation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link DatagramEcho} on its own: which sources {@link DatagramEcho#admit} turns
 * away, and how one wakeup receives, driven from the test thread on a loop that never
 * starts, over a real channel on the loopback interface.
 */
@Timeout(30)
class DatagramEchoTests {

	private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

	private final List<EventLoop> loops = new ArrayList<>();

	private final List<DatagramChannel> channels = new ArrayList<>();

	private final AtomicLong clock = new AtomicLong(42 * SECOND);

	@AfterEach
	void close() throws IOException {
		for (DatagramChannel channel : this.channels) {
			channel.close();
		}
		this.loops.forEach(EventLoop::abandon);
	}

	// Loop guards

	@Test
	void aDatagramFromTheServicesOwnSocketIsDroppedAsOwnAddress() throws IOException {
		DatagramEcho echo = echo(bind(InetAddress.getByName("127.0.0.1")), null);
		InetSocketAddress own = (InetSocketAddress) echo.channel().getLocalAddress();
		assertThat(echo.admit(own)).isEqualTo(UdpDropCause.OWN_ADDRESS);
	}

	@Test
	void aDatagramFromTheServicesPortOnAnotherAddressIsDroppedAsOwnPort() throws IOException {
		DatagramEcho echo = echo(bind(InetAddress.getByName("127.0.0.1")), null);
		int port = ((InetSocketAddress) echo.channel().getLocalAddress()).getPort();
		assertThat(echo.admit(new InetSocketAddress("127.0.0.2", port))).isEqualTo(UdpDropCause.OWN_PORT);
		assertThat(echo.admit(new InetSocketAddress("192.0.2.1", port))).isEqualTo(UdpDropCause.OWN_PORT);
	}

	@Test
	void boundToEveryInterfaceAnyAddressOfThisHostOnTheOwnPortIsOwnAddress() throws IOException {
		DatagramEcho echo = echo(bind(null), null);
		int port = ((InetSocketAddress) echo.channel().getLocalAddress()).getPort();
		// The socket answers on every address of the host, so it may have sent from any of them.
		assertThat(echo.admit(new InetSocketAddress("127.0.0.1", port))).isEqualTo(UdpDropCause.OWN_ADDRESS);
		assertThat(echo.admit(new InetSocketAddress("127.0.0.2", port))).isEqualTo(UdpDropCause.OWN_ADDRESS);
		assertThat(echo.admit(new InetSocketAddress("::1", port))).isEqualTo(UdpDropCause.OWN_ADDRESS);
		nonLoopbackAddressOfThisHost()
			.ifPresent((address) -> assertThat(echo.admit(new InetSocketAddress(address, port)))
				.as("from %s, an address of this host", address)
				.isEqualTo(UdpDropCause.OWN_ADDRESS));
		// TEST-NET-1 (RFC 5737) is never a host's own: another instance of the service.
		assertThat(echo.admit(new InetSocketAddress("192.0.2.1", port))).isEqualTo(UdpDropCause.OWN_PORT);
	}

	@Test
	void boundToEveryInterfaceTheHostsAddressesAreListedAtStartAndOnTheLoopsTimerNeverPerDatagram()
			throws IOException {
		// Documentation addresses (RFC 5737), only compared: a stand-in for the host's list.
		InetAddress first = InetAddress.getByName("192.0.2.7");
		InetAddress second = InetAddress.getByName("198.51.100.9");
		AtomicReference<Set<InetAddress>> host = new AtomicReference<>(Set.of(first));
		AtomicInteger listings = new AtomicInteger();
		DatagramEcho echo = echo(bind(null), null, 64, () -> {
			listings.incrementAndGet();
			return host.get();
		});
		echo.open();
		EventLoop loop = this.loops.get(0);
		int port = ((InetSocketAddress) echo.channel().getLocalAddress()).getPort();
		for (int i = 0; i < 10_000; i++) {
			assertThat(echo.admit(new InetSocketAddress(first, port))).isEqualTo(UdpDropCause.OWN_ADDRESS);
			assertThat(echo.admit(new InetSocketAddress(second, port))).isEqualTo(UdpDropCause.OWN_PORT);
		}
		assertThat(listings).as("listings for 20,000 datagrams from the own port").hasValue(1);
		// The host's addresses change; the loop's timer finds out, and not before it is due.
		host.set(Set.of(second));
		long due = loop.now() + DatagramEcho.HOST_ADDRESSES_REFRESH_NANOS;
		loop.deadlines().expire(due - 1);
		assertThat(listings).hasValue(1);
		assertThat(echo.admit(new InetSocketAddress(second, port))).isEqualTo(UdpDropCause.OWN_PORT);
		loop.deadlines().expire(due);
		assertThat(listings).hasValue(2);
		assertThat(echo.admit(new InetSocketAddress(second, port))).isEqualTo(UdpDropCause.OWN_ADDRESS);
		assertThat(echo.admit(new InetSocketAddress(first, port))).isEqualTo(UdpDropCause.OWN_PORT);
		// And again, one period later.
		assertThat(loop.deadlines().earliest()).isEqualTo(due + DatagramEcho.HOST_ADDRESSES_REFRESH_NANOS);
		echo.close();
		assertThat(loop.deadlines().size()).as("timers left once closed").isZero();
	}

	@Test
	void aHostAddressListingThatFailsKeepsTheLastList() throws IOException {
		InetAddress first = InetAddress.getByName("192.0.2.7");
		AtomicBoolean failing = new AtomicBoolean();
		DatagramEcho echo = echo(bind(null), null, 64, () -> {
			if (failing.get()) {
				throw new SocketException("netlink said no");
			}
			return Set.of(first);
		});
		echo.open();
		EventLoop loop = this.loops.get(0);
		int port = ((InetSocketAddress) echo.channel().getLocalAddress()).getPort();
		failing.set(true);
		loop.deadlines().expire(loop.now() + DatagramEcho.HOST_ADDRESSES_REFRESH_NANOS);
		assertThat(echo.admit(new InetSocketAddress(first, port))).isEqualTo(UdpDropCause.OWN_ADDRESS);
		assertThat(loop.deadlines().size()).as("the refresh, still scheduled").isOne();
	}

	@Test
	void boundToOneAddressTheHostsAddressesAreNeverListed() throws IOException {
		AtomicInteger listings = new AtomicInteger();
		DatagramEcho echo = echo(bind(InetAddress.getByName("127.0.0.1")), null, 64, () -> {
			listings.incrementAndGet();
			return Set.of();
		});
		echo.open();
		int port = ((InetSocketAddress) echo.channel().getLocalAddress()).getPort();
		assertThat(echo.admit(new InetSocketAddress("127.0.0.1", port))).isEqualTo(UdpDropCause.OWN_ADDRESS);
		assertThat(listings).hasValue(0);
		assertThat(this.loops.get(0).deadlines().size()).isZero();
	}

	@Test
	void sourcePortsBelow1024AreDroppedAndFrom1024OnAnswered() throws IOException {
		DatagramEcho echo = echo(bind(InetAddress.getByName("127.0.0.1")), null);
		for (int port : new int[] { 0, 7, 19, 53, 1023 }) {
			assertThat(echo.admit(new InetSocketAddress("127.0.0.3", port))).as("source port %d", port)
				.isEqualTo(UdpDropCause.LOW_SOURCE_PORT);
		}
		for (int port : new int[] { 1024, 40000, 65535 }) {
			assertThat(echo.admit(new InetSocketAddress("127.0.0.3", port))).as("source port %d", port).isNull();
		}
	}

	// Rate limit

	@Test
	void withoutARateLimitNoSourceIsEverLimited() throws IOException {
		DatagramEcho echo = echo(bind(InetAddress.getByName("127.0.0.1")), null);
		for (int i = 0; i < 10_000; i++) {
			assertThat(echo.admit(new InetSocketAddress("127.0.0.3", 40000))).isNull();
		}
	}

	@Test
	void beyondItsRateASourceIsDroppedUntilTheClockRefillsItsBucket() throws IOException {
		// A key of the test's, with which 127.0.0.3 and 127.0.0.4 have buckets of their own.
		SourceRateLimiter limiter = new SourceRateLimiter(3, 1024, new Random(7));
		assertThat(limiter.bucketOf(InetAddress.getByName("127.0.0.3")))
			.isNotEqualTo(limiter.bucketOf(InetAddress.getByName("127.0.0.4")));
		DatagramEcho echo = echo(bind(InetAddress.getByName("127.0.0.1")), limiter);
		InetSocketAddress source = new InetSocketAddress("127.0.0.3", 40000);
		for (int i = 0; i < 3; i++) {
			assertThat(echo.admit(source)).isNull();
		}
		assertThat(echo.admit(source)).isEqualTo(UdpDropCause.RATE_LIMIT);
		// The limit is per address, whatever the port.
		assertThat(echo.admit(new InetSocketAddress("127.0.0.3", 40001))).isEqualTo(UdpDropCause.RATE_LIMIT);
		assertThat(echo.admit(new InetSocketAddress("127.0.0.4", 40000))).isNull();
		// A third of a second, rounded up to the nanosecond, earns one token at 3/s.
		this.clock.addAndGet(SECOND / 3 + 1);
		assertThat(echo.admit(source)).isNull();
		assertThat(echo.admit(source)).isEqualTo(UdpDropCause.RATE_LIMIT);
	}

	@Test
	void datagramsTheLoopGuardsDropSpendNoneOfTheSourcesRate() throws IOException {
		DatagramEcho echo = echo(bind(InetAddress.getByName("127.0.0.1")), new SourceRateLimiter(1, 10));
		int ownPort = ((InetSocketAddress) echo.channel().getLocalAddress()).getPort();
		for (int i = 0; i < 5; i++) {
			assertThat(echo.admit(new InetSocketAddress("127.0.0.3", 19))).isEqualTo(UdpDropCause.LOW_SOURCE_PORT);
			assertThat(echo.admit(new InetSocketAddress("127.0.0.3", ownPort))).isEqualTo(UdpDropCause.OWN_PORT);
		}
		assertThat(echo.admit(new InetSocketAddress("127.0.0.3", 40000))).isNull();
		assertThat(echo.admit(new InetSocketAddress("127.0.0.3", 40000))).isEqualTo(UdpDropCause.RATE_LIMIT);
	}

	// Receiving

	@Test
	void aWakeupReceivesUntilNothingIsLeftAndAnswersEachDatagramAlone() throws IOException {
		DatagramEcho echo = echo(bind(InetAddress.getByName("127.0.0.1")), null, 64);
		try (DatagramChannel client = client(echo)) {
			for (int size : new int[] { 1, 2, 3 }) {
				client.write(ByteBuffer.wrap(new byte[size]));
			}
			// Loopback delivers within send(): all three wait in the service's socket.
			echo.ready(SelectionKey.OP_READ);
			ReactorStatistics statistics = this.loops.get(0).statistics();
			assertThat(statistics.get(Counter.UDP_DATAGRAMS_RECEIVED)).isEqualTo(3);
			assertThat(statistics.get(Counter.UDP_RECEIVES_EMPTY)).as("the receive that ended the turn").isOne();
			assertThat(statistics.get(Counter.UDP_DATAGRAMS_SENT)).isEqualTo(3);
			assertThat(statistics.get(Counter.UDP_BYTES_RECEIVED)).isEqualTo(6);
			assertThat(statistics.get(Counter.UDP_BYTES_SENT)).isEqualTo(6);
			ByteBuffer answer = ByteBuffer.allocate(16);
			for (int size : new int[] { 1, 2, 3 }) {
				answer.clear();
				assertThat(client.receive(answer)).isNotNull();
				assertThat(answer.position()).isEqualTo(size);
			}
			assertThat(client.receive(answer.clear())).isNull();
		}
	}

	@Test
	void aWakeupReceivesNoMoreThanTheReceiveBudgetAndLeavesTheRestForTheNext() throws IOException {
		DatagramEcho echo = echo(bind(InetAddress.getByName("127.0.0.1")), null, 2);
		try (DatagramChannel client = client(echo)) {
			for (int i = 0; i < 3; i++) {
				client.write(ByteBuffer.wrap(new byte[] { (byte) i }));
			}
			ReactorStatistics statistics = this.loops.get(0).statistics();
			echo.ready(SelectionKey.OP_READ);
			assertThat(statistics.get(Counter.UDP_DATAGRAMS_RECEIVED)).isEqualTo(2);
			assertThat(statistics.get(Counter.UDP_RECEIVES_EMPTY)).isZero();
			echo.ready(SelectionKey.OP_READ);
			assertThat(statistics.get(Counter.UDP_DATAGRAMS_RECEIVED)).isEqualTo(3);
			assertThat(statistics.get(Counter.UDP_RECEIVES_EMPTY)).isOne();
			assertThat(statistics.get(Counter.UDP_DATAGRAMS_SENT)).isEqualTo(3);
		}
	}

	@Test
	void aDroppedDatagramIsCountedByItsCauseAndNotAnswered() throws IOException {
		DatagramEcho echo = echo(bind(InetAddress.getByName("127.0.0.1")), new SourceRateLimiter(1, 10), 64);
		try (DatagramChannel client = client(echo)) {
			for (int i = 0; i < 3; i++) {
				client.write(ByteBuffer.wrap(new byte[] { (byte) i }));
			}
			echo.ready(SelectionKey.OP_READ);
			ReactorStatistics statistics = this.loops.get(0).statistics();
			assertThat(statistics.get(Counter.UDP_DATAGRAMS_RECEIVED)).isEqualTo(3);
			assertThat(statistics.dropped(UdpDropCause.RATE_LIMIT)).isEqualTo(2);
			assertThat(statistics.get(Counter.UDP_DATAGRAMS_SENT)).isOne();
			ByteBuffer answer = ByteBuffer.allocate(16);
			assertThat(client.receive(answer)).isNotNull();
			assertThat(answer.flip().get()).as("the first datagram's byte").isZero();
			assertThat(client.receive(answer.clear())).isNull();
		}
	}

	// Helpers

	private DatagramChannel bind(InetAddress address) throws IOException {
		// Opened as the server opens its own: dual-stack where the host has IPv6.
		DatagramChannel channel = DatagramChannel.open();
		this.channels.add(channel);
		channel.bind(new InetSocketAddress(address, 0));
		channel.configureBlocking(false);
		return channel;
	}

	private DatagramEcho echo(DatagramChannel channel, SourceRateLimiter rateLimiter) throws IOException {
		return echo(channel, rateLimiter, 64);
	}

	private DatagramEcho echo(DatagramChannel channel, SourceRateLimiter rateLimiter, int receiveBudget)
			throws IOException {
		return echo(channel, rateLimiter, receiveBudget, null);
	}

	private DatagramEcho echo(DatagramChannel channel, SourceRateLimiter rateLimiter, int receiveBudget,
			DatagramEcho.HostAddresses hostAddresses) throws IOException {
		EventLoop loop = new EventLoop("test-loop", SECOND, SelectOperation.DEFAULT, new EventLoop.Owner() {

			@Override
			public boolean finished() {
				return true;
			}

			@Override
			public void ended(boolean died) {
			}

		});
		this.loops.add(loop);
		return (hostAddresses != null)
				? new DatagramEcho(loop, channel, receiveBudget, rateLimiter, this.clock::get, hostAddresses)
				: new DatagramEcho(loop, channel, receiveBudget, rateLimiter, this.clock::get);
	}

	// A non-blocking client connected to the service's socket, so that it hears nobody else.
	private static DatagramChannel client(DatagramEcho echo) throws IOException {
		DatagramChannel client = DatagramChannel.open();
		client.connect(echo.channel().getLocalAddress());
		client.configureBlocking(false);
		return client;
	}

	private static Optional<InetAddress> nonLoopbackAddressOfThisHost() throws IOException {
		return NetworkInterface.networkInterfaces()
			.flatMap(NetworkInterface::inetAddresses)
			.filter((candidate) -> !candidate.isLoopbackAddress() && !candidate.isLinkLocalAddress())
			.findFirst();
	}

}
