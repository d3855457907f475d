package io.echoreactor.context;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.support.DefaultSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static io.echoreactor.support.EchoSockets.assertEchoes;
import static io.echoreactor.support.EchoSockets.connect;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link EchoServerLifecycle}: start binds and serves, the graceful stop refuses
 * traffic first, waits for clients and always runs the callback, and the phase lets the
 * drain run while the Actuator's HTTP server still answers.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(30)
class EchoServerLifecycleTests {

	private final List<Object> events = new CopyOnWriteArrayList<>();

	private EchoServer server;

	@AfterEach
	void stopServer() {
		if (this.server != null) {
			this.server.stop();
		}
	}

	@Test
	void startBindsAnEphemeralPortAndEchoes() throws IOException {
		EchoServerLifecycle lifecycle = lifecycle(Duration.ofSeconds(5));
		assertThat(lifecycle.isRunning()).isFalse();
		assertThat(this.server.port()).isEqualTo(-1);
		lifecycle.start();
		assertThat(lifecycle.isRunning()).isTrue();
		assertThat(this.server.port()).isPositive();
		try (Socket client = connect(this.server.port())) {
			assertEchoes(client, "hello\n");
		}
	}

	@Test
	void stopWithNoConnectionsRefusesTrafficThenRunsTheCallbackAsIdle(CapturedOutput output)
			throws InterruptedException {
		EchoServerLifecycle lifecycle = lifecycle(Duration.ofSeconds(5));
		lifecycle.start();
		CountDownLatch callback = new CountDownLatch(1);
		lifecycle.stop(callback::countDown);
		assertThat(callback.await(5 + 1, TimeUnit.SECONDS)).isTrue();
		assertThat(lifecycle.isRunning()).isFalse();
		assertThat(this.events).singleElement().isInstanceOfSatisfying(ReadinessEvent.class, (event) -> {
			assertThat(event.state()).isEqualTo(ReadinessState.REFUSING_TRAFFIC);
			// Published before the drain began, so no load balancer sends a new client into it.
			assertThat(event.serverStatus()).isEqualTo(EchoServer.Status.RUNNING);
		});
		assertThat(output).contains("Graceful shutdown of the echo server complete");
	}

	@Test
	void stopKeepsEchoingForAConnectedClientAndRunsTheCallbackOnceItCloses(CapturedOutput output)
			throws IOException, InterruptedException {
		EchoServerLifecycle lifecycle = lifecycle(Duration.ofSeconds(20));
		lifecycle.start();
		CountDownLatch callback = new CountDownLatch(1);
		try (Socket client = connect(this.server.port())) {
			assertEchoes(client, "before\n");
			lifecycle.stop(callback::countDown);
			assertThat(this.events).hasSize(1);
			assertEchoes(client, "during the drain\n");
			assertThat(callback.getCount()).as("callback ran while a client was connected").isEqualTo(1);
			assertThat(lifecycle.isRunning()).isTrue();
		}
		assertThat(callback.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(lifecycle.isRunning()).isFalse();
		assertThat(output).contains("Graceful shutdown of the echo server complete");
	}

	@Test
	void stopRunsTheCallbackWithinShutdownTimeoutPlusOneSecondWhenAClientStays(CapturedOutput output)
			throws IOException, InterruptedException {
		Duration shutdownTimeout = Duration.ofMillis(500);
		EchoServerLifecycle lifecycle = lifecycle(shutdownTimeout);
		lifecycle.start();
		CountDownLatch callback = new CountDownLatch(1);
		try (Socket client = connect(this.server.port())) {
			assertEchoes(client, "hello\n");
			long start = System.nanoTime();
			lifecycle.stop(callback::countDown);
			assertThat(callback.await(shutdownTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS)).isTrue();
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(shutdownTimeout);
			// The server closed the connection with a FIN once the timeout passed.
			assertThat(client.getInputStream().read()).isEqualTo(-1);
		}
		assertThat(lifecycle.isRunning()).isFalse();
		assertThat(output).contains("Graceful shutdown of the echo server ended by shutdown-timeout");
	}

	@Test
	void immediateStopStopsTheServer() {
		EchoServerLifecycle lifecycle = lifecycle(Duration.ofSeconds(5));
		lifecycle.start();
		lifecycle.stop();
		assertThat(lifecycle.isRunning()).isFalse();
		assertThat(this.server.view().status()).isEqualTo(EchoServer.Status.STOPPED);
	}

	@Test
	void phaseDrainsTheEchoServerBeforeTheWebServerShutsDownGracefully() {
		EchoServerLifecycle lifecycle = lifecycle(Duration.ofSeconds(5));
		assertThat(lifecycle.getPhase()).isEqualTo(EchoServerLifecycle.PHASE);
		// Lifecycles stop from the highest phase down, so a higher phase drains first.
		assertThat(EchoServerLifecycle.PHASE).isGreaterThan(WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE)
			.isGreaterThan(WebServerApplicationContext.START_STOP_LIFECYCLE_PHASE)
			.isLessThanOrEqualTo(SmartLifecycle.DEFAULT_PHASE);
		assertThat(WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE)
			.isEqualTo(SmartLifecycle.DEFAULT_PHASE - 1024);
		assertThat(lifecycle.isAutoStartup()).isTrue();
	}

	@Test
	void contextStartsTheServerAndDrainsItOnClose() {
		new ApplicationContextRunner().withUserConfiguration(LifecycleConfiguration.class).run((context) -> {
			EchoServer server = context.getBean(EchoServer.class);
			ReadinessRecorder readiness = context.getBean(ReadinessRecorder.class);
			assertThat(server.view().isRunning()).isTrue();
			try (Socket client = connect(server.port())) {
				assertEchoes(client, "hello\n");
			}
			context.close();
			assertThat(server.view().status()).isEqualTo(EchoServer.Status.STOPPED);
			assertThat(readiness.states).containsExactly(ReadinessState.REFUSING_TRAFFIC);
		});
	}

	private EchoServerLifecycle lifecycle(Duration shutdownTimeout) {
		this.server = new EchoServer(settings(shutdownTimeout));
		EchoServer server = this.server;
		ApplicationEventPublisher publisher = (event) -> {
			if (event instanceof AvailabilityChangeEvent<?> change) {
				this.events.add(new ReadinessEvent(change.getState(), server.view().status()));
			}
			else {
				this.events.add(event);
			}
		};
		return new EchoServerLifecycle(server, publisher);
	}

	private static EchoServerSettings settings(Duration shutdownTimeout) {
		return DefaultSettings.builder()
			.address(InetAddress.getLoopbackAddress())
			.port(0)
			.reactors(1)
			.shutdownTimeout(shutdownTimeout)
			.build();
	}

	record ReadinessEvent(Object state, EchoServer.Status serverStatus) {
	}

	@Configuration(proxyBeanMethods = false)
	static class LifecycleConfiguration {

		@Bean
		EchoServer echoServer() {
			return new EchoServer(settings(Duration.ofSeconds(5)));
		}

		@Bean
		EchoServerLifecycle echoServerLifecycle(EchoServer echoServer, ApplicationEventPublisher publisher) {
			return new EchoServerLifecycle(echoServer, publisher);
		}

		@Bean
		ReadinessRecorder readinessRecorder() {
			return new ReadinessRecorder();
		}

	}

	static class ReadinessRecorder implements ApplicationListener<AvailabilityChangeEvent<ReadinessState>> {

		final List<ReadinessState> states = new CopyOnWriteArrayList<>();

		@Override
		public void onApplicationEvent(AvailabilityChangeEvent<ReadinessState> event) {
			this.states.add(event.getState());
		}

	}

}
