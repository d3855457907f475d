package io.echoreactor.reactor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

import io.echoreactor.reactor.accept.SocketSettings;
import io.echoreactor.reactor.counters.ReactorStatistics;
import io.echoreactor.reactor.counters.ReactorStatistics.Gauge;
import io.echoreactor.reactor.udp.UdpSettings;
import io.echoreactor.support.DefaultSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A connection whose reading waits for pending-output memory may have bytes waiting unread
 * in the kernel: when the server closes it (the drain here), it must not send its FIN
 * until it has read and echoed them, or the client sees a clean end of stream with its
 * echo missing.
 */
@Timeout(60)
class ClosingWhileAwaitingMemoryTests {

	private static final int KIB = 1024;

	private EchoServer server;

	private Socket hog;

	private Socket victim;

	@AfterEach
	void stop() throws IOException {
		if (this.hog != null) {
			this.hog.close();
		}
		if (this.victim != null) {
			this.victim.close();
		}
		if (this.server != null) {
			this.server.stop();
		}
	}

	@Test
	void aConnectionWaitingForMemoryWhenTheDrainClosesItGetsItsEchoBeforeTheFin() throws Exception {
		this.server = new EchoServer(DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.udp(DefaultSettings.udpDisabled())
			.reactors(1)
			.readBufferSize(16 * KIB)
			// The budget's least: the reactor's reserve, twice.
			.maxPendingOutput(64 * KIB)
			.writeBufferWaterMarks(512 * KIB, 1024 * KIB)
			.shutdownTimeout(Duration.ofMillis(1))
			.socket(new SocketSettings(true, false, null, null, null, 4 * KIB, 4 * KIB))
			.build());
		this.server.start();
		ReactorStatistics statistics = this.server.view().reactors().get(0).statistics();
		// A client that never reads spends the whole budget, the reactor's reserve with it.
		this.hog = connect();
		CompletableFuture.runAsync(() -> {
			try {
				this.hog.getOutputStream().write(new byte[1024 * KIB]);
			}
			catch (IOException ex) {
				// Evicted
			}
		});
		await().untilAsserted(() -> assertThat(statistics.get(Gauge.CONNECTIONS_AWAITING_MEMORY)).isOne());
		// Now no read on this reactor has room: the victim's bytes wait in the kernel.
		this.victim = connect();
		byte[] message = new byte[100];
		Arrays.fill(message, (byte) 'v');
		this.victim.getOutputStream().write(message);
		await().untilAsserted(() -> assertThat(statistics.get(Gauge.CONNECTIONS_AWAITING_MEMORY)).isEqualTo(2));
		this.server.shutDownGracefully((result) -> {
		});
		// The hog is evicted, memory comes back, the victim is read and echoed; only then,
		// once it is quiet, the FIN.
		ByteArrayOutputStream echo = new ByteArrayOutputStream();
		boolean reset = false;
		try {
			InputStream input = this.victim.getInputStream();
			int b;
			while ((b = input.read()) >= 0) {
				echo.write(b);
			}
		}
		catch (SocketException ex) {
			reset = true;
		}
		assertThat(reset || echo.size() == message.length)
			.as("a clean end of stream comes only after the whole echo; got %d bytes, reset %s", echo.size(), reset)
			.isTrue();
		assertThat(echo.toByteArray()).isEqualTo(Arrays.copyOf(message, echo.size()));
		assertThat(reset).as("the victim is no one to reset: it was read, echoed and closed cleanly").isFalse();
	}

	private Socket connect() throws IOException {
		Socket socket = new Socket();
		socket.setReceiveBufferSize(4 * KIB);
		socket.setSendBufferSize(4 * KIB);
		socket.connect(this.server.view().localAddress(), 10_000);
		socket.setSoTimeout(20_000);
		return socket;
	}

}
