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
 * The annotated {@link DataSize} must lie between {@link #min()} and {@link #max()},
 * inclusive. {@code null} is valid (the setting is off or left to the kernel).
 */
@Documented
@Constraint(validatedBy = DataSizeRange.Validator.class)
@Target({ ElementType.FIELD, ElementType.PARAMETER })
@Retention(RetentionPolicy.RUNTIME)
public @interface DataSizeRange {

	/** @return the smallest allowed size, in {@link DataSize#parse} form */
	String min();

	/** @return the largest allowed size, in {@link DataSize#parse} form */
	String max();

	String message() default "must be between {min} and {max}";

	Class<?>[] groups() default {};

	Class<? extends Payload>[] payload() default {};

	/**
	 * Checks a {@link DataSize} against its range.
	 */
	class Validator implements ConstraintValidator<DataSizeRange, DataSize> {

		private DataSize min;

		private DataSize max;

		@Override
		public void initialize(DataSizeRange range) {
			this.min = DataSize.parse(range.min());
			this.max = DataSize.parse(range.max());
		}

		@Override
		public boolean isValid(DataSize value, ConstraintValidatorContext context) {
			return value == null || (value.compareTo(this.min) >= 0 && value.compareTo(this.max) <= 0);
		}

	}

}
