package io.echoreactor.reactor.fault;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerException;
import io.echoreactor.reactor.ShutdownResult;
import io.echoreactor.reactor.counters.FaultKind;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for the fault ports, each fault measured from a real client on 127.0.0.1, with
 * the plain port beside it.
 */
@Timeout(60)
class FaultPortsTests {

	private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

	private EchoServer server;

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.stop();
		}
	}

	@Test
	void delayHoldsEachEchoAtLeastTheDelayAndAtMostTheJitterAndTwentyMillisecondsMore() throws Exception {
		FaultPort port = start("slow", Map.of("delay", "200ms", "delay-jitter", "30ms"));
		// Two hundred round trips on eight connections at once: p99 leaves out two samples,
		// measured in about five seconds.
		List<Long> roundTrips = Collections.synchronizedList(new ArrayList<>());
		List<CompletableFuture<Void>> clients = new ArrayList<>();
		for (int c = 0; c < 8; c++) {
			int client = c;
			clients.add(CompletableFuture.runAsync(() -> {
				try (Socket socket = connect(port.port())) {
					for (int i = 0; i < 25; i++) {
						long start = System.nanoTime();
						roundTrip(socket, ("ping " + client + " " + i + "\n").getBytes(StandardCharsets.US_ASCII));
						roundTrips.add((System.nanoTime() - start) / 1_000_000);
					}
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			}, (task) -> new Thread(task, "delay-client-" + client).start()));
		}
		CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
		List<Long> sorted = new ArrayList<>(roundTrips);
		sorted.sort(null);
		assertThat(sorted).hasSize(200);
		assertThat(sorted.get(0)).isGreaterThanOrEqualTo(200);
		long p99 = sorted.get((int) Math.ceil(0.99 * sorted.size()) - 1);
		assertThat(p99).as("p99 of %s", sorted).isLessThanOrEqualTo(200 + 30 + 20);
		assertThat(port.injected(FaultKind.DELAY)).isEqualTo(200);
	}

	@Test
	void resetAfterEchoesExactlyThatManyBytesThenResets() throws IOException {
		FaultPort port = start("cut", Map.of("reset-after", "1KB"));
		try (Socket socket = connect(port.port())) {
			socket.getOutputStream().write(pattern(4096));
			byte[] received = new byte[8192];
			int total = 0;
			InputStream in = socket.getInputStream();
			int read = 0;
			boolean reset = false;
			try {
				while ((read = in.read(received, total, received.length - total)) >= 0) {
					total += read;
				}
			}
			catch (SocketException ex) {
				reset = true;
				assertThat(ex.getMessage()).containsIgnoringCase("reset");
			}
			assertThat(reset).as("reset, not an orderly close").isTrue();
			assertThat(total).isEqualTo(1024);
			assertThat(Arrays.copyOf(received, total)).isEqualTo(pattern(1024));
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> port.injected(FaultKind.RESET) == 1);
	}

	@Test
	void closeAfterEchoesExactlyThatManyBytesThenEndOfStream() throws IOException {
		FaultPort port = start("short", Map.of("close-after", "1000B"));
		try (Socket socket = connect(port.port())) {
			socket.getOutputStream().write(pattern(4096));
			byte[] received = socket.getInputStream().readAllBytes();
			assertThat(received).isEqualTo(pattern(1000));
		}
		assertThat(port.injected(FaultKind.CLOSE)).isEqualTo(1);
	}

	@Test
	void afterCloseAfterTheConnectionClosesWithinTheBoundThoughTheClientKeepsItsSideOpen() throws IOException {
		FaultPort port = start("short", Map.of("close-after", "10B"));
		try (Socket socket = connect(port.port())) {
			socket.getOutputStream().write(pattern(100));
			assertThat(socket.getInputStream().readAllBytes()).isEqualTo(pattern(10));
			await().atMost(Duration.ofSeconds(5)).until(() -> port.connections() == 0);
		}
	}

	@Test
	void aClientThatHalfClosesGetsEveryDelayedEchoThenEndOfStream() throws IOException {
		FaultPort port = start("slow", Map.of("delay", "100ms"));
		try (Socket socket = connect(port.port())) {
			socket.getOutputStream().write(pattern(50_000));
			socket.shutdownOutput();
			assertThat(socket.getInputStream().readAllBytes()).isEqualTo(pattern(50_000));
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> port.connections() == 0);
	}

	@Test
	void bandwidthHoldsWithinTenPercentOverFiveSeconds() throws Exception {
		int rate = 200 * 1024;
		FaultPort port = start("narrow", Map.of("bandwidth", rate + "B"));
		try (Socket socket = connect(port.port())) {
			Thread writer = new Thread(() -> {
				try {
					OutputStream out = socket.getOutputStream();
					byte[] chunk = pattern(16 * 1024);
					while (true) {
						out.write(chunk);
					}
				}
				catch (IOException ex) {
					// The socket closed at the end of the test
				}
			}, "bandwidth-writer");
			writer.start();
			InputStream in = socket.getInputStream();
			byte[] buffer = new byte[64 * 1024];
			long first = in.read(buffer);
			long start = System.nanoTime();
			long bytes = 0;
			while (System.nanoTime() - start < 5_000_000_000L) {
				bytes += in.read(buffer);
			}
			double seconds = (System.nanoTime() - start) / 1e9;
			assertThat(first).isPositive();
			assertThat(bytes / seconds).isBetween(rate * 0.9, rate * 1.1);
		}
		assertThat(port.injected(FaultKind.BANDWIDTH)).isPositive();
	}

	@Test
	void noReadFillsTheClientsSendWindowAndHoldsItWhileThePlainPortEchoes() throws IOException {
		FaultPort port = start("deaf", Map.of("no-read", "true"));
		try (SocketChannel client = SocketChannel.open(new InetSocketAddress(LOOPBACK, port.port()))) {
			client.configureBlocking(false);
			long sent = fill(client);
			assertThat(sent).isPositive();
			// The kernels may still grow the window and the send buffer for a while: full is
			// when no write takes a byte for a whole second.
			await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).during(Duration.ofSeconds(1))
				.until(() -> fill(client) == 0);
			assertThat(client.write(ByteBuffer.allocate(1))).isZero();
			try (Socket plain = connect(this.server.port())) {
				assertThat(roundTrip(plain, "beside\n".getBytes(StandardCharsets.US_ASCII))).isEqualTo("beside\n");
			}
		}
		assertThat(port.injected(FaultKind.NO_READ)).isEqualTo(1);
	}

	@Test
	void resetProbabilityOneResetsOnTheFirstRead() throws IOException {
		FaultPort port = start("flaky", Map.of("reset-probability", "1.0"));
		try (Socket socket = connect(port.port())) {
			socket.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
			assertThatExceptionOfType(SocketException.class).isThrownBy(() -> socket.getInputStream().read())
				.withMessageContaining("reset");
		}
		assertThat(port.injected(FaultKind.RESET_RANDOM)).isEqualTo(1);
	}

	@Test
	void resetProbabilityZeroNeverResets() throws IOException {
		FaultPort port = start("steady", Map.of("reset-probability", "0.0"));
		try (Socket socket = connect(port.port())) {
			for (int i = 0; i < 200; i++) {
				String line = "line " + i + "\n";
				assertThat(roundTrip(socket, line.getBytes(StandardCharsets.US_ASCII))).isEqualTo(line);
			}
		}
		assertThat(port.injected(FaultKind.RESET_RANDOM)).isZero();
	}

	@Test
	void acceptDelayServesAConnectionOnlyAfterIt() throws IOException {
		FaultPort port = start("late", Map.of("accept-delay", "300ms"));
		long start = System.nanoTime();
		try (Socket socket = connect(port.port())) {
			assertThat(roundTrip(socket, "late\n".getBytes(StandardCharsets.US_ASCII))).isEqualTo("late\n");
		}
		assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(300);
		assertThat(port.injected(FaultKind.ACCEPT_DELAY)).isEqualTo(1);
	}

	@Test
	void udpDropProbabilityOneDropsEveryDatagram() throws IOException {
		FaultPort port = start("lossy", Map.of("udp-drop-probability", "1.0"));
		try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
			socket.setSoTimeout(300);
			for (int i = 0; i < 20; i++) {
				send(socket, port.udpPort(), "d" + i);
			}
			await().atMost(Duration.ofSeconds(5)).until(() -> port.injected(FaultKind.UDP_DROP) == 20);
			assertThatExceptionOfType(SocketTimeoutException.class).isThrownBy(() -> receive(socket));
		}
	}

	@Test
	void udpDropProbabilityZeroDropsNothing() throws IOException {
		FaultPort port = start("lossless", Map.of("udp-drop-probability", "0"));
		try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
			socket.setSoTimeout(5000);
			for (int i = 0; i < 20; i++) {
				send(socket, port.udpPort(), "d" + i);
				assertThat(receive(socket)).isEqualTo("d" + i);
			}
		}
		assertThat(port.injected(FaultKind.UDP_DROP)).isZero();
	}

	@Test
	void udpDelayHoldsEachDatagramsAnswer() throws IOException {
		FaultPort port = start("far", Map.of("udp-delay", "200ms"));
		try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
			socket.setSoTimeout(5000);
			for (int i = 0; i < 5; i++) {
				long start = System.nanoTime();
				send(socket, port.udpPort(), "d" + i);
				assertThat(receive(socket)).isEqualTo("d" + i);
				assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(200);
			}
		}
		assertThat(port.injected(FaultKind.UDP_DELAY)).isEqualTo(5);
	}

	@Test
	void theFaultPortIsApartFromThePlainPortWhichStaysExact() throws IOException {
		FaultPort port = start("cut", Map.of("reset-after", "10B"));
		assertThat(port.port()).isNotEqualTo(this.server.port()).isPositive();
		assertThat(port.udpPort()).isEqualTo(-1);
		try (Socket plain = connect(this.server.port())) {
			byte[] data = pattern(100_000);
			plain.getOutputStream().write(data);
			assertThat(plain.getInputStream().readNBytes(data.length)).isEqualTo(data);
		}
		assertThat(port.injected(FaultKind.RESET)).isZero();
	}

	@Test
	void aNoReadConnectionIsClosedAtTheIdleTimeout() throws IOException {
		FaultPort port = start("deaf", Map.of("no-read", "true"), Map.of("echo.server.idle-timeout", "300ms"));
		try (Socket socket = connect(port.port())) {
			socket.getOutputStream().write("unread\n".getBytes(StandardCharsets.US_ASCII));
			await().atMost(Duration.ofSeconds(5)).until(() -> port.connections() == 1);
			await().atMost(Duration.ofSeconds(5)).until(() -> port.connections() == 0);
			assertThat(endOfStreamOrReset(socket)).isTrue();
		}
	}

	@Test
	void theFaultPortsHaveTheirOwnConnectionLimitWhichLeavesThePlainPortAlone() throws IOException {
		FaultPort port = start("deaf", Map.of("no-read", "true"), Map.of("echo.server.faults-max-connections", "1",
				"echo.server.max-connections", "1"));
		try (Socket first = connect(port.port())) {
			await().atMost(Duration.ofSeconds(5)).until(() -> port.connections() == 1);
			try (Socket second = connect(port.port())) {
				assertThat(endOfStreamOrReset(second)).as("refused beyond the fault ports' limit").isTrue();
			}
			try (Socket plain = connect(this.server.port())) {
				assertThat(roundTrip(plain, "plain\n".getBytes(StandardCharsets.US_ASCII))).isEqualTo("plain\n");
			}
		}
	}

	@Test
	void faultConnectionsWaitWithinTheirOwnMemoryWhileThePlainPortEchoes() throws IOException {
		FaultPort port = start("slow", Map.of("delay", "1m"), Map.of("echo.server.faults-max-pending-output", "64KB"));
		// Two connections could hold 64KB each; the fault ports' memory holds 64KB in all.
		try (SocketChannel first = SocketChannel.open(new InetSocketAddress(LOOPBACK, port.port()));
				SocketChannel second = SocketChannel.open(new InetSocketAddress(LOOPBACK, port.port()))) {
			first.configureBlocking(false);
			second.configureBlocking(false);
			await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).during(Duration.ofMillis(500))
				.until(() -> fill(first) + fill(second) == 0);
			assertThat(this.server.view().faultPendingOutput()).isEqualTo(64 * 1024);
			try (Socket plain = connect(this.server.port())) {
				byte[] data = pattern(256 * 1024);
				plain.getOutputStream().write(data);
				assertThat(plain.getInputStream().readNBytes(data.length)).isEqualTo(data);
			}
			assertThat(this.server.view().faultPendingOutput()).isEqualTo(64 * 1024);
			// What is held is given back when the connections close, here with the server.
			this.server.stop();
			assertThat(this.server.view().faultPendingOutput()).isZero();
		}
	}

	@Test
	void aFaultConnectionDoesNotHoldTheDrain() throws Exception {
		FaultPort port = start("deaf", Map.of("no-read", "true"));
		try (Socket socket = connect(port.port())) {
			await().atMost(Duration.ofSeconds(5)).until(() -> port.connections() == 1);
			CompletableFuture<ShutdownResult> result = new CompletableFuture<>();
			this.server.shutDownGracefully(result::complete);
			assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo(ShutdownResult.IDLE);
			await().atMost(Duration.ofSeconds(5)).until(() -> port.connections() == 0);
			assertThat(endOfStreamOrReset(socket)).isTrue();
		}
	}

	@Test
	void aFaultPortThatCannotBeBoundFailsTheStartNamingItsPropertyAndFreesThePlainPort() throws IOException {
		int plainPort = FreePorts.freeTcpAndUdpPort(LOOPBACK);
		try (ServerSocket taken = new ServerSocket(0, 1, LOOPBACK)) {
			this.server = new EchoServer(DefaultSettings.bind(Map.of("echo.server.address", "127.0.0.1",
					"echo.server.port", String.valueOf(plainPort), "echo.server.udp.enabled", "false",
					"echo.server.faults.busy.port", String.valueOf(taken.getLocalPort()),
					"echo.server.faults.busy.delay", "1s")));
			assertThatExceptionOfType(EchoServerException.class).isThrownBy(this.server::start)
				.withMessageContaining("fault profile 'busy' (echo.server.faults.busy.port)")
				.withMessageContaining(String.valueOf(taken.getLocalPort()));
		}
		try (ServerSocket plain = new ServerSocket(plainPort, 1, LOOPBACK)) {
			assertThat(plain.getLocalPort()).isEqualTo(plainPort);
		}
	}

	private static boolean endOfStreamOrReset(Socket socket) {
		try {
			return socket.getInputStream().read() < 0;
		}
		catch (SocketException ex) {
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

	private FaultPort start(String name, Map<String, String> faults) {
		return start(name, faults, Map.of());
	}

	private FaultPort start(String name, Map<String, String> faults, Map<String, String> others) {
		Map<String, String> properties = new HashMap<>();
		properties.put("echo.server.address", "127.0.0.1");
		properties.put("echo.server.port", "0");
		properties.put("echo.server.reactors", "2");
		properties.put("echo.server.idle-timeout", "30s");
		properties.put("echo.server.faults." + name + ".port", "0");
		faults.forEach((key, value) -> properties.put("echo.server.faults." + name + "." + key, value));
		properties.putAll(others);
		this.server = new EchoServer(DefaultSettings.bind(properties));
		this.server.start();
		List<FaultPort> ports = this.server.view().faults();
		assertThat(ports).hasSize(1);
		assertThat(ports.get(0).name()).isEqualTo(name);
		return ports.get(0);
	}

	private static long fill(SocketChannel client) throws IOException {
		ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
		long sent = 0;
		int written;
		do {
			chunk.clear();
			written = client.write(chunk);
			sent += written;
		}
		while (written > 0);
		return sent;
	}

	private static Socket connect(int port) throws IOException {
		Socket socket = new Socket(LOOPBACK, port);
		socket.setSoTimeout(10_000);
		socket.setTcpNoDelay(true);
		return socket;
	}

	private static String roundTrip(Socket socket, byte[] message) throws IOException {
		socket.getOutputStream().write(message);
		return new String(socket.getInputStream().readNBytes(message.length), StandardCharsets.US_ASCII);
	}

	private static byte[] pattern(int length) {
		byte[] bytes = new byte[length];
		for (int i = 0; i < length; i++) {
			bytes[i] = (byte) (i * 31 + 7);
		}
		return bytes;
	}

	private static void send(DatagramSocket socket, int port, String text) throws IOException {
		byte[] data = text.getBytes(StandardCharsets.US_ASCII);
		socket.send(new DatagramPacket(data, data.length, new InetSocketAddress(LOOPBACK, port)));
	}

	private static String receive(DatagramSocket socket) throws IOException {
		DatagramPacket packet = new DatagramPacket(new byte[1024], 1024);
		socket.receive(packet);
		return new String(packet.getData(), 0, packet.getLength(), StandardCharsets.US_ASCII);
	}

}
