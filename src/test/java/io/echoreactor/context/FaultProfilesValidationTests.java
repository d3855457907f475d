package io.echoreactor.context;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Tests for the validation of {@code echo.server.faults}: each unusable fault profile
 * stops the real application at start-up with one report naming the property at fault and
 * why, with no stack trace.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(60)
class FaultProfilesValidationTests {

	static Stream<Arguments> unusableProfiles() {
		return Stream.of(
				arguments("a profile without a port", Map.of("echo.server.faults.slow.delay", "200ms"),
						"echo.server.faults.slow.port",
						"must be set: each fault profile needs a port of its own (0 picks a free one)"),
				arguments("a reset probability above 1",
						Map.of("echo.server.faults.flaky.port", "7101", "echo.server.faults.flaky.reset-probability",
								"1.5"),
						"echo.server.faults.flaky.reset-probability", "must be between 0 and 1"),
				arguments("a UDP drop probability below 0",
						Map.of("echo.server.faults.lossy.port", "7101",
								"echo.server.faults.lossy.udp-drop-probability", "-0.1"),
						"echo.server.faults.lossy.udp-drop-probability", "must be between 0 and 1"),
				arguments("the plain port", Map.of("echo.server.port", "7100", "echo.server.udp.port", "7102",
						"echo.server.faults.slow.port", "7100", "echo.server.faults.slow.delay", "1s"),
						"echo.server.faults.slow.port",
						"is the port of echo.server.port (7100); each fault profile needs a port of its own"),
				arguments("the UDP port", Map.of("echo.server.udp.port", "7102", "echo.server.faults.slow.port",
						"7102", "echo.server.faults.slow.delay", "1s"), "echo.server.faults.slow.port",
						"is the port of echo.server.udp.port (7102); each fault profile needs a port of its own"),
				arguments("another profile's port", profiles("7105", "7105"), "echo.server.faults.b.port",
						"is the port of echo.server.faults.a.port (7105); each fault profile needs a port of its own"),
				arguments("a profile with no fault", Map.of("echo.server.faults.idle.port", "7101"),
						"echo.server.faults.idle",
						"must set at least one fault: delay, delay-jitter, bandwidth, close-after, reset-after, "
								+ "reset-probability, no-read, accept-delay, udp-drop-probability or udp-delay"),
				arguments("close-after with reset-after",
						Map.of("echo.server.faults.cut.port", "7101", "echo.server.faults.cut.close-after", "1KB",
								"echo.server.faults.cut.reset-after", "1KB"),
						"echo.server.faults.cut.reset-after",
						"must not be set together with echo.server.faults.cut.close-after: a connection ends with "
								+ "FIN or with RST, not both"),
				arguments("a name with capitals",
						Map.of("echo.server.faults[Slow].port", "7101", "echo.server.faults[Slow].delay", "1s"),
						"echo.server.faults.Slow",
						"must be a name of lower-case letters, digits and '-' (such as slow-reader)"),
				arguments("a delay out of range",
						Map.of("echo.server.faults.slow.port", "7101", "echo.server.faults.slow.delay", "2h"),
						"echo.server.faults.slow.delay", "must be between 0ms and 1h"));
	}

	private static Map<String, String> profiles(String first, String second) {
		Map<String, String> properties = new LinkedHashMap<>();
		properties.put("echo.server.faults.a.port", first);
		properties.put("echo.server.faults.a.delay", "1s");
		properties.put("echo.server.faults.b.port", second);
		properties.put("echo.server.faults.b.delay", "1s");
		return properties;
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("unusableProfiles")
	void anUnusableFaultProfileStopsStartUpWithAReportNamingTheProperty(String description,
			Map<String, String> properties, String property, String reason, CapturedOutput output) {
		String report = FailureReports.failureReport(output, properties);
		assertThat(report).contains("Property: " + property + "\n").contains("Reason: " + reason);
		assertThat(report.split("Reason: ", -1)).as("one reason per refusal").hasSize(2);
	}

}
