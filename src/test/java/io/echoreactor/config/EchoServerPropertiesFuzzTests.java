package io.echoreactor.config;

import java.lang.reflect.Field;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.echoreactor.fuzz.FuzzTargets;
import io.echoreactor.proxy.CidrRange;
import jakarta.validation.Validation;
import jakarta.validation.ValidatorFactory;
import org.junit.jupiter.api.AfterAll;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.bind.validation.ValidationBindHandler;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.convert.ConversionFailedException;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;
import org.springframework.validation.beanvalidation.SpringValidatorAdapter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz test for binding {@link EchoServerProperties} as Boot binds it at start-up (the
 * {@link Binder} with bean validation): any text given to a CIDR list, a duration or a
 * size either binds to a value within the range its annotation allows, which the reactor
 * settings then take, or fails as a {@link BindException} caused by a conversion failure
 * or a validation failure on that property, the two that Boot's failure analyzers turn
 * into a report without a stack trace. Nothing else escapes.
 */
class EchoServerPropertiesFuzzTests {

	private static final List<String> PROPERTIES = List.of("proxy-protocol.trusted-sources", "idle-timeout",
			"write-timeout", "stall-timeout", "max-connection-age", "shutdown-timeout", "proxy-protocol.header-timeout",
			"ssl.handshake-timeout", "socket.keep-alive-idle", "read-buffer-size", "read-budget",
			"write-buffer-high-water-mark", "write-buffer-low-water-mark", "max-pending-output",
			"socket.receive-buffer-size", "udp.send-buffer-size");

	private static final ValidatorFactory validatorFactory = Validation.buildDefaultValidatorFactory();

	private static final SpringValidatorAdapter validator = new SpringValidatorAdapter(validatorFactory.getValidator());

	@AfterAll
	static void closeValidator() {
		validatorFactory.close();
	}

	@FuzzTest(maxDuration = FuzzTargets.MAX_DURATION)
	void bind(FuzzedDataProvider data) throws ReflectiveOperationException {
		String property = data.pickValue(PROPERTIES);
		String value = data.consumeRemainingAsString();
		Binder binder = new Binder(new MapConfigurationPropertySource(Map.of("echo.server." + property, value)));
		EchoServerProperties properties;
		try {
			// A handler collects the errors of one binding, so each binding gets its own.
			properties = binder.bindOrCreate("echo.server", Bindable.of(EchoServerProperties.class),
					new ValidationBindHandler(validator));
		}
		catch (BindException ex) {
			assertCleanFailure(property, ex);
			return;
		}
		assertInRange(property, properties);
		// The reactor takes what was bound as it is.
		assertThat(properties.toSettings()).isNotNull();
	}

	private static void assertCleanFailure(String property, BindException ex) {
		Throwable cause = ex.getCause();
		assertThat(cause).as("cause of %s", ex)
			.isInstanceOfAny(ConversionFailedException.class, BindValidationException.class);
		if (cause instanceof BindValidationException validation) {
			// Errors name the field within the record that holds it: trustedSources[0] in
			// echo.server.proxy-protocol.
			String path = camelCase(property.substring(property.lastIndexOf('.') + 1));
			for (ObjectError error : validation.getValidationErrors().getAllErrors()) {
				assertThat(error).isInstanceOf(FieldError.class);
				String field = ((FieldError) error).getField();
				// The water marks are checked together and reported on the low one.
				assertThat(field.equals(path) || field.startsWith(path + "[")
						|| (field.equals("writeBufferLowWaterMark") && property.startsWith("write-buffer-")))
					.as("error on %s for %s", field, property)
					.isTrue();
				assertThat(error.getDefaultMessage()).isNotBlank();
			}
		}
	}

	// Against the annotations themselves, so a range changed there is the range checked here.
	private static void assertInRange(String property, EchoServerProperties properties)
			throws ReflectiveOperationException {
		Object owner = properties;
		String[] names = camelCase(property).split("\\.");
		for (int i = 0; i < names.length - 1; i++) {
			owner = component(owner, names[i]).getAccessor().invoke(owner);
		}
		String name = names[names.length - 1];
		Object value = component(owner, name).getAccessor().invoke(owner);
		Field field = owner.getClass().getDeclaredField(name);
		if (value instanceof Duration duration) {
			DurationRange range = field.getAnnotation(DurationRange.class);
			assertThat(duration).as(property)
				.isBetween(DurationStyle.detectAndParse(range.min()), DurationStyle.detectAndParse(range.max()));
		}
		else if (value instanceof DataSize size) {
			DataSizeRange range = field.getAnnotation(DataSizeRange.class);
			assertThat(size).as(property).isBetween(DataSize.parse(range.min()), DataSize.parse(range.max()));
		}
		else if (value instanceof List<?> list) {
			List<CidrRange> ranges = new ArrayList<>();
			list.forEach((element) -> ranges.add(CidrRange.parse((String) element)));
			assertThat(ranges).as(property).hasSameSizeAs(list);
		}
		else {
			assertThat(value).as("%s bound to %s", property, value).isNull();
		}
	}

	private static RecordComponent component(Object record, String name) {
		for (RecordComponent component : record.getClass().getRecordComponents()) {
			if (component.getName().equals(name)) {
				return component;
			}
		}
		throw new IllegalArgumentException("No " + name + " in " + record.getClass());
	}

	private static String camelCase(String property) {
		StringBuilder camel = new StringBuilder();
		for (int i = 0; i < property.length(); i++) {
			char c = property.charAt(i);
			if (c == '-') {
				camel.append(Character.toUpperCase(property.charAt(++i)));
			}
			else {
				camel.append(c);
			}
		}
		return camel.toString();
	}

}
