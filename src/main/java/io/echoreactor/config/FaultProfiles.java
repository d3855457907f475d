package io.echoreactor.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import io.echoreactor.config.EchoServerProperties.Fault;
import io.echoreactor.reactor.fault.FaultProfile;
import io.echoreactor.reactor.fault.FaultSettings;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.ConstraintValidatorContext.ConstraintViolationBuilder.NodeBuilderCustomizableContext;
import jakarta.validation.Payload;
import org.jspecify.annotations.Nullable;

import org.springframework.util.unit.DataSize;

/**
 * The fault profiles of {@code echo.server.faults} must each be usable and apart from
 * every other listener: a name of lower-case letters, digits and '-', a port, at least one
 * fault, not both {@code close-after} and {@code reset-after}, and a port that no other
 * listener (the plain, TLS and UDP ports, another profile) has. Each refusal is reported
 * on the property at fault, so that the message names it.
 */
@Documented
@Constraint(validatedBy = FaultProfiles.Validator.class)
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
public @interface FaultProfiles {

	String message() default "must be a usable fault profile";

	Class<?>[] groups() default {};

	Class<? extends Payload>[] payload() default {};

	/**
	 * Checks every profile against the rules above and against the other listeners.
	 */
	class Validator implements ConstraintValidator<FaultProfiles, EchoServerProperties> {

		private static final Pattern NAME = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");

		/**
		 * Return the fault profiles of the given properties in the reactor's terms.
		 * @param properties the properties
		 * @return the fault settings
		 */
		static FaultSettings toSettings(EchoServerProperties properties) {
			List<FaultProfile> profiles = new ArrayList<>();
			properties.faults().forEach((name, fault) -> profiles.add(new FaultProfile(name,
					(fault.port() != null) ? fault.port() : 0, fault.delay(), fault.delayJitter(), bytes(fault.bandwidth(), 0),
					bytes(fault.closeAfter(), -1), bytes(fault.resetAfter(), -1), fault.resetProbability(), fault.noRead(),
					fault.acceptDelay(), fault.udpDropProbability(), fault.udpDelay())));
			return new FaultSettings(profiles, properties.faultsMaxConnections(),
					properties.faultsMaxPendingOutput().toBytes());
		}

		private static long bytes(@Nullable DataSize size, long unset) {
			return (size != null) ? size.toBytes() : unset;
		}

		@Override
		public boolean isValid(EchoServerProperties properties, ConstraintValidatorContext context) {
			if (properties.faults() == null || properties.faults().isEmpty()) {
				return true;
			}
			context.disableDefaultConstraintViolation();
			Map<Integer, String> listeners = listeners(properties);
			boolean valid = true;
			// In order of name, so that of two profiles on one port the same one is reported.
			for (Map.Entry<String, Fault> entry : new TreeMap<>(properties.faults()).entrySet()) {
				String name = entry.getKey();
				Fault fault = entry.getValue();
				Problem problem = problem(name, fault, listeners);
				if (problem != null) {
					valid = false;
					NodeBuilderCustomizableContext faults = context
						.buildConstraintViolationWithTemplate(problem.message())
						.addPropertyNode("faults");
					if (problem.property() != null) {
						faults.addPropertyNode(problem.property()).inIterable().atKey(name).addConstraintViolation();
					}
					else {
						faults.addBeanNode().inIterable().atKey(name).addConstraintViolation();
					}
				}
				else if (fault.port() != null && fault.port() != 0) {
					listeners.put(fault.port(), "echo.server.faults." + name + ".port");
				}
			}
			return valid;
		}

		private static @Nullable Problem problem(String name, Fault fault, Map<Integer, String> listeners) {
			if (!NAME.matcher(name).matches()) {
				return new Problem(null, "must be a name of lower-case letters, digits and '-' (such as slow-reader)");
			}
			if (fault.port() == null) {
				return new Problem("port",
						"must be set: each fault profile needs a port of its own (0 picks a free one)");
			}
			if (!hasFault(fault)) {
				return new Problem(null, "must set at least one fault: delay, delay-jitter, bandwidth, close-after, "
						+ "reset-after, reset-probability, no-read, accept-delay, udp-drop-probability or udp-delay");
			}
			if (fault.closeAfter() != null && fault.resetAfter() != null) {
				return new Problem("resetAfter", "must not be set together with echo.server.faults." + name
						+ ".close-after: a connection ends with FIN or with RST, not both");
			}
			String other = (fault.port() != 0) ? listeners.get(fault.port()) : null;
			if (other != null) {
				return new Problem("port", "is the port of " + other + " (" + fault.port()
						+ "); each fault profile needs a port of its own");
			}
			return null;
		}

		private static boolean hasFault(Fault fault) {
			return fault.delay() != null || fault.delayJitter() != null || fault.bandwidth() != null
					|| fault.closeAfter() != null || fault.resetAfter() != null || fault.resetProbability() != null
					|| fault.noRead() || fault.acceptDelay() != null || fault.udpDropProbability() != null
					|| fault.udpDelay() != null;
		}

		/**
		 * What is wrong with a profile, and the property of it to report it on.
		 *
		 * @param property the property in camel case, or {@code null} for the profile
		 * @param message why it is refused
		 */
		private record Problem(@Nullable String property, String message) {

		}

		// The ports the plain, TLS and UDP listeners bind, with the property that sets each.
		private static Map<Integer, String> listeners(EchoServerProperties properties) {
			Map<Integer, String> listeners = new LinkedHashMap<>();
			if (properties.udp() != null && properties.udp().enabled()) {
				Integer udp = properties.udp().port();
				listeners.put((udp != null) ? udp : properties.port(),
						(udp != null) ? "echo.server.udp.port" : "echo.server.port");
			}
			if (properties.ssl() != null && properties.ssl().bundle() != null) {
				listeners.put(properties.ssl().port(), "echo.server.ssl.port");
			}
			if (properties.plain() == null || properties.plain().enabled()) {
				listeners.put(properties.port(), "echo.server.port");
			}
			listeners.remove(0);
			return listeners;
		}

	}

}
