package io.echoreactor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.jspecify.annotations.NullMarked;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every main package is {@link NullMarked}: a type is non-null unless it says
 * {@code @Nullable}, and NullAway holds the code to that at compile time. A package
 * without the annotation would be skipped by NullAway, silently.
 */
class NullContractTests {

	private static final Path MAIN = Path.of("src/main/java");

	@Test
	void everyMainPackageIsNullMarked() throws IOException, ClassNotFoundException {
		List<Path> packages;
		try (Stream<Path> files = Files.walk(MAIN)) {
			packages = files.filter((file) -> file.toString().endsWith(".java"))
				.map(Path::getParent)
				.distinct()
				.toList();
		}
		assertThat(packages).isNotEmpty();
		for (Path directory : packages) {
			String name = MAIN.relativize(directory).toString().replace('/', '.');
			assertThat(directory.resolve("package-info.java")).as("package-info.java of %s", name).exists();
			Package loaded = Class.forName(name + ".package-info").getPackage();
			assertThat(loaded.isAnnotationPresent(NullMarked.class)).as("package %s is @NullMarked", name).isTrue();
		}
	}

}
