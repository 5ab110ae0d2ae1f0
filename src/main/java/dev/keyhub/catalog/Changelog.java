package dev.keyhub.catalog;

import java.util.Locale;

import jakarta.persistence.AttributeConverter;

/**
 * The two changelogs of every tenant database: KeyHub's own tables, and the product's built on KeyHub. Each has
 * its own releases and its own Liquibase history in the database; stored lower-case ({@code keyhub},
 * {@code product}) in {@code migration_jobs.changelog}.
 */
public enum Changelog {
    KEYHUB, PRODUCT;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Changelog fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    /** Maps the changelog to its column. */
    public static class Column implements AttributeConverter<Changelog, String> {

        @Override
        public String convertToDatabaseColumn(Changelog changelog) {
            return changelog == null ? null : changelog.wireName();
        }

        @Override
        public Changelog convertToEntityAttribute(String value) {
            return value == null ? null : fromWire(value);
        }
    }
}
