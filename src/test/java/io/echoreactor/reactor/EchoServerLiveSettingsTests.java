package io.echoreactor.reactor;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.echoreactor.proxy.CidrRange;
import io.echoreactor.proxy.ProxyProtocolSettings;
import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.counters.ReactorStatistics.Counter;
import io.echoreactor.reactor.counters.UdpDropCause;
import io.echoreactor.reactor.tcp.Greeting;
import io.echoreactor.reactor.udp.UdpSettings;
import io.echoreactor.support.DefaultSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import static io.echoreactor.support.EchoSockets.assertEchoes;
import static io.echoreactor.support.EchoSockets.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link EchoServer#applyLive(EchoServerSettings)} over real sockets: a live
 * setting changed on a running server is seen in what the server does, on the next
 * connection or on those open, and no open connection is dropped by it.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(AcceptStrategy.class)
@Timeout(60)
class EchoServerLiveSettingsTests {

	private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

	@Parameter
	AcceptStrategy strategy;

	private final List<AutoCloseable> closeables = new ArrayList<>();

	// The UDP rate limit's clock: it moves only when a test moves it.
	private final AtomicLong clock = new AtomicLong(1000 * SECOND);

	private EchoServer server;

	@AfterEach
	void stop() throws Exception {
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
		if (this.server != null) {
			this.server.stop();
		}
	}

	@Test
	void aShortenedIdleTimeoutClosesAConnectionIdleThatLongAndKeepsTheOneInUse() throws Exception {
		start(settings().idleTimeout(Duration.ofHours(1)));
		Socket idle = client();
		Socket busy = client();
		assertEchoes(idle, "before\n");
		this.server.applyLive(settings().idleTimeout(Duration.ofSeconds(1)).build()).join();
		long applied = System.nanoTime();
		// The idle connection's deadline is worked out again under the new timeout, not left
		// an hour away; the connection in use echoes on meanwhile.
		idle.setSoTimeout(20);
		int echoes = 0;
		while (readOrTimeout(idle.getInputStream()) != -1) {
			assertEchoes(busy, "round " + echoes++ + "\n");
		}
		assertThat(Duration.ofNanos(System.nanoTime() - applied)).isLessThan(Duration.ofSeconds(10));
		assertThat(echoes).isPositive();
		assertEchoes(busy, "still here\n");
		assertThat(closed(CloseCause.IDLE)).isOne();
		assertThat(this.server.view().settings().idleTimeout()).isEqualTo(Duration.ofSeconds(1));
	}

	private static int readOrTimeout(InputStream in) throws IOException {
		try {
			return in.read();
		}
		catch (SocketTimeoutException ex) {
			return 0;
		}
	}

	@Test
	void aNewGreetingIsSentToTheNextConnectionWhileAnOpenOneEchoesOn() throws Exception {
		start(settings());
		Socket open = client();
		assertEchoes(open, "hello\n");
		this.server.applyLive(settings().greeting(new Greeting(Greeting.Mode.TEXT, Map.of("pod", "echo-0"))).build())
			.join();
		Socket next = client();
		assertThat(readLine(next.getInputStream())).contains("pod=echo-0");
		assertEchoes(next, "after\n");
		assertEchoes(open, "no greeting here\n");
	}

	@Test
	void lowerConnectionLimitsKeepTheOpenConnectionsAndRefuseTheNextOne() throws Exception {
		start(settings().maxConnections(10));
		List<Socket> open = List.of(client(), client(), client());
		for (Socket socket : open) {
			assertEchoes(socket, "open\n");
		}
		this.server.applyLive(settings().maxConnections(2).build()).join();
		Socket refused = client();
		assertThat(readOrReset(refused.getInputStream())).as("refused: closed at once").isEqualTo(-1);
		for (Socket socket : open) {
			assertEchoes(socket, "kept\n");
		}
		this.server.applyLive(settings().maxConnections(10).build()).join();
		assertEchoes(client(), "admitted again\n");
	}

	@Test
	void aPerAddressLimitTurnedOnCountsTheConnectionsAcceptedFromThenOn() throws Exception {
		start(settings().maxConnectionsPerAddress(0));
		List<Socket> open = List.of(client(), client());
		for (Socket socket : open) {
			// Accepted and registered before the change.
			assertEchoes(socket, "open\n");
		}
		this.server.applyLive(settings().maxConnectionsPerAddress(1).build()).join();
		Socket admitted = client();
		assertEchoes(admitted, "the first one counted\n");
		Socket refused = client();
		assertThat(readOrReset(refused.getInputStream())).as("refused: the address has its one").isEqualTo(-1);
		for (Socket socket : open) {
			assertEchoes(socket, "kept, uncounted\n");
		}
	}

