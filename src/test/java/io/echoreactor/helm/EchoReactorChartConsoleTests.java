package io.echoreactor.helm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.echoreactor.console.ConsoleProperties;
import io.echoreactor.helm.EchoReactorChart.Rendered;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import org.hibernate.validator.constraints.Range;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The chart's side of the console: off unless {@code console.enabled} turns it on, since
 * it shows client addresses to whoever reaches the Actuator port; written to the pod's
 * application.yml as {@code echo.console.*}, which the config block may not set a second
 * time; and said in the notes, with the way to reach it or to turn it on.
 */
@Timeout(60)
class EchoReactorChartConsoleTests {

	private static final String SCHEMA_ERROR = "values don't meet the specifications of the schema";

	private static final ValidatorFactory validatorFactory = Validation.buildDefaultValidatorFactory();

	private static final Validator validator = validatorFactory.getValidator();

	@AfterAll
	static void closeValidator() {
		validatorFactory.close();
	}

	@Test
	void consoleIsOffByDefaultThoughTheApplicationsOwnDefaultIsOn() {
		Rendered rendered = EchoReactorChart.render();
		assertThat(rendered.applicationValue("echo", "console", "enabled")).isEqualTo(false);
		assertThat(rendered.applicationValue("echo", "console", "max-streams")).isNull();
		assertThat(bindConsole(rendered).enabled()).isFalse();
		assertThat(bindConsole(rendered).maxStreams()).as("the application's default").isEqualTo(8);
	}

	@Test
	void consoleEnabledTurnsItOnAndMaxStreamsReachesTheApplication() {
		Rendered on = EchoReactorChart.render("console.enabled=true");
		assertThat(on.applicationValue("echo", "console", "enabled")).isEqualTo(true);
		assertThat(bindConsole(on).enabled()).isTrue();
		Rendered streams = EchoReactorChart.render("console.enabled=true", "console.maxStreams=16");
		assertThat(streams.applicationValue("echo", "console", "max-streams")).isEqualTo(16);
		ConsoleProperties properties = bindConsole(streams);
		assertThat(properties.maxStreams()).isEqualTo(16);
		assertThat(validator.validate(properties)).isEmpty();
	}

