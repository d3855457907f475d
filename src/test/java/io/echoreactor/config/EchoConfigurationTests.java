package io.echoreactor.config;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link EchoConfiguration}'s check that the drain fits in its shutdown phase.
 */
class EchoConfigurationTests {

	@Test
	void shutdownTimeoutFitsWhenTheShutdownPhaseIsLongEnough() {
		EchoConfiguration.checkDrainFitsInShutdownPhase(Duration.ofSeconds(29), Duration.ofSeconds(30));
		EchoConfiguration.checkDrainFitsInShutdownPhase(Duration.ofMinutes(5), Duration.ofMinutes(6));
		assertThatExceptionOfType(InvalidConfigurationPropertyValueException.class)
			.isThrownBy(() -> EchoConfiguration.checkDrainFitsInShutdownPhase(Duration.ofMillis(29_001),
					Duration.ofSeconds(30)))
			.satisfies((ex) -> assertThat(ex.getName()).isEqualTo("echo.server.shutdown-timeout"));
	}

}
