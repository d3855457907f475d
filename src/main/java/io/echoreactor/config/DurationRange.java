package io.echoreactor.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Duration;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

import org.springframework.boot.convert.DurationStyle;

/**
 * The annotated {@link Duration} must lie between {@link #min()} and {@link #max()},
 * inclusive. {@code null} is valid (the setting is off).
 */
@Documented
@Constraint(validatedBy = DurationRange.Validator.class)
@Target({ ElementType.FIELD, ElementType.PARAMETER })
@Retention(RetentionPolicy.RUNTIME)
public @interface DurationRange {

	/** @return the shortest allowed duration, such as {@code 1ms} */
	String min();

	/** @return the longest allowed duration, such as {@code 1h} */
	String max();

	String message() default "must be between {min} and {max}";

	Class<?>[] groups() default {};

	Class<? extends Payload>[] payload() default {};

	/**
	 * Checks a {@link Duration} against its range.
	 */
	class Validator implements ConstraintValidator<DurationRange, Duration> {

		private Duration min;

		private Duration max;

		@Override
		public void initialize(DurationRange range) {
			this.min = DurationStyle.detectAndParse(range.min());
			this.max = DurationStyle.detectAndParse(range.max());
		}

		@Override
		public boolean isValid(Duration value, ConstraintValidatorContext context) {
			return value == null || (value.compareTo(this.min) >= 0 && value.compareTo(this.max) <= 0);
		}

	}

}
