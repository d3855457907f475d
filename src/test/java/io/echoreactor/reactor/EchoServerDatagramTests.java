package io.echoreactor.reactor;

import java.io.Closeable;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.UdpDropCause;
import io.echoreactor.reactor.loop.SelectOperation;
import io.echoreactor.reactor.udp.SourceRateLimiter;
import io.echoreactor.reactor.udp.UdpSettings;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.EchoClient;
import io.echoreactor.support.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Tests for the UDP echo of {@link EchoServer} over real sockets on the loopback
 * interface, IPv4 and IPv6, run once for each {@link AcceptStrategy}: one socket on the
 * first reactor, or one {@code SO_REUSEPORT} socket per reactor. No Spring: the server is
 * built from {@link EchoServerSettings} and observed through {@link ReactorStatistics}.
 *
 * <p>
 * A datagram that must get no answer is never waited for: the test sends it, then has
 * another socket's datagram echoed and the server count the drop, after which an answer,
 * delivered by loopback within the server's {@code send()}, would already be waiting.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(AcceptStrategy.class)
@Timeout(90)
class EchoServerDatagramTests {

	private static final int REACTORS = 2;

	/** The largest UDP payloads: 65,535 less the IPv4 and UDP headers, or less the UDP header alone. */
	private static final int MAX_IPV4_PAYLOAD = 65_507;

	private static final int MAX_IPV6_PAYLOAD = 65_527;

