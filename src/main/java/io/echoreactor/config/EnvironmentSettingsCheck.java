package io.echoreactor.config;

import java.util.List;

import io.echoreactor.context.SettingNames;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Refuses an {@code ECHO_SERVER_*} environment variable or an {@code echo.server.*}
 * system property ({@code -D}, {@code JAVA_TOOL_OPTIONS}) that is no echo server setting,
 * before the application context starts. {@code ignoreUnknownFields = false} on
 * {@link EchoServerProperties} leaves the process environment out, as Boot does for every
 * prefix (the environment holds variables of others); the variables under
 * {@code ECHO_SERVER_} are ours, so a misspelled one in a pod spec fails start-up as a
 * misspelled argument does, and so do the variables that Kubernetes service links inject
 * for a Service named {@code echo-server}, which the failure analysis names as such.
 *
 * <p>
 * Only the variables that name no setting are bound here, to be refused; those that do
 * (in Boot's form, {@code ECHO_SERVER_IDLETIMEOUT}, or the legacy one with an underscore
 * for each dash, {@code ECHO_SERVER_IDLE_TIMEOUT}, which Boot still binds) are left to the
 * full binding, which checks their values.
 */
class EnvironmentSettingsCheck implements EnvironmentPostProcessor, Ordered {

	private static final ConfigurationPropertyName PREFIX = ConfigurationPropertyName.of("echo.server");

	// Boot's strict binding leaves these two out for every prefix: they hold the settings of others.
	private static final List<String> SOURCES_BOOT_DOES_NOT_CHECK = List.of(
			StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
			StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);

	private static final String AOT_PROCESSING = "spring.aot.processing";

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (Boolean.getBoolean(AOT_PROCESSING)) {
			// The build's AOT processing runs the application up to its bean definitions: the
			// variables of the machine that builds it are not the ones it will run with.
			return;
		}
		SettingNames settings = SettingNames.of(PREFIX, EchoServerProperties.class);
		for (String name : SOURCES_BOOT_DOES_NOT_CHECK) {
			PropertySource<?> properties = environment.getPropertySources().get(name);
			if (properties != null) {
				refuseUnknownSettings(properties, settings);
			}
		}
	}

	private static void refuseUnknownSettings(PropertySource<?> properties, SettingNames settings) {
		ConfigurationPropertySource source = ConfigurationPropertySources.from(properties)
			.iterator()
			.next()
			.filter((name) -> !isASetting(name, settings));
		new Binder(source).bind(PREFIX, Bindable.of(EchoServerProperties.class),
				new NoUnboundElementsBindHandler(BindHandler.DEFAULT));
	}

	private static boolean isASetting(ConfigurationPropertyName name, SettingNames settings) {
		// An element of a list (ECHO_SERVER_PROXYPROTOCOL_TRUSTEDSOURCES_0) is the list's.
		ConfigurationPropertyName base = name.isLastElementIndexed() ? name.getParent() : name;
		return settings.names()
			.stream()
			.anyMatch((setting) -> setting.equals(base)
					|| setting.toString().replace('-', '.').equals(base.toString()));
	}

	@Override
	public int getOrder() {
		// After the environment variables have become origin-tracked
		return Ordered.LOWEST_PRECEDENCE;
	}

}
