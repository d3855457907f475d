package io.echoreactor.helm;

import java.nio.file.Files;

import io.echoreactor.console.ConsoleProperties;
import io.echoreactor.helm.EchoReactorChart.Rendered;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import org.hibernate.validator.constraints.Range;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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
 * time.
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

	private static ConsoleProperties bindConsole(Rendered rendered) {
		return EchoReactorChartTests.bind(rendered).bindOrCreate("echo.console", ConsoleProperties.class);
	}

}
