package io.echoreactor.helm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.echoreactor.support.RequiredTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart's PrometheusRule, checked by Prometheus' own {@code promtool}: the rules are
 * valid ({@code check rules}) and each alert fires on the series that should fire it and
 * stays silent on healthy ones ({@code test rules}, with the cases in
 * {@code echo-reactor-alerts-test.yml} and, for the TLS alerts,
 * {@code echo-reactor-tls-alerts-test.yml}). The Grafana dashboard's queries go through the
 * same PromQL parser.
 */
@Timeout(60)
class EchoReactorAlertRulesTests {

	private static final String RULES_FILE = "echo-reactor-rules.yml";

	@Test
	void rulesPassPromtoolCheck(@TempDir Path work) throws Exception {
		Path promtool = RequiredTools.require("promtool");
		Path rules = work.resolve(RULES_FILE);
		Files.writeString(rules, new Yaml().dump(Map.of("groups", renderedGroups())));
		assertThat(run(work, promtool.toString(), "check", "rules", rules.toString())).contains("SUCCESS");
	}

	@Test
	void alertsFireOnFailingSeriesAndStaySilentOnHealthyOnes(@TempDir Path work) throws Exception {
		assertThat(promtoolTestRules(work, "echo-reactor-alerts-test.yml")).contains("SUCCESS");
	}

	@Test
	void tlsAlertsFireOnFailingSeriesAndStaySilentOnHealthyOnes(@TempDir Path work) throws Exception {
		assertThat(promtoolTestRules(work, "echo-reactor-tls-alerts-test.yml")).contains("SUCCESS");
	}

	// Runs promtool's unit tests of the rendered rules from the test resource testsResource.
	// promtool compares every annotation of a firing alert; the tests are about when alerts
	// fire, so the annotations (checked above and in EchoReactorChartTests) are left out.
	private String promtoolTestRules(Path work, String testsResource) throws Exception {
		Path promtool = RequiredTools.require("promtool");
		List<Map<String, Object>> groups = renderedGroups();
		for (Map<String, Object> group : groups) {
			for (Object rule : (List<?>) group.get("rules")) {
				((Map<?, ?>) rule).remove("annotations");
			}
		}
		Files.writeString(work.resolve(RULES_FILE), new Yaml().dump(Map.of("groups", groups)));
		Path tests = work.resolve(testsResource);
		try (InputStream in = getClass().getResourceAsStream(testsResource)) {
			Files.copy(in, tests);
		}
		return run(work, promtool.toString(), "test", "rules", tests.toString());
	}

	@Test
	void dashboardQueriesAreValidPromQl(@TempDir Path work) throws Exception {
		Path promtool = RequiredTools.require("promtool");
		// promtool checks the PromQL of recording rules; each panel query becomes one, with Grafana's variables
		// replaced by what they stand for.
		JsonNode dashboard = JsonMapper.shared()
			.readTree(Files.readString(EchoReactorChart.DIRECTORY.resolve("files/echo-reactor-dashboard.json")));
		List<Map<String, Object>> rules = new ArrayList<>();
		for (JsonNode panel : dashboard.get("panels")) {
			for (JsonNode target : panel.path("targets")) {
				String expr = target.get("expr").asString()
					.replace("$__rate_interval", "2m")
					.replaceAll("\\$(namespace|pod|reactor)\\b", ".*");
				rules.add(Map.of("record", "dashboard:panel_" + panel.get("id").asInt() + "_"
						+ target.get("refId").asString().toLowerCase(), "expr", expr));
			}
		}
		assertThat(rules).hasSizeGreaterThan(40);
		Path file = work.resolve("dashboard-queries.yml");
		Files.writeString(file,
				new Yaml().dump(Map.of("groups", List.of(Map.of("name", "dashboard", "rules", rules)))));
		assertThat(run(work, promtool.toString(), "check", "rules", file.toString())).contains("SUCCESS");
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> renderedGroups() {
		// With TLS on, so that the TLS alerts are among the rules.
		String yaml = EchoReactorChart.renderYaml("prometheusRule.enabled=true", "tls.enabled=true",
				"tls.existingSecret=echo-tls");
		List<Map<String, Object>> groups = new ArrayList<>();
		for (Object document : new Yaml().loadAll(yaml)) {
			if (document instanceof Map<?, ?> object && "PrometheusRule".equals(object.get("kind"))) {
				Map<String, Object> spec = (Map<String, Object>) object.get("spec");
				for (Object group : (List<?>) spec.get("groups")) {
					groups.add(new LinkedHashMap<>((Map<String, Object>) group));
				}
			}
		}
		assertThat(groups).isNotEmpty();
		return groups;
	}

	private static String run(Path directory, String... command) throws IOException, InterruptedException {
		Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
		process.getOutputStream().close();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("promtool finished").isTrue();
		assertThat(process.exitValue()).as(output).isZero();
		return output;
	}

}
