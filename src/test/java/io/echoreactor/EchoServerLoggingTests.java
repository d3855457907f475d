package io.echoreactor;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.ShutdownResult;
import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.udp.UdpSettings;
import io.echoreactor.support.DefaultSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static io.echoreactor.support.EchoSockets.assertEchoes;
import static io.echoreactor.support.EchoSockets.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The echo server logs one line per event that matters, and nothing per connection at
 * INFO: a busy server's log stays readable.
 */
@ExtendWith(OutputCaptureExtension.class)
class EchoServerLoggingTests {

	private static final Pattern OUR_LOGGER = Pattern.compile("\\bio?\\.echoreactor\\.");

	@Test
	void logsTheBindAndTheDrainAndNothingPerConnection(CapturedOutput output) throws Exception {
		EchoServer server = new EchoServer(
				DefaultSettings.builder().address(InetAddress.getLoopbackAddress()).port(0).reactors(2).build());
		server.start();
		try {
			int afterStart = output.length();
			for (int i = 0; i < 20; i++) {
				try (Socket client = connect(server.port())) {
					assertEchoes(client, "hello " + i + "\n");
				}
			}
			InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
			try (DatagramSocket client = new DatagramSocket(loopback)) {
				client.setSoTimeout(10_000);
				for (int i = 0; i < 20; i++) {
					client.send(new DatagramPacket(new byte[] { (byte) i }, 1, server.view().udpLocalAddress()));
					client.receive(new DatagramPacket(new byte[1], 1));
				}
			}
			await().until(() -> server.view().activeConnections() == 0);
			assertThat(echoLines(output.toString().substring(afterStart))).isEmpty();
			CompletableFuture<ShutdownResult> result = new CompletableFuture<>();
			server.shutDownGracefully(result::complete);
			assertThat(result.get(15, TimeUnit.SECONDS)).isEqualTo(ShutdownResult.IDLE);
			List<String> lines = echoLines(output.toString());
			assertThat(lines).hasSize(3);
			assertThat(lines.get(0)).contains("Echo server started on 127.0.0.1:" + server.port())
				.contains("accept strategy acceptor, 2 reactors")
				.contains("; UDP on 127.0.0.1:" + server.view().udpPort() + " (echo-reactor-0)");
			assertThat(lines.get(1)).contains("Commencing graceful shutdown of the echo server. Waiting for 0 "
					+ "connection(s) to close");
			assertThat(lines.get(2)).contains("Graceful shutdown of the echo server complete");
		}
		finally {
			server.stop();
		}
	}

	@Test
	void logsTheFreeUdpPortPortZeroPickedAndThatEachReactorHasASocketInReuseportMode(CapturedOutput output) {
		EchoServer server = new EchoServer(DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(2)
			.acceptStrategy(AcceptStrategy.REUSEPORT)
			.udp(new UdpSettings(true, 0, 1000, 10_000, 64, null, null))
			.build());
		server.start();
		try {
			assertThat(server.view().udpPort()).isPositive();
			assertThat(output).contains("Echo server started on 127.0.0.1:" + server.port()
					+ " (accept strategy reuseport, 2 reactors); UDP on 127.0.0.1:" + server.view().udpPort()
					+ " (a socket per reactor)");
		}
		finally {
			server.stop();
		}
	}

	private static List<String> echoLines(String output) throws IOException {
		// Logback shortens a long logger name to fit its column: io.echoreactor... or i.echoreactor...
		return output.lines().filter((line) -> OUR_LOGGER.matcher(line).find()).toList();
	}

}
