package dev.keyhub.schema;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.keyhub.servers.ServerAddress;

import liquibase.Contexts;
import liquibase.LabelExpression;
import liquibase.Liquibase;
import liquibase.change.Change;
import liquibase.change.core.TagDatabaseChange;
import liquibase.changelog.ChangeLogParameters;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.DatabaseChangeLog;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.exception.LiquibaseException;
import liquibase.parser.ChangeLogParserFactory;
import liquibase.resource.ClassLoaderResourceAccessor;

/**
 * The tenant changelog ({@code keyhub.schema.changelog}) applied with Liquibase to one database at a time:
 * forward to a tag, back to a tag, or as a dry run whose changes are rolled back. Liquibase runs each
 * changeset in a transaction of its own, so a database is always at one known changeset. Blocking: call it
 * on a worker thread, never on an event loop.
 */
@ApplicationScoped
public class TenantSchema {

    /** SQL that reads the schema version (newest tag) of a tenant database, as column {@code tag}. */
    public static final String VERSION_SQL =
            "SELECT tag FROM databasechangelog WHERE tag IS NOT NULL ORDER BY orderexecuted DESC LIMIT 1";

    /** Which way a migration moves a database; stored lower-case in {@code migration_jobs.direction}. */
    public enum Direction {
        UPDATE, ROLLBACK;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Direction fromWire(String value) {
            return valueOf(value.toUpperCase(java.util.Locale.ROOT));
        }
    }

    private final String changelog;
    private List<String> tags;
    private final ThreadLocal<DatabaseChangeLog> parsed = ThreadLocal.withInitial(this::parse);
    private final ThreadLocal<DirectChangesets> direct = ThreadLocal.withInitial(() -> new DirectChangesets(parsed()));

    public TenantSchema(SchemaConfig config) {
        this.changelog = config.changelog();
    }

    /** The release tags of the changelog, oldest first (read once: the changelog ships with the code). */
    public synchronized List<String> tags() {
        if (tags == null) {
            tags = List.copyOf(readTags());
        }
        return tags;
    }

    /**
     * The parsed changelog, read once per thread: parsing it is most of Liquibase's cost per database, and a
     * parsed changelog carries state of the run that uses it, so threads do not share one.
     */
    private DatabaseChangeLog parsed() {
        return parsed.get();
    }

    private DatabaseChangeLog parse() {
        try {
            var resources = resources();
            return ChangeLogParserFactory.getInstance().getParser(changelog, resources)
                    .parse(changelog, new ChangeLogParameters(), resources);
        } catch (LiquibaseException e) {
            throw new IllegalStateException("could not read the tenant changelog " + changelog, e);
        }
    }

    private List<String> readTags() {
        try {
            var log = parsed();
            List<String> tags = new ArrayList<>();
            for (ChangeSet cs : log.getChangeSets()) {
                for (Change change : cs.getChanges()) {
                    if (change instanceof TagDatabaseChange tag) {
                        tags.add(tag.getTag());
                    }
                }
            }
            return tags;
        } catch (RuntimeException e) {
            throw new IllegalStateException("could not read the tenant changelog " + changelog, e);
        }
    }

    /** The newest release tag. */
    public String latest() {
        List<String> tags = tags();
        return tags.get(tags.size() - 1);
    }

    /** Moves the database forward or back to {@code tag} and returns the version it ends at. */
    public String migrate(ServerAddress server, String database, Direction direction, String tag) {
        return apply(server, database, direction, tag).to();
    }

    /** The versions a database was at before and after a migration. */
    public record Outcome(String from, String to) {
    }

    /**
     * Moves the database forward or back to {@code tag} over one connection. Plain changesets are applied
     * directly, a release per transaction ({@link DirectChangesets}); anything else goes through Liquibase.
     *
     * @throws MigrationFailure naming the database error, with the versions before and after when readable
     */
    public Outcome apply(ServerAddress server, String database, Direction direction, String tag) {
        String from = null;
        try (Connection c = server.connect(database)) {
            try {
                Outcome direct = this.direct.get().run(c, direction, tag, true);
                if (direct != null) {
                    return direct;
                }
                from = version(c);
                releaseLeftoverLock(c);
                run(c, direction, tag);
                return new Outcome(from, version(c));
            } catch (SQLException | LiquibaseException | RuntimeException e) {
                Throwable cause = e;
                if (e instanceof DirectChangesets.ReleaseFailure failure) {
                    from = failure.from;
                    cause = failure.getCause();
                }
                String reached = null;
                try {
                    if (!c.getAutoCommit()) {
                        c.rollback();
                        c.setAutoCommit(true);
                    }
                    reached = version(c);
                } catch (SQLException unreadable) {
                    // the connection is gone; the caller reads the version again later
                }
                throw new MigrationFailure(database, cause, from, reached);
            }
        } catch (SQLException e) {
            throw new MigrationFailure(database, e, from, null);
        }
    }

    /**
     * Runs what {@link #migrate} would run inside one transaction that is then rolled back (PostgreSQL DDL is
     * transactional), so a changeset that would fail on this database's data fails here, and nothing changes.
     */
    public void dryRun(ServerAddress server, String database, Direction direction, String tag) {
        try (Connection real = server.connect(database)) {
            real.setAutoCommit(false);
            try {
                if (direct.get().run(real, direction, tag, false) == null) {
                    releaseLeftoverLock(real);
                    run(uncommitted(real), direction, tag);
                }
            } finally {
                real.rollback();
            }
        } catch (SQLException | LiquibaseException e) {
            throw new MigrationFailure(database, e);
        }
    }

