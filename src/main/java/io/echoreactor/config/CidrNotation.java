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
 * The annotated string must be an IPv4 or IPv6 address, or a CIDR range such as
 * {@code 10.0.0.0/8}: a literal, never a host name to look up, and with no decimal number
 * written with a leading zero, which some parsers read as octal ({@code 010.0.0.1} as
 * {@code 8.0.0.1}) and a check for {@code /0} would not recognise ({@code 0.0.0.0/00}).
 */
@Documented
@Constraint(validatedBy = CidrNotation.Validator.class)
@Target({ ElementType.TYPE_USE, ElementType.FIELD, ElementType.PARAMETER })
@Retention(RetentionPolicy.RUNTIME)
public @interface CidrNotation {

	String message() default "must be an IPv4 or IPv6 address, never a host name, or a CIDR range with a prefix length "
			+ "of 0 to 32 (IPv4) or 0 to 128 (IPv6), such as 10.0.0.0/8 or fd00::/8, its decimal numbers without "
			+ "leading zeros (not 010.0.0.1 or 10.0.0.0/08)";

	Class<?>[] groups() default {};

	Class<? extends Payload>[] payload() default {};

	/**
	 * Parses the value as a range.
	 */
	class Validator implements ConstraintValidator<CidrNotation, String> {

		@Override
		public boolean isValid(String value, ConstraintValidatorContext context) {
			if (value == null) {
				return true;
			}
			try {
				CidrRange.parse(value);
				return true;
			}
			catch (IllegalArgumentException ex) {
				return false;
			}
		}

	}

}
