package io.echoreactor.context;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import io.echoreactor.EchoApplication;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Tests for {@link EchoServerPropertiesFailureAnalyzer}: each invalid {@code echo.server.*}
 * value stops the real application at start-up, and the report the user reads names the
 * property, the value as written and the allowed range, with no stack trace.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(60)
class EchoServerPropertiesFailureAnalyzerTests {

	static Stream<Arguments> invalidValues() {
		return Stream.of(
				arguments("echo.server.port", "-1", "must be between 0 and 65535"),
				arguments("echo.server.port", "70000", "must be between 0 and 65535"),
				arguments("echo.server.reactors", "0", "must be between 1 and 1024"),
				arguments("echo.server.backlog", "0", "must be between 1 and 65535"),
				arguments("echo.server.read-buffer-size", "0B", "must be between 1KB and 16MB"),
				arguments("echo.server.read-buffer-size", "100MB", "must be between 1KB and 16MB"),
				arguments("echo.server.read-budget", "512B", "must be between 1KB and 64MB"),
				arguments("echo.server.write-buffer-high-water-mark", "128MB", "must be between 1KB and 64MB"),
				arguments("echo.server.write-buffer-low-water-mark", "64KB",
						"must be less than echo.server.write-buffer-high-water-mark (64KB)"),
				arguments("echo.server.idle-timeout", "0s", "must be between 1ms and 365d"),
				arguments("echo.server.shutdown-timeout", "0s", "must be between 1ms and 1h"),
				arguments("echo.server.shutdown-timeout", "2h", "must be between 1ms and 1h"),
				arguments("echo.server.max-connections", "0", "must be between 1 and 1000000"),
				arguments("echo.server.max-connection-age", "0s", "must be between 1s and 365d"),
				arguments("echo.server.max-connection-age-jitter", "2", "must be between 0 and 1"),
				arguments("echo.server.socket.keep-alive-count", "0", "must be between 1 and 127"),
				arguments("echo.server.socket.keep-alive-count", "200", "must be between 1 and 127"),
				arguments("echo.server.socket.keep-alive-idle", "0s", "must be between 1s and 32767s"),
				arguments("echo.server.socket.send-buffer-size", "100MB", "must be between 1KB and 64MB"));
	}

	@ParameterizedTest(name = "{0}={1}")
	@MethodSource("invalidValues")
	void invalidValueStopsStartUpWithAReportNamingPropertyValueAndRange(String property, String value,
			String range, CapturedOutput output) {
		String report = failureReport(output, property, value);
		assertThat(report).contains("Property: " + property + "\n")
			.contains("Value: \"" + value + "\"")
			.contains("Origin: \"" + property + "\" from property source \"commandLineArgs\"")
			.contains("Reason: " + range)
			.contains("Update your application's configuration");
	}

	@Test
	void lowWaterMarkAtTheDefaultIsReportedAgainstALowerHighWaterMark(CapturedOutput output) {
		String report = failureReport(output, "echo.server.write-buffer-high-water-mark", "16KB");
		assertThat(report).contains("Property: echo.server.write-buffer-low-water-mark\n")
			.contains("Value: \"32KB\"")
			.contains("Origin: class path resource [application.yml]")
			.contains("Reason: must be less than echo.server.write-buffer-high-water-mark (16KB)");
	}

	@Test
	void unknownAcceptStrategyStopsStartUpListingTheValidOnes(CapturedOutput output) {
		String report = failureReport(output, "echo.server.accept-strategy", "bogus");
		assertThat(report).contains("Property: echo.server.accept-strategy")
			.contains("Value: \"bogus\"")
			.contains("The following values are valid:")
			.contains("ACCEPTOR")
			.contains("REUSEPORT");
	}

	@Test
	void shutdownTimeoutLongerThanTheShutdownPhaseStopsStartUp(CapturedOutput output) {
		String report = failureReport(output, "echo.server.shutdown-timeout", "30s");
		assertThat(report)
			.contains("Invalid value '30s' for configuration property 'echo.server.shutdown-timeout'")
			.contains("must be at most 29s (spring.lifecycle.timeout-per-shutdown-phase, 30s, less 1s for the final flush)");
	}

	/**
	 * Run the real application with one property overridden on the command line, expect
	 * it to fail, and return what the user reads from the failure report onwards.
	 */
	private static String failureReport(CapturedOutput output, String property, String value) {
		Map<String, String> overrides = Map.of(property, value);
		int start = output.length();
		Map<String, String> properties = new LinkedHashMap<>(Map.of("server.port", "0", "server.address",
				"127.0.0.1", "echo.server.port", "0", "echo.server.address", "127.0.0.1"));
		properties.putAll(overrides);
		// Command-line arguments, as application.yml would override default properties;
		// one argument per key, as repeated keys would be joined into a list.
		String[] args = properties.entrySet()
			.stream()
			.map((entry) -> "--" + entry.getKey() + "=" + entry.getValue())
			.toArray(String[]::new);
		SpringApplication application = new SpringApplication(EchoApplication.class);
		application.setRegisterShutdownHook(false);
		assertThatException().isThrownBy(() -> {
			try (ConfigurableApplicationContext context = application.run(args)) {
				// Started, which the assertion reports
			}
		});
		String printed = output.toString().substring(start);
		assertThat(printed).contains("APPLICATION FAILED TO START").doesNotContain("\tat ");
		return printed.substring(printed.indexOf("APPLICATION FAILED TO START"));
	}

}
