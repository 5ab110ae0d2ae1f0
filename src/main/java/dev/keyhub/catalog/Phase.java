package dev.keyhub.catalog;

import java.util.Locale;

import jakarta.persistence.AttributeConverter;

/** The phase a migration task belongs to; stored lower-case in {@code migration_tasks.phase}. */
public enum Phase {
    DRY_RUN, APPLY;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Phase fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    /** Maps the phase to its column. */
    public static class Column implements AttributeConverter<Phase, String> {

        @Override
        public String convertToDatabaseColumn(Phase phase) {
            return phase == null ? null : phase.wireName();
        }

        @Override
        public Phase convertToEntityAttribute(String value) {
            return value == null ? null : fromWire(value);
        }
    }
}
