package io.echoreactor.config;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for fault profiles set through environment variables, as a pod spec sets them:
 * Boot's form binds each profile's settings, and a misspelled one is refused at start-up
 * like any other variable under {@code ECHO_SERVER_}.
 */
@Timeout(30)
class FaultProfilesEnvironmentTests {

	@Test
	void aFaultProfileBindsFromEnvironmentVariablesInBootsForm() {
		StandardEnvironment environment = environment(Map.of("ECHO_SERVER_FAULTS_SLOW_PORT", "7100",
				"ECHO_SERVER_FAULTS_SLOW_DELAYJITTER", "20ms", "ECHO_SERVER_FAULTS_SLOW_RESETAFTER", "1KB"));
		new EnvironmentSettingsCheck().postProcessEnvironment(environment, new SpringApplication());
		EchoServerProperties properties = Binder.get(environment)
			.bindOrCreate("echo.server", Bindable.of(EchoServerProperties.class));
		assertThat(properties.faults()).containsOnlyKeys("slow");
		assertThat(properties.faults().get("slow").port()).isEqualTo(7100);
		assertThat(properties.faults().get("slow").delayJitter()).hasMillis(20);
		assertThat(properties.faults().get("slow").resetAfter()).isEqualTo(DataSize.ofKilobytes(1));
	}

	@Test
	void aMisspelledFaultSettingInTheEnvironmentStopsStartUp() {
		StandardEnvironment environment = environment(
				Map.of("ECHO_SERVER_FAULTS_SLOW_PORT", "7100", "ECHO_SERVER_FAULTS_SLOW_DELAYY", "1s"));
		assertThatExceptionOfType(BindException.class).isThrownBy(
				() -> new EnvironmentSettingsCheck().postProcessEnvironment(environment, new SpringApplication()));
	}

	private static StandardEnvironment environment(Map<String, Object> variables) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, new SystemEnvironmentPropertySource(
					StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
		return environment;
	}

}
