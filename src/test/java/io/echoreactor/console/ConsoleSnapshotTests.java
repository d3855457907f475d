package io.echoreactor.console;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.echoreactor.reactor.EchoServer;
import io.echoreactor.support.ByteClient;
import io.echoreactor.support.DefaultSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ConsoleSnapshot}: a reactor that does not answer in time leaves the
 * connections table out, says so, and holds up neither the rest of the snapshot nor the
 * next one once it answers.
 */
@Timeout(30)
class ConsoleSnapshotTests {

	private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

	private EchoServer server;

	@AfterEach
	void stop() {
		if (this.server != null) {
			this.server.stop();
		}
	}

	@Test
	void aReactorThatDoesNotAnswerLeavesTheTableOutAndTheRestIn() throws Exception {
		this.server = new EchoServer(DefaultSettings.builder()
			.address(LOOPBACK)
			.port(0)
			.reactors(2)
			.udp(DefaultSettings.udpDisabled())
			.build());
		this.server.start();
		try (ByteClient client = ByteClient.connect(new InetSocketAddress(LOOPBACK, this.server.port()), null)) {
			await().atMost(Duration.ofSeconds(10))
				.until(() -> ConsoleSnapshot.of(this.server).connectionsTable().size() == 1);
			CountDownLatch release = new CountDownLatch(1);
			CountDownLatch blocked = new CountDownLatch(1);
			this.server.view().reactors().get(1).execute(() -> {
				blocked.countDown();
				awaitQuietly(release);
			});
			assertThat(blocked.await(5, TimeUnit.SECONDS)).isTrue();
			try {
				// The last snapshot is a second old by the time a new one is asked of the reactors.
				await().atMost(Duration.ofSeconds(10))
					.until(() -> !ConsoleSnapshot.of(this.server).connectionsTableAvailable());
				ConsoleSnapshot withoutTable = ConsoleSnapshot.of(this.server);
				assertThat(withoutTable.connectionsTable()).isEmpty();
				assertThat(withoutTable.reactors()).hasSize(2);
				assertThat(withoutTable.connections()).isOne();
				assertThat(ConsolePage.render(withoutTable, "/console", "1.6.30"))
					.contains("Not available: a reactor did not answer in time.");
			}
			finally {
				release.countDown();
			}
			await().atMost(Duration.ofSeconds(10))
				.until(() -> ConsoleSnapshot.of(this.server).connectionsTableAvailable());
			assertThat(ConsoleSnapshot.of(this.server).connectionsTable()).hasSize(1);
		}
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(20, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
