package io.echoreactor.config.live;

import java.util.List;

import io.echoreactor.config.EchoServerProperties;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.bootstrap.DefaultBootstrapContext;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.bind.validation.ValidationBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.UnboundElementsSourceFilter;
import org.springframework.boot.logging.LogLevel;
import org.springframework.core.env.CommandLinePropertySource;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;
import org.springframework.validation.Validator;

/**
 * A new set of settings, read and checked before anything of it is applied: the
 * configuration files read again into a copy of the Environment (as Spring Cloud's
 * refresh reads them, so that the running Environment is untouched), then
 * {@code echo.server.*} bound with the checks of start-up (the constraints, the
 * cross-field ones, no unknown key) and {@code logging.level.*} bound as log levels.
 * What fails is a {@link Refused} naming the property and the reason in one line.
 */
final class SettingsCandidate {

	private static final String PREFIX = "echo.server";

	// What Spring Cloud's refresh, too, carries over from the running Environment: the
	// rest is read again from the files, the variables and the system properties.
	private static final List<String> CARRIED_OVER = List.of(
			CommandLinePropertySource.COMMAND_LINE_PROPERTY_SOURCE_NAME, "defaultProperties");

	private SettingsCandidate() {
	}

	/**
	 * Read the configuration files again into a copy of {@code running}, and bind and check
	 * the candidate there.
	 * @param running the running Environment, left as it is
	 * @param resourceLoader what reads the files
	 * @param validator the validator of start-up
	 * @return the candidate's {@code echo.server} settings
	 * @throws Refused if the files cannot be read or a setting is invalid
	 */
	static EchoServerProperties read(ConfigurableEnvironment running, ResourceLoader resourceLoader,
			Validator validator) {
		StandardEnvironment candidate = new StandardEnvironment();
		MutablePropertySources sources = candidate.getPropertySources();
		for (String name : CARRIED_OVER) {
			PropertySource<?> source = running.getPropertySources().get(name);
			if (source != null) {
				sources.addFirst(source);
			}
		}
		candidate.setActiveProfiles(running.getActiveProfiles());
		candidate.setDefaultProfiles(running.getDefaultProfiles());
		try {
			ConfigDataEnvironmentPostProcessor.applyTo(candidate, resourceLoader, new DefaultBootstrapContext(),
					List.of());
		}
		catch (RuntimeException ex) {
			throw new Refused(null, "the configuration files could not be read: " + oneLine(ex));
		}
		ConfigurationPropertySources.attach(candidate);
		return bind(candidate, validator);
	}

	/**
	 * Bind and check the settings and the log levels of an Environment.
	 * @param environment the Environment
	 * @param validator the validator of start-up
	 * @return the {@code echo.server} settings
	 * @throws Refused if a setting is invalid
	 */
	static EchoServerProperties bind(Environment environment, Validator validator) {
		Binder binder = Binder.get(environment);
		try {
			binder.bind("logging.level", Bindable.mapOf(String.class, LogLevel.class));
			BindHandler handler = new NoUnboundElementsBindHandler(BindHandler.DEFAULT,
					new UnboundElementsSourceFilter());
			return binder.bindOrCreate(PREFIX, Bindable.of(EchoServerProperties.class),
					new ValidationBindHandler(handler, validator));
		}
		catch (BindException ex) {
			throw refused(ex);
		}
	}

	private static Refused refused(BindException ex) {
		Throwable cause = ex.getCause();
		if (cause instanceof BindValidationException validation) {
			List<ObjectError> errors = validation.getValidationErrors().getAllErrors();
			if (!errors.isEmpty()) {
				ObjectError error = errors.get(0);
				String name = validation.getValidationErrors().getName().toString();
				if (error instanceof FieldError field) {
					name = name + "." + DataObjectPropertyName.toDashedForm(field.getField());
				}
				return new Refused(name, String.valueOf(error.getDefaultMessage()));
			}
		}
		if (cause instanceof UnboundConfigurationPropertiesException unbound) {
			ConfigurationProperty first = unbound.getUnboundProperties().iterator().next();
			return new Refused(first.getName().toString(), "is no echo server setting");
		}
		ConfigurationProperty property = ex.getProperty();
		String name = (property != null) ? property.getName().toString() : ex.getName().toString();
		String value = (property != null) ? " \"" + property.getValue() + "\"" : "";
		return new Refused(name, "the value" + value + " cannot be read: " + oneLine(ex));
	}

	/**
	 * Return the message of the deepest cause, on one line: what a log line can say of a
	 * failure without its stack trace.
	 * @param ex the failure
	 * @return the message
	 */
	static String oneLine(Throwable ex) {
		Throwable deepest = ex;
		Throwable cause;
		while ((cause = deepest.getCause()) != null && cause != deepest) {
			deepest = cause;
		}
		String message = deepest.getMessage();
		if (message == null) {
			message = deepest.getClass().getSimpleName();
		}
		return message.replaceAll("\\s*\\R\\s*", " ").strip();
	}

	/**
	 * A candidate refused whole, with the property at fault and the reason.
	 */
	static final class Refused extends RuntimeException {

		private final @Nullable String property;

		private final String reason;

		Refused(@Nullable String property, String reason) {
			super((property != null) ? property + ": " + reason : reason, null, false, false);
			this.property = property;
			this.reason = reason;
		}

		@Nullable String property() {
			return this.property;
		}

		String reason() {
			return this.reason;
		}

	}

}
