package io.echoreactor.helm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import io.echoreactor.helm.EchoReactorChart.Rendered;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Dockerfile, read as the container runtime would and held against the chart: the
 * image starts with the same arguments and JVM options the chart gives it, runs as the
 * user the chart's security context expects (its ports: ContainerPortsTests), and its AOT
 * cache is trained with the command line and options the container starts with. No
 * container engine is needed (building the image is not part of the build).
 */
@Timeout(30)
class EchoReactorImageTests {

	private static final Path DOCKERFILE = Path.of("Dockerfile");

	private static final Pattern JSON_FORM = Pattern.compile("^\\[.*]$");

	private static List<Instruction> instructions;

	private static Rendered chart;

	@BeforeAll
	static void readDockerfileAndRenderChart() throws IOException {
		instructions = parse(Files.readString(DOCKERFILE));
		chart = EchoReactorChart.render();
	}

	@Test
	void buildsWithTheMavenWrapperInOneStageAndRunsOnATemurin25JreInAnother() {
		List<Instruction> froms = all("FROM");
		assertThat(froms).hasSizeGreaterThanOrEqualTo(2);
		assertThat(all("RUN")).anySatisfy((run) -> assertThat(run.arguments()).contains("./mvnw").contains("package"));
		assertThat(froms.get(froms.size() - 1).arguments()).matches("eclipse-temurin:\\$\\{JAVA_VERSION}-jre\\S*");
		// The AOT cache (-XX:AOTCache, JEP 483 and 515) needs a Java 25 runtime.
		assertThat(all("ARG")).anySatisfy((arg) -> assertThat(arg.arguments()).isEqualTo("JAVA_VERSION=25"));
	}

	@Test
	void runsTheExtractedJarWithJavaDashJarAndTheAotCache() {
		assertThat(all("RUN")).anySatisfy((run) -> assertThat(run.arguments()).contains("-Djarmode=tools")
			.contains("extract --layers --application-filename echo-reactor.jar")
			.doesNotContain("--launcher"));
		assertThat(all("COPY")).extracting(Instruction::arguments)
			.filteredOn((arguments) -> arguments.startsWith("--from="))
			.map((arguments) -> arguments.replaceAll(".*/extracted/([^/]+)/.*", "$1"))
			.containsExactly("dependencies", "spring-boot-loader", "snapshot-dependencies", "application");
		List<String> entrypoint = jsonArray(one("ENTRYPOINT"));
		assertThat(entrypoint).startsWith("java").endsWith("-jar", "echo-reactor.jar")
			.contains("-XX:AOTCache=application.aot");
	}

	@Test
	void trainsTheAotCacheWithTheEntryPointsCommandLineAfterTheJvmOptionsAreSet() {
		List<Instruction> training = instructions.stream()
			.filter((instruction) -> instruction.keyword().equals("RUN") && instruction.arguments().contains("train.sh"))
			.toList();
		assertThat(training).hasSize(1);
		String arguments = training.get(0).arguments();
		// train.sh TRAINING_CLASSES ENTRYPOINT... [&& cleanup]
		List<String> words = List.of(arguments.split("&&")[0].strip().split("\\s+"));
		List<String> command = words.subList(words.indexOf("/training/classes") + 1, words.size());
		assertThat(command).isEqualTo(jsonArray(one("ENTRYPOINT")));
		// A cache trained with other options (another collector, say) would not be used.
		assertThat(instructions.indexOf(javaToolOptions())).isLessThan(instructions.indexOf(training.get(0)));
		// Trained in the runtime stage, on the JRE and with the files the container has.
		Instruction runtimeStage = all("FROM").get(all("FROM").size() - 1);
		assertThat(instructions.indexOf(training.get(0))).isGreaterThan(instructions.indexOf(runtimeStage));
	}

	@Test
	void startsWithTheArgumentsAndJvmOptionsTheChartGives() {
		Container container = chart.container();
		assertThat(container.getCommand()).as("the chart keeps the image's ENTRYPOINT").isEmpty();
		assertThat(jsonArray(one("CMD"))).isEqualTo(container.getArgs());
		String javaToolOptions = container.getEnv().stream()
			.filter((variable) -> variable.getName().equals("JAVA_TOOL_OPTIONS"))
			.map(EnvVar::getValue)
			.findFirst()
			.orElseThrow();
		assertThat(javaToolOptions()).isEqualTo(new Instruction("ENV", "JAVA_TOOL_OPTIONS=\"" + javaToolOptions + "\""));
	}

	@Test
	void runsAsTheNumericNonRootUserTheChartExpects() {
		String user = one("USER").arguments();
		assertThat(user).matches("[1-9][0-9]*:[1-9][0-9]*");
		long uid = Long.parseLong(user.substring(0, user.indexOf(':')));
		long gid = Long.parseLong(user.substring(user.indexOf(':') + 1));
		var pod = chart.deployment().getSpec().getTemplate().getSpec().getSecurityContext();
		assertThat(pod.getRunAsUser()).isEqualTo(uid);
		assertThat(pod.getRunAsGroup()).isEqualTo(gid);
		assertThat(chart.container().getSecurityContext().getRunAsUser()).isEqualTo(uid);
	}

	@Test
	void buildContextHoldsOnlyWhatTheBuildNeeds() throws IOException {
		List<String> rules = Files.readAllLines(Path.of(".dockerignore")).stream()
			.filter((line) -> !line.isBlank() && !line.startsWith("#"))
			.toList();
		assertThat(rules).containsExactly("*", "!mvnw", "!.mvn/", "!pom.xml", "!src/main/", "!src/image/");
	}

	private static List<String> jsonArray(Instruction instruction) {
		assertThat(instruction.arguments()).as("exec (JSON) form, so signals reach the JVM").matches(JSON_FORM);
		return JsonMapper.shared().readValue(instruction.arguments(), new TypeReference<List<String>>() {
		});
	}

	private static Instruction javaToolOptions() {
		List<Instruction> found = all("ENV").stream()
			.filter((env) -> env.arguments().startsWith("JAVA_TOOL_OPTIONS="))
			.toList();
		assertThat(found).as("ENV JAVA_TOOL_OPTIONS").hasSize(1);
		return found.get(0);
	}

	private static List<Instruction> all(String keyword) {
		return instructions.stream().filter((instruction) -> instruction.keyword().equals(keyword)).toList();
	}

	private static Instruction one(String keyword) {
		List<Instruction> found = all(keyword);
		assertThat(found).as(keyword).hasSize(1);
		return found.get(0);
	}

	/** Instructions with continuation lines joined and comments dropped, as Docker reads them. */
	private static List<Instruction> parse(String dockerfile) {
		List<Instruction> parsed = new ArrayList<>();
		StringBuilder current = new StringBuilder();
		for (String line : dockerfile.split("\\R")) {
			String trimmed = line.strip();
			if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
				continue;
			}
			if (trimmed.endsWith("\\")) {
				current.append(trimmed, 0, trimmed.length() - 1).append(' ');
				continue;
			}
			current.append(trimmed);
			String instruction = current.toString().strip();
			current.setLength(0);
			int space = instruction.indexOf(' ');
			parsed.add(new Instruction(instruction.substring(0, space).toUpperCase(),
					instruction.substring(space + 1).strip()));
		}
		return parsed;
	}

	private record Instruction(String keyword, String arguments) {
	}

}