	private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);

	private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

	@Parameter
	AcceptStrategy strategy;

	private final List<EchoServer> servers = new ArrayList<>();

	private final List<Closeable> closeables = new ArrayList<>();

	// The rate limit's clock, for the servers built with it: it moves only when a test moves it.
	private final AtomicLong clock = new AtomicLong(1000 * SECOND);

	private EchoServer server;

	@AfterEach
	void stopServersAndClients() throws IOException {
		for (Closeable closeable : this.closeables) {
			closeable.close();
		}
		this.servers.forEach(EchoServer::stop);
	}

	// Echo

	static Stream<Arguments> addressesAndClients() {
		return Stream.of(arguments("127.0.0.1", "DatagramSocket"), arguments("127.0.0.1", "DatagramChannel"),
				arguments("::1", "DatagramSocket"), arguments("::1", "DatagramChannel"));
	}

	@ParameterizedTest(name = "{0}, {1}")
	@MethodSource("addressesAndClients")
	void eachDatagramComesBackByteExactAsOneDatagramOfTheSameSize(String host, String clientType) throws IOException {
		InetAddress address = InetAddress.getByName(host);
		start(settings(address));
		int largest = (address instanceof Inet6Address) ? MAX_IPV6_PAYLOAD : MAX_IPV4_PAYLOAD;
		int[] sizes = { 1, 1472, largest, 1 };
		Client client = clientType.equals("DatagramSocket") ? new SocketClient(address) : new ChannelClient(address);
		this.closeables.add(client);
		for (int i = 0; i < sizes.length; i++) {
			byte[] datagram = pattern(i, sizes[i]);
			client.send(datagram, udpAddress());
			// A receive buffer larger than any datagram: a truncated or merged answer shows.
			byte[] answer = client.receive();
			assertThat(answer.length).as("size of the answer to %d bytes", sizes[i]).isEqualTo(sizes[i]);
			assertThat(answer).as("bytes of the answer to %d bytes", sizes[i]).isEqualTo(datagram);
		}
		// Answers keep their order from one socket, so a split answer would have left its
		// rest before the marker.
		byte[] marker = pattern(99, 3);
		client.send(marker, udpAddress());
		assertThat(client.receive()).isEqualTo(marker);
		long bytes = 1 + 1472 + largest + 1 + 3;
		await().untilAsserted(() -> {
			assertThat(sum(Counter.UDP_DATAGRAMS_RECEIVED)).isEqualTo(sizes.length + 1);
			assertThat(sum(Counter.UDP_DATAGRAMS_SENT)).isEqualTo(sizes.length + 1);
		});
		assertThat(sum(Counter.UDP_BYTES_RECEIVED)).isEqualTo(bytes);
		assertThat(sum(Counter.UDP_BYTES_SENT)).isEqualTo(bytes);
		assertThat(droppedTotal()).isZero();
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "127.0.0.1", "::1" })
	void tenThousandDatagramsFromFiftySocketsInParallelAllComeBackUnlessTheKernelCountedTheirDrop(String host)
			throws IOException {
		InetAddress address = InetAddress.getByName(host);
		// No rate limit: every socket sends from the same address. A larger receive buffer
		// than the kernel's default, so that the kernel rarely has to drop a burst.
		start(settings(address).udp(new UdpSettings(true, null, 0, 10_000, 64, 4 * 1024 * 1024, null)));
		KernelUdpCounters before = KernelUdpCounters.read();
		ParallelClients clients = new ParallelClients(address, udpAddress(), 50, 200, 8);
		this.closeables.add(clients);
		clients.run(Duration.ofSeconds(10));
		// A datagram may only be missing where the kernel counted a drop (by the server's
		// socket or a client's); late answers count once they arrive, and free their window.
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
			clients.step();
			long kernelDrops = KernelUdpCounters.read().errorsSince(before);
			assertThat(clients.missing()).as("datagrams without an answer; the kernel counted %d UDP errors meanwhile",
					kernelDrops)
				.isLessThanOrEqualTo(kernelDrops);
			assertThat(clients.sentAllOrHeldUpByMissingAnswers()).as("every datagram sent").isTrue();
		});
		assertThat(clients.duplicates()).as("answers received twice").isZero();
		await().untilAsserted(() -> assertThat(sum(Counter.UDP_DATAGRAMS_SENT) + droppedTotal())
			.isEqualTo(sum(Counter.UDP_DATAGRAMS_RECEIVED)));
		assertThat(droppedTotal()).isZero();
		assertThat(sum(Counter.UDP_DATAGRAMS_SENT)).isGreaterThanOrEqualTo(clients.received())
			.isLessThanOrEqualTo(clients.total());
		assertThat(sum(Counter.UDP_BYTES_SENT)).isEqualTo(sum(Counter.UDP_BYTES_RECEIVED));
		for (EchoReactor reactor : this.server.view().reactors()) {
			// The kernel spreads 50 sources over the reuseport sockets (all on one: 2^-49).
			boolean servesUdp = reactor.index() == 0 || this.strategy == AcceptStrategy.REUSEPORT;
			assertThat(reactor.statistics().get(Counter.UDP_DATAGRAMS_RECEIVED) > 0)
				.as("%s received datagrams", reactor.threadName())
				.isEqualTo(servesUdp);
		}
	}

	// Loop guards

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "127.0.0.1", "::1" })
	void aSourceOnPort19GetsNoAnswerAndIsCountedAsLowSourcePort(String host) throws IOException {
		InetAddress address = InetAddress.getByName(host);
		start(settings(address));
		DatagramChannel chargen = lowPortSocket(address);
		assertNoAnswerAndCounted(chargen, UdpDropCause.LOW_SOURCE_PORT);
	}

	@Test
	void aSourceOnTheServicesUdpPortOnAnotherLoopbackAddressGetsNoAnswerAndIsCountedAsOwnPort() throws IOException {
		start(settings(InetAddress.getByName("127.0.0.1")));
		// Every 127.0.0.0/8 address is loopback on Linux: another instance of the service.
		DatagramChannel twin = bind(new InetSocketAddress("127.0.0.2", this.server.view().udpPort()));
		assertNoAnswerAndCounted(twin, UdpDropCause.OWN_PORT);
	}

	// Rate limit

	@Test
	void aBurstFromOneSourceGetsExactlyTheRateAndTheBucketRefillsWithTheClock() throws IOException {
		startWithClock(settings(InetAddress.getByName("127.0.0.1"))
			.udp(new UdpSettings(true, null, 5, 3, 64, null, null)));
		DatagramChannel source = bind(new InetSocketAddress("127.0.0.10", 0));
		assertThat(burst(source, 0, 10)).as("answers to a burst of 10 at 5/s").containsExactly(0, 1, 2, 3, 4);
		assertThat(dropped(UdpDropCause.RATE_LIMIT)).isEqualTo(5);
		// A second later the bucket holds one second's worth again, not two.
		this.clock.addAndGet(SECOND);
		assertThat(burst(source, 10, 10)).containsExactly(10, 11, 12, 13, 14);
		// A fifth of a second earns one datagram at 5/s.
		this.clock.addAndGet(SECOND / 5);
		assertThat(burst(source, 20, 3)).containsExactly(20);
		assertThat(dropped(UdpDropCause.RATE_LIMIT)).isEqualTo(5 + 5 + 2);
		assertThat(this.server.view().udpRateLimitActiveBuckets()).isOne();
		assertThat(this.server.view().udpRateLimitShared()).isZero();
	}

	@Test
	void sourcesThatShareABucketShareItsRateAndAreCounted() throws IOException {
		// A table of one bucket: every source shares it.
		startWithClock(settings(InetAddress.getByName("127.0.0.1"))
			.udp(new UdpSettings(true, null, 5, 1, 64, null, null)));
		DatagramChannel first = bind(new InetSocketAddress("127.0.0.11", 0));
		DatagramChannel second = bind(new InetSocketAddress("127.0.0.12", 0));
		assertThat(burst(first, 0, 3)).containsExactly(0, 1, 2);
		assertThat(this.server.view().udpRateLimitShared()).isZero();
		assertThat(burst(second, 10, 5)).as("what 127.0.0.11 left of the rate").containsExactly(10, 11);
		assertThat(this.server.view().udpRateLimitShared()).as("the bucket changed hands in debt").isOne();
		assertThat(this.server.view().udpRateLimitActiveBuckets()).isOne();
		assertThat(this.server.view().udpRateLimitBuckets()).isOne();
		// A second later the bucket is full again, and nobody's debt.
		this.clock.addAndGet(SECOND);
		assertThat(burst(first, 20, 6)).hasSize(5);
		assertThat(this.server.view().udpRateLimitShared()).isOne();
	}

	@Test
	void aSourceAboveItsRateIsAnsweredAtItsRateWhileThousandsOfOtherSourcesChurnTheTable() throws IOException {
		// A table of 256 buckets and 300 other sources between any two datagrams of the
		// victim's: a table that forgot the least recent source would forget the victim's
		// debt each time, and answer every one of its datagrams.
		startWithClock(settings(InetAddress.getByName("127.0.0.1"))
			.udp(new UdpSettings(true, null, 5, 256, 64, 4 * 1024 * 1024, null)));
		InetAddress victimAddress = InetAddress.getByName("127.0.0.10");
		DatagramChannel victim = bind(new InetSocketAddress(victimAddress, 0));
		// Sources that share the victim's bucket would only answer it less: kept out, so that
		// the victim is answered exactly at its rate.
		List<InetAddress> others = otherSources(victimAddress, 20 * 300);
		assertThat(others).hasSize(6000).doesNotHaveDuplicates();
		long handledBefore = handled();
		int sent = 0;
		for (int round = 0; round < 20; round++) {
			victim.send(ByteBuffer.wrap(new byte[] { (byte) round }), udpAddress());
			sent++;
			for (InetAddress other : others.subList(round * 300, (round + 1) * 300)) {
				try (DatagramChannel churn = DatagramChannel.open()) {
					churn.bind(new InetSocketAddress(other, 0));
					churn.send(ByteBuffer.wrap(new byte[] { 1 }), udpAddress());
				}
				sent++;
			}
			// Paced, so that the kernel never drops a datagram of the victim's for a full buffer.
			long expected = sent;
			await().untilAsserted(() -> assertThat(handled() - handledBefore).isEqualTo(expected));
		}
		List<Integer> answered = new ArrayList<>();
		ByteBuffer answer = ByteBuffer.allocate(16);
		while (victim.receive(answer.clear()) != null) {
			answered.add((int) answer.flip().get());
		}
		assertThat(answered).as("answers to 20 datagrams at 5/s, the clock standing still")
			.containsExactly(0, 1, 2, 3, 4);
		assertThat(dropped(UdpDropCause.RATE_LIMIT)).as("dropped, the victim's among them")
			.isGreaterThanOrEqualTo(15);
		// 6,000 other sources in 255 buckets share them.
		assertThat(this.server.view().udpRateLimitShared()).isPositive();
		assertThat(this.server.view().udpRateLimitActiveBuckets()).isEqualTo(256);
	}

	/**
	 * Return {@code count} distinct loopback addresses (127.1.0.0 on) whose bucket is not
	 * {@code victim}'s.
	 */
	private List<InetAddress> otherSources(InetAddress victim, int count) throws IOException {
		SourceRateLimiter limiter = this.server.rateLimiter();
		List<InetAddress> sources = new ArrayList<>();
		for (int i = 0; sources.size() < count; i++) {
			InetAddress candidate = InetAddress
				.getByAddress(new byte[] { 127, (byte) (1 + (i >> 16)), (byte) (i >> 8), (byte) i });
			if (limiter.bucketOf(candidate) != limiter.bucketOf(victim)) {
				sources.add(candidate);
			}
		}
		return sources;
	}

	// Ports

	@Test
	void anUnsetUdpPortIsTheTcpPortsConfiguredNumber() throws IOException {
		InetAddress address = InetAddress.getByName("127.0.0.1");
		int port = FreePorts.freeTcpAndUdpPort(address);
		start(settings(address).port(port));
		assertThat(this.server.port()).isEqualTo(port);
		assertThat(this.server.view().udpPort()).isEqualTo(port);
		assertEchoes(address);
		EchoClient tcp = EchoClient.connect(new InetSocketAddress(address, port));
		this.closeables.add(tcp);
		tcp.echo(64);
	}

	@Test
	void udpPortZeroBindsAFreePort() throws IOException {
		InetAddress address = InetAddress.getByName("127.0.0.1");
		int tcpPort = FreePorts.freeTcpAndUdpPort(address);
		start(settings(address).port(tcpPort).udp(new UdpSettings(true, 0, 1000, 10_000, 64, null, null)));
		assertThat(this.server.port()).isEqualTo(tcpPort);
		assertThat(this.server.view().udpPort()).isPositive();
		assertThat(this.server.view().udpLocalAddress()).isEqualTo(new InetSocketAddress(address, this.server.view().udpPort()));
		assertEchoes(address);
	}

	@Test
	void aUdpPortHeldByAnotherSocketFailsTheStartNamingUdpAndReleasesTheTcpPort() throws IOException {
		InetAddress address = InetAddress.getByName("127.0.0.1");
		int port = FreePorts.freeTcpAndUdpPort(address);
		try (DatagramChannel holder = DatagramChannel.open()) {
			// Another instance in reuseport mode: its SO_REUSEPORT must not let this one join.
			holder.setOption(StandardSocketOptions.SO_REUSEPORT, true);
			holder.bind(new InetSocketAddress(address, port));
			EchoServer failing = new EchoServer(settings(address).port(port).build());
			this.servers.add(failing);
			assertThatExceptionOfType(EchoBindException.class).isThrownBy(failing::start).satisfies((ex) -> {
				assertThat(ex.getProtocol()).isEqualTo(EchoBindException.Protocol.UDP);
				assertThat(ex.getReason()).isEqualTo(EchoBindException.Reason.PORT_IN_USE);
				assertThat(ex.getAddress()).isEqualTo(new InetSocketAddress(address, port));
			});
			assertThat(failing.view().status()).isEqualTo(EchoServer.Status.STOPPED);
			assertThat(failing.view().reactors()).isEmpty();
			assertThat(failing.view().udpPort()).isEqualTo(-1);
		}
		// The TCP listener bound before the failure was closed with it.
		try (ServerSocket tcp = new ServerSocket()) {
			tcp.setReuseAddress(true);
			tcp.bind(new InetSocketAddress(address, port));
		}
	}

	@Test
	void withUdpOffNoUdpSocketIsBoundAndTcpStillEchoes() throws IOException {
		InetAddress address = InetAddress.getByName("127.0.0.1");
		int port = FreePorts.freeTcpAndUdpPort(address);
		start(settings(address).port(port).udp(DefaultSettings.udpDisabled()));
		assertThat(this.server.view().udpPort()).isEqualTo(-1);
		assertThat(this.server.view().udpLocalAddress()).isNull();
		assertThat(this.server.view().reactors()).noneMatch(EchoReactor::servesDatagrams);
		// The port the UDP socket would have taken is free.
		try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(address, port))) {
			assertThat(udp.getLocalPort()).isEqualTo(port);
		}
		EchoClient tcp = EchoClient.connect(new InetSocketAddress(address, port));
		this.closeables.add(tcp);
		tcp.echo(64);
	}

	// Shutdown

	@Test
	void whenTheDrainBeginsTheUdpSocketsCloseWhileTcpConnectionsKeepEchoing() throws Exception {
		InetAddress address = InetAddress.getByName("127.0.0.1");
		start(settings(address).shutdownTimeout(Duration.ofSeconds(20)));
		EchoClient tcp = EchoClient.connect(new InetSocketAddress(address, this.server.port()));
		this.closeables.add(tcp);
		tcp.echo(64);
		DatagramChannel client = bind(new InetSocketAddress(address, 0));
		assertEchoes(client, pattern(1, 100));
		InetSocketAddress udp = udpAddress();
		CompletableFuture<ShutdownResult> result = new CompletableFuture<>();
		this.server.shutDownGracefully(result::complete);
		// Once the port can be bound, no socket of the service holds it (in reuseport mode,
		// none of them: the holder binds without SO_REUSEPORT).
		DatagramChannel holder = await().atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(10))
			.ignoreException(BindException.class)
			.until(() -> bind(udp), (bound) -> true);
		byte[] datagram = pattern(2, 100);
		client.send(ByteBuffer.wrap(datagram), udp);
		assertThat(receive(holder)).as("the datagram reached the port's new owner").isEqualTo(datagram);
		assertThat(client.receive(ByteBuffer.allocate(16))).as("an answer from the service").isNull();
		// The drain goes on for TCP.
		assertThat(this.server.view().status()).isEqualTo(EchoServer.Status.DRAINING);
		tcp.echo(4096);
		tcp.shutdownOutput();
		tcp.assertEndOfStream();
		assertThat(result.get(15, TimeUnit.SECONDS)).isEqualTo(ShutdownResult.IDLE);
		assertThat(sum(Counter.UDP_DATAGRAMS_RECEIVED)).isOne();
	}

	// Stalls

	static Stream<Arguments> stalledReactors() {
		return Stream.of(arguments("echo-reactor-0", true), arguments("echo-reactor-1", true),
				arguments("echo-reactor-0", false));
	}

	@ParameterizedTest(name = "{0} stalled, UDP on: {1}")
	@MethodSource("stalledReactors")
	void aStalledReactorStopsTheServerServingNewTrafficWhenItStrandsConnectionsOrDatagrams(String thread,
			boolean udp) throws Exception {
		StallGate gate = new StallGate(thread);
		EchoServer server = new EchoServer(settings(InetAddress.getByName("127.0.0.1"))
			.selectTimeout(Duration.ofMillis(50))
			.stallTimeout(Duration.ofMillis(500))
			.udp(udp ? DefaultSettings.udp() : DefaultSettings.udpDisabled())
			.build(), gate);
		this.closeables.add(gate);
		start(server);
		assertThat(server.view().isServingNewConnections()).isTrue();
		gate.hold();
		await().atMost(Duration.ofSeconds(10)).until(() -> server.view().stalledThreads().contains(thread));
		// In reuseport mode the kernel keeps routing connections and datagrams to the stalled
		// reactor's sockets; in acceptor mode the acceptor skips it, but the one UDP socket
		// is the first reactor's.
		boolean stranded = this.strategy == AcceptStrategy.REUSEPORT || (udp && thread.equals("echo-reactor-0"));
		assertThat(server.view().isServingNewConnections()).as("serving new traffic with %s stalled", thread)
			.isEqualTo(!stranded);
		gate.close();
		await().atMost(Duration.ofSeconds(10)).until(() -> server.view().stalledThreads().isEmpty());
		assertThat(server.view().isServingNewConnections()).isTrue();
	}

	// Helpers

	private EchoServerSettings.Builder settings(InetAddress address) {
		return DefaultSettings.builder().address(address).port(0).reactors(REACTORS).acceptStrategy(this.strategy);
	}

	private void start(EchoServerSettings.Builder settings) {
		start(new EchoServer(settings.build()));
	}

	private void startWithClock(EchoServerSettings.Builder settings) {
		start(new EchoServer(settings.build(), this.clock::get));
	}

	private void start(EchoServer server) {
		this.servers.add(server);
		server.start();
		this.server = server;
	}

	private InetSocketAddress udpAddress() {
		return this.server.view().udpLocalAddress();
	}

	/** A non-blocking channel bound to the given address, closed after the test. */
	private DatagramChannel bind(InetSocketAddress address) throws IOException {
		DatagramChannel channel = DatagramChannel.open();
		try {
			channel.bind(address);
			channel.configureBlocking(false);
		}
		catch (IOException ex) {
			channel.close();
			throw ex;
		}
		this.closeables.add(channel);
		return channel;
	}

	// 19 (chargen), the classic partner of an echo loop; another port below 1024 where
	// another test holds it.
	private DatagramChannel lowPortSocket(InetAddress address) throws IOException {
		List<Integer> ports = new ArrayList<>(List.of(19));
		for (int port = 1023; port > 900; port--) {
			ports.add(port);
		}
		for (int port : ports) {
			try {
				return bind(new InetSocketAddress(address, port));
			}
			catch (BindException ex) {
				if (String.valueOf(ex.getMessage()).contains("Permission denied")) {
					Assumptions.abort("Binding a source port below 1024 is not permitted for this user (it needs "
							+ "root or CAP_NET_BIND_SERVICE); DatagramEchoTests covers the low-source-port guard");
				}
				// Continue: in use, try the next
			}
		}
		return fail("No port below 1024 was free on " + address);
	}

	/**
	 * Send a datagram from {@code source} that must be dropped, then one from a normal
	 * source, and wait for that echo and for the drop to be counted: by then an answer to
	 * the first would be waiting at {@code source}.
	 */
	private void assertNoAnswerAndCounted(DatagramChannel source, UdpDropCause cause) throws IOException {
		InetSocketAddress udp = udpAddress();
		source.send(ByteBuffer.wrap(pattern(7, 32)), udp);
		InetAddress address = ((InetSocketAddress) source.getLocalAddress()).getAddress();
		InetAddress normalAddress = (address instanceof Inet6Address) ? address : InetAddress.getByName("127.0.0.1");
		DatagramChannel normal = bind(new InetSocketAddress(normalAddress, 0));
		assertEchoes(normal, pattern(8, 32));
		await().untilAsserted(() -> assertThat(dropped(cause)).isOne());
		assertThat(source.receive(ByteBuffer.allocate(64))).as("an answer to %s", source.getLocalAddress()).isNull();
		assertThat(droppedTotal()).isOne();
		assertThat(sum(Counter.UDP_DATAGRAMS_RECEIVED)).isEqualTo(2);
		assertThat(sum(Counter.UDP_DATAGRAMS_SENT)).isOne();
	}

	private void assertEchoes(InetAddress address) throws IOException {
		assertEchoes(bind(new InetSocketAddress(address, 0)), pattern(5, 256));
	}

	private void assertEchoes(DatagramChannel client, byte[] datagram) throws IOException {
		client.send(ByteBuffer.wrap(datagram), udpAddress());
		assertThat(receive(client)).isEqualTo(datagram);
	}

	/**
	 * Send {@code count} one-byte datagrams numbered from {@code first} at once, wait until
	 * the server has answered or dropped each, and return the numbers answered.
	 */
	private List<Integer> burst(DatagramChannel source, int first, int count) throws IOException {
		long handledBefore = handled();
		for (int i = 0; i < count; i++) {
			source.send(ByteBuffer.wrap(new byte[] { (byte) (first + i) }), udpAddress());
		}
		await().untilAsserted(() -> assertThat(handled() - handledBefore).isEqualTo(count));
		List<Integer> answered = new ArrayList<>();
		ByteBuffer answer = ByteBuffer.allocate(16);
		while (source.receive(answer.clear()) != null) {
			answered.add((int) answer.flip().get());
		}
		return answered;
	}

	/** @return datagrams the server answered or dropped, over all reactors */
	private long handled() {
		return sum(Counter.UDP_DATAGRAMS_SENT) + droppedTotal();
	}

	private static byte[] receive(DatagramChannel channel) {
		ByteBuffer buffer = ByteBuffer.allocate(65_536 + 1);
		await().atMost(ANSWER_TIMEOUT)
			.pollDelay(Duration.ZERO)
			.pollInterval(Duration.ofMillis(2))
			.until(() -> channel.receive(buffer.clear()) != null);
		buffer.flip();
		byte[] bytes = new byte[buffer.remaining()];
		buffer.get(bytes);
		return bytes;
	}

	private long sum(Counter counter) {
		return this.server.view().reactors().stream().mapToLong((reactor) -> reactor.statistics().get(counter)).sum();
	}

	private long droppedTotal() {
		long total = 0;
		for (UdpDropCause cause : UdpDropCause.values()) {
			total += dropped(cause);
		}
		return total;
	}

	/** Bytes that tell datagrams apart and show any byte out of place. */
	private static byte[] pattern(int seed, int size) {
		byte[] bytes = new byte[size];
		for (int i = 0; i < size; i++) {
			bytes[i] = (byte) (seed * 31 + i % 251);
		}
		return bytes;
	}

	/**
	 * Holds one reactor thread before its next {@code select()}, so that it stalls, until
	 * closed.
	 */
	private static final class StallGate implements SelectOperation, Closeable {

		private final String thread;

		private final CountDownLatch released = new CountDownLatch(1);

		private volatile boolean holding;

		StallGate(String thread) {
			this.thread = thread;
		}

		void hold() {
			this.holding = true;
		}

		@Override
		public int select(Selector selector, Consumer<SelectionKey> action, long timeoutMillis) throws IOException {
			if (this.holding && Thread.currentThread().getName().equals(this.thread)) {
				try {
					this.released.await(30, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			return selector.select(action, timeoutMillis);
		}

		@Override
		public void close() {
			this.holding = false;
			this.released.countDown();
		}

	}

	/**
	 * A test client: one socket that sends a datagram and receives one answer at a time.
	 */
	private interface Client extends Closeable {

		void send(byte[] datagram, SocketAddress to) throws IOException;

		/** @return the next answer, whole; fails after {@link #ANSWER_TIMEOUT} */
		byte[] receive() throws IOException;

	}

	/** A {@link DatagramSocket}, the classic API, blocking with a receive timeout. */
	private static final class SocketClient implements Client {

		private final DatagramSocket socket;

		SocketClient(InetAddress address) throws IOException {
			this.socket = new DatagramSocket(new InetSocketAddress(address, 0));
			this.socket.setSoTimeout((int) ANSWER_TIMEOUT.toMillis());
		}

		@Override
		public void send(byte[] datagram, SocketAddress to) throws IOException {
			this.socket.send(new DatagramPacket(datagram, datagram.length, to));
		}

		@Override
		public byte[] receive() throws IOException {
			byte[] buffer = new byte[65_536 + 1];
			DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
			this.socket.receive(packet);
			byte[] bytes = new byte[packet.getLength()];
			System.arraycopy(buffer, 0, bytes, 0, bytes.length);
			return bytes;
		}

		@Override
		public void close() {
			this.socket.close();
		}

	}

	/** A non-blocking {@link DatagramChannel}, polled for its answer. */
	private static final class ChannelClient implements Client {

		private final DatagramChannel channel;

		ChannelClient(InetAddress address) throws IOException {
			this.channel = DatagramChannel.open();
			this.channel.bind(new InetSocketAddress(address, 0));
			this.channel.configureBlocking(false);
		}

		@Override
		public void send(byte[] datagram, SocketAddress to) throws IOException {
			assertThat(this.channel.send(ByteBuffer.wrap(datagram), to)).isEqualTo(datagram.length);
		}

		@Override
		public byte[] receive() {
			return EchoServerDatagramTests.receive(this.channel);
		}

		@Override
		public void close() throws IOException {
			this.channel.close();
		}

	}

	/**
	 * Many sockets sending at once from one thread, each keeping a window of datagrams in
	 * flight and verifying every answer: its size, its bytes, and that it answers a
	 * datagram of its own socket not answered before.
	 */
	private static final class ParallelClients implements Closeable {

		private final Selector selector;

		private final List<Sender> senders = new ArrayList<>();

		private final int perSocket;

		private final int window;

		ParallelClients(InetAddress address, InetSocketAddress server, int sockets, int perSocket, int window)
				throws IOException {
			this.selector = Selector.open();
			this.perSocket = perSocket;
			this.window = window;
			for (int i = 0; i < sockets; i++) {
				DatagramChannel channel = DatagramChannel.open(
						(address instanceof Inet6Address) ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
				channel.setOption(StandardSocketOptions.SO_RCVBUF, 1024 * 1024);
				channel.bind(new InetSocketAddress(address, 0));
				// Connected: it hears the service's socket and nobody else.
				channel.connect(server);
				channel.configureBlocking(false);
				Sender sender = new Sender(i, channel);
				channel.register(this.selector, SelectionKey.OP_READ, sender);
				this.senders.add(sender);
			}
		}

		/**
		 * Send everything, keeping each window full, until every answer is in or none has
		 * come for {@code quiet}.
		 */
		void run(Duration quiet) throws IOException {
			for (Sender sender : this.senders) {
				sender.fillWindow();
			}
			long lastProgress = System.nanoTime();
			while (received() < total() && System.nanoTime() - lastProgress < quiet.toNanos()) {
				// Waits for answers; returns at once when one arrives.
				this.selector.select(100);
				boolean progress = false;
				for (SelectionKey key : this.selector.selectedKeys()) {
					progress |= ((Sender) key.attachment()).receiveAll();
				}
				this.selector.selectedKeys().clear();
				for (Sender sender : this.senders) {
					progress |= sender.fillWindow();
				}
				if (progress) {
					lastProgress = System.nanoTime();
				}
			}
		}

		/** Receive the answers that have arrived, and send what the windows then allow. */
		void step() throws IOException {
			for (Sender sender : this.senders) {
				sender.receiveAll();
				sender.fillWindow();
			}
		}

		long total() {
			return (long) this.senders.size() * this.perSocket;
		}

		long received() {
			return this.senders.stream().mapToLong((sender) -> sender.answered.cardinality()).sum();
		}

		long duplicates() {
			return this.senders.stream().mapToLong((sender) -> sender.duplicates).sum();
		}

		long sent() {
			return this.senders.stream().mapToLong((sender) -> sender.sent).sum();
		}

		/**
		 * Return whether every datagram was sent, or else whether each socket that stopped
		 * short did so because its window was full of datagrams without an answer.
		 * @return whether the sending was complete or held up only by missing answers
		 */
		boolean sentAllOrHeldUpByMissingAnswers() {
			return this.senders.stream()
				.allMatch((sender) -> sender.sent == this.perSocket
						|| sender.sent - sender.answered.cardinality() >= this.window);
		}

		/** @return datagrams sent and not answered (so far) */
		long missing() {
			return sent() - received();
		}

		@Override
		public void close() throws IOException {
			for (Sender sender : this.senders) {
				sender.channel.close();
			}
			this.selector.close();
		}

		private final class Sender {

			private final int id;

			private final DatagramChannel channel;

			private final BitSet answered = new BitSet();

			private final ByteBuffer in = ByteBuffer.allocate(65_536);

			private int sent;

			private long duplicates;

			Sender(int id, DatagramChannel channel) {
				this.id = id;
				this.channel = channel;
			}

			boolean fillWindow() throws IOException {
				boolean sentAny = false;
				while (this.sent < ParallelClients.this.perSocket
						&& this.sent - this.answered.cardinality() < ParallelClients.this.window) {
					if (this.channel.write(ByteBuffer.wrap(datagram(this.id, this.sent))) == 0) {
						// Continue on the next pass: the socket's send buffer is full.
						return sentAny;
					}
					this.sent++;
					sentAny = true;
				}
				return sentAny;
			}

			boolean receiveAll() throws IOException {
				boolean receivedAny = false;
				while (this.channel.read(this.in.clear()) > 0) {
					this.in.flip();
					int sequence = this.in.getInt(4);
					byte[] bytes = new byte[this.in.remaining()];
					this.in.get(bytes);
					if (sequence < 0 || sequence >= this.sent || !Arrays.equals(bytes, datagram(this.id, sequence))) {
						fail("socket %d received an answer that is not one of its datagrams (%d bytes, sequence %d)",
								this.id, bytes.length, sequence);
					}
					if (this.answered.get(sequence)) {
						this.duplicates++;
					}
					this.answered.set(sequence);
					receivedAny = true;
				}
				return receivedAny;
			}

		}

		/** Socket id, sequence number and a pattern, 8 to 1,207 bytes. */
		static byte[] datagram(int id, int sequence) {
			int size = 8 + (sequence * 37 + id * 11) % 1200;
			ByteBuffer buffer = ByteBuffer.allocate(size);
			buffer.putInt(id).putInt(sequence);
			while (buffer.hasRemaining()) {
				buffer.put((byte) (id + sequence + buffer.position()));
			}
			return buffer.array();
		}

	}

	/**
	 * The kernel's UDP error counters of this network namespace, IPv4 and IPv6:
	 * {@code InErrors} counts every datagram the kernel received and could not deliver (a
	 * full receive buffer among them, also counted in {@code RcvbufErrors}).
	 */
	private record KernelUdpCounters(long inErrors, long inErrors6) {

		static KernelUdpCounters read() throws IOException {
			return new KernelUdpCounters(snmp("Udp", "InErrors"), snmp6("Udp6InErrors"));
		}

		long errorsSince(KernelUdpCounters before) {
			return (this.inErrors - before.inErrors) + (this.inErrors6 - before.inErrors6);
		}

		private static long snmp(String section, String field) throws IOException {
			List<String> lines = Files.readAllLines(Path.of("/proc/net/snmp")).stream()
				.filter((line) -> line.startsWith(section + ":"))
				.toList();
			List<String> names = List.of(lines.get(0).split("\\s+"));
			return Long.parseLong(lines.get(1).split("\\s+")[names.indexOf(field)]);
		}

		private static long snmp6(String field) throws IOException {
			Path path = Path.of("/proc/net/snmp6");
			if (!Files.exists(path)) {
				return 0;
			}
			Map<String, String> fields = new HashMap<>();
			for (String line : Files.readAllLines(path)) {
				String[] parts = line.trim().split("\\s+");
				if (parts.length == 2) {
					fields.put(parts[0], parts[1]);
				}
			}
			return Long.parseLong(fields.getOrDefault(field, "0"));
		}

	}

	private long dropped(UdpDropCause cause) {
		return this.server.view().reactors().stream().mapToLong((reactor) -> reactor.statistics().dropped(cause)).sum();
	}

}
