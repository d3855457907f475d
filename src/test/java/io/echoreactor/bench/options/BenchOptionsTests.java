package io.echoreactor.bench.options;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link BenchOptions}.
 */
class BenchOptionsTests {

	@Test
	void defaultsAreAShortClosedLoopOnTheServicePort() {
		BenchOptions options = BenchOptions.parse("echo.example.com");
		assertThat(options.host()).isEqualTo("echo.example.com");
		assertThat(options.port()).isEqualTo(7007);
		assertThat(options.protocol()).isEqualTo(BenchOptions.Protocol.TCP);
		assertThat(options.connections()).isEqualTo(16);
		assertThat(options.size()).isEqualTo(64);
		assertThat(options.depth()).isEqualTo(1);
		assertThat(options.openLoop()).isFalse();
		assertThat(options.durationNanos()).isEqualTo(10_000_000_000L);
		assertThat(options.warmupNanos()).isEqualTo(2_000_000_000L);
		assertThat(options.threads()).isEqualTo(Math.min(16, Runtime.getRuntime().availableProcessors()));
	}

	@Test
	void tlsDefaultsToTheServiceTlsPort() {
		assertThat(BenchOptions.parse("--protocol", "tls", "localhost").port()).isEqualTo(7443);
	}

	@Test
	void hostsAndPortsInEveryForm() {
		assertThat(BenchOptions.parse("192.0.2.1:9000").target()).isEqualTo("192.0.2.1:9000");
		assertThat(BenchOptions.parse("[::1]:9000").host()).isEqualTo("::1");
		assertThat(BenchOptions.parse("[::1]:9000").target()).isEqualTo("[::1]:9000");
		assertThat(BenchOptions.parse("[::1]").port()).isEqualTo(7007);
		assertThat(BenchOptions.parse("fe80::1").host()).isEqualTo("fe80::1");
		assertThatExceptionOfType(BenchOptions.UsageException.class).isThrownBy(() -> BenchOptions.parse("host:0"));
		assertThatExceptionOfType(BenchOptions.UsageException.class).isThrownBy(() -> BenchOptions.parse("[::1"));
		assertThatExceptionOfType(BenchOptions.UsageException.class).isThrownBy(() -> BenchOptions.parse("a", "b"));
	}

	@Test
	void sizesAndTimesTakeUnits() {
		BenchOptions options = BenchOptions.parse("--size=16K", "--duration", "1.5s", "--warmup", "250ms",
				"--timeout", "1m", "host");
		assertThat(options.size()).isEqualTo(16384);
		assertThat(options.durationNanos()).isEqualTo(1_500_000_000L);
		assertThat(options.warmupNanos()).isEqualTo(250_000_000L);
		assertThat(options.timeoutNanos()).isEqualTo(60_000_000_000L);
		assertThat(BenchOptions.parse("--size", "1MiB", "host").size()).isEqualTo(1 << 20);
		assertThat(BenchOptions.parse("--duration", "3", "host").durationNanos()).isEqualTo(3_000_000_000L);
	}

	@Test
	void messagesReplaceTheDurationAndItsWarmUp() {
		BenchOptions options = BenchOptions.parse("--messages", "100", "host");
		assertThat(options.byMessages()).isTrue();
		assertThat(options.warmupNanos()).isZero();
		assertThatExceptionOfType(BenchOptions.UsageException.class)
			.isThrownBy(() -> BenchOptions.parse("--messages", "100", "--warmup", "1", "host"))
			.withMessageContaining("--warmup applies to --duration");
	}

	@Test
	void threadsAreNeverMoreThanConnections() {
		assertThat(BenchOptions.parse("--threads", "8", "--connections", "3", "host").threads()).isEqualTo(3);
	}

	@Test
	void aRateSoLowThatAConnectionWouldSendNothingIsRefused() {
		assertThatExceptionOfType(BenchOptions.UsageException.class)
			.isThrownBy(() -> BenchOptions.parse("--rate", "10", "--connections", "100", "--duration", "1", "host"));
		assertThat(BenchOptions.parse("--rate", "100", "--connections", "100", "--duration", "1", "host").rate())
			.isEqualTo(100);
	}

	@Test
	void reconnectIsForOneMessageAtATimeOverTcpOrTls() {
		assertThat(BenchOptions.parse("--reconnect", "host").reconnect()).isTrue();
		assertThat(BenchOptions.parse("--reconnect", "--protocol", "tls", "--depth", "1", "host").reconnect()).isTrue();
		assertThat(BenchOptions.parse("host").reconnect()).isFalse();
		assertThatExceptionOfType(BenchOptions.UsageException.class)
			.isThrownBy(() -> BenchOptions.parse("--reconnect", "--depth", "4", "host"))
			.withMessageContaining("closed loop, depth 1");
		assertThatExceptionOfType(BenchOptions.UsageException.class)
			.isThrownBy(() -> BenchOptions.parse("--reconnect", "--rate", "100", "--connections", "1", "host"));
		assertThatExceptionOfType(BenchOptions.UsageException.class)
			.isThrownBy(() -> BenchOptions.parse("--reconnect", "--protocol", "udp", "host"))
			.withMessageContaining("udp has no connections");
	}

	@Test
	void keepGoingIsForConnectionsInTheClosedLoop() {
		assertThat(BenchOptions.parse("host").keepGoing()).isFalse();
		assertThat(BenchOptions.parse("--keep-going", "--depth", "4", "host").keepGoing()).isTrue();
		assertThat(BenchOptions.parse("--keep-going", "--reconnect", "--protocol", "tls", "host").keepGoing())
			.isTrue();
		assertThatExceptionOfType(BenchOptions.UsageException.class)
			.isThrownBy(() -> BenchOptions.parse("--keep-going", "--rate", "100", "host"))
			.withMessage("--keep-going is for the closed loop: it cannot keep --rate's schedule");
		assertThatExceptionOfType(BenchOptions.UsageException.class)
			.isThrownBy(() -> BenchOptions.parse("--keep-going", "--protocol", "udp", "host"))
			.withMessageStartingWith("--keep-going is for tcp and tls");
		assertThat(BenchOptions.parse("host").forWarmUp(true).keepGoing()).isFalse();
	}

	@Test
	void helpNeedsNoTarget() {
		assertThat(BenchOptions.parse("--help").help()).isTrue();
	}

	@Test
	void theUsageNamesEveryOption() {
		for (String option : new String[] { "--connections", "--size", "--depth", "--rate", "--duration",
				"--messages", "--warmup", "--threads", "--connect-rate", "--reconnect", "--keep-going", "--connect-timeout", "--timeout",
				"--protocol", "--proxy-protocol", "--greeting", "--udp-timeout", "--insecure", "--ca",
				"--truststore", "--truststore-password", "--server-name", "--json", "--histogram", "--help" }) {
			assertThat(BenchOptions.USAGE).contains("  " + option + " ");
		}
		assertThat(BenchOptions.USAGE.lines()).allMatch((line) -> line.length() <= 100);
	}

}
