package io.echoreactor.config;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import io.echoreactor.reactor.EchoServerSettings;
import io.echoreactor.reactor.accept.AcceptStrategy;
import io.echoreactor.reactor.accept.SocketSettings;
import io.echoreactor.reactor.udp.UdpSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.json.JsonParserFactory;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link EchoServerProperties}: defaults, key forms and the generated metadata.
 * Invalid values are covered by {@code EchoServerPropertiesFailureAnalyzerTests} (in the context package).
 */
@Timeout(30)
class EchoServerPropertiesTests {

	private static final Map<String, String> FAULT_SAMPLES = Map.ofEntries(Map.entry("port", "7999"),
			Map.entry("delay", "1s"), Map.entry("delay-jitter", "10ms"), Map.entry("bandwidth", "1MB"),
			Map.entry("close-after", "1KB"), Map.entry("reset-probability", "0.5"), Map.entry("no-read", "false"),
			Map.entry("accept-delay", "1s"), Map.entry("udp-drop-probability", "0.5"), Map.entry("udp-delay", "1s"));

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withUserConfiguration(EnableEchoServerProperties.class);

	@Test
	void defaultsAreTheDocumentedOnes() {
		EchoServerProperties properties = bind(Map.of());
		assertThat(properties.enabled()).isTrue();
		assertThat(properties.address()).isNull();
		assertThat(properties.port()).isEqualTo(7007);
		assertThat(properties.reactors()).isNull();
		assertThat(properties.acceptStrategy()).isEqualTo(AcceptStrategy.ACCEPTOR);
		assertThat(properties.backlog()).isEqualTo(1024);
		assertThat(properties.readBufferSize()).isEqualTo(DataSize.ofKilobytes(64));
		assertThat(properties.readBudget()).isEqualTo(DataSize.ofKilobytes(256));
		assertThat(properties.writeBufferHighWaterMark()).isEqualTo(DataSize.ofKilobytes(64));
		assertThat(properties.writeBufferLowWaterMark()).isEqualTo(DataSize.ofKilobytes(32));
		assertThat(properties.idleTimeout()).isNull();
		assertThat(properties.maxConnections()).isEqualTo(10_000);
		assertThat(properties.maxConnectionAge()).isNull();
		assertThat(properties.maxConnectionAgeJitter()).isEqualTo(0.1);
		assertThat(properties.shutdownTimeout()).isEqualTo(Duration.ofSeconds(10));
		assertThat(properties.socket().tcpNoDelay()).isTrue();
		assertThat(properties.socket().keepAlive()).isFalse();
		assertThat(properties.socket().keepAliveIdle()).isNull();
		assertThat(properties.socket().keepAliveInterval()).isNull();
		assertThat(properties.socket().keepAliveCount()).isNull();
		assertThat(properties.socket().receiveBufferSize()).isNull();
		assertThat(properties.socket().sendBufferSize()).isNull();
		assertThat(properties.udp().enabled()).isTrue();
		assertThat(properties.udp().port()).isNull();
		assertThat(properties.udp().rateLimitPerSource()).isEqualTo(1000);
		assertThat(properties.udp().maxTrackedSources()).isEqualTo(10_000);
		assertThat(properties.udp().receiveBudget()).isEqualTo(64);
		assertThat(properties.udp().receiveBufferSize()).isNull();
		assertThat(properties.udp().sendBufferSize()).isNull();
	}

	@Test
	void defaultsBecomeTheReactorSettingsWithOneReactorPerProcessor() {
		EchoServerSettings settings = bind(Map.of()).toSettings();
		assertThat(settings.reactors()).isEqualTo(Runtime.getRuntime().availableProcessors());
		assertThat(settings.port()).isEqualTo(7007);
		assertThat(settings.address()).isNull();
		assertThat(settings.acceptStrategy()).isEqualTo(AcceptStrategy.ACCEPTOR);
		assertThat(settings.backlog()).isEqualTo(1024);
		assertThat(settings.readBufferSize()).isEqualTo(64 * 1024);
		assertThat(settings.readBudget()).isEqualTo(256 * 1024);
		assertThat(settings.writeBufferHighWaterMark()).isEqualTo(64 * 1024);
		assertThat(settings.writeBufferLowWaterMark()).isEqualTo(32 * 1024);
		assertThat(settings.idleTimeout()).isNull();
		assertThat(settings.maxConnections()).isEqualTo(10_000);
		assertThat(settings.shutdownTimeout()).isEqualTo(Duration.ofSeconds(10));
		assertThat(settings.socket()).isEqualTo(new SocketSettings(true, false, null, null, null, null, null));
		assertThat(settings.udp()).isEqualTo(new UdpSettings(true, null, 1000, 10_000, 64, null, null));
	}

