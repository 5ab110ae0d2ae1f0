package dev.keyhub.migration;

import java.util.Locale;

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

    /** Failures a job with this policy tolerates before it halts. */
    public int allowed(int maxFailures) {
        return this == HALT ? 0 : maxFailures;
    }
}
