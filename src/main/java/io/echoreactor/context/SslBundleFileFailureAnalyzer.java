package io.echoreactor.context;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains an {@link SslBundleFileException}: the property, the file it names and what is
 * wrong with it, in place of the stack trace of a key store that could not be made.
 */
class SslBundleFileFailureAnalyzer extends AbstractFailureAnalyzer<SslBundleFileException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, SslBundleFileException cause) {
		StringBuilder description = new StringBuilder("Invalid TLS configuration:\n");
		description.append("\n    Property: ").append(cause.getProperty());
		description.append("\n    Value: \"").append(cause.getValue()).append('"');
		if (cause.getFile() != null) {
			description.append("\n    File: ").append(cause.getFile());
		}
		description.append("\n    Reason: ").append(cause.getReason()).append('\n');
		return new FailureAnalysis(description.toString(), cause.getAction(), cause);
	}

}
