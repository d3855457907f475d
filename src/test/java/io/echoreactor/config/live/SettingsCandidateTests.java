package io.echoreactor.config.live;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.echoreactor.config.Applied;
import io.echoreactor.config.EchoServerProperties;
import io.echoreactor.config.live.SettingsCandidate.Refused;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.mock.env.MockEnvironment;
import org.springframework.validation.beanvalidation.LocalValidatorFactoryBean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Tests for {@link SettingsCandidate} and {@link SettingChanges}: a candidate is bound
 * with the checks of start-up, and refused with the property at fault and the reason in
 * one line.
 */
class SettingsCandidateTests {

	private static final LocalValidatorFactoryBean validator = validator();

	private static LocalValidatorFactoryBean validator() {
		LocalValidatorFactoryBean validator = new LocalValidatorFactoryBean();
		validator.afterPropertiesSet();
		return validator;
	}

	@AfterAll
	static void closeValidator() {
		validator.close();
	}

	@Test
	void aValidCandidateIsBoundAsANewRecord() {
		EchoServerProperties properties = SettingsCandidate
			.bind(new MockEnvironment().withProperty("echo.server.idle-timeout", "3s"), validator);
		assertThat(properties.idleTimeout()).isEqualTo(Duration.ofSeconds(3));
	}

	@Test
	void aValueOutOfRangeIsRefusedNamingItsProperty() {
		Refused refused = refused(new MockEnvironment().withProperty("echo.server.idle-timeout", "0ms"));
		assertThat(refused.property()).isEqualTo("echo.server.idle-timeout");
		assertThat(refused.reason()).contains("1ms").doesNotContain("\n");
	}

	@Test
	void aNestedValueOutOfRangeIsRefusedByItsKebabCaseName() {
		Refused refused = refused(new MockEnvironment().withProperty("echo.server.udp.max-tracked-sources", "0"));
		assertThat(refused.property()).isEqualTo("echo.server.udp.max-tracked-sources");
	}

	@Test
	void aCombinationTheChecksRefuseIsRefused() {
		Refused refused = refused(new MockEnvironment().withProperty("echo.server.write-buffer-low-water-mark", "1MB")
			.withProperty("echo.server.write-buffer-high-water-mark", "64KB"));
		assertThat(refused.getMessage()).contains("water");
	}

	@Test
	void anUnknownKeyIsRefusedAsStartUpRefusesIt() {
		Refused refused = refused(new MockEnvironment().withProperty("echo.server.idle-timout", "3s"));
		assertThat(refused.property()).isEqualTo("echo.server.idle-timout");
		assertThat(refused.reason()).isEqualTo("is no echo server setting");
	}

	@Test
	void aValueThatCannotBeReadIsRefused() {
		Refused refused = refused(new MockEnvironment().withProperty("echo.server.max-connections", "many"));
		assertThat(refused.property()).isEqualTo("echo.server.max-connections");
		assertThat(refused.reason()).contains("\"many\"");
	}

	@Test
	void anInvalidLogLevelIsRefusedWithTheSettings() {
		Refused refused = refused(new MockEnvironment().withProperty("logging.level.io.echoreactor", "LOUD"));
		assertThat(refused.property()).isEqualTo("logging.level.io.echoreactor");
	}

	@Test
	void aFileIsReadIntoACopyOfTheEnvironmentAndTheRunningOneIsLeftAsItIs(@TempDir Path directory)
			throws IOException {
		Files.writeString(directory.resolve("application.yml"), "echo.server.idle-timeout: 3s\n");
		StandardEnvironment running = running(directory);
		EchoServerProperties properties = SettingsCandidate.read(running, new DefaultResourceLoader(), validator);
		assertThat(properties.idleTimeout()).isEqualTo(Duration.ofSeconds(3));
		assertThat(running.getProperty("echo.server.idle-timeout")).isNull();
	}

	@Test
	void aFileThatIsNoYamlIsRefusedWhole(@TempDir Path directory) throws IOException {
		Files.writeString(directory.resolve("application.yml"), "echo:\n  server:\n    idle-timeout: [3s\n");
		Refused refused = catchThrowableOfType(Refused.class,
				() -> SettingsCandidate.read(running(directory), new DefaultResourceLoader(), validator));
		assertThat(refused).isNotNull();
		assertThat(refused.property()).isNull();
		assertThat(refused.reason()).startsWith("the configuration files could not be read: ").doesNotContain("\n");
	}

	private static StandardEnvironment running(Path directory) {
		StandardEnvironment running = new StandardEnvironment();
		running.getPropertySources()
			.addFirst(new SimpleCommandLinePropertySource(
					"--spring.config.additional-location=file:" + directory.toAbsolutePath() + "/"));
		return running;
	}

	@Test
	void changesAreToldApartByTheirMarks() {
		EchoServerProperties before = SettingsCandidate.bind(new MockEnvironment(), validator);
		EchoServerProperties after = SettingsCandidate.bind(new MockEnvironment()
			.withProperty("echo.server.idle-timeout", "3s")
			.withProperty("echo.server.udp.rate-limit-per-source", "5")
			.withProperty("echo.server.port", "7008")
			.withProperty("echo.server.ssl.port", "7444"), validator);
		assertThat(SettingChanges.changed(before, after, Applied.When.LIVE))
			.isEqualTo(List.of("echo.server.idle-timeout", "echo.server.udp.rate-limit-per-source"));
		assertThat(SettingChanges.changed(before, after, Applied.When.RESTART))
			.isEqualTo(List.of("echo.server.port", "echo.server.ssl.port"));
		assertThat(SettingChanges.changed(after, after, Applied.When.LIVE)).isEmpty();
	}

	private static Refused refused(MockEnvironment environment) {
		Refused refused = catchThrowableOfType(Refused.class,
				() -> SettingsCandidate.bind(environment, validator));
		assertThat(refused).as("refused").isNotNull();
		return refused;
	}

}
