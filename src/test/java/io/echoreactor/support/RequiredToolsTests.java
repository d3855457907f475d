package io.echoreactor.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link RequiredTools}.
 */
class RequiredToolsTests {

	@TempDir
	Path bin;

	@Test
	void aToolOnThePathIsFound() throws Exception {
		Path tool = Files.createFile(this.bin.resolve("sometool"),
				PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
		assertThat(RequiredTools.require("sometool", "/nonexistent:" + this.bin, false)).isEqualTo(tool);
	}

	@Test
	void aMissingToolSkipsTheTest() {
		assertThatExceptionOfType(TestAbortedException.class)
			.isThrownBy(() -> RequiredTools.require("sometool", this.bin.toString(), false))
			.withMessageContaining("'sometool' was not found on the PATH; test skipped");
	}

	@Test
	void aMissingToolFailsTheTestWhenToolsAreRequired() throws Exception {
		Files.createFile(this.bin.resolve("sometool"));
		assertThatExceptionOfType(AssertionError.class)
			.isThrownBy(() -> RequiredTools.require("sometool", this.bin.toString(), true))
			.withMessageContaining("ECHO_REQUIRE_TOOLS=true requires it");
	}

}
