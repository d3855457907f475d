package io.echoreactor.actuator;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import com.jayway.jsonpath.JsonPath;
import io.echoreactor.EchoApplication;
import io.echoreactor.context.EchoServerLifecycle;
import io.echoreactor.metrics.PrometheusScrape;
import io.echoreactor.reactor.EchoServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.json.BasicJsonTester;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.support.GenericApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Health, liveness and readiness over HTTP through the application's whole life: start
 * (before the echo port is bound), serve, drain and stop (after the echo server has
 * stopped, while Actuator still answers). A probe bean in a lifecycle phase next to the
 * echo server's looks at the probes from inside start-up and shutdown.
 */
@Timeout(120)
class EchoProbesIntegrationTests {

	private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private final BasicJsonTester json = new BasicJsonTester(getClass());

	@Test
	void probesFollowTheEchoServerThroughStartServeDrainAndStop() throws Exception {
		LifecycleProbe probe = new LifecycleProbe();
		ConfigurableApplicationContext context = run(probe);
		try {
			EchoServer echoServer = context.getBean(EchoServer.class);
			int httpPort = probe.httpPort;

			// Start: the HTTP server answers before the echo port is bound, and readiness
			// refuses traffic.
			Snapshot atStart = probe.atStart;
			assertThat(atStart.echoState()).isEqualTo(EchoServer.Status.NEW);
			assertThat(atStart.readiness().statusCode()).isEqualTo(503);
			assertThat(status(atStart.readiness())).isEqualTo("OUT_OF_SERVICE");
			// Boot itself reports liveness as BROKEN until the context has started (a
			// startup probe covers that); the echo component is UP.
			assertThat(this.json.from(atStart.liveness().body()))
				.extractingJsonPathStringValue("$.components.echo.status")
				.isEqualTo("UP");
			assertThat(atStart.ready()).isZero();

			// Serve.
			assertThat(get(httpPort, "/actuator/health/readiness").statusCode()).isEqualTo(200);
			assertThat(get(httpPort, "/actuator/health/liveness").statusCode()).isEqualTo(200);
			assertThat(scrape(httpPort).value("echo_ready")).isOne();
			InetSocketAddress echoAddress = new InetSocketAddress(echoServer.view().localAddress().getAddress(),
					echoServer.port());
			InetSocketAddress udpAddress = echoServer.view().udpLocalAddress();
			try (SocketChannel client = SocketChannel.open(echoAddress);
					DatagramChannel udpClient = DatagramChannel.open()) {
				assertThat(echo(client, "before the drain")).isEqualTo("before the drain");
				udpClient.bind(new InetSocketAddress(udpAddress.getAddress(), 0)).configureBlocking(false);
				udpClient.send(ByteBuffer.wrap("datagram before the drain".getBytes(StandardCharsets.US_ASCII)),
						udpAddress);
				assertThat(receive(udpClient)).isEqualTo("datagram before the drain");

				// Drain: the open connection holds the shutdown until its client closes.
				Thread closer = new Thread(context::close, "test-context-close");
				closer.start();
				// UDP stops with the listener. Once its port is free, readiness already
				// refuses traffic: there is no moment when UDP is gone and the pod still
				// looks ready.
				try (DatagramChannel holder = await().atMost(Duration.ofSeconds(20))
					.pollInterval(Duration.ofMillis(10))
					.ignoreException(BindException.class)
					.until(() -> bindDatagram(udpAddress), (bound) -> true)) {
					assertThat(get(httpPort, "/actuator/health/readiness").statusCode()).isEqualTo(503);
					holder.configureBlocking(false);
					udpClient.send(ByteBuffer.wrap("datagram during the drain".getBytes(StandardCharsets.US_ASCII)),
							udpAddress);
					assertThat(receive(holder)).as("the datagram reached the port's new owner")
						.isEqualTo("datagram during the drain");
					assertThat(udpClient.receive(ByteBuffer.allocate(64))).as("an answer from the service").isNull();
				}
				HttpResponse<String> readiness = get(httpPort, "/actuator/health/readiness");
				assertThat(readiness.statusCode()).isEqualTo(503);
				assertThat(status(readiness)).isEqualTo("OUT_OF_SERVICE");
				HttpResponse<String> liveness = get(httpPort, "/actuator/health/liveness");
				assertThat(liveness.statusCode()).isEqualTo(200);
				assertThat(this.json.from(liveness.body())).extractingJsonPathStringValue("$.components.echo.status")
					.isEqualTo("UP");
				assertThat(scrape(httpPort).value("echo_ready")).isZero();
				assertThat(echo(client, "during the drain")).isEqualTo("during the drain");
				assertThat(echoServer.view().status()).isEqualTo(EchoServer.Status.DRAINING);
				client.shutdownOutput();
				assertThat(client.read(ByteBuffer.allocate(1))).isEqualTo(-1);
				closer.join(TimeUnit.SECONDS.toMillis(30));
				assertThat(closer.isAlive()).isFalse();
			}

			// Stop: the echo server has stopped, Actuator still answered, and readiness
			// stayed refused while liveness stayed up.
			Snapshot atStop = probe.atStop;
			assertThat(atStop).isNotNull();
			assertThat(atStop.echoState()).isEqualTo(EchoServer.Status.STOPPED);
			assertThat(atStop.readiness().statusCode()).isEqualTo(503);
			assertThat(atStop.liveness().statusCode()).isEqualTo(200);
			assertThat(this.json.from(atStop.liveness().body()))
				.extractingJsonPathStringValue("$.components.echo.details.state")
				.isEqualTo("STOPPED");
			assertThat(atStop.ready()).isZero();
			assertThatExceptionOfType(ConnectException.class).isThrownBy(() -> SocketChannel.open(echoAddress));
		}
		finally {
			context.close();
		}
	}

