package io.echoreactor.context;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Recognizes the environment variables that Kubernetes injects into every pod for each
 * Service of its namespace (service links, on unless the pod spec sets
 * {@code enableServiceLinks: false}): for a Service named {@code echo-server},
 * {@code ECHO_SERVER_SERVICE_HOST}, {@code ECHO_SERVER_SERVICE_PORT},
 * {@code ECHO_SERVER_PORT=tcp://198.51.100.12:7007} and {@code ECHO_SERVER_PORT_7007_TCP}
 * with its {@code _PROTO}, {@code _PORT} and {@code _ADDR}. Relaxed binding reads them as
 * {@code echo.server.*} settings.
 *
 * <p>
 * A plain {@code ECHO_SERVER_PORT=9000} is a setting: only a {@code tcp://},
 * {@code udp://} or {@code sctp://} value, or a name only Kubernetes makes, is a link.
 *
 * @see <a href=
 * "https://kubernetes.io/docs/concepts/services-networking/service/#environment-variables">Service
 * environment variables</a>
 */
final class KubernetesServiceLinks {

	private static final Pattern SERVICE_VARIABLE = Pattern.compile("([A-Z0-9_]+?)_SERVICE_(HOST|PORT(_[A-Z0-9_]+)?)");

	private static final Pattern PORT_VARIABLE = Pattern
		.compile("([A-Z0-9_]+?)_PORT_\\d+_(TCP|UDP|SCTP)(_PROTO|_PORT|_ADDR)?");

	private static final Pattern LINK_VARIABLE = Pattern.compile("([A-Z0-9_]+?)_PORT");

	private static final Pattern LINK_VALUE = Pattern.compile("(tcp|udp|sctp)://.*");

	private KubernetesServiceLinks() {
	}

	/**
	 * Explain the failure as service links if any of the properties that failed to bind
	 * came from one.
	 * @param properties the properties that failed to bind
	 * @param cause the failure
	 * @return the analysis, or {@code null} if none of them is a service link
	 */
	static @Nullable FailureAnalysis analyze(Iterable<ConfigurationProperty> properties, Throwable cause) {
		return analyze(properties, System.getenv(), cause);
	}

	/**
	 * Explain the failure as service links if any of the properties that failed to bind
	 * came from one, listing every variable of the environment that the same Services
	 * inject.
	 * @param properties the properties that failed to bind
	 * @param environment the process environment
	 * @param cause the failure
	 * @return the analysis, or {@code null} if none of them is a service link
	 */
	static @Nullable FailureAnalysis analyze(Iterable<ConfigurationProperty> properties,
			Map<String, String> environment, Throwable cause) {
		Set<String> services = new LinkedHashSet<>();
		for (ConfigurationProperty property : properties) {
			String variable = PropertyOrigins.environmentVariable(property.getOrigin());
			String service = (variable != null) ? service(variable, String.valueOf(property.getValue())) : null;
			if (service != null) {
				services.add(service);
			}
		}
		if (services.isEmpty()) {
			return null;
		}
		// The failure names the first variable that did not bind; the user needs to see
		// them all to recognize them.
		Map<String, String> links = new TreeMap<>();
		environment.forEach((variable, value) -> {
			if (services.contains(service(variable, value))) {
				links.put(variable, value);
			}
		});
		String named = String.join(", ", services);
		StringBuilder description = new StringBuilder("Kubernetes service links: the environment holds variables "
				+ "that Kubernetes injects into every pod for a Service named " + named
				+ " in the same namespace, and they bind as echo.server settings");
		description.append(links.isEmpty() ? "." : ":\n");
		links.forEach((variable, value) -> description.append("\n    ").append(variable).append('=').append(value));
		description.append('\n');
		return new FailureAnalysis(description.toString(),
				"Set enableServiceLinks: false in the pod spec, as the echo-reactor Helm chart does, or rename the "
						+ "Service " + named + " to a name that does not start with echo-server (echo-reactor, "
						+ "say). A setting of your own, such as ECHO_SERVER_PORT=9000, is not affected.",
				cause);
	}

	/**
	 * The name of the Service that injects a variable, if it is a service link.
	 * @param variable the variable's name
	 * @param value its value
	 * @return the Service's name, or {@code null} if the variable is no service link
	 */
	static @Nullable String service(String variable, String value) {
		for (Pattern pattern : new Pattern[] { SERVICE_VARIABLE, PORT_VARIABLE }) {
			Matcher matcher = pattern.matcher(variable);
			if (matcher.matches()) {
				return serviceName(matcher.group(1));
			}
		}
		Matcher link = LINK_VARIABLE.matcher(variable);
		if (link.matches() && LINK_VALUE.matcher(value).matches()) {
			return serviceName(link.group(1));
		}
		return null;
	}

	private static String serviceName(String prefix) {
		return prefix.toLowerCase(Locale.ROOT).replace('_', '-');
	}

}
