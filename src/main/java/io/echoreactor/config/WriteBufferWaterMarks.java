package io.echoreactor.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

import org.springframework.util.unit.DataSize;

/**
 * {@code write-buffer-low-water-mark} must be below {@code write-buffer-high-water-mark};
 * the violation is reported on the low-water mark, so the message names that property
 * and its value.
 */
@Documented
@Constraint(validatedBy = WriteBufferWaterMarks.Validator.class)
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
public @interface WriteBufferWaterMarks {

	String message() default "must be less than echo.server.write-buffer-high-water-mark";

	Class<?>[] groups() default {};

	Class<? extends Payload>[] payload() default {};

	/**
	 * Compares the two water marks.
	 */
	class Validator implements ConstraintValidator<WriteBufferWaterMarks, EchoServerProperties> {

		@Override
		public boolean isValid(EchoServerProperties properties, ConstraintValidatorContext context) {
			if (properties.writeBufferLowWaterMark() == null || properties.writeBufferHighWaterMark() == null
					|| properties.writeBufferLowWaterMark().compareTo(properties.writeBufferHighWaterMark()) < 0) {
				return true;
			}
			context.disableDefaultConstraintViolation();
			context
				.buildConstraintViolationWithTemplate("must be less than echo.server.write-buffer-high-water-mark ("
						+ format(properties.writeBufferHighWaterMark()) + ")")
				.addPropertyNode("writeBufferLowWaterMark")
				.addConstraintViolation();
			return false;
		}

		// In the unit a user would have written: 16KB rather than DataSize's 16384B. Only
		// digits and a unit reach the message template, so nothing in it is interpolated.
		private static String format(DataSize size) {
			long bytes = size.toBytes();
			String[] suffixes = { "TB", "GB", "MB", "KB" };
			for (int i = 0; i < suffixes.length; i++) {
				long unitBytes = 1L << (10 * (suffixes.length - i));
				if (bytes != 0 && bytes % unitBytes == 0) {
					return (bytes / unitBytes) + suffixes[i];
				}
			}
			return bytes + "B";
		}

	}

}
