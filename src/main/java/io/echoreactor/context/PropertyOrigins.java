package io.echoreactor.context;

import java.io.IOException;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.PropertySourceOrigin;
import org.springframework.boot.origin.SystemEnvironmentOrigin;
import org.springframework.boot.origin.TextResourceOrigin;
import org.springframework.core.env.CommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;

/**
 * Where a property came from, said as the user set it: a command-line argument, an
 * environment variable, a line of a file. Boot's own rendering names property sources by
 * their internal names ({@code "commandLineArgs"}).
 */
final class PropertyOrigins {

	private PropertyOrigins() {
	}

	/**
	 * Describe where a property came from.
	 * @param origin the property's origin, if known
	 * @return the description, such as {@code environment variable ECHO_SERVER_PORT}, or
	 * {@code null} when the origin is unknown
	 */
	static @Nullable String describe(@Nullable Origin origin) {
		if (origin == null) {
			return null;
		}
		if (origin instanceof SystemEnvironmentOrigin environment) {
			return "environment variable " + environment.getProperty();
		}
		if (origin instanceof TextResourceOrigin text) {
			return describe(text);
		}
		if (origin instanceof PropertySourceOrigin source) {
			if (source.getOrigin() != null) {
				return describe(source.getOrigin());
			}
			String sourceName = source.getPropertySource().getName();
			if (CommandLinePropertySource.COMMAND_LINE_PROPERTY_SOURCE_NAME.equals(sourceName)) {
				return "command-line argument --" + source.getPropertyName();
			}
			if (StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME.equals(sourceName)) {
				return "system property -D" + source.getPropertyName();
			}
			return "property source " + sourceName;
		}
		return origin.toString();
	}

	/**
	 * The environment variable a property came from.
	 * @param origin the property's origin, if known
	 * @return the variable's name, or {@code null} if it came from elsewhere
	 */
	static @Nullable String environmentVariable(@Nullable Origin origin) {
		@Nullable Origin candidate = origin;
		while (candidate instanceof PropertySourceOrigin source) {
			candidate = source.getOrigin();
		}
		return (candidate instanceof SystemEnvironmentOrigin environment) ? environment.getProperty() : null;
	}

	private static String describe(TextResourceOrigin origin) {
		String resource = describe(origin.getResource());
		return (origin.getLocation() != null) ? resource + " line " + (origin.getLocation().getLine() + 1)
				: resource;
	}

	private static String describe(@Nullable Resource resource) {
		if (resource == null) {
			return "unknown file";
		}
		if (resource instanceof ClassPathResource classPath) {
			return classPath.getPath() + " (class path)";
		}
		if (resource.isFile()) {
			try {
				return resource.getFile().getPath();
			}
			catch (IOException ex) {
				// Fall back to the description
			}
		}
		return resource.getDescription();
	}

}
