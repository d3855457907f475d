package io.echoreactor.helm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.ContainerPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ports a newcomer is told to publish with {@code docker run}, the ones the image
 * declares with {@code EXPOSE} and the ones the chart gives its container (every port on:
 * TLS and UDP) are the same set, so that a copied {@code docker run} line reaches every
 * port the service serves and the chart's pods match the image. No container engine runs
 * here; the files are read as written.
 */
@Timeout(60)
class ContainerPortsTests {

	private static final List<Path> PAGES_WITH_DOCKER_RUN = List.of(Path.of("README.md"), Path.of("docs", "kubernetes.md"),
			Path.of("Dockerfile"));

	// A command and its continuation lines, in a page or in a Dockerfile comment.
	private static final Pattern DOCKER_RUN = Pattern.compile("docker run (?:[^\\n]*\\\\\\n)*[^\\n]*");

	private static final Pattern PUBLISH = Pattern.compile("\\s-p\\s+(?:[\\d.]+:)?(\\d+):(\\d+)(?:/(tcp|udp))?");

	private static final Pattern EXPOSE = Pattern.compile("(?m)^EXPOSE\\s+(.+)$");

	@Test
	void everyDockerRunLinePublishesTheImagesExposedPortsOnTheSameNumbers() throws IOException {
		Set<String> exposed = exposed();
		List<String> lines = new ArrayList<>();
		for (Path page : PAGES_WITH_DOCKER_RUN) {
			Matcher run = DOCKER_RUN.matcher(Files.readString(page));
			while (run.find()) {
				lines.add(run.group());
			}
		}
		assertThat(lines).as("docker run lines in %s", PAGES_WITH_DOCKER_RUN).hasSizeGreaterThanOrEqualTo(3);
		for (String line : lines) {
			Set<String> published = new TreeSet<>();
			Matcher publish = PUBLISH.matcher(line);
			while (publish.find()) {
				assertThat(publish.group(1)).as("host port in %s", line).isEqualTo(publish.group(2));
				published.add(publish.group(2) + "/" + ((publish.group(3) != null) ? publish.group(3) : "tcp"));
			}
			assertThat(published).as(line).isEqualTo(exposed);
		}
	}

	@Test
	void theImageExposesEveryPortOfTheChartsContainer() throws IOException {
		List<ContainerPort> ports = EchoReactorChart.render("tls.enabled=true", "tls.existingSecret=echo-tls")
			.container()
			.getPorts();
		Set<String> chart = ports.stream()
			.map((port) -> port.getContainerPort() + "/" + port.getProtocol().toLowerCase())
			.collect(Collectors.toCollection(TreeSet::new));
		assertThat(chart).containsExactlyInAnyOrder("7007/tcp", "7007/udp", "7443/tcp", "8081/tcp");
		assertThat(exposed()).isEqualTo(chart);
	}

	private static Set<String> exposed() throws IOException {
		Matcher expose = EXPOSE.matcher(Files.readString(Path.of("Dockerfile")));
		assertThat(expose.find()).as("EXPOSE in the Dockerfile").isTrue();
		Set<String> ports = new TreeSet<>();
		for (String port : expose.group(1).strip().split("\\s+")) {
			// EXPOSE writes a UDP port as 7007/udp; TCP is its default.
			ports.add(port.contains("/") ? port : port + "/tcp");
		}
		return ports;
	}

}
