package dev.keyhub.schema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import liquibase.ChecksumVersion;
import liquibase.change.Change;
import liquibase.change.core.TagDatabaseChange;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.DatabaseChangeLog;
import liquibase.database.Database;
import liquibase.database.core.PostgresDatabase;
import liquibase.exception.LiquibaseException;
import liquibase.sql.Sql;
import liquibase.sqlgenerator.SqlGeneratorFactory;
import liquibase.statement.SqlStatement;
import liquibase.util.LiquibaseUtil;

/**
 * Applies or rolls back a tenant changelog's plain changesets over one JDBC connection, without Liquibase's
 * per-database machinery (lock table round trips, table snapshots, command framework), which costs several
 * times the changes themselves when a job touches thousands of small databases. Liquibase still parses the
 * changelog, computes checksums and generates the SQL; the history rows written here are the ones Liquibase
 * writes, so either path can take over from the other.
 * <p>
 * A release (the changesets up to and including its tag) is applied in one transaction, so a database is
 * always at a release, never between two. Anything this class does not handle (preconditions, runAlways,
 * runOnChange, contexts, labels, dbms filters, modifySql, changesets outside a transaction, a checksum that
 * differs, history Liquibase would have to upgrade) makes {@link #run} answer null before it changes anything,
 * and the caller hands the database to Liquibase. Not thread-safe; one per thread.
 */
final class DirectChangesets {

    /** Statements on the history; {@code %1$s} is the history table, {@code %2$s} its lock table. */
    private static final String HISTORY = """
            SELECT id, author, filename, md5sum, tag FROM %1$s ORDER BY orderexecuted""";
    private static final String RECORD = """
            INSERT INTO %1$s (id, author, filename, dateexecuted, orderexecuted, exectype, md5sum,
                description, comments, tag, liquibase, contexts, labels, deployment_id)
            VALUES (?, ?, ?, now(), (SELECT coalesce(max(orderexecuted), 0) + 1 FROM %1$s), 'EXECUTED', ?,
                ?, ?, ?, ?, NULL, NULL, ?)""";
    private static final String FORGET = "DELETE FROM %1$s WHERE id = ? AND author = ? AND filename = ?";
    /** Waits for, and then excludes, a Liquibase run on the same database. */
    private static final String LOCK = "SELECT locked FROM %2$s WHERE id = 1 FOR UPDATE";

    private final DatabaseChangeLog changelog;
    private final HistoryTables tables;
    private final Database dialect = new PostgresDatabase();
    private final Map<ChangeSet, String> checksums = new HashMap<>();
    private final Map<ChangeSet, List<String>> forwardSql = new HashMap<>();
    private final Map<ChangeSet, List<String>> backwardSql = new HashMap<>();

    /** A database's Liquibase history: checksum by changeset key in order of execution, and the tags. */
    private record History(Map<String, String> checksums, Map<String, String> tags) {

        /** The newest tag, or null. */
        String version() {
            String version = null;
            for (String tag : tags.values()) {
                if (tag != null) {
                    version = tag;
                }
            }
            return version;
        }
    }

    DirectChangesets(DatabaseChangeLog changelog, HistoryTables tables) {
        this.changelog = changelog;
        this.tables = tables;
    }

    private String sql(String template) {
        return template.formatted(tables.history(), tables.lock());
    }

