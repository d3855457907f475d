package io.echoreactor.context;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.context.properties.source.ConfigurationPropertyName;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link SettingNames}: the settings of a properties record and the nearest
 * one to a misspelling.
 */
class SettingNamesTests {

	private static final ConfigurationPropertyName PREFIX = ConfigurationPropertyName.of("test");

	record TestProperties(int port, Duration idleTimeout, Group udp, Duration handshakeTimeout) {

		record Group(boolean enabled, int port, int rateLimitPerSource) {

		}

	}

	private final SettingNames settings = SettingNames.of(PREFIX, TestProperties.class);

	@Test
	void namesAreTheComponentsInKebabCaseWithNestedRecordsAsGroups() {
		assertThat(this.settings.names()).map(ConfigurationPropertyName::toString)
			.containsExactly("test.port", "test.idle-timeout", "test.udp.enabled", "test.udp.port",
					"test.udp.rate-limit-per-source", "test.handshake-timeout");
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource(textBlock = """
			test.idel-timeout,            test.idle-timeout
			test.idle.timeout,            test.idle-timeout
			test.idletimeout,             test.idle-timeout
			test.prot,                    test.port
			test.udp.prot,                test.udp.port
			test.udp.rate-limit-per-src,  test.udp.rate-limit-per-source
			test.handshake-timout,        test.handshake-timeout
			""")
	void nearestSettingIsWithinATypoOrTwo(String misspelled, String meant) {
		assertThat(this.settings.nearest(ConfigurationPropertyName.of(misspelled))).hasToString(meant);
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource({ "test.colour", "test.service.host", "test.max-connections" })
	void aNameFarFromEverySettingHasNoNearest(String unknown) {
		assertThat(this.settings.nearest(ConfigurationPropertyName.of(unknown))).isNull();
	}

	@Test
	void distanceCountsATranspositionOnce() {
		assertThat(SettingNames.distance("idel", "idle")).isOne();
		assertThat(SettingNames.distance("port", "prot")).isOne();
		assertThat(SettingNames.distance("port", "port")).isZero();
		assertThat(SettingNames.distance("", "abc")).isEqualTo(3);
	}

}
