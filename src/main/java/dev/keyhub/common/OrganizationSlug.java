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
 * An organization slug: 2 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or
 * digit. The one definition of the rule, as {@link Slug} is for tenants: request bodies use the constraint,
 * code that reads a slug from a path uses {@link #PATTERN}. Null is valid; add {@code @NotNull} where it is not.
 */
@Documented
@Constraint(validatedBy = {})
@Pattern(regexp = OrganizationSlug.PATTERN)
@ReportAsSingleViolation
@Target({ FIELD, METHOD, PARAMETER, TYPE_USE })
@Retention(RUNTIME)
public @interface OrganizationSlug {

    String PATTERN = "[a-z0-9][a-z0-9-]{0,61}[a-z0-9]";

    String message() default "must be 2 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};
}
