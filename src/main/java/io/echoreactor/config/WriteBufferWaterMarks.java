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

	String message() default "must be less than write-buffer-high-water-mark";

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
				.buildConstraintViolationWithTemplate("must be less than write-buffer-high-water-mark ("
						+ properties.writeBufferHighWaterMark() + ")")
				.addPropertyNode("writeBufferLowWaterMark")
				.addConstraintViolation();
			return false;
		}

	}

}