    /** Ids of the changesets of the changelog not yet applied to the database (author::id). */
    public List<String> pending(ServerAddress server, String database) {
        try (Connection c = server.connect(database)) {
            Database db = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
            Liquibase liquibase = new Liquibase(parsed(), resources(), db);
            List<String> ids = new ArrayList<>();
            for (ChangeSet cs : liquibase.listUnrunChangeSets(new Contexts(), new LabelExpression())) {
                ids.add(cs.getAuthor() + "::" + cs.getId());
            }
            return ids;
        } catch (SQLException | LiquibaseException e) {
            throw new MigrationFailure(database, e);
        }
    }

    /**
     * The database's shape: its tables' columns, its indexes and its constraints, one line each, without
     * Liquibase's own tables; two databases at the same schema give the same set.
     */
    public java.util.Set<String> shape(ServerAddress server, String database) {
        java.util.Set<String> shape = new java.util.TreeSet<>();
        try (Connection c = server.connect(database); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("""
                    SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' '
                           || CASE WHEN is_nullable = 'YES' THEN 'null' ELSE 'not null' END
                           || coalesce(' default ' || column_default, '') AS line
                    FROM information_schema.columns
                    WHERE table_schema = 'public' AND table_name NOT LIKE 'databasechangelog%'
                    UNION ALL
                    SELECT 'index ' || indexdef FROM pg_indexes
                    WHERE schemaname = 'public' AND tablename NOT LIKE 'databasechangelog%'
                    UNION ALL
                    SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
                    FROM pg_constraint WHERE connamespace = 'public'::regnamespace
                      AND conrelid::regclass::text NOT LIKE 'databasechangelog%'""")) {
                while (rs.next()) {
                    shape.add(rs.getString("line"));
                }
            }
            return shape;
        } catch (SQLException e) {
            throw new MigrationFailure(database, e);
        }
    }

    /** The version a database is at now. */
    public String version(ServerAddress server, String database) {
        try (Connection c = server.connect(database)) {
            return version(c);
        } catch (SQLException e) {
            throw new MigrationFailure(database, e);
        }
    }

    private void run(Connection c, Direction direction, String tag) throws LiquibaseException, SQLException {
        Database db = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
        Liquibase liquibase = new Liquibase(parsed(), resources(), db);
        if (direction == Direction.UPDATE) {
            liquibase.update(tag, new Contexts(), new LabelExpression());
        } else {
            // Liquibase's rollback-to-tag also undoes the tagDatabase changeset that carries the tag, which would
            // leave the database below the release; so roll back exactly the changesets recorded after it.
            int after = changesetsAfter(c, tag);
            if (after > 0) {
                liquibase.rollback(after, new Contexts(), new LabelExpression());
            }
        }
        // Not closed: closing Liquibase closes the connection, which the caller owns.
    }

    /**
     * Clears a Liquibase lock that a crash left behind, which would make Liquibase wait for minutes and fail.
     * Safe because a tenant database or template is only migrated by a migration job's task or by the job
     * itself, one at a time, so at the start of a run no one else can hold the lock.
     */
    private static void releaseLeftoverLock(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT to_regclass('databasechangeloglock') IS NOT NULL AS present")) {
            rs.next();
            if (rs.getBoolean("present")) {
                st.executeUpdate("UPDATE databasechangeloglock SET locked = false, lockgranted = NULL, lockedby = NULL"
                        + " WHERE locked");
            }
        }
    }

    private static int changesetsAfter(Connection c, String tag) throws SQLException {
        try (var ps = c.prepareStatement("""
                SELECT count(*) AS n FROM databasechangelog WHERE orderexecuted >
                    (SELECT max(orderexecuted) FROM databasechangelog WHERE tag = ?)""")) {
            ps.setString(1, tag);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                int count = rs.getInt("n");
                try (var exists = c.prepareStatement("SELECT 1 FROM databasechangelog WHERE tag = ?")) {
                    exists.setString(1, tag);
                    if (!exists.executeQuery().next()) {
                        throw new SQLException("this database was never at release " + tag + ", so it cannot go back to it");
                    }
                }
                return count;
            }
        }
    }

    private static ClassLoaderResourceAccessor resources() {
        return new ClassLoaderResourceAccessor(TenantSchema.class.getClassLoader());
    }

    /** A view of a connection on which commit and auto-commit do nothing, so that everything stays in one transaction. */
    private static Connection uncommitted(Connection real) {
        return (Connection) Proxy.newProxyInstance(TenantSchema.class.getClassLoader(), new Class<?>[] { Connection.class },
                (proxy, method, args) -> switch (method.getName()) {
                    case "commit", "close" -> null;
                    case "setAutoCommit" -> null;
                    case "getAutoCommit" -> false;
                    default -> {
                        try {
                            yield method.invoke(real, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                    }
                });
    }

    /** The newest tag in a database's Liquibase history, or null if it has none (or no history table). */
    public static String version(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT to_regclass('databasechangelog') IS NOT NULL AS present")) {
                rs.next();
                if (!rs.getBoolean("present")) {
                    return null;
                }
            }
            try (ResultSet rs = st.executeQuery(VERSION_SQL)) {
                return rs.next() ? rs.getString("tag") : null;
            }
        }
    }

    /** A migration that failed on one database; the message names the changeset and the database error. */
    public static class MigrationFailure extends RuntimeException {
        private final transient String from;
        private final transient String reached;

        public MigrationFailure(String database, Throwable cause) {
            this(database, cause, null, null);
        }

        public MigrationFailure(String database, Throwable cause, String from, String reached) {
            super(summary(cause), cause);
            this.from = from;
            this.reached = reached;
        }

        /** The version before the migration, or null if it could not be read. */
        public String from() {
            return from;
        }

        /** The version the database was left at, or null if it could not be read. */
        public String reached() {
            return reached;
        }

        private static String summary(Throwable e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
            return message.length() > 500 ? message.substring(0, 500) : message;
        }
    }
}
