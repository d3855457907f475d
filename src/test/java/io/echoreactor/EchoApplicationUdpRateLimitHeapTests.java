package io.echoreactor;

import java.nio.file.Path;
import java.util.List;

import io.echoreactor.support.ApplicationProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The UDP rate limit's table is allocated at start: one that would take more than a
 * quarter of the heap stops the start with one report naming the property, before
 * anything is bound, instead of an {@link OutOfMemoryError} or a heap too full to serve.
 */
@Timeout(120)
class EchoApplicationUdpRateLimitHeapTests {

	@TempDir
	Path tempDir;

	@Test
	void aTableLargerThanAQuarterOfTheHeapStopsTheStartWithOneReportNamingTheProperty() throws Exception {
		// 4,194,304 buckets of 20 bytes: 80 MiB, in a heap of 128 MiB.
		try (ApplicationProcess application = ApplicationProcess.runUntilExit(this.tempDir, List.of("-Xmx128m"),
				"--server.port=0", "--server.address=127.0.0.1", "--echo.server.port=0",
				"--echo.server.address=127.0.0.1", "--echo.server.udp.max-tracked-sources=4194304")) {
			String log = application.log();
			assertThat(application.process().exitValue()).as(log).isNotZero();
			assertThat(log).containsOnlyOnce("APPLICATION FAILED TO START")
				.contains("echo.server.udp.max-tracked-sources (4194304) needs 81920 KiB of heap")
				.contains("(20 bytes a bucket)")
				.contains("lower it to at most ")
				.doesNotContain("\tat ")
				.doesNotContain("OutOfMemoryError")
				.doesNotContain("Echo server started");
		}
	}

}
