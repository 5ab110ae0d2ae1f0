package dev.keyhub.catalog;

import java.util.Locale;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What kind of group a tenant is, as in the KeyHub schema; written in lower case in JSON and SQL. */
public enum TenantType {
    TEAM, DEPARTMENT, PROJECT, LABORATORY;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static TenantType fromWire(String value) {
        for (TenantType t : values()) {
            if (t.wireName().equals(value)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown tenant type");
    }

    @Converter(autoApply = true)
    public static class SqlConverter implements AttributeConverter<TenantType, String> {
        @Override
        public String convertToDatabaseColumn(TenantType type) {
            return type == null ? null : type.wireName();
        }

        @Override
        public TenantType convertToEntityAttribute(String value) {
            return value == null ? null : fromWire(value);
        }
    }
}
