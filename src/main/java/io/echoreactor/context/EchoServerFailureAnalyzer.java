package io.echoreactor.context;

import io.echoreactor.reactor.EchoBindException;
import io.echoreactor.reactor.EchoServerException;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains an {@link EchoServerException} other than a bind failure (which
 * {@link EchoBindFailureAnalyzer} explains): the echo server could not start, say because
 * the platform lacks {@code SO_REUSEPORT}.
 */
class EchoServerFailureAnalyzer extends AbstractFailureAnalyzer<EchoServerException> {

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, EchoServerException cause) {
		if (cause instanceof EchoBindException) {
			return null;
		}
		String description = cause.getMessage();
		if (cause.getCause() != null) {
			description += ": " + cause.getCause().getMessage();
		}
		return new FailureAnalysis(description + ".",
				"Check the echo.server settings, or set echo.server.enabled=false to run without the echo server.",
				cause);
	}

}
