package dev.keyhub.common;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.Target;

import jakarta.validation.Constraint;
import jakarta.validation.Payload;
import jakarta.validation.ReportAsSingleViolation;
import jakarta.validation.constraints.Pattern;

import static java.lang.annotation.ElementType.FIELD;
import static java.lang.annotation.ElementType.METHOD;
import static java.lang.annotation.ElementType.PARAMETER;
import static java.lang.annotation.ElementType.TYPE_USE;
import static java.lang.annotation.RetentionPolicy.RUNTIME;

/**
 * A tenant slug: 3 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit, so
 * that it fits a DNS label. The one definition of the rule: request bodies use the constraint, code that reads
 * a slug from a path or a form uses {@link #PATTERN}. Null is valid; add {@code @NotNull} where it is not.
 */
@Documented
@Constraint(validatedBy = {})
@Pattern(regexp = Slug.PATTERN)
@ReportAsSingleViolation
@Target({ FIELD, METHOD, PARAMETER, TYPE_USE })
@Retention(RUNTIME)
public @interface Slug {

    String PATTERN = "[a-z0-9][a-z0-9-]{1,61}[a-z0-9]";

    String message() default "must be 3 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};
}