	@Test
	void withTheEchoServerDisabledLivenessStillHasAnEchoComponent() throws Exception {
		LifecycleProbe probe = new LifecycleProbe();
		try (ConfigurableApplicationContext context = run(probe, "--echo.server.enabled=false")) {
			assertThat(context.getBeansOfType(EchoServer.class)).isEmpty();
			HttpResponse<String> liveness = get(probe.httpPort, "/actuator/health/liveness");
			assertThat(liveness.statusCode()).isEqualTo(200);
			assertThat(this.json.from(liveness.body()))
				.extractingJsonPathBooleanValue("$.components.echo.details.enabled")
				.isFalse();
			assertThat(get(probe.httpPort, "/actuator/health/readiness").statusCode()).isEqualTo(200);
			assertThat(get(probe.httpPort, "/actuator/echo").statusCode()).isEqualTo(404);
			assertThat(scrape(probe.httpPort).families()).isEmpty();
		}
	}

	private static ConfigurableApplicationContext run(LifecycleProbe probe, String... extraArgs) {
		SpringApplication application = new SpringApplication(EchoApplication.class);
		application.addInitializers((context) -> ((GenericApplicationContext) context).registerBean("lifecycleProbe",
				LifecycleProbe.class, () -> probe));
		String[] args = { "--server.port=0", "--server.address=127.0.0.1", "--echo.server.port=0",
				"--echo.server.address=127.0.0.1", "--echo.server.reactors=1", "--spring.main.banner-mode=off" };
		String[] all = new String[args.length + extraArgs.length];
		System.arraycopy(args, 0, all, 0, args.length);
		System.arraycopy(extraArgs, 0, all, args.length, extraArgs.length);
		return application.run(all);
	}

	private String status(HttpResponse<String> response) {
		return JsonPath.read(response.body(), "$.status");
	}

	private static String echo(SocketChannel client, String message) throws IOException {
		byte[] bytes = message.getBytes(StandardCharsets.US_ASCII);
		ByteBuffer out = ByteBuffer.wrap(bytes);
		while (out.hasRemaining()) {
			client.write(out);
		}
		ByteBuffer in = ByteBuffer.allocate(bytes.length);
		while (in.hasRemaining()) {
			if (client.read(in) < 0) {
				throw new IOException("Closed by the server");
			}
		}
		return new String(in.array(), StandardCharsets.US_ASCII);
	}

	private static DatagramChannel bindDatagram(InetSocketAddress address) throws IOException {
		DatagramChannel channel = DatagramChannel.open();
		try {
			return channel.bind(address);
		}
		catch (IOException ex) {
			channel.close();
			throw ex;
		}
	}

	private static String receive(DatagramChannel channel) {
		ByteBuffer buffer = ByteBuffer.allocate(1024);
		await().atMost(Duration.ofSeconds(10))
			.pollDelay(Duration.ZERO)
			.pollInterval(Duration.ofMillis(5))
			.until(() -> channel.receive(buffer.clear()) != null);
		return new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
	}

	static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
			.timeout(Duration.ofSeconds(10))
			.build();
		return http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	static PrometheusScrape scrape(int port) throws IOException, InterruptedException {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
			.header("Accept", "text/plain;version=0.0.4")
			.timeout(Duration.ofSeconds(10))
			.build();
		return PrometheusScrape.parse(http.send(request, HttpResponse.BodyHandlers.ofString()).body());
	}

	/**
	 * What the probes said at one moment.
	 *
	 * @param echoState the echo server's state then
	 * @param readiness the readiness probe's response
	 * @param liveness the liveness probe's response
	 * @param ready the echo_ready gauge
	 */
	record Snapshot(EchoServer.Status echoState, HttpResponse<String> readiness, HttpResponse<String> liveness,
			double ready) {

	}

	/**
	 * Starts just before the echo server, once the HTTP server is up, and stops just after
	 * it, before the HTTP server stops; records what the probes say at both moments.
	 */
	static final class LifecycleProbe implements SmartLifecycle, ApplicationContextAware {

		private ApplicationContext context;

		private volatile boolean running;

		volatile int httpPort;

		volatile Snapshot atStart;

		volatile Snapshot atStop;

		@Override
		public void setApplicationContext(ApplicationContext context) {
			this.context = context;
		}

		@Override
		public void start() {
			this.httpPort = Integer.parseInt(this.context.getEnvironment().getRequiredProperty("local.server.port"));
			this.atStart = snapshot();
			this.running = true;
		}

		@Override
		public void stop() {
			this.atStop = snapshot();
			this.running = false;
		}

		@Override
		public boolean isRunning() {
			return this.running;
		}

		@Override
		public int getPhase() {
			return EchoServerLifecycle.PHASE - 1;
		}

		private Snapshot snapshot() {
			EchoServer server = this.context.getBeanProvider(EchoServer.class).getIfAvailable();
			try {
				PrometheusScrape scrape = scrape(this.httpPort);
				return new Snapshot((server != null) ? server.view().status() : null,
						get(this.httpPort, "/actuator/health/readiness"),
						get(this.httpPort, "/actuator/health/liveness"),
						scrape.has("echo_ready") ? scrape.value("echo_ready") : Double.NaN);
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}

	}

}
