package io.echoreactor.context;

import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.io.ApplicationResourceLoader;
import org.springframework.core.env.Environment;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;

/**
 * Explains an SSL bundle with {@code reload-on-update} whose file is missing. Boot watches
 * such a bundle's files from the moment it registers the bundle, before the echo server
 * checks them ({@link SslBundleFileException}), and fails with "Unable to register SSL
 * bundle" over a stack trace; this analyzer names the property and the file instead, as
 * the echo server's own check does.
 */
class SslBundleWatchFailureAnalyzer implements FailureAnalyzer {

	private static final Pattern BUNDLE = Pattern.compile("Unable to register SSL bundle '(.+)'");

	private static final Pattern NOT_A_FILE = Pattern.compile("'(.+)' is neither a file nor a directory");

	private static final List<String> FILES = List.of("pem.%s.keystore.certificate", "pem.%s.keystore.private-key",
			"pem.%s.truststore.certificate", "pem.%s.truststore.private-key", "jks.%s.keystore.location",
			"jks.%s.truststore.location");

	private final @Nullable Environment environment;

	private final ResourceLoader resourceLoader = ApplicationResourceLoader.get();

	SslBundleWatchFailureAnalyzer(@Nullable Environment environment) {
		this.environment = environment;
	}

	@Override
	public @Nullable FailureAnalysis analyze(Throwable failure) {
		String bundle = null;
		String missing = null;
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			Matcher registering = BUNDLE.matcher(String.valueOf(cause.getMessage()));
			if (bundle == null && cause instanceof IllegalStateException && registering.matches()) {
				bundle = registering.group(1);
			}
			Matcher notAFile = NOT_A_FILE.matcher(String.valueOf(cause.getMessage()));
			if (cause instanceof IOException && notAFile.matches()) {
				missing = notAFile.group(1);
			}
			if (cause == cause.getCause()) {
				break;
			}
		}
		if (bundle == null || missing == null || this.environment == null) {
			return null;
		}
		for (String file : FILES) {
			String property = "spring.ssl.bundle." + String.format(file, bundle);
			String value = this.environment.getProperty(property);
			if (value != null && missing.equals(path(value))) {
				return new FailureAnalysis("Invalid TLS configuration:\n\n    Property: " + property
						+ "\n    Value: \"" + value + "\"\n    File: " + missing + "\n    Reason: the file does not exist "
						+ "(with reload-on-update, the bundle's files are watched from start-up)\n",
						"Point " + property + " at an existing file: a path (a relative one is resolved against the "
								+ "working directory), or a file: location.",
						failure);
			}
		}
		return null;
	}

	private @Nullable String path(String location) {
		Resource resource = this.resourceLoader.getResource(location);
		try {
			File file = resource.getFile();
			return file.getAbsoluteFile().toPath().normalize().toString();
		}
		catch (IOException | RuntimeException ex) {
			// Not a file: not what the watcher refused
			return null;
		}
	}

}
