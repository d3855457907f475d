package io.echoreactor.context;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.bind.validation.ValidationErrors;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.origin.Origin;
import org.springframework.core.Ordered;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;

/**
 * Explains invalid {@code echo.server.*} settings at start-up in the terms the user wrote
 * them: each property by its kebab-case key, the value as configured and where it came
 * from ({@link PropertyOrigins}) (or, for a setting left at its default, the default as it would be written), and
 * the allowed range.
 *
 * <p>
 * Boot's own {@code BindValidationFailureAnalyzer} would report a record's properties by
 * their Java names ({@code echo.server.readBufferSize}) and show converted values
 * ({@code 104857600B} for {@code 100MB}, {@code PT0S} for {@code 0s}). This analyzer is
 * ordered before it and leaves every other prefix to it.
 */
class EchoServerPropertiesFailureAnalyzer extends AbstractFailureAnalyzer<BindValidationException>
		implements Ordered {

	private static final ConfigurationPropertyName PREFIX = ConfigurationPropertyName.of("echo.server");

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, BindValidationException cause) {
		ValidationErrors errors = cause.getValidationErrors();
		if (!PREFIX.equals(errors.getName()) && !PREFIX.isAncestorOf(errors.getName())) {
			return null;
		}
		StringBuilder description = new StringBuilder("Invalid echo server configuration:\n");
		for (ObjectError error : errors.getAllErrors()) {
			ConfigurationPropertyName name = propertyName(errors.getName(), error);
			ConfigurationProperty bound = findBound(errors, name);
			// A list written as one comma-separated value is bound under the list's name, so
			// an element's origin is the list's; its value is the element alone.
			ConfigurationProperty list = (bound == null && name.isLastElementIndexed())
					? findBound(errors, name.getParent()) : null;
			description.append("\n    Property: ").append(asWritten(name));
			Object value = (bound != null) ? bound.getValue()
					: (error instanceof FieldError fieldError) ? fieldError.getRejectedValue() : null;
			// A whole group (a fault profile) has no value to show, only its properties.
			value = (value instanceof Record) ? null : value;
			if (value != null && bound == null && list == null) {
				// Not configured: the declared default, converted; shown as it would be written.
				description.append("\n    Value: \"").append(asWritten(value)).append("\" (the default)");
			}
			else if (value != null) {
				description.append("\n    Value: \"").append(value).append('"');
			}
			Origin origin = (bound != null) ? bound.getOrigin()
					: (list != null) ? list.getOrigin() : Origin.from(error);
			String from = PropertyOrigins.describe(origin);
			if (from != null) {
				description.append("\n    Origin: ").append(from);
			}
			description.append("\n    Reason: ").append(error.getDefaultMessage()).append('\n');
		}
		return new FailureAnalysis(description.toString(),
				"Update your application's configuration: give each property above a value in its allowed range.",
				cause);
	}

	// A map's key is shown as users write it (echo.server.faults.slow.port), not in the
	// indexed form (echo.server.faults[slow].port); a list's index stays as it is.
	private static String asWritten(ConfigurationPropertyName name) {
		StringBuilder written = new StringBuilder();
		for (int i = 0; i < name.getNumberOfElements(); i++) {
			String element = name.getElement(i, ConfigurationPropertyName.Form.ORIGINAL);
			if (name.isNumericIndex(i)) {
				written.append('[').append(element).append(']');
			}
			else {
				written.append((i > 0) ? "." : "").append(element);
			}
		}
		return written.toString();
	}

	private static Object asWritten(Object value) {
		if (value instanceof DataSize size) {
			return inLargestWholeUnit(size.toBytes(), new long[] { 1L << 40, 1L << 30, 1L << 20, 1L << 10, 1 },
					new String[] { "TB", "GB", "MB", "KB", "B" });
		}
		if (value instanceof Duration duration && !duration.isNegative()) {
			return inLargestWholeUnit(duration.toMillis(), new long[] { 86_400_000, 3_600_000, 60_000, 1000, 1 },
					new String[] { "d", "h", "m", "s", "ms" });
		}
		return value;
	}

	private static String inLargestWholeUnit(long amount, long[] units, String[] suffixes) {
		for (int i = 0; i < units.length - 1; i++) {
			if (amount != 0 && amount % units[i] == 0) {
				return (amount / units[i]) + suffixes[i];
			}
		}
		return amount + suffixes[units.length - 1];
	}

	private static ConfigurationPropertyName propertyName(ConfigurationPropertyName base, ObjectError error) {
		// Validation reports the Java path (socket.keepAliveCount); users write the
		// kebab-case key that relaxed binding maps to it.
		return (error instanceof FieldError fieldError)
				? base.append(DataObjectPropertyName.toDashedForm(fieldError.getField())) : base;
	}

	private static @Nullable ConfigurationProperty findBound(ValidationErrors errors, ConfigurationPropertyName name) {
		for (ConfigurationProperty property : errors.getBoundProperties()) {
			if (property.getName().equals(name)) {
				return property;
			}
		}
		return null;
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
