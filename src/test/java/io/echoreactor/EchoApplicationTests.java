package io.echoreactor;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.echoreactor.context.EchoServerLifecycle;
import io.echoreactor.reactor.EchoServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

import static io.echoreactor.support.ActuatorProbes.status;
import static io.echoreactor.support.EchoSockets.assertEchoes;
import static io.echoreactor.support.EchoSockets.connect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link EchoApplication} run in this JVM: the wiring without the echo server,
 * and the drain's place among Boot's shutdown phases.
 */
@Timeout(60)
class EchoApplicationTests {

	@Test
	void disabledEchoServerBindsNothingWhileActuatorAnswersOverHttp() throws Exception {
		try (ServerSocketChannel holder = ServerSocketChannel.open()) {
			// The configured echo port is taken: any attempt to bind it would fail start-up.
			holder.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
			int heldPort = ((InetSocketAddress) holder.getLocalAddress()).getPort();
			SpringApplication application = new SpringApplication(EchoApplication.class);
			application.setRegisterShutdownHook(false);
			try (ConfigurableApplicationContext context = application.run("--server.port=0",
					"--server.address=127.0.0.1", "--echo.server.enabled=false", "--echo.server.address=127.0.0.1",
					"--echo.server.port=" + heldPort)) {
				assertThat(context.getBeanNamesForType(EchoServer.class)).isEmpty();
				assertThat(context.getBeanNamesForType(EchoServerLifecycle.class)).isEmpty();
				int httpPort = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
				assertThat(status(httpPort, "/actuator/health")).isEqualTo("200 UP");
				assertThat(status(httpPort, "/actuator/health/liveness")).isEqualTo("200 UP");
				assertThat(status(httpPort, "/actuator/health/readiness")).isEqualTo("200 UP");
			}
		}
	}

	@Test
	void separateManagementServerAnswersThroughoutTheEchoDrain() throws Exception {
		SpringApplication application = new SpringApplication(EchoApplication.class);
		application.setRegisterShutdownHook(false);
		ConfigurableApplicationContext context = application.run("--server.port=0", "--server.address=127.0.0.1",
				"--management.server.port=0", "--management.server.address=127.0.0.1", "--echo.server.port=0",
				"--echo.server.address=127.0.0.1");
		ExecutorService executor = Executors.newSingleThreadExecutor();
		try {
			int echoPort = context.getBean(EchoServer.class).port();
			int managementPort = context.getEnvironment().getRequiredProperty("local.management.port", Integer.class);
			await().atMost(Duration.ofSeconds(10))
				.until(() -> status(managementPort, "/actuator/health/readiness").equals("200 UP"));
			try (Socket client = connect(echoPort)) {
				assertEchoes(client, "hello\n");
				Future<?> closing = executor.submit(context::close);
				// Boot stops the management server's child context at its own, lower phase.
				await().atMost(Duration.ofSeconds(10))
					.until(() -> status(managementPort, "/actuator/health/readiness").equals("503 OUT_OF_SERVICE"));
				assertThat(status(managementPort, "/actuator/health/liveness")).isEqualTo("200 UP");
				assertEchoes(client, "still echoing during the drain\n");
				assertThat(closing).as("context closed while a client was connected").isNotDone();
				client.close();
				closing.get(20, TimeUnit.SECONDS);
			}
		}
		finally {
			executor.shutdownNow();
			context.close();
		}
	}

}
