package io.echoreactor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the layering visible: the reactor is plain JDK, testable with plain sockets, and
 * only {@code config} wires the other packages together. The load client, {@code bench},
 * is plain JDK and HdrHistogram, so that {@code echo-reactor bench} loads neither Spring
 * nor the server's classes.
 */
class PackageDependencyTests {

	private static final Path SOURCES = Path.of("src/main/java/io/echoreactor");

	private static final Pattern IMPORT = Pattern.compile("^import (static )?([\\w.]+)", Pattern.MULTILINE);

	@Test
	void reactorImportsNothingFromSpringMicrometerOrTheRestOfTheServiceButThePlainProxyProtocol() throws IOException {
		// Nor SLF4J: its log lines reach SLF4J through ReactorLog's backend (io.echoreactor.logging).
		assertThat(imports("reactor")).isNotEmpty()
			.noneMatch((imported) -> imported.startsWith("org.springframework")
					|| imported.startsWith("io.micrometer") || imported.startsWith("org.slf4j")
					|| (imported.startsWith("io.echoreactor.") && !imported.startsWith("io.echoreactor.reactor.")
							&& !imported.startsWith("io.echoreactor.proxy.")));
	}

	@Test
	void proxyProtocolImportsNothingFromSpringMicrometerOrTheRestOfTheService() throws IOException {
		assertThat(imports("proxy")).isNotEmpty()
			.noneMatch((imported) -> imported.startsWith("org.springframework")
					|| imported.startsWith("io.micrometer") || (imported.startsWith("io.echoreactor.")
							&& !imported.startsWith("io.echoreactor.proxy.")));
	}

	@Test
	void loadClientImportsNeitherSpringNorTheReactorNorTheRestOfTheService() throws IOException {
		assertThat(imports("bench")).isNotEmpty()
			.noneMatch((imported) -> imported.startsWith("org.springframework") || imported.startsWith("io.micrometer")
					|| (imported.startsWith("io.echoreactor.") && !imported.startsWith("io.echoreactor.bench.")));
	}

	@Test
	void reactorDoesNotImportTheLoadClient() throws IOException {
		assertThat(imports("reactor")).noneMatch((imported) -> imported.startsWith("io.echoreactor.bench."));
	}

	@Test
	void metricsBinderDependsOnMicrometerAndTheReactorButNotOnSpring() throws IOException {
		assertThat(imports("metrics")).noneMatch((imported) -> imported.startsWith("org.springframework"));
	}

	@Test
	void onlyConfigReachesAcrossTheOtherPackages() throws IOException {
		Map<String, List<String>> allowed = Map.of("context", List.of("reactor"), "metrics",
				List.of("reactor", "proxy"), "actuator", List.of("reactor", "metrics"), "logging", List.of("reactor"));
		allowed.forEach((packageName, dependencies) -> {
			try {
				assertThat(imports(packageName)).as(packageName)
					.filteredOn((imported) -> imported.startsWith("io.echoreactor."))
					.allMatch((imported) -> dependencies.stream()
						.anyMatch((dependency) -> imported.startsWith("io.echoreactor." + dependency + "."))
							|| imported.startsWith("io.echoreactor." + packageName + "."));
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
		});
	}

	// The package and its sub-packages.
	private static List<String> imports(String packageName) throws IOException {
		try (Stream<Path> files = Files.walk(SOURCES.resolve(packageName))) {
			return files.filter((file) -> file.toString().endsWith(".java")).flatMap((file) -> {
				try {
					return IMPORT.matcher(Files.readString(file)).results().map((match) -> match.group(2));
				}
				catch (IOException ex) {
					throw new IllegalStateException(ex);
				}
			}).toList();
		}
	}

}
