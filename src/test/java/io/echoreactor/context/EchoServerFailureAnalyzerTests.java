package io.echoreactor.context;

import java.io.IOException;
import java.net.InetSocketAddress;

import io.echoreactor.reactor.EchoBindException;
import io.echoreactor.reactor.EchoServerException;
import org.junit.jupiter.api.Test;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.context.ApplicationContextException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link EchoServerFailureAnalyzer}.
 */
class EchoServerFailureAnalyzerTests {

	private final EchoServerFailureAnalyzer analyzer = new EchoServerFailureAnalyzer();

	@Test
	void aStartFailureIsDescribedWithItsReasonAndAnAction() {
		EchoServerException failure = new EchoServerException("The reuseport accept strategy needs SO_REUSEPORT, "
				+ "which this platform does not support; use the acceptor strategy", null);
		FailureAnalysis analysis = this.analyzer
			.analyze(new ApplicationContextException("Failed to start bean 'echoServerLifecycle'", failure));
		assertThat(analysis.getDescription())
			.isEqualTo("The reuseport accept strategy needs SO_REUSEPORT, which this platform does not support; "
					+ "use the acceptor strategy.");
		assertThat(analysis.getAction()).contains("echo.server");
	}

	@Test
	void theUnderlyingCauseIsNamed() {
		FailureAnalysis analysis = this.analyzer
			.analyze(new EchoServerException("Unable to start the echo server", new IOException("No selector")));
		assertThat(analysis.getDescription()).isEqualTo("Unable to start the echo server: No selector.");
	}

	@Test
	void bindFailuresAreLeftToTheBindFailureAnalyzer() {
		EchoBindException failure = new EchoBindException(new InetSocketAddress(7007),
				new IOException("Address already in use"));
		assertThat(this.analyzer.analyze(failure)).isNull();
	}

}
