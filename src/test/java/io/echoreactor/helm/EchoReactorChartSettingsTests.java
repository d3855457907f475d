package io.echoreactor.helm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.echoreactor.config.ConfigurationReference;
import io.echoreactor.config.ConfigurationReference.Setting;
import io.echoreactor.config.EchoConfiguration;
import io.echoreactor.config.EchoServerProperties;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.context.LifecycleProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.convert.DurationStyle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The chart against the application's settings, declared once in
 * {@link EchoServerProperties} and read through {@link ConfigurationReference}: the
 * schema's {@code config.echo.server} holds every setting the chart does not set from
 * values of its own, with the application's types and ranges; what values.yaml and the
 * README say of a setting's default and range is what the application declares; and the
 * rules the chart repeats from the application (the drain fitting in its shutdown phase,
 * the PROXY protocol's trusted sources) refuse what the application refuses.
 */
@Timeout(60)
class EchoReactorChartSettingsTests {

	/** Settings the chart writes from values of its own, and refuses in the config block. */
	private static final Map<String, String> SET_BY_THE_CHART = Map.of("port", "containerPorts.echo", "udp.port",
			"containerPorts.udp", "greeting", "greeting", "ssl.bundle", "tls values", "ssl.port", "tls values",
			"ssl.client-auth", "tls values", "plain.enabled", "tls.plainEnabled", "proxy-protocol.mode",
			"proxyProtocol values", "proxy-protocol.trusted-sources", "proxyProtocol values",
			"proxy-protocol.header-timeout", "proxyProtocol values");

	private static final Pattern RANGE = Pattern.compile("\\b(\\d[\\w.]*) to (\\d[\\w.]*)\\b");

	private static final Pattern DEFAULT = Pattern.compile("\\b[Dd]efault (\\S+?)[.;,]?(?:\\s|$)");

	private static final ValidatorFactory validatorFactory = Validation.buildDefaultValidatorFactory();

	private static final Validator validator = validatorFactory.getValidator();

	private final ConfigurationReference reference = ConfigurationReference.load();

	@AfterAll
	static void closeValidator() {
		validatorFactory.close();
	}

	@Test
	void schemaDeclaresEverySettingTheChartDoesNotSetItselfAndNoOther() throws IOException {
		Set<String> expected = new TreeSet<>();
		for (Setting setting : this.reference.settings()) {
			// Each fault profile's settings come from the chart's faults value, which the
			// chart's own tests check against the application.
			if (!SET_BY_THE_CHART.containsKey(setting.relativeName())
					&& !setting.relativeName().startsWith("faults.*.")) {
				expected.add(setting.relativeName());
			}
		}
		assertThat(schemaSettings().keySet())
			.as("config.echo.server in values.schema.json against the application's settings")
			.containsExactlyInAnyOrderElementsOf(expected);
	}

	@Test
	void settingsTheChartSetsItselfAreRefusedInTheConfigBlock() {
		SET_BY_THE_CHART.keySet()
			.forEach((setting) -> assertThatIllegalStateException().as(setting)
				.isThrownBy(() -> EchoReactorChart.renderYaml("config.echo.server." + setting + "=1"))
				.withMessageContaining("is set from"));
		assertThat(SET_BY_THE_CHART.keySet()).allSatisfy((setting) -> this.reference.setting("echo.server." + setting));
	}

	@Test
	void schemaTypesAndRangesAreTheApplications() throws IOException {
		schemaSettings().forEach((name, schema) -> {
			Setting setting = this.reference.setting("echo.server." + name);
			List<String> types = types(schema);
			assertThat(schema.path("description").asString("")).as(name).isNotBlank();
			switch (setting.type()) {
				case "integer" -> assertThat(types).as(name).contains("integer").doesNotContain("string");
				case "number" -> assertThat(types).as(name).contains("number");
				case "boolean" -> assertThat(types).as(name).containsExactly("boolean");
				case "duration", "size", "address", "string" -> assertThat(types).as(name).contains("string");
				case "enum" -> {
					assertThat(types).as(name).containsExactly("string");
					List<String> values = new ArrayList<>();
					schema.path("enum").forEach((value) -> values.add("`" + value.asString() + "`"));
					assertThat(String.join(", ", values)).as(name).isEqualTo(setting.range());
				}
				default -> assertThat(types).as(name).contains("array");
			}
			if (setting.minimum() != null) {
				assertThat(schema.has("minimum") && schema.has("maximum")).as(name + " bounds").isTrue();
				assertThat(schema.get("minimum").asLong()).as(name + " minimum").isEqualTo(setting.minimum());
				assertThat(schema.get("maximum").asLong()).as(name + " maximum").isEqualTo(setting.maximum());
			}
			else {
				assertThat(schema.has("minimum") || schema.has("maximum")).as(name + " bounds").isFalse();
			}
			if (!setting.defaultText().isEmpty()) {
				assertThat(types).as(name + " has a default, so null cannot unset it").doesNotContain("null");
			}
		});
	}

	@Test
	void valuesSetInTheConfigBlockAreSettingsOfTheApplication() throws IOException {
		Map<String, Object> values = new Yaml()
			.load(Files.readString(EchoReactorChart.DIRECTORY.resolve("values.yaml")));
		Map<String, Object> server = map(map(map(values.get("config")).get("echo")).get("server"));
		List<String> names = new ArrayList<>();
		flatten("", server, names);
		assertThat(names).isNotEmpty()
			.allSatisfy((name) -> this.reference.setting("echo.server." + name));
	}

	@Test
	void whatValuesAndReadmeSayOfDefaultsAndRangesIsWhatTheApplicationDeclares() throws IOException {
		Map<String, String> descriptions = new LinkedHashMap<>();
		String valuesText = Files.readString(EchoReactorChart.DIRECTORY.resolve("values.yaml"));
		Matcher comment = Pattern
			.compile("(?m)^\\s*# config\\.echo\\.server\\.([\\w.-]+) -- (.*(?:\\n\\s*#(?! config\\.| [\\w.-]+:).*)*)")
			.matcher(valuesText);
		while (comment.find()) {
			descriptions.put("values.yaml " + comment.group(1),
					comment.group(1) + "\t\t" + comment.group(2).replaceAll("\\n\\s*# ?", " "));
		}
		String readme = Files.readString(EchoReactorChart.DIRECTORY.resolve("README.md"));
		Matcher row = Pattern.compile("(?m)^\\| `config\\.echo\\.server\\.([\\w.-]+)` \\| ([^|]*) \\| (.*) \\|$")
			.matcher(readme);
		while (row.find()) {
			descriptions.put("README " + row.group(1), row.group(1) + "\t" + row.group(2).trim() + "\t" + row.group(3));
		}
		// In the README's prose a setting may be followed by its default in parentheses:
		// "`config.echo.server.write-timeout` (60s)".
		Matcher mention = Pattern.compile("`config\\.echo\\.server\\.([\\w.-]+)` \\(([\\w.]+)\\)").matcher(readme);
		int mentions = 0;
		while (mention.find()) {
			assertThat(mention.group(2)).as("README mentions " + mention.group(1) + " with its default")
				.isEqualTo(this.reference.setting("echo.server." + mention.group(1)).defaultText());
			mentions++;
		}
		assertThat(mentions).isPositive();
		assertThat(descriptions).containsKeys("values.yaml max-connections", "README udp.max-tracked-sources");
		descriptions.forEach((where, text) -> {
			String[] parts = text.split("\t", 3);
			Setting setting = this.reference.setting("echo.server." + parts[0]);
			String defaultColumn = parts[1].replace("`", "").replace("\"", "");
			if (!defaultColumn.isEmpty() && !defaultColumn.equals("unset")) {
				assertThat(defaultColumn).as(where + " default").isEqualTo(setting.defaultText());
			}
			Matcher stated = DEFAULT.matcher(parts[2]);
			while (stated.find()) {
				assertThat(stated.group(1)).as(where + " states its default").isEqualTo(setting.defaultText());
			}
			Matcher range = RANGE.matcher(parts[2]);
			while (range.find()) {
				assertThat(range.group(1) + " to " + range.group(2)).as(where + " states its range")
					.isEqualTo(setting.range());
			}
		});
	}

	@Test
	void defaultsTheTemplatesFallBackOnAreTheApplicationsAndSpringsOwn() throws IOException {
		StringBuilder templates = new StringBuilder();
		try (Stream<Path> files = Files.list(EchoReactorChart.DIRECTORY.resolve("templates"))) {
			for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
				templates.append(Files.readString(file)).append('\n');
			}
		}
		String template = templates.toString();
		Matcher fallback = Pattern.compile("\\(list ((?:\"[\\w-]+\" ?)+)\\) \"default\" \"([^\"]+)\"").matcher(template);
		List<String> checked = new ArrayList<>();
		while (fallback.find()) {
			String key = fallback.group(1).replace("\"", "").replace(' ', '.');
			Duration declared = key.equals("spring.lifecycle.timeout-per-shutdown-phase")
					? new LifecycleProperties().getTimeoutPerShutdownPhase()
					: DurationStyle.detectAndParse(this.reference.setting(key).defaultText());
			assertThat(DurationStyle.detectAndParse(fallback.group(2))).as(key).isEqualTo(declared);
			checked.add(key);
		}
		assertThat(checked).contains("echo.server.shutdown-timeout", "echo.server.stall-timeout",
				"spring.lifecycle.timeout-per-shutdown-phase");
	}

	static Stream<Arguments> drains() {
		return Stream.of(arguments("10s", "30s"), arguments("29s", "30s"), arguments("29500ms", "30s"),
				arguments("30s", "30s"), arguments("45s", "50s"), arguments("1m", "61s"), arguments("1m", "60s"),
				arguments("90s", "2m"), arguments("2m", "2m"), arguments("1500", "2s"), arguments("1", "1s"));
	}

	@ParameterizedTest(name = "shutdown-timeout {0}, timeout-per-shutdown-phase {1}")
	@MethodSource("drains")
	void chartRefusesADrainThatDoesNotFitItsShutdownPhaseExactlyWhenTheApplicationDoes(String shutdownTimeout,
			String phase) {
		Duration shutdown = DurationStyle.detectAndParse(shutdownTimeout);
		boolean applicationAccepts = accepts(
				() -> EchoConfiguration.checkDrainFitsInShutdownPhase(shutdown, DurationStyle.detectAndParse(phase)));
		// A grace period long enough for any of these, so that only the phase rule can refuse.
		String[] values = { "config.echo.server.shutdown-timeout=" + shutdownTimeout,
				"config.spring.lifecycle.timeout-per-shutdown-phase=" + phase, "terminationGracePeriodSeconds=600" };
		if (applicationAccepts) {
			Duration bound = EchoReactorChartTests.bindEchoServer(EchoReactorChart.render(values)).shutdownTimeout();
			assertThat(bound).isEqualTo(shutdown);
		}
		else {
			assertThatIllegalStateException().isThrownBy(() -> EchoReactorChart.renderYaml(values))
				.withMessageContaining("must fit in config.spring.lifecycle.timeout-per-shutdown-phase");
		}
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "0.0.0.0/0", "198.51.100.7/0", "::/0", "2001:db8::/0", "::ffff:0:0/96",
			"::FFFF:0.0.0.0/96", "0:0:0:0:0:ffff:0:0/96", "::ffff:198.51.100.0/88", "0.0.0.0/00", "::/000",
			"198.51.100.0/08", "010.0.0.1", "203.0.113.07", "::ffff:198.051.100.7", "198.51.100.0/24",
			"2001:0db8::/32", "::ffff:203.0.113.0/120", "0.0.0.0/1", "203.0.113.10", "::1/128" })
	void chartRefusesATrustedSourceOnlyWhenTheApplicationDoes(String source) {
		boolean chartAccepts = accepts(() -> EchoReactorChart.renderYaml("proxyProtocol.mode=required",
				"proxyProtocol.trustedSources[0]=" + source));
		EchoServerProperties properties = new Binder(new MapConfigurationPropertySource(
				Map.of("echo.server.proxy-protocol.mode", "required", "echo.server.proxy-protocol.trusted-sources[0]",
						source)))
			.bindOrCreate("echo.server", EchoServerProperties.class);
		boolean applicationAccepts = validator.validate(properties).isEmpty();
		// The chart may leave to the application what it cannot see in the text; it never refuses more.
		if (!chartAccepts) {
			assertThat(applicationAccepts).as("the application refuses " + source + " too").isFalse();
		}
		if (applicationAccepts) {
			assertThat(chartAccepts).as("the chart accepts " + source + " too").isTrue();
		}
	}

	private static boolean accepts(Runnable check) {
		try {
			check.run();
			return true;
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	private static Map<String, JsonNode> schemaSettings() throws IOException {
		JsonNode schema = JsonMapper.shared()
			.readTree(Files.readString(EchoReactorChart.DIRECTORY.resolve("values.schema.json")));
		JsonNode server = schema.path("properties")
			.path("config")
			.path("properties")
			.path("echo")
			.path("properties")
			.path("server");
		Map<String, JsonNode> settings = new LinkedHashMap<>();
		collect("", server, settings);
		return settings;
	}

	private static void collect(String prefix, JsonNode schema, Map<String, JsonNode> settings) {
		schema.path("properties").properties().forEach((entry) -> {
			JsonNode value = entry.getValue();
			if (value.has("properties")) {
				collect(prefix + entry.getKey() + ".", value, settings);
			}
			else {
				settings.put(prefix + entry.getKey(), value);
			}
		});
	}

	private static List<String> types(JsonNode schema) {
		List<String> types = new ArrayList<>();
		JsonNode type = schema.path("type");
		if (type.isArray()) {
			type.forEach((item) -> types.add(item.asString()));
		}
		else {
			types.add(type.asString());
		}
		return types;
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> map(Object value) {
		return (Map<String, Object>) value;
	}

	private static void flatten(String prefix, Map<String, Object> values, List<String> names) {
		values.forEach((key, value) -> {
			if (value instanceof Map<?, ?>) {
				flatten(prefix + key + ".", map(value), names);
			}
			else {
				names.add(prefix + key);
			}
		});
	}

}
