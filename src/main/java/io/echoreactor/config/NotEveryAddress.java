package io.echoreactor.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.echoreactor.proxy.CidrRange;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

/**
 * The annotated trusted source must not be a range that holds every IPv4 or every IPv6
 * address, however it is written: {@code 0.0.0.0/0}, {@code 192.0.2.7/0}, {@code ::/0},
 * or {@code ::ffff:0:0/96}, every IPv4 address in its IPv4-mapped form (see
 * {@link CidrRange#containsEveryAddressOfAFamily()}). A value that is no range at all is
 * left to {@link CidrNotation}, so that each refusal has one reason.
 */
@Documented
@Constraint(validatedBy = NotEveryAddress.Validator.class)
@Target({ ElementType.TYPE_USE, ElementType.FIELD, ElementType.PARAMETER })
@Retention(RetentionPolicy.RUNTIME)
public @interface NotEveryAddress {

	String message() default "must not contain every IPv4 or every IPv6 address (0.0.0.0/0, ::/0, ::ffff:0:0/96): "
			+ "a PROXY header believed from any source lets any client forge its address; list only your load "
			+ "balancers";

	Class<?>[] groups() default {};

	Class<? extends Payload>[] payload() default {};

	/**
	 * Parses the value as a range and asks whether it holds a whole family.
	 */
	class Validator implements ConstraintValidator<NotEveryAddress, String> {

		@Override
		public boolean isValid(String value, ConstraintValidatorContext context) {
			if (value == null) {
				return true;
			}
			try {
				return !CidrRange.parse(value).containsEveryAddressOfAFamily();
			}
			catch (IllegalArgumentException ex) {
				return true;
			}
		}

	}

}