	@Test
	void thePreviousProxyProtocolModeStaysWithTheConnectionsItBegan() throws Exception {
		start(settings());
		Socket before = client();
		assertEchoes(before, "begun\n");
		this.server.applyLive(settings().proxyProtocol(new ProxyProtocolSettings(ProxyProtocolSettings.Mode.REQUIRED,
				List.of(CidrRange.parse("127.0.0.0/8")), Duration.ofSeconds(5))).build()).join();
		// Echoed as it began: no header expected of it.
		assertEchoes(before, "PROXY is not for me\n");
		Socket after = client();
		after.getOutputStream().write("no header\r\n".getBytes(StandardCharsets.US_ASCII));
		assertThat(readOrReset(after.getInputStream())).as("closed: a header is required now").isEqualTo(-1);
		assertEchoes(before, "still echoing\n");
	}

	@Test
	void aLoweredUdpRateLimitDropsWhatIsAboveIt() throws Exception {
		EchoServerSettings.Builder unlimited = settings().udp(new UdpSettings(true, null, 0, 16, 64, null, null));
		this.server = new EchoServer(unlimited.build(), this.clock::get);
		this.server.start();
		DatagramChannel source = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
		source.configureBlocking(false);
		this.closeables.add(source);
		assertThat(burst(source, 5)).as("answers without a limit").isEqualTo(5);
		this.server.applyLive(settings().udp(new UdpSettings(true, null, 2, 16, 64, null, null)).build()).join();
		assertThat(burst(source, 5)).as("answers at 2/s").isEqualTo(2);
		assertThat(dropped()).isEqualTo(3);
	}

	@Test
	void restartOnlySettingsStayAsTheServerStarted() throws Exception {
		start(settings());
		EchoServerSettings started = this.server.view().settings();
		EchoServerSettings asked = settings().port(started.port() + 1).reactors(started.reactors() + 1)
			.backlog(started.backlog() + 1).readBufferSize(started.readBufferSize() * 2).readBudget(4096)
			.build();
		EchoServerSettings applied = this.server.applyLive(asked).join();
		assertThat(applied.port()).isEqualTo(started.port());
		assertThat(applied.reactors()).isEqualTo(started.reactors());
		assertThat(applied.backlog()).isEqualTo(started.backlog());
		assertThat(applied.readBufferSize()).isEqualTo(started.readBufferSize());
		assertThat(applied.readBudget()).isEqualTo(4096);
		assertThat(this.server.view().settings()).isEqualTo(applied);
		assertEchoes(client(), "echoing\n");
	}

	private EchoServerSettings.Builder settings() {
		return DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(2)
			.acceptStrategy(this.strategy)
			.udp(DefaultSettings.udpDisabled());
	}

	private void start(EchoServerSettings.Builder settings) {
		this.server = new EchoServer(settings.build());
		this.server.start();
	}

	private Socket client() throws IOException {
		Socket socket = connect(this.server.port());
		this.closeables.add(socket);
		return socket;
	}

	private static String readLine(InputStream in) throws IOException {
		StringBuilder line = new StringBuilder();
		int b;
		while ((b = in.read()) != -1 && b != '\n') {
			line.append((char) b);
		}
		return line.toString();
	}

	private static int readOrReset(InputStream in) throws IOException {
		try {
			return in.read();
		}
		catch (SocketException ex) {
			return -1;
		}
	}

	private int burst(DatagramChannel source, int count) throws IOException {
		long handledBefore = handled();
		InetSocketAddress target = new InetSocketAddress("127.0.0.1", this.server.view().udpPort());
		for (int i = 0; i < count; i++) {
			source.send(ByteBuffer.wrap("x".getBytes(StandardCharsets.US_ASCII)), target);
		}
		await().untilAsserted(() -> assertThat(handled() - handledBefore).isEqualTo(count));
		int answered = 0;
		ByteBuffer answer = ByteBuffer.allocate(16);
		while (source.receive(answer.clear()) != null) {
			answered++;
		}
		return answered;
	}

	private long handled() {
		return sum(Counter.UDP_DATAGRAMS_SENT) + dropped();
	}

	private long dropped() {
		return this.server.view().reactors().stream()
			.mapToLong((reactor) -> reactor.statistics().dropped(UdpDropCause.RATE_LIMIT))
			.sum();
	}

	private long sum(Counter counter) {
		return this.server.view().reactors().stream().mapToLong((reactor) -> reactor.statistics().get(counter)).sum();
	}

	private long closed(CloseCause cause) {
		return this.server.view().reactors().stream().mapToLong((reactor) -> reactor.statistics().closed(cause)).sum();
	}

}