    /**
     * Moves the database on {@code c} forward or back to {@code tag}, one transaction per release, and commits
     * each unless {@code commit} is false (a dry run: the caller rolls back). Answers the versions before and
     * after, or null, having changed nothing, when the changesets concerned need Liquibase itself.
     */
    TenantSchema.Outcome run(Connection c, TenantSchema.Direction direction, String tag, boolean commit)
            throws SQLException, LiquibaseException {
        History ran = history(c);
        if (ran == null) {
            return null;
        }
        Map<String, String> history = ran.checksums();
        List<ChangeSet> all = changelog.getChangeSets();
        Map<String, ChangeSet> byKey = new LinkedHashMap<>();
        for (ChangeSet cs : all) {
            byKey.put(key(cs), cs);
        }
        for (Map.Entry<String, String> entry : history.entrySet()) {
            ChangeSet cs = byKey.get(entry.getKey());
            if (cs == null || !checksum(cs).equals(entry.getValue())) {
                return null;
            }
        }
        List<List<ChangeSet>> releases = direction == TenantSchema.Direction.UPDATE
                ? forward(all, history, tag)
                : backward(all, history, tag);
        if (releases == null) {
            return null;
        }
        List<List<String>> sql = new ArrayList<>();
        for (List<ChangeSet> release : releases) {
            List<String> statements = new ArrayList<>();
            for (ChangeSet cs : release) {
                List<String> own = plain(cs) ? statements(cs, direction) : null;
                if (own == null) {
                    return null;
                }
                statements.addAll(own);
            }
            sql.add(statements);
        }
        String from = ran.version();
        if (releases.isEmpty()) {
            return new TenantSchema.Outcome(from, from);
        }
        String deployment = Long.toString(1_000_000_000L + ThreadLocalRandom.current().nextLong(8_999_999_999L));
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            for (int i = 0; i < releases.size(); i++) {
                try (Statement st = c.createStatement()) {
                    st.executeQuery(sql(LOCK)).close();
                    for (String statement : sql.get(i)) {
                        st.execute(statement);
                    }
                }
                for (ChangeSet cs : releases.get(i)) {
                    if (direction == TenantSchema.Direction.UPDATE) {
                        record(c, cs, deployment);
                        ran.tags().put(key(cs), tagOf(cs));
                    } else {
                        forget(c, cs);
                        ran.tags().remove(key(cs));
                    }
                }
                if (commit) {
                    c.commit();
                }
            }
        } catch (SQLException | RuntimeException e) {
            if (commit) {
                c.rollback();
            }
            throw new ReleaseFailure(from, e);
        } finally {
            if (commit) {
                c.setAutoCommit(autoCommit);
            }
        }
        return new TenantSchema.Outcome(from, ran.version());
    }

    /** The database's history; null when Liquibase has not set this database up. */
    private History history(Connection c) throws SQLException {
        History ran = new History(new LinkedHashMap<>(), new LinkedHashMap<>());
        if (!tables.present(c)) {
            return null;
        }
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery(sql(HISTORY))) {
                while (rs.next()) {
                    String key = rs.getString("id") + "::" + rs.getString("author") + "::" + rs.getString("filename");
                    ran.checksums().put(key, rs.getString("md5sum"));
                    ran.tags().put(key, rs.getString("tag"));
                }
            }
        }
        return ran;
    }

    /** The pending changesets up to the tag's, cut into releases at each tag; null if the tag is unknown. */
    static List<List<ChangeSet>> forward(List<ChangeSet> all, Map<String, String> history, String tag) {
        List<List<ChangeSet>> releases = new ArrayList<>();
        List<ChangeSet> release = new ArrayList<>();
        for (ChangeSet cs : all) {
            if (!history.containsKey(key(cs))) {
                release.add(cs);
            }
            String carried = tagOf(cs);
            if (carried != null) {
                if (!release.isEmpty()) {
                    releases.add(release);
                    release = new ArrayList<>();
                }
                if (carried.equals(tag)) {
                    return releases;
                }
            }
        }
        return null;
    }

    /**
     * The changesets recorded after the tag's, newest first, cut into releases; null if the history is not in
     * changelog order or the database was never at the tag.
     */
    static List<List<ChangeSet>> backward(List<ChangeSet> all, Map<String, String> history, String tag) {
        List<ChangeSet> ran = new ArrayList<>();
        Map<String, ChangeSet> byKey = new HashMap<>();
        for (ChangeSet cs : all) {
            byKey.put(key(cs), cs);
        }
        for (String key : history.keySet()) {
            ran.add(byKey.get(key));
        }
        int at = -1;
        for (int i = 0; i < ran.size(); i++) {
            if (tag.equals(tagOf(ran.get(i)))) {
                at = i;
            }
        }
        if (at < 0) {
            return null;
        }
        List<List<ChangeSet>> releases = new ArrayList<>();
        List<ChangeSet> release = new ArrayList<>();
        for (int i = ran.size() - 1; i > at; i--) {
            ChangeSet cs = ran.get(i);
            if (tagOf(cs) != null && !release.isEmpty()) {
                releases.add(release);
                release = new ArrayList<>();
            }
            release.add(cs);
        }
        if (!release.isEmpty()) {
            releases.add(release);
        }
        return releases;
    }

    private static boolean plain(ChangeSet cs) {
        return cs.isRunInTransaction() && !cs.isAlwaysRun() && !cs.isRunOnChange() && !cs.isIgnore()
                && (cs.getPreconditions() == null || cs.getPreconditions().getNestedPreconditions().isEmpty())
                && (cs.getContextFilter() == null || cs.getContextFilter().isEmpty())
                && (cs.getLabels() == null || cs.getLabels().isEmpty())
                && (cs.getDbmsSet() == null || cs.getDbmsSet().isEmpty())
                && cs.getSqlVisitors().isEmpty();
    }

    /** The changeset's SQL in the given direction (generated once); null when only Liquibase could produce it. */
    private List<String> statements(ChangeSet cs, TenantSchema.Direction direction) {
        Map<ChangeSet, List<String>> cache = direction == TenantSchema.Direction.UPDATE ? forwardSql : backwardSql;
        if (!cache.containsKey(cs)) {
            cache.put(cs, generate(cs, direction));
        }
        return cache.get(cs);
    }

    private List<String> generate(ChangeSet cs, TenantSchema.Direction direction) {
        List<Change> changes;
        if (direction == TenantSchema.Direction.UPDATE) {
            changes = cs.getChanges();
        } else {
            changes = new ArrayList<>(cs.getRollback().getChanges());
            if (changes.isEmpty() && !cs.getChanges().stream().allMatch(TagDatabaseChange.class::isInstance)) {
                return null;
            }
        }
        List<String> out = new ArrayList<>();
        for (Change change : changes) {
            if (change instanceof TagDatabaseChange) {
                continue; // the tag is the history row's tag column
            }
            if (change.generateStatementsVolatile(dialect)) {
                return null;
            }
            for (SqlStatement statement : change.generateStatements(dialect)) {
                for (Sql sql : SqlGeneratorFactory.getInstance().generateSql(statement, dialect)) {
                    out.add(sql.toSql());
                }
            }
        }
        return List.copyOf(out);
    }

    private void record(Connection c, ChangeSet cs, String deployment) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql(RECORD))) {
            ps.setString(1, cs.getId());
            ps.setString(2, cs.getAuthor());
            ps.setString(3, cs.getStoredFilePath());
            ps.setString(4, checksum(cs));
            ps.setString(5, cs.getDescription());
            ps.setString(6, cs.getComments() == null ? "" : cs.getComments());
            ps.setString(7, tagOf(cs));
            ps.setString(8, LiquibaseUtil.getBuildVersion());
            ps.setString(9, deployment);
            ps.executeUpdate();
        }
    }

    private void forget(Connection c, ChangeSet cs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql(FORGET))) {
            ps.setString(1, cs.getId());
            ps.setString(2, cs.getAuthor());
            ps.setString(3, cs.getStoredFilePath());
            if (ps.executeUpdate() != 1) {
                throw new SQLException("the history of " + key(cs) + " changed during the rollback");
            }
        }
    }

    private String checksum(ChangeSet cs) {
        return checksums.computeIfAbsent(cs, s -> s.generateCheckSum(ChecksumVersion.latest()).toString());
    }

    static String key(ChangeSet cs) {
        return cs.getId() + "::" + cs.getAuthor() + "::" + cs.getStoredFilePath();
    }

    private static String tagOf(ChangeSet cs) {
        for (Change change : cs.getChanges()) {
            if (change instanceof TagDatabaseChange t) {
                return t.getTag();
            }
        }
        return null;
    }

    /** A release that failed and was rolled back; the database is at {@link #from} or a later release. */
    static final class ReleaseFailure extends SQLException {
        final transient String from;

        ReleaseFailure(String from, Exception cause) {
            super(cause.getMessage(), cause);
            this.from = from;
        }
    }
}
