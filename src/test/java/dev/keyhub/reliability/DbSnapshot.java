package dev.keyhub.reliability;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import dev.keyhub.support.Catalog;

/**
 * What is in a database, table by table: a row count and a digest of every row. Two snapshots are equal when
 * nothing was inserted, changed or deleted. Columns that record that something was merely looked at
 * (a session's {@code last_accessed_at}, a row's {@code updated_at}) are left out, and so are platform audit
 * rows of refused actions: recording an attempt is not a change.
 */
final class DbSnapshot implements AutoCloseable {

    private static final Map<String, String> FILTERS = Map.of("platform_audit_log", "WHERE outcome = 'success'");
    private final Connection connection;
    private final String sql;

    private DbSnapshot(Connection connection, String sql) {
        this.connection = connection;
        this.sql = sql;
    }

    /** A snapshotter for one database; keeps its connection open until closed. */
    static DbSnapshot of(String database) {
        try {
            Connection c = Catalog.connect(database);
            List<String> tables = new ArrayList<>();
            try (var st = c.createStatement(); ResultSet rs = st.executeQuery("""
                    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                      AND c.relname NOT LIKE 'databasechangelog%' ORDER BY c.relname""")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            String sql = tables.stream().map(t -> "SELECT '" + t + "', count(*), md5(coalesce(string_agg("
                    + "(to_jsonb(x) - 'last_accessed_at' - 'updated_at')::text, '|' ORDER BY "
                    + "(to_jsonb(x) - 'last_accessed_at' - 'updated_at')::text), '')) FROM " + t + " x "
                    + FILTERS.getOrDefault(t, "")).collect(Collectors.joining(" UNION ALL "));
            return new DbSnapshot(c, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Table name to "count/digest". */
    Map<String, String> take() {
        Map<String, String> out = new LinkedHashMap<>();
        try (var st = connection.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getLong(2) + "/" + rs.getString(3));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** The tables whose content differs between two snapshots, with their row counts. */
    static String diff(Map<String, String> before, Map<String, String> after) {
        return before.keySet().stream().filter(t -> !before.get(t).equals(after.get(t)))
                .map(t -> t + " " + before.get(t).split("/")[0] + "→" + after.get(t).split("/")[0] + " rows")
                .collect(Collectors.joining(", "));
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // closing a test connection; nothing to do
        }
    }
}
