package io.echoreactor.actuator;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLContext;

import io.echoreactor.actuator.EchoEndpoint.EchoServerDescriptor;
import io.echoreactor.actuator.EchoEndpoint.ReactorDescriptor;
import io.echoreactor.config.ConfigurationReference;
import io.echoreactor.config.ConfigurationReference.Setting;
import io.echoreactor.reactor.EchoServer;
import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.tls.TlsContext;
import io.echoreactor.reactor.tls.TlsSettings;
import io.echoreactor.support.DefaultSettings;
import org.assertj.core.api.InstanceOfAssertFactories;
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
		assertThat(echo.configuration()).containsEntry("reactors", 2)
			.containsEntry("address", "127.0.0.1")
			.containsEntry("port", 0)
			.containsEntry("idleTimeout", "PT30S")
			.doesNotContainKey("maxConnectionAge")
			.containsEntry("shutdownTimeout", "PT10S")
			.containsEntry("backlog", 512);
	}

	@Test
	void whileRunningItShowsEachReactorAndTheBoundAddress() throws IOException {
		EchoServer server = server(AcceptStrategy.ACCEPTOR);
		server.start();
		EchoEndpoint endpoint = new EchoEndpoint(server);
		try (SocketChannel client = SocketChannel.open(new InetSocketAddress(server.view().localAddress().getAddress(),
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
			assertThat(echo.udp().port()).isEqualTo(server.view().udpPort());
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

	@Test
	void configurationShowsEverySettingInForceFromTheSettingsThemselves() throws Exception {
		Map<String, String> everySettingSet = new HashMap<>();
		everySettingSet.put("echo.server.address", "127.0.0.1");
		everySettingSet.put("echo.server.port", "0");
		everySettingSet.put("echo.server.idle-timeout", "5m");
		everySettingSet.put("echo.server.max-connection-age", "30m");
		everySettingSet.put("echo.server.socket.keep-alive-idle", "60s");
		everySettingSet.put("echo.server.socket.keep-alive-interval", "10s");
		everySettingSet.put("echo.server.socket.keep-alive-count", "5");
		everySettingSet.put("echo.server.socket.receive-buffer-size", "256KB");
		everySettingSet.put("echo.server.socket.send-buffer-size", "256KB");
		everySettingSet.put("echo.server.udp.port", "0");
		everySettingSet.put("echo.server.udp.receive-buffer-size", "1MB");
		everySettingSet.put("echo.server.udp.send-buffer-size", "1MB");
		// A fault profile with every fault but reset-after, which close-after excludes.
		Map.of("port", "0", "delay", "1s", "delay-jitter", "10ms", "bandwidth", "1MB", "close-after", "1KB",
				"reset-probability", "0.5", "no-read", "false", "accept-delay", "1s", "udp-drop-probability", "0.5",
				"udp-delay", "1s")
			.forEach((key, value) -> everySettingSet.put("echo.server.faults.sample." + key, value));
		EchoServerSettings settings = DefaultSettings.bind(everySettingSet);
		TlsContext tls = new TlsContext(SSLContext.getDefault(), null, null, TlsContext.ClientAuth.WANT);
		this.server = new EchoServer(settings.toBuilder()
			.tls(new TlsSettings(tls, settings.tls().port(), settings.tls().handshakeTimeout()))
			.build());
		Map<String, Object> configuration = new EchoEndpoint(this.server).echo().configuration();
		for (Setting setting : ConfigurationReference.load().settings()) {
			if (setting.name().equals("echo.server.enabled")) {
				// Without it there is no server and no endpoint.
				continue;
			}
			Object shown = configuration;
			String path = shownAs(setting.relativeName());
			if (path.startsWith("faults.*.")) {
				// Each profile is an element of the list of profiles.
				shown = ((List<?>) ((Map<?, ?>) configuration.get("faults")).get("profiles")).get(0);
				path = path.substring("faults.*.".length());
			}
			for (String key : path.split("\\.")) {
				assertThat(shown).as(setting.name()).isInstanceOf(Map.class);
				shown = ((Map<?, ?>) shown).get(key);
			}
			assertThat(shown).as(setting.name()).isNotNull();
		}
		assertThat(configuration).containsEntry("greeting", "off").containsEntry("plainEnabled", true);
		assertThat(configuration.get("tls")).asInstanceOf(InstanceOfAssertFactories.MAP)
			.containsEntry("handshakeTimeout", "PT10S")
			.extractingByKey("context")
			.asInstanceOf(InstanceOfAssertFactories.MAP)
			.containsEntry("clientAuth", "want");
		assertThat(configuration.get("proxyProtocol")).asInstanceOf(InstanceOfAssertFactories.MAP)
			.containsEntry("mode", "off")
			.containsEntry("trustedSources", List.of("127.0.0.0/8", "::1/128"));
	}

	/**
	 * The path under {@code configuration} of a setting: its name in camel case, where the
	 * reactor's settings name the TLS listener {@code tls} and hold the bundle as its context.
	 */
	private static String shownAs(String property) {
		String path = property.replaceFirst("^ssl\\.bundle$", "ssl.context")
			.replaceFirst("^ssl\\.client-auth$", "ssl.context.client-auth")
			.replaceFirst("^ssl\\.", "tls.")
			.replaceFirst("^plain\\.enabled$", "plain-enabled")
			.replaceFirst("^faults-max-", "faults.max-");
		String[] words = path.split("-");
		StringBuilder camelCase = new StringBuilder(words[0]);
		for (int i = 1; i < words.length; i++) {
			camelCase.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1));
		}
		return camelCase.toString();
	}

	private EchoServer server(AcceptStrategy acceptStrategy) {
		this.server = new EchoServer(DefaultSettings.builder()
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
