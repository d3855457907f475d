package io.echoreactor.context;

import java.util.LinkedHashMap;
import java.util.Map;

import io.echoreactor.EchoApplication;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * Starts the real application with some properties overridden, expects start-up to fail,
 * and returns what the user reads: the failure report, which must hold no stack trace.
 */
final class FailureReports {

	private FailureReports() {
	}

	static String failureReport(CapturedOutput output, Map<String, String> overrides) {
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
