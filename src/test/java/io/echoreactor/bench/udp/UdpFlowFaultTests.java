package io.echoreactor.bench.udp;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.echoreactor.bench.BenchRuns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.echoreactor.bench.BenchRuns.bench;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code bench} reports against a UDP echo that drops and delays answers, as the
 * service's {@code udp-drop-probability} and {@code udp-delay} do: the drops as lost
 * datagrams, which are no error, and the delay in the latency.
 */
@Timeout(60)
class UdpFlowFaultTests {

	@Test
	void droppedAnswersAreLostAndDelayedOnesShowInTheLatency() throws Exception {
		try (LossyEcho echo = new LossyEcho(50)) {
			BenchRuns.Result result = bench("--protocol", "udp", "--connections", "2", "--messages", "100",
					"--udp-timeout", "200ms", "--json", "127.0.0.1:" + echo.port());
			assertThat(result.number("errors")).as(result::toString).isZero();
			// Every second datagram is answered: each flow's datagrams alternate, answered and not.
			assertThat(result.number("messages") + result.number("lost")).isEqualTo(100);
			assertThat(result.number("lost")).isBetween(40.0, 60.0);
			assertThat(result.number("p50_us")).isGreaterThanOrEqualTo(50_000);
			assertThat(result.number("p99_us")).isLessThan(200_000);
		}
	}

	/**
	 * A UDP echo that answers every second datagram it receives, each this many
	 * milliseconds after it came, and never the others.
	 */
	private static final class LossyEcho implements AutoCloseable {

		private final DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());

		private final ScheduledExecutorService answers = Executors.newSingleThreadScheduledExecutor();

		LossyEcho(long delayMillis) throws IOException {
			Thread receiver = new Thread(() -> {
				byte[] buffer = new byte[65535];
				for (long received = 0; !this.socket.isClosed(); received++) {
					try {
						DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
						this.socket.receive(packet);
						if (received % 2 == 1) {
							continue;
						}
						DatagramPacket answer = new DatagramPacket(
								Arrays.copyOf(packet.getData(), packet.getLength()), packet.getLength(),
								packet.getSocketAddress());
						this.answers.schedule(() -> send(answer), delayMillis, TimeUnit.MILLISECONDS);
					}
					catch (IOException ex) {
						// Closed
					}
				}
			}, "lossy-echo");
			receiver.setDaemon(true);
			receiver.start();
		}

		private void send(DatagramPacket answer) {
			try {
				this.socket.send(answer);
			}
			catch (IOException ex) {
				// Closed, or the client has gone
			}
		}

		int port() {
			return this.socket.getLocalPort();
		}

		@Override
		public void close() {
			this.answers.shutdownNow();
			this.socket.close();
		}

	}

}
