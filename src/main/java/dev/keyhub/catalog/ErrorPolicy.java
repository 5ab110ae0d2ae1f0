package dev.keyhub.catalog;

import java.util.Locale;

import jakarta.persistence.AttributeConverter;

/**
 * What a failed tenant does to a migration job: {@code halt} stops it at the first failure, {@code continue}
 * goes on up to the job's {@code maxFailures}. Stored lower-case in {@code migration_jobs.on_error}.
 */
public enum ErrorPolicy {
    HALT, CONTINUE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ErrorPolicy fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    /** Maps the policy to its column. */
    public static class Column implements AttributeConverter<ErrorPolicy, String> {

        @Override
        public String convertToDatabaseColumn(ErrorPolicy policy) {
            return policy == null ? null : policy.wireName();
        }

        @Override
        public ErrorPolicy convertToEntityAttribute(String value) {
            return value == null ? null : fromWire(value);
        }
    }

    /** Failures a job with this policy tolerates before it halts. */
    public int allowed(int maxFailures) {
        return this == HALT ? 0 : maxFailures;
    }
}
