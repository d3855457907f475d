package io.echoreactor.reactor;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.counters.CloseCause;
import io.echoreactor.reactor.loop.Selectable;
import io.echoreactor.support.DefaultSettings;
import io.echoreactor.support.EchoClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * When a reactor ends, a failure while closing one thing it serves does not leave the
 * others open: every registered channel is still closed, the listening port is released
 * and the reactor reports that it has terminated.
 */
@Timeout(60)
class ReactorTerminationTests {

	// Several, so that whatever order the selector's key set has, some fail before the
	// connections and the listener are closed.
	private static final int FAILING = 8;

	private final List<AutoCloseable> closeables = new ArrayList<>();

	private final List<EchoClient> clients = new ArrayList<>();

	private final AtomicInteger aborted = new AtomicInteger();

	private EchoServer server;

	@AfterEach
	void stop() throws Exception {
		for (EchoClient client : this.clients) {
			client.close();
		}
		if (this.server != null) {
			this.server.stop();
		}
		for (AutoCloseable closeable : this.closeables) {
			closeable.close();
		}
	}

	@Test
	void whenAReactorDiesAFailureClosingOneChannelLeavesNoOtherOpen() throws Exception {
		start(AcceptStrategy.REUSEPORT);
		EchoReactor reactor = this.server.view().reactors().get(0);
		List<EchoClient> connected = connectClients(3);
		registerFailingToClose(reactor);
		reactor.execute(() -> {
			throw new ReactorKilledError();
		});
		// The reactor's death is the point: Awaitility must not report it as a failure.
		await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(10)).until(() -> !reactor.isAlive());
		reactor.terminated().get(10, TimeUnit.SECONDS);
		assertThat(this.aborted).hasValue(FAILING);
		for (EchoClient client : connected) {
			assertClosedByServer(client);
		}
		assertThat(reactor.statistics().closed(CloseCause.ERROR)).isEqualTo(connected.size());
		assertPortReleased();
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(AcceptStrategy.class)
	void whenTheServerStopsAFailureClosingOneChannelLeavesNoOtherOpen(AcceptStrategy strategy) throws Exception {
		start(strategy);
		EchoReactor reactor = this.server.view().reactors().get(0);
		List<EchoClient> connected = connectClients(3);
		registerFailingToClose(reactor);
		this.server.stop();
		reactor.terminated().get(10, TimeUnit.SECONDS);
		await().until(() -> !reactor.isAlive());
		assertThat(this.aborted).hasValue(FAILING);
		for (EchoClient client : connected) {
			assertClosedByServer(client);
		}
		assertThat(reactor.statistics().closed(CloseCause.SHUTDOWN)).isEqualTo(connected.size());
		assertPortReleased();
	}

	private void start(AcceptStrategy strategy) {
		this.server = new EchoServer(DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(1)
			.acceptStrategy(strategy)
			.build());
		this.server.start();
	}

	private List<EchoClient> connectClients(int count) throws IOException {
		List<EchoClient> connected = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			EchoClient client = EchoClient
				.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.server.port()));
			this.clients.add(client);
			client.echo(16);
			connected.add(client);
		}
		return connected;
	}

	private void registerFailingToClose(EchoReactor reactor) throws Exception {
		CompletableFuture<Void> registered = new CompletableFuture<>();
		List<Pipe> pipes = new ArrayList<>();
		for (int i = 0; i < FAILING; i++) {
			Pipe pipe = Pipe.open();
			pipe.source().configureBlocking(false);
			this.closeables.add(pipe.source());
			this.closeables.add(pipe.sink());
			pipes.add(pipe);
		}
		reactor.execute(() -> {
			try {
				for (Pipe pipe : pipes) {
					reactor.loop().register(pipe.source(), 0, new FailingToClose());
				}
				registered.complete(null);
			}
			catch (IOException ex) {
				registered.completeExceptionally(ex);
			}
		});
		registered.get(10, TimeUnit.SECONDS);
	}

	private void assertPortReleased() throws IOException {
		try (ServerSocket socket = new ServerSocket()) {
			socket.setReuseAddress(true);
			socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.server.port()));
		}
	}

	private static void assertClosedByServer(EchoClient client) throws IOException {
		try {
			client.assertEndOfStream();
		}
		catch (SocketException ex) {
			// A reset says the same: the server closed the connection
			assertThat(ex).hasMessageContaining("reset");
		}
	}

	/**
	 * Registered on the reactor; fails when the reactor closes it.
	 */
	private final class FailingToClose implements Selectable {

		@Override
		public void ready(int readyOps) {
		}

		@Override
		public void rekeyed(SelectionKey key) {
		}

		@Override
		public void abort(CloseCause cause) {
			ReactorTerminationTests.this.aborted.incrementAndGet();
			throw new IllegalStateException("Simulated failure while closing");
		}

	}

	static final class ReactorKilledError extends Error {

		ReactorKilledError() {
			super("Killed by the test", null, false, false);
		}

	}

}
