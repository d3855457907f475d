package io.echoreactor.context;

import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Tests for {@link EchoServerPropertiesFailureAnalyzer}: each invalid {@code echo.server.*}
 * value stops the real application at start-up, and the report the user reads names the
 * property, the value as written and the allowed range, with no stack trace.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(60)
class EchoServerPropertiesFailureAnalyzerTests {

	private static final String CIDR_FORMS = "must be an IPv4 or IPv6 address, never a host name, or a CIDR range "
			+ "with a prefix length of 0 to 32 (IPv4) or 0 to 128 (IPv6), such as 10.0.0.0/8 or fd00::/8, its decimal "
			+ "numbers without leading zeros (not 010.0.0.1 or 10.0.0.0/08)";

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
				arguments("echo.server.max-pending-output", "512KB", "must be between 1MB and 1TB"),
				arguments("echo.server.read-budget", "128MB", "must be between 1KB and 64MB"),
				arguments("echo.server.socket.keep-alive-interval", "0s", "must be between 1s and 32767s"),
				arguments("echo.server.socket.receive-buffer-size", "512B", "must be between 1KB and 64MB"),
				arguments("echo.server.max-connection-age", "0s", "must be between 1s and 365d"),
				arguments("echo.server.max-connection-age-jitter", "2", "must be between 0 and 1"),
				arguments("echo.server.socket.keep-alive-count", "0", "must be between 1 and 127"),
				arguments("echo.server.socket.keep-alive-count", "200", "must be between 1 and 127"),
				arguments("echo.server.socket.keep-alive-idle", "0s", "must be between 1s and 32767s"),
				arguments("echo.server.socket.send-buffer-size", "100MB", "must be between 1KB and 64MB"),
				arguments("echo.server.udp.port", "70000", "must be between 0 and 65535"),
				arguments("echo.server.udp.port", "-1", "must be between 0 and 65535"),
				arguments("echo.server.udp.rate-limit-per-source", "-1", "must be between 0 and 10000000"),
				arguments("echo.server.udp.max-tracked-sources", "0", "must be between 1 and 4194304"),
				arguments("echo.server.udp.max-tracked-sources", "10000000", "must be between 1 and 4194304"),
				arguments("echo.server.udp.receive-budget", "0", "must be between 1 and 65536"),
				arguments("echo.server.udp.receive-buffer-size", "100B", "must be between 1KB and 64MB"),
				arguments("echo.server.udp.send-buffer-size", "128MB", "must be between 1KB and 64MB"),
				arguments("echo.server.proxy-protocol.header-timeout", "0", "must be between 1ms and 1h"),
				arguments("echo.server.proxy-protocol.header-timeout", "2h", "must be between 1ms and 1h"));
	}

	@ParameterizedTest(name = "{0}={1}")
	@MethodSource("invalidValues")
	void invalidValueStopsStartUpWithAReportNamingPropertyValueAndRange(String property, String value,
			String range, CapturedOutput output) {
		String report = FailureReports.failureReport(output, Map.of(property, value));
		assertThat(report).contains("Property: " + property + "\n")
			.contains("Value: \"" + value + "\"")
			.contains("Origin: command-line argument --" + property + "\n")
			.contains("Reason: " + range)
			.contains("Update your application's configuration");
	}

	@Test
	void lowWaterMarkAtTheDefaultIsReportedAgainstALowerHighWaterMark(CapturedOutput output) {
		String report = FailureReports.failureReport(output, Map.of("echo.server.write-buffer-high-water-mark", "16KB"));
		assertThat(report).contains("Property: echo.server.write-buffer-low-water-mark\n")
			.contains("Value: \"32KB\" (the default)")
			.doesNotContain("Origin:")
			.contains("Reason: must be less than echo.server.write-buffer-high-water-mark (16KB)");
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "198.51.100.0/33", "fd00::/129", "example.com", "198.51.100.0/", "198.51.100.0/-1",
			"0.0.0.0/00", "198.51.100.0/08", "010.0.0.1", "203.0.113.0/024" })
	void trustedSourceThatIsNoCidrRangeStopsStartUpWithTheAllowedForms(String value, CapturedOutput output) {
		String report = FailureReports.failureReport(output,
				Map.of("echo.server.proxy-protocol.trusted-sources", value));
		assertThat(report).contains("Property: echo.server.proxy-protocol.trusted-sources[0]\n")
			.contains("Value: \"" + value + "\"")
			.contains("Origin: command-line argument --echo.server.proxy-protocol.trusted-sources\n")
			.contains("Reason: " + CIDR_FORMS);
		assertThat(report.split("Reason: ", -1)).as("one reason per refusal").hasSize(2);
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "0.0.0.0/0", "::/0", "198.51.100.7/0", "::ffff:0:0/96", "::ffff:0.0.0.0/96", "::/1" })
	void trustedSourceThatHoldsEveryAddressStopsStartUpThoughItIsARange(String value, CapturedOutput output) {
		String report = FailureReports.failureReport(output,
				Map.of("echo.server.proxy-protocol.trusted-sources", "198.51.100.7," + value));
		assertThat(report).contains("Property: echo.server.proxy-protocol.trusted-sources[1]\n")
			.contains("Value: \"" + value + "\"")
			.contains("Reason: must not contain every IPv4 or every IPv6 address (0.0.0.0/0, ::/0, ::ffff:0:0/96): "
					+ "a PROXY header believed from any source lets any client forge its address; list only your "
					+ "load balancers")
			.doesNotContain("trusted-sources[0]");
		assertThat(report.split("Reason: ", -1)).as("one reason per refusal").hasSize(2);
	}

	@Test
	void trustedSourceThatHoldsEveryAddressIsRefusedWhileTheModeIsOffToo(CapturedOutput output) {
		// Switching the mode on later must not be what makes the sources wrong.
		String report = FailureReports.failureReport(output,
				Map.of("echo.server.proxy-protocol.mode", "off", "echo.server.proxy-protocol.trusted-sources", "::/0"));
		assertThat(report).contains("Property: echo.server.proxy-protocol.trusted-sources[0]\n")
			.contains("Reason: must not contain every IPv4 or every IPv6 address");
	}

	@Test
	void trustedSourceThatIsAHostNameIsNotLookedUp(CapturedOutput output) {
		// localhost resolves on every machine: refusing it shows that it was not looked up.
		String report = FailureReports.failureReport(output,
				Map.of("echo.server.proxy-protocol.trusted-sources", "198.51.100.0/24,localhost"));
		assertThat(report).contains("Property: echo.server.proxy-protocol.trusted-sources[1]\n")
			.contains("Value: \"localhost\"")
			.doesNotContain("trusted-sources[0]");
	}

	@Test
	void unparseableAddressStopsStartUpNamingIt(CapturedOutput output) {
		String report = FailureReports.failureReport(output, Map.of("echo.server.address", "not an address"));
		assertThat(report).contains("echo.server.address").contains("not an address");
	}

	@Test
	void shutdownTimeoutLongerThanTheShutdownPhaseStopsStartUp(CapturedOutput output) {
		String report = FailureReports.failureReport(output, Map.of("echo.server.shutdown-timeout", "30s"));
		assertThat(report)
			.contains("Invalid value '30s' for configuration property 'echo.server.shutdown-timeout'")
			.contains("must be at most 29s (spring.lifecycle.timeout-per-shutdown-phase, 30s, less 1s for the final flush)");
	}


}
