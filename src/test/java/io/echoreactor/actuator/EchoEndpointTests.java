package io.echoreactor.actuator;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;

import io.echoreactor.actuator.EchoEndpoint.EchoServerDescriptor;
import io.echoreactor.actuator.EchoEndpoint.ReactorDescriptor;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.accept.AcceptStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link EchoEndpoint}.
 */
@Timeout(30)
class EchoEndpointTests {

	private EchoServer server;

	@AfterEach
	void stopServer() {
		if (this.server != null) {
			this.server.stop();
		}
	}

	@Test
	void beforeStartItShowsTheConfigurationAndNoReactors() {
		EchoServerDescriptor echo = new EchoEndpoint(server(AcceptStrategy.ACCEPTOR)).echo();
		assertThat(echo.state()).isEqualTo("NEW");
		assertThat(echo.address()).isNull();
		assertThat(echo.port()).isEqualTo(-1);
		assertThat(echo.reactors()).isEmpty();
		assertThat(echo.acceptor()).isNull();
		assertThat(echo.configuration().reactors()).isEqualTo(2);
		assertThat(echo.configuration().address()).isEqualTo("127.0.0.1");
		assertThat(echo.configuration().port()).isZero();
		assertThat(echo.configuration().idleTimeout()).isEqualTo("PT30S");
		assertThat(echo.configuration().maxConnectionAge()).isNull();
		assertThat(echo.configuration().shutdownTimeout()).isEqualTo("PT10S");
		assertThat(echo.configuration().backlog()).isEqualTo(512);
	}

	@Test
	void whileRunningItShowsEachReactorAndTheBoundAddress() throws IOException {
		EchoServer server = server(AcceptStrategy.ACCEPTOR);
		server.start();
		EchoEndpoint endpoint = new EchoEndpoint(server);
		try (SocketChannel client = SocketChannel.open(new InetSocketAddress(server.localAddress().getAddress(),
				server.port()))) {
			await().atMost(Duration.ofSeconds(10))
				.until(() -> endpoint.echo().reactors().stream().mapToLong(ReactorDescriptor::activeConnections).sum(),
						(active) -> active == 1);
			EchoServerDescriptor echo = endpoint.echo();
			assertThat(echo.state()).isEqualTo("RUNNING");
			assertThat(echo.address()).isEqualTo("127.0.0.1");
			assertThat(echo.port()).isEqualTo(server.port());
			assertThat(echo.acceptStrategy()).isEqualTo("acceptor");
			assertThat(echo.connections()).isOne();
			assertThat(echo.acceptor().thread()).isEqualTo("echo-acceptor");
			assertThat(echo.acceptor().alive()).isTrue();
			assertThat(echo.reactors()).extracting(ReactorDescriptor::thread)
				.containsExactly("echo-reactor-0", "echo-reactor-1");
			ReactorDescriptor withClient = echo.reactors()
				.stream()
				.filter((reactor) -> reactor.activeConnections() == 1)
				.findFirst()
				.orElseThrow();
			// Its connection, and on the first reactor the UDP socket as well.
			assertThat(withClient.registeredKeys()).isEqualTo((withClient.index() == 0) ? 2 : 1);
			assertThat(echo.udp().port()).isEqualTo(server.udpPort());
			assertThat(echo.udp().address()).isEqualTo("127.0.0.1");
			assertThat(echo.udp().reactors()).containsExactly("echo-reactor-0");
			assertThat(withClient.alive()).isTrue();
			assertThat(withClient.state()).isEqualTo("RUNNING");
			assertThat(withClient.threadState()).isIn("RUNNABLE", "WAITING", "TIMED_WAITING", "BLOCKED");
			assertThat(withClient.pendingBytes()).isZero();
			assertThat(withClient.pausedConnections()).isZero();
			assertThat(withClient.pendingTasks()).isNotNegative();
		}
	}

	@Test
	void inReuseportModeThereIsNoAcceptorAndEachReactorHoldsItsListenerAndUdpSocket() {
		EchoServer server = server(AcceptStrategy.REUSEPORT);
		server.start();
		EchoServerDescriptor echo = new EchoEndpoint(server).echo();
		assertThat(echo.acceptStrategy()).isEqualTo("reuseport");
		assertThat(echo.acceptor()).isNull();
		assertThat(echo.reactors()).extracting(ReactorDescriptor::registeredKeys).containsExactly(2, 2);
		assertThat(echo.udp().reactors()).containsExactly("echo-reactor-0", "echo-reactor-1");
	}

	private EchoServer server(AcceptStrategy acceptStrategy) {
		this.server = new EchoServer(EchoServerSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(2)
			.backlog(512)
			.acceptStrategy(acceptStrategy)
			.idleTimeout(Duration.ofSeconds(30))
			.build());
		return this.server;
	}

}