	@Test
	void consoleSettingsStayBesideTheEchoServersOwn() {
		Rendered rendered = EchoReactorChart.render("console.enabled=true",
				"config.echo.server.max-connections=500");
		assertThat(rendered.applicationValue("echo", "server", "max-connections")).isEqualTo(500);
		assertThat(rendered.applicationValue("echo", "server", "port")).isEqualTo(7007);
		assertThat(rendered.applicationValue("echo", "console", "enabled")).isEqualTo(true);
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "console.enabled=yes", "console.enabled=1", "console.maxStreams=0",
			"console.maxStreams=65", "console.maxStreams=eight", "console.port=8082" })
	void schemaRefusesWhatTheApplicationWouldNotTake(String set) {
		String key = set.substring(0, set.indexOf('='));
		String expected = key.equals("console.port") ? "additional properties 'port' not allowed"
				: "/" + key.replace('.', '/');
		assertThatIllegalStateException().isThrownBy(() -> EchoReactorChart.renderYaml(set))
			.withMessageContaining(SCHEMA_ERROR)
			.withMessageContaining(expected);
	}

	@Test
	void schemaBoundsOfMaxStreamsAreTheApplications() throws Exception {
		Range range = ConsoleProperties.class.getDeclaredField("maxStreams").getAnnotation(Range.class);
		JsonNode schema = JsonMapper.shared()
			.readTree(Files.readString(EchoReactorChart.DIRECTORY.resolve("values.schema.json")))
			.path("properties")
			.path("console")
			.path("properties")
			.path("maxStreams");
		assertThat(schema.path("minimum").asLong()).isEqualTo(range.min());
		assertThat(schema.path("maximum").asLong()).isEqualTo(range.max());
		for (long bound : new long[] { range.min(), range.max() }) {
			ConsoleProperties properties = bindConsole(EchoReactorChart.render("console.maxStreams=" + bound));
			assertThat(validator.validate(properties)).as("max-streams %d", bound).isEmpty();
		}
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "config.echo.console.enabled=true", "config.echo.console.max-streams=4",
			"config.echo.console.maxStreams=4", "config.echo.console.max_streams=4", "config.echo.Console.enabled=true",
			"config.echo\\.console\\.enabled=true", "config.echo\\.console.enabled=true",
			"config.echo.console\\.max-streams=4" })
	void consoleSettingsInTheConfigBlockAreRefusedHoweverSpelt(String set) {
		String key = set.substring(0, set.indexOf('=')).replace("\\.", ".");
		assertThatIllegalStateException().isThrownBy(() -> EchoReactorChart.renderYaml(set))
			.withMessageContaining(key + " is set from the console values (console.enabled, console.maxStreams)");
	}

	@Test
	void otherKeysOfTheConfigBlockPassTheConsoleCheck() {
		Rendered rendered = EchoReactorChart.render("config.echo.consoles=1", "config.management.console.x=1");
		assertThat(rendered.applicationValue("echo", "consoles")).isEqualTo(1);
		assertThat(rendered.applicationValue("echo", "console", "enabled")).isEqualTo(false);
	}

	@Test
	void notesSayHowToReachTheConsoleWhenItIsOn(@TempDir Path work) {
		String notes = EchoReactorChart.renderNotes(work, "console.enabled=true");
		assertThat(notes)
			.contains("kubectl --namespace echo-system port-forward svc/echo-echo-reactor 8081:http-metrics")
			.contains("http://127.0.0.1:8081/console")
			.contains("clients' addresses")
			.contains("networkPolicy.metricsFrom")
			.doesNotContain("console.enabled=true");
	}

	@Test
	void notesSayWhoReachesTheConsoleThroughTheNetworkPolicyAndAnExposedService(@TempDir Path work) {
		String narrowed = EchoReactorChart.renderNotes(work.resolve("narrowed"), "console.enabled=true",
				"networkPolicy.enabled=true",
				"networkPolicy.metricsFrom[0].namespaceSelector.matchLabels.name=monitoring");
		assertThat(narrowed).contains("only the peers of networkPolicy.metricsFrom");
		String exposed = EchoReactorChart.renderNotes(work.resolve("exposed"), "console.enabled=true",
				"service.type=LoadBalancer", "service.httpPort=9090");
		assertThat(exposed).contains("http://127.0.0.1:9090/console")
			.contains("through the LoadBalancer Service, beyond it");
	}

	@Test
	void notesSayHowToTurnTheConsoleOnWhenItIsOff(@TempDir Path work) {
		String notes = EchoReactorChart.renderNotes(work);
		assertThat(notes).contains("--reuse-values --set console.enabled=true")
			.doesNotContain("http://127.0.0.1:8081/console");
	}

	@Test
	void valuesAndReadmeSayTheConsoleIsOffAndWhoReachesIt() throws IOException {
		String values = Files.readString(EchoReactorChart.DIRECTORY.resolve("values.yaml"));
		assertThat(values).contains("# console.enabled -- ").contains("# console.maxStreams -- ");
		String readme = Files.readString(EchoReactorChart.DIRECTORY.resolve("README.md"));
		assertThat(readme).containsPattern("(?m)^\\| `console\\.enabled` \\| `false` \\| ")
			.containsPattern("(?m)^\\| `console\\.maxStreams` \\| `null` \\| ")
			.containsPattern("(?m)^## The console$")
			.contains("networkPolicy.metricsFrom");
	}

	private static ConsoleProperties bindConsole(Rendered rendered) {
		return EchoReactorChartTests.bind(rendered).bindOrCreate("echo.console", ConsoleProperties.class);
	}

}
