package dev.keyhub.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import dev.keyhub.catalog.Changelog;

/**
 * The tables in which a tenant database keeps one changelog's Liquibase history: Liquibase's default names for
 * KeyHub's, and the same names with {@code _product} for the product's. Both start with {@code databasechangelog},
 * which is how the schema report and the move tell Liquibase's tables from the tenant's.
 */
public record HistoryTables(String history, String lock) {

    public static final HistoryTables KEYHUB = new HistoryTables("databasechangelog", "databasechangeloglock");
    public static final HistoryTables PRODUCT = new HistoryTables("databasechangelog_product",
            "databasechangeloglock_product");

    public static HistoryTables of(Changelog changelog) {
        return changelog == Changelog.KEYHUB ? KEYHUB : PRODUCT;
    }

    /** SQL that reads the version (newest tag) from this history, as column {@code tag}. */
    public String versionSql() {
        return "SELECT tag FROM " + history + " WHERE tag IS NOT NULL ORDER BY orderexecuted DESC LIMIT 1";
    }

    /** Whether the database on {@code c} has both tables. */
    public boolean present(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT to_regclass(?) IS NOT NULL AND to_regclass(?) IS NOT NULL AS present")) {
            ps.setString(1, history);
            ps.setString(2, lock);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean("present");
            }
        }
    }

    /** The newest tag in this history, or null if it has none (or the database has no such history). */
    public String version(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL AS present")) {
            ps.setString(1, history);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean("present")) {
                    return null;
                }
            }
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(versionSql())) {
            return rs.next() ? rs.getString("tag") : null;
        }
    }

    /**
     * Clears a Liquibase lock that a crash left behind, which would make Liquibase wait for minutes and fail.
     * Safe because a tenant database or template is only migrated by a migration job's task or by the job
     * itself, one at a time, so at the start of a run no one else can hold the lock.
     */
    void releaseLeftoverLock(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL AS present")) {
            ps.setString(1, lock);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (!rs.getBoolean("present")) {
                    return;
                }
            }
        }
        try (Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE " + lock + " SET locked = false, lockgranted = NULL, lockedby = NULL WHERE locked");
        }
    }

    /** How many changesets were recorded after the one carrying {@code tag}; fails if the database never had it. */
    int changesetsAfter(Connection c, String tag) throws SQLException {
        try (PreparedStatement exists = c.prepareStatement("SELECT 1 FROM " + history + " WHERE tag = ?")) {
            exists.setString(1, tag);
            try (ResultSet rs = exists.executeQuery()) {
                if (!rs.next()) {
                    throw new SQLException("this database was never at release " + tag + ", so it cannot go back to it");
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) AS n FROM " + history
                + " WHERE orderexecuted > (SELECT max(orderexecuted) FROM " + history + " WHERE tag = ?)")) {
            ps.setString(1, tag);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt("n");
            }
        }
    }
}
