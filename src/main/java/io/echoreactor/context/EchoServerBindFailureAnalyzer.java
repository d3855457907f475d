package io.echoreactor.context;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Explains an {@code echo.server.*} property that could not be bound at all (a value out of
 * its range is {@link EchoServerPropertiesFailureAnalyzer}'s): a key that is no setting,
 * with where it came from and the setting it most likely meant; the variables of
 * {@link KubernetesServiceLinks Kubernetes service links}; a value that is none of an enum
 * setting's, with the values as the documentation writes them.
 *
 * <p>
 * Boot's own analyzers would say "The elements [...] were left unbound", or list the
 * values as Java constants after a {@code No enum constant} reason. This analyzer is
 * ordered before them and leaves every other prefix, and other conversion failures, to
 * them.
 */
class EchoServerBindFailureAnalyzer extends AbstractFailureAnalyzer<BindException> implements Ordered {

	private static final ConfigurationPropertyName PREFIX = ConfigurationPropertyName.of("echo.server");

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
		if (!PREFIX.equals(cause.getName()) && !PREFIX.isAncestorOf(cause.getName())) {
			return null;
		}
		List<ConfigurationProperty> failed = new ArrayList<>();
		if (cause.getProperty() != null) {
			failed.add(cause.getProperty());
		}
		UnboundConfigurationPropertiesException unbound = (cause
			.getCause() instanceof UnboundConfigurationPropertiesException exception) ? exception : null;
		if (unbound != null) {
			failed.addAll(unbound.getUnboundProperties());
		}
		FailureAnalysis serviceLinks = KubernetesServiceLinks.analyze(failed, cause);
		if (serviceLinks != null) {
			return serviceLinks;
		}
		if (unbound != null) {
			return unknown(cause, unbound);
		}
		Class<?> type = cause.getTarget().getType().resolve();
		if (type != null && type.isEnum() && cause.getProperty() != null) {
			return notOneOf(cause, cause.getProperty(), type);
		}
		return null;
	}

	private FailureAnalysis unknown(BindException cause, UnboundConfigurationPropertiesException unbound) {
		SettingNames settings = SettingNames.of(cause.getName(), cause.getTarget().getType().resolve());
		StringBuilder description = new StringBuilder();
		for (ConfigurationProperty property : unbound.getUnboundProperties()) {
			description.append((description.length() == 0) ? "" : "\n");
			description.append("Unknown setting ").append(property.getName());
			String origin = PropertyOrigins.describe(property.getOrigin());
			if (origin != null) {
				description.append(" (from ").append(origin).append(')');
			}
			ConfigurationPropertyName nearest = settings.nearest(property.getName());
			if (nearest != null) {
				description.append(": did you mean ").append(asWritten(nearest, property)).append('?');
			}
			else {
				description.append(": no echo server setting is named like it.");
			}
		}
		return new FailureAnalysis(description.toString(),
				"Correct the name or remove the setting; the echo server's settings are listed in "
						+ "docs/configuration.md. Start-up refuses a key under echo.server that is no setting, so "
						+ "that a misspelled one is not silently ignored.",
				cause);
	}

	// Said the way the unknown one was written: an environment variable as a variable.
	private static String asWritten(ConfigurationPropertyName setting, ConfigurationProperty unknown) {
		if (PropertyOrigins.environmentVariable(unknown.getOrigin()) != null) {
			return setting.toString().replace('.', '_').replace("-", "").toUpperCase(Locale.ROOT) + " ("
					+ setting + ")";
		}
		return setting.toString();
	}

	private FailureAnalysis notOneOf(BindException cause, ConfigurationProperty property, Class<?> type) {
		List<String> values = Arrays.stream(type.getEnumConstants())
			.map((constant) -> ((Enum<?>) constant).name().toLowerCase(Locale.ROOT).replace('_', '-'))
			.toList();
		StringBuilder description = new StringBuilder("Invalid echo server configuration:\n");
		description.append("\n    Property: ").append(property.getName());
		description.append("\n    Value: \"").append(property.getValue()).append('"');
		String origin = PropertyOrigins.describe(property.getOrigin());
		if (origin != null) {
			description.append("\n    Origin: ").append(origin);
		}
		description.append("\n    Reason: must be one of ").append(String.join(", ", values)).append('\n');
		String choices = String.join(", ", values.subList(0, values.size() - 1)) + " or "
				+ values.get(values.size() - 1);
		return new FailureAnalysis(description.toString(),
				"Set " + property.getName() + " to " + choices + " (see docs/configuration.md).", cause);
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
