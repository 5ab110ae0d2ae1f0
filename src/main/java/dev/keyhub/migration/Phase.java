package dev.keyhub.migration;

import java.util.Locale;

/** The phase a migration task belongs to; stored lower-case in {@code migration_tasks.phase}. */
public enum Phase {
    DRY_RUN, APPLY;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Phase fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
