package io.echoreactor.context;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.origin.SystemEnvironmentOrigin;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Tests for {@link EchoServerBindFailureAnalyzer}: a key under {@code echo.server} that
 * is no setting stops the real application at start-up with where it came from and the
 * setting it most likely meant, and a value that is none of an enum setting's lists them
 * as the documentation writes them; no stack trace either way. Environment variables,
 * which only a child process can be given, are covered by
 * {@code EchoApplicationEnvironmentProcessTests}.
 */
@ExtendWith(OutputCaptureExtension.class)
@Timeout(60)
class EchoServerBindFailureAnalyzerTests {

	@TempDir
	Path temp;

	@Test
	void misspelledArgumentStopsStartUpNamingItsOriginAndTheNearestSetting(CapturedOutput output) {
		String report = FailureReports.failureReport(output, Map.of("echo.server.idel-timeout", "5s"));
		assertThat(report).contains("Unknown setting echo.server.idel-timeout (from command-line argument "
				+ "--echo.server.idel-timeout): did you mean echo.server.idle-timeout?")
			.contains("Correct the name or remove the setting; the echo server's settings are listed in "
					+ "docs/configuration.md.");
	}

	static Stream<Arguments> misspelledNestedSettings() {
		return Stream.of(arguments("echo.server.udp.prot", "echo.server.udp.port"),
				arguments("echo.server.ssl.handshake-timout", "echo.server.ssl.handshake-timeout"),
				arguments("echo.server.proxy-protocol.trusted-source", "echo.server.proxy-protocol.trusted-sources"),
				arguments("echo.server.socket.keepalive-idel", "echo.server.socket.keep-alive-idle"),
				arguments("echo.server.plain.enable", "echo.server.plain.enabled"),
				arguments("echo.server.tls.bundle", "echo.server.ssl.bundle"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("misspelledNestedSettings")
	void misspelledSettingInAGroupStopsStartUpToo(String misspelled, String meant, CapturedOutput output) {
		String report = FailureReports.failureReport(output, Map.of(misspelled, "1"));
		assertThat(report).contains("Unknown setting " + misspelled + " (from command-line argument --" + misspelled
				+ "): did you mean " + meant + "?");
	}

	@Test
	void misspelledKeyInAYamlFileIsNamedWithItsFileAndLine(CapturedOutput output) throws IOException {
		Path yaml = Files.writeString(this.temp.resolve("echo.yml"), """
				echo:
				  server:
				    idel-timeout: 5s
				""");
		String report = FailureReports.failureReport(output,
				Map.of("spring.config.additional-location", "file:" + yaml));
		assertThat(report).contains("Unknown setting echo.server.idel-timeout (from " + yaml.toAbsolutePath()
				+ " line 3): did you mean echo.server.idle-timeout?");
	}

	@Test
	void everyUnknownKeyIsListedAndOneFarFromAnySettingGetsNoGuess(CapturedOutput output) {
		String report = FailureReports.failureReport(output,
				Map.of("echo.server.idel-timeout", "5s", "echo.server.colour", "blue"));
		assertThat(report).contains("Unknown setting echo.server.idel-timeout")
			.contains("Unknown setting echo.server.colour (from command-line argument --echo.server.colour): no "
					+ "echo server setting is named like it.");
	}

	static Stream<Arguments> enumSettings() {
		return Stream.of(arguments("echo.server.accept-strategy", "acceptor, reuseport", "acceptor or reuseport"),
				arguments("echo.server.greeting", "off, text, json", "off, text or json"),
				arguments("echo.server.proxy-protocol.mode", "off, optional, required", "off, optional or required"),
				arguments("echo.server.ssl.client-auth", "none, want, need", "none, want or need"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("enumSettings")
	void unknownEnumValueStopsStartUpListingTheValuesAsTheDocsWriteThem(String property, String values,
			String choices, CapturedOutput output) {
		String report = FailureReports.failureReport(output, Map.of(property, "bogus"));
		assertThat(report).contains("Property: " + property + "\n")
			.contains("Value: \"bogus\"")
			.contains("Origin: command-line argument --" + property)
			.contains("Reason: must be one of " + values + "\n")
			.contains("Set " + property + " to " + choices + " (see docs/configuration.md).")
			.doesNotContain("No enum constant")
			.doesNotContain(values.substring(0, values.indexOf(',')).toUpperCase(Locale.ROOT));
	}

	@Test
	void serviceLinksAreListedWithTheServiceThatInjectsThemAndTheFix() {
		ConfigurationProperty port = new ConfigurationProperty(ConfigurationPropertyName.of("echo.server.port"),
				"tcp://198.51.100.12:7007", new SystemEnvironmentOrigin("ECHO_SERVER_PORT"));
		Map<String, String> environment = Map.of("ECHO_SERVER_PORT", "tcp://198.51.100.12:7007",
				"ECHO_SERVER_SERVICE_HOST", "198.51.100.12", "ECHO_SERVER_PORT_7007_TCP_ADDR", "198.51.100.12", "PATH",
				"/usr/bin", "OTHER_SERVICE_HOST", "198.51.100.13");
		FailureAnalysis analysis = KubernetesServiceLinks.analyze(List.of(port), environment,
				new IllegalStateException());
		assertThat(analysis).isNotNull();
		assertThat(analysis.getDescription()).startsWith("Kubernetes service links: the environment holds variables "
				+ "that Kubernetes injects into every pod for a Service named echo-server")
			.contains("\n    ECHO_SERVER_PORT=tcp://198.51.100.12:7007\n    ECHO_SERVER_PORT_7007_TCP_ADDR=198.51.100.12\n"
					+ "    ECHO_SERVER_SERVICE_HOST=198.51.100.12\n")
			.doesNotContain("OTHER_SERVICE_HOST")
			.doesNotContain("PATH");
		assertThat(analysis.getAction()).startsWith("Set enableServiceLinks: false in the pod spec");
	}

	@Test
	void aPortOfOurOwnFromTheEnvironmentIsNoServiceLink() {
		ConfigurationProperty port = new ConfigurationProperty(ConfigurationPropertyName.of("echo.server.port"),
				"90x0", new SystemEnvironmentOrigin("ECHO_SERVER_PORT"));
		assertThat(KubernetesServiceLinks.analyze(List.of(port), Map.of("ECHO_SERVER_PORT", "90x0"),
				new IllegalStateException()))
			.isNull();
	}

}