	@Test
	void kebabCaseKeysBindAndReachTheReactorSettings() throws IOException {
		Map<String, String> source = Map.ofEntries(Map.entry("echo.server.address", "127.0.0.1"),
				Map.entry("echo.server.port", "9000"), Map.entry("echo.server.reactors", "3"),
				Map.entry("echo.server.accept-strategy", "reuseport"), Map.entry("echo.server.backlog", "4096"),
				Map.entry("echo.server.read-buffer-size", "128KB"), Map.entry("echo.server.read-budget", "1MB"),
				Map.entry("echo.server.write-buffer-high-water-mark", "256KB"),
				Map.entry("echo.server.write-buffer-low-water-mark", "128KB"),
				Map.entry("echo.server.idle-timeout", "30s"), Map.entry("echo.server.max-connections", "500"),
				Map.entry("echo.server.max-pending-output", "64MB"),
				Map.entry("echo.server.max-connection-age", "5m"),
				Map.entry("echo.server.max-connection-age-jitter", "0.25"),
				Map.entry("echo.server.shutdown-timeout", "20s"), Map.entry("echo.server.socket.tcp-no-delay", "false"),
				Map.entry("echo.server.socket.keep-alive", "true"),
				Map.entry("echo.server.socket.keep-alive-idle", "60s"),
				Map.entry("echo.server.socket.keep-alive-interval", "10s"),
				Map.entry("echo.server.socket.keep-alive-count", "5"),
				Map.entry("echo.server.socket.receive-buffer-size", "256KB"),
				Map.entry("echo.server.socket.send-buffer-size", "512KB"),
				Map.entry("echo.server.udp.enabled", "false"), Map.entry("echo.server.udp.port", "9001"),
				Map.entry("echo.server.udp.rate-limit-per-source", "50"),
				Map.entry("echo.server.udp.max-tracked-sources", "300"),
				Map.entry("echo.server.udp.receive-budget", "8"),
				Map.entry("echo.server.udp.receive-buffer-size", "4MB"),
				Map.entry("echo.server.udp.send-buffer-size", "1MB"));
		EchoServerSettings settings = bind(source).toSettings();
		assertThat(settings.address()).isEqualTo(InetAddress.getByName("127.0.0.1"));
		assertThat(settings.port()).isEqualTo(9000);
		assertThat(settings.reactors()).isEqualTo(3);
		assertThat(settings.acceptStrategy()).isEqualTo(AcceptStrategy.REUSEPORT);
		assertThat(settings.backlog()).isEqualTo(4096);
		assertThat(settings.readBufferSize()).isEqualTo(128 * 1024);
		assertThat(settings.readBudget()).isEqualTo(1024 * 1024);
		assertThat(settings.writeBufferHighWaterMark()).isEqualTo(256 * 1024);
		assertThat(settings.writeBufferLowWaterMark()).isEqualTo(128 * 1024);
		assertThat(settings.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
		assertThat(settings.maxConnections()).isEqualTo(500);
		assertThat(settings.maxPendingOutput()).isEqualTo(64 * 1024 * 1024);
		assertThat(settings.maxConnectionAge()).isEqualTo(Duration.ofMinutes(5));
		assertThat(settings.maxConnectionAgeJitter()).isEqualTo(0.25);
		assertThat(settings.shutdownTimeout()).isEqualTo(Duration.ofSeconds(20));
		assertThat(settings.socket()).isEqualTo(new SocketSettings(false, true,
				Duration.ofSeconds(60), Duration.ofSeconds(10), 5, 256 * 1024, 512 * 1024));
		assertThat(settings.udp()).isEqualTo(
				new UdpSettings(false, 9001, 50, 300, 8, 4 * 1024 * 1024, 1024 * 1024));
	}

	@Test
	void environmentVariablesInSpringsUppercaseFormBind() {
		// Bound through the same adapter Boot puts in front of the real process environment.
		SystemEnvironmentPropertySource environment = new SystemEnvironmentPropertySource(
				StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
				Map.of("ECHO_SERVER_PORT", "9000", "ECHO_SERVER_ACCEPTSTRATEGY", "reuseport",
						"ECHO_SERVER_READBUFFERSIZE", "128KB", "ECHO_SERVER_SHUTDOWNTIMEOUT", "5s",
						"ECHO_SERVER_SOCKET_KEEPALIVECOUNT", "4", "ECHO_SERVER_UDP_PORT", "9001",
						"ECHO_SERVER_UDP_RATELIMITPERSOURCE", "0"));
		EchoServerProperties properties = bind(ConfigurationPropertySources.from(environment));
		assertThat(properties.port()).isEqualTo(9000);
		assertThat(properties.acceptStrategy()).isEqualTo(AcceptStrategy.REUSEPORT);
		assertThat(properties.readBufferSize()).isEqualTo(DataSize.ofKilobytes(128));
		assertThat(properties.shutdownTimeout()).isEqualTo(Duration.ofSeconds(5));
		assertThat(properties.socket().keepAliveCount()).isEqualTo(4);
		assertThat(properties.udp().port()).isEqualTo(9001);
		assertThat(properties.udp().rateLimitPerSource()).isZero();
	}

	@Test
	void applicationYmlRunsEchoOn7007WithTheDefaultsAndActuatorOn8081() throws IOException {
		List<PropertySource<?>> yaml = new YamlPropertySourceLoader().load("application.yml",
				new ClassPathResource("application.yml"));
		assertThat(yaml).hasSize(1);
		assertThat(yaml.get(0).getProperty("server.port")).hasToString("8081");
		EchoServerProperties configured = bind(ConfigurationPropertySources.from(yaml.get(0)));
		assertThat(configured).isEqualTo(bind(Map.of()));
		// The defaults are declared once, with the properties: an echo.server key in application.yml must
		// change what binds, or it only repeats a default.
		EnumerablePropertySource<?> source = (EnumerablePropertySource<?>) yaml.get(0);
		for (String name : source.getPropertyNames()) {
			if (name.startsWith("echo.server.")) {
				Map<String, Object> without = new HashMap<>();
				for (String other : source.getPropertyNames()) {
					if (!other.equals(name)) {
						without.put(other, source.getProperty(other));
					}
				}
				assertThat(bind(ConfigurationPropertySources.from(new MapPropertySource("without", without))))
					.as(name + " in application.yml repeats its default")
					.isNotEqualTo(configured);
			}
		}
	}

	@Test
	void configurationMetadataDescribesEveryKeyForIdes() throws IOException {
		Map<String, Map<String, Object>> byName = new HashMap<>();
		try (InputStream in = new ClassPathResource("META-INF/spring-configuration-metadata.json").getInputStream()) {
			Map<String, Object> metadata = JsonParserFactory.getJsonParser()
				.parseMap(new String(in.readAllBytes(), StandardCharsets.UTF_8));
			for (Object property : (List<?>) metadata.get("properties")) {
				@SuppressWarnings("unchecked")
				Map<String, Object> entry = (Map<String, Object>) property;
				byName.put((String) entry.get("name"), entry);
			}
		}
		List<String> keys = new ArrayList<>();
		for (RecordComponent component : EchoServerProperties.class.getRecordComponents()) {
			if (!List.of("socket", "udp", "ssl", "plain", "proxyProtocol").contains(component.getName())) {
				keys.add("echo.server." + dashed(component.getName()));
			}
		}
		for (RecordComponent component : EchoServerProperties.Socket.class.getRecordComponents()) {
			keys.add("echo.server.socket." + dashed(component.getName()));
		}
		for (RecordComponent component : EchoServerProperties.Udp.class.getRecordComponents()) {
			keys.add("echo.server.udp." + dashed(component.getName()));
		}
		for (RecordComponent component : EchoServerProperties.Ssl.class.getRecordComponents()) {
			keys.add("echo.server.ssl." + dashed(component.getName()));
		}
		keys.add("echo.server.plain.enabled");
		for (RecordComponent component : EchoServerProperties.ProxyProtocol.class.getRecordComponents()) {
			keys.add("echo.server.proxy-protocol." + dashed(component.getName()));
		}
		assertThat(keys).hasSize(46);
		for (String key : keys) {
			assertThat(byName).as(key).containsKey(key);
			assertThat((String) byName.get(key).get("description")).as(key).isNotBlank();
		}
		assertThat(byName.get("echo.server.port")).containsEntry("defaultValue", 7007);
		assertThat(byName.get("echo.server.read-buffer-size")).containsEntry("defaultValue", "64KB");
		assertThat(byName.get("echo.server.shutdown-timeout")).containsEntry("defaultValue", "10s");
		assertThat(byName.get("echo.server.write-timeout")).containsEntry("defaultValue", "60s");
		assertThat(byName.get("echo.server.stall-timeout")).containsEntry("defaultValue", "10s");
		assertThat(byName.get("echo.server.max-connections-per-address")).containsEntry("defaultValue", 0);
		assertThat(byName.get("echo.server.udp.enabled")).containsEntry("defaultValue", true);
		assertThat(byName.get("echo.server.udp.rate-limit-per-source")).containsEntry("defaultValue", 1000);
		assertThat(byName.get("echo.server.udp.port")).doesNotContainKey("defaultValue");
		assertThat(byName.get("echo.server.ssl.port")).containsEntry("defaultValue", 7443);
		assertThat(byName.get("echo.server.ssl.handshake-timeout")).containsEntry("defaultValue", "10s");
		assertThat(byName.get("echo.server.plain.enabled")).containsEntry("defaultValue", true);
		assertThat(byName.get("echo.server.greeting")).containsEntry("defaultValue", "off");
		assertThat(byName.get("echo.server.proxy-protocol.mode")).containsEntry("defaultValue", "off");
		assertThat(byName.get("echo.server.proxy-protocol.header-timeout")).containsEntry("defaultValue", "5s");
	}

	@Test
	void everySettingOfTheMetadataBindsAsTheApplicationBindsIt() throws IOException {
		List<String> values = new ArrayList<>();
		for (Map<String, Object> property : metadata().values()) {
			String name = (String) property.get("name");
			if (name.startsWith("echo.server.faults.*.")) {
				// One fault profile named sample, with every fault but reset-after, which
				// close-after excludes.
				String fault = name.substring("echo.server.faults.*.".length());
				if (!fault.equals("reset-after")) {
					values.add("echo.server.faults.sample." + fault + "=" + FAULT_SAMPLES.get(fault));
				}
			}
			else if (name.startsWith("echo.server.") && !name.equals("echo.server.faults")) {
				values.add(name + "=" + written(property));
			}
		}
		assertThat(values).hasSize(55);
		this.contextRunner.withPropertyValues(values.toArray(String[]::new)).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(EchoServerProperties.class).ssl().bundle()).isEqualTo("echo");
			assertThat(context.getBean(EchoServerProperties.class).faults()).containsOnlyKeys("sample");
			assertThat(context.getBean(EchoServerProperties.class).faults().get("sample").closeAfter())
				.isEqualTo(DataSize.ofKilobytes(1));
		});
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "echo.server.idel-timeout", "echo.server.socket.keep-alive-intervall", "echo.server.udp.prot",
			"echo.server.ssl.bundel", "echo.server.plain.enable", "echo.server.proxy-protocol.trusted-source" })
	void aKeyThatIsNoSettingIsRefusedAtEveryLevel(String key) {
		this.contextRunner.withPropertyValues(key + "=1").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(UnboundConfigurationPropertiesException.class)
				.hasMessageContaining(key);
		});
	}

	// The metadata's default as written in application.yml, or a valid value for a setting
	// without one.
	private static String written(Map<String, Object> property) {
		Object defaultValue = property.get("defaultValue");
		if (defaultValue instanceof List<?> list) {
			return String.join(",", list.stream().map(String::valueOf).toList());
		}
		if (defaultValue instanceof String text && text.startsWith("[")) {
			return text.substring(1, text.length() - 1);
		}
		if (defaultValue != null) {
			return String.valueOf(defaultValue);
		}
		return switch ((String) property.get("type")) {
			case "java.net.InetAddress" -> "127.0.0.1";
			case "java.lang.Integer" -> "1";
			case "org.springframework.util.unit.DataSize" -> "1MB";
			case "java.time.Duration" -> "1s";
			case "java.lang.String" -> "echo";
			default -> throw new IllegalStateException("No sample value for " + property);
		};
	}

	private static Map<String, Map<String, Object>> metadata() throws IOException {
		Map<String, Map<String, Object>> byName = new TreeMap<>();
		try (InputStream in = new ClassPathResource("META-INF/spring-configuration-metadata.json").getInputStream()) {
			Map<String, Object> metadata = JsonParserFactory.getJsonParser()
				.parseMap(new String(in.readAllBytes(), StandardCharsets.UTF_8));
			for (Object property : (List<?>) metadata.get("properties")) {
				@SuppressWarnings("unchecked")
				Map<String, Object> entry = (Map<String, Object>) property;
				byName.put((String) entry.get("name"), entry);
			}
		}
		return byName;
	}

	private static String dashed(String camelCase) {
		return camelCase.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
	}

	private static EchoServerProperties bind(Map<String, String> source) {
		return bind(new MapConfigurationPropertySource(source));
	}

	private static EchoServerProperties bind(ConfigurationPropertySource source) {
		return bind(List.of(source));
	}

	private static EchoServerProperties bind(Iterable<ConfigurationPropertySource> sources) {
		return new Binder(sources).bindOrCreate("echo.server", Bindable.of(EchoServerProperties.class));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(EchoServerProperties.class)
	static class EnableEchoServerProperties {

	}

}
