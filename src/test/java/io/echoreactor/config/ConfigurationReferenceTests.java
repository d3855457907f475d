package io.echoreactor.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

import io.echoreactor.config.Applied.When;
import io.echoreactor.config.ConfigurationReference.Setting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the settings' model: every setting of {@link EchoServerProperties} is in the
 * metadata with a description, marked live or restart-only, and in the configuration
 * reference, {@code docs/configuration.md}, which is generated from them.
 */
@Timeout(30)
class ConfigurationReferenceTests {

	private final ConfigurationReference reference = ConfigurationReference.load();

	@Test
	void everyPropertyInTheMetadataIsASettingOfTheModelAndTheOtherWayRound() {
		assertThat(this.reference.settings()).extracting(Setting::name)
			.containsExactlyInAnyOrderElementsOf(ConfigurationReference.metadataPropertyNames());
	}

	@Test
	void everySettingHasADescription() {
		assertThat(this.reference.settings()).allSatisfy(
				(setting) -> assertThat(setting.description()).as(setting.name()).isNotBlank());
	}

	@Test
	void everySettingIsMarkedLiveOrRestartOnly() {
		assertThat(this.reference.settings()).allSatisfy(
				(setting) -> assertThat(setting.applied()).as("@Applied on " + setting.name()).isNotNull());
	}

	@Test
	void limitsTimeoutsBudgetsAndWhatNewConnectionsAreToldAreLive() {
		assertThat(names(When.LIVE)).contains("echo.server.idle-timeout", "echo.server.max-connection-age",
				"echo.server.max-connection-age-jitter", "echo.server.write-buffer-high-water-mark",
				"echo.server.write-buffer-low-water-mark", "echo.server.max-connections",
				"echo.server.max-connections-per-address", "echo.server.write-timeout", "echo.server.read-budget",
				"echo.server.ssl.handshake-timeout", "echo.server.proxy-protocol.header-timeout",
				"echo.server.udp.rate-limit-per-source", "echo.server.udp.max-tracked-sources",
				"echo.server.greeting", "echo.server.proxy-protocol.mode", "echo.server.proxy-protocol.trusted-sources",
				"echo.server.ssl.client-auth", "echo.server.max-pending-output", "echo.server.max-session-memory");
	}

	@Test
	void listenersReactorsAndTlsOnOrOffNeedARestart() {
		assertThat(names(When.RESTART)).contains("echo.server.enabled", "echo.server.port", "echo.server.address",
				"echo.server.reactors", "echo.server.accept-strategy", "echo.server.backlog",
				"echo.server.read-buffer-size", "echo.server.udp.enabled", "echo.server.udp.port",
				"echo.server.ssl.bundle", "echo.server.ssl.port", "echo.server.plain.enabled",
				"echo.server.socket.receive-buffer-size");
	}

	@Test
	void rangesComeFromTheConstraintsAndDefaultsFromTheMetadata() {
		Setting port = this.reference.setting("echo.server.port");
		assertThat(port.type()).isEqualTo("integer");
		assertThat(port.defaultText()).isEqualTo("7007");
		assertThat(port.range()).isEqualTo("0 to 65535");
		Setting readBufferSize = this.reference.setting("echo.server.read-buffer-size");
		assertThat(readBufferSize.type()).isEqualTo("size");
		assertThat(readBufferSize.defaultText()).isEqualTo("64KB");
		assertThat(readBufferSize.range()).isEqualTo("1KB to 16MB");
		Setting stallTimeout = this.reference.setting("echo.server.stall-timeout");
		assertThat(stallTimeout.defaultText()).isEqualTo("10s");
		assertThat(stallTimeout.range()).isEqualTo("2s to 1h");
		assertThat(this.reference.setting("echo.server.idle-timeout").defaultText()).isEmpty();
		assertThat(this.reference.setting("echo.server.accept-strategy").range())
			.isEqualTo("`acceptor`, `reuseport`");
		assertThat(this.reference.setting("echo.server.proxy-protocol.trusted-sources").defaultText())
			.isEqualTo("127.0.0.0/8, ::1/128");
	}

	@Test
	void configurationReferenceIsGeneratedFromTheMetadata() throws IOException {
		String generated = this.reference.markdown();
		if (Boolean.getBoolean(ConfigurationReference.WRITE_PROPERTY)) {
			Files.createDirectories(ConfigurationReference.FILE.getParent());
			Files.writeString(ConfigurationReference.FILE, generated, StandardCharsets.UTF_8);
		}
		String committed = Files.exists(ConfigurationReference.FILE)
				? Files.readString(ConfigurationReference.FILE, StandardCharsets.UTF_8) : "";
		assertThat(committed)
			.as("%s is generated from the configuration metadata and is out of date; regenerate it with: %s",
					ConfigurationReference.FILE, ConfigurationReference.REGENERATE)
			.isEqualTo(generated);
		assertThat(generated).contains("| `echo.server.udp.rate-limit-per-source` | integer | `1000` | 0 to 10000000 "
				+ "| live: next datagrams | Datagrams per second answered for one source address");
	}

	private List<String> names(When applied) {
		return this.reference.settings()
			.stream()
			.filter((setting) -> setting.applied() == applied)
			.map(Setting::name)
			.toList();
	}

}
