package dev.keyhub.schema;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import dev.keyhub.catalog.Changelog;
import dev.keyhub.schema.TenantSchema.Direction;
import dev.keyhub.schema.TenantSchema.MigrationFailure;
import dev.keyhub.schema.TenantSchema.Outcome;
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
import liquibase.resource.ResourceAccessor;

/**
 * One changelog of the tenant databases ({@link Changelog}), applied with Liquibase to one database at a time:
 * forward to a tag, back to a tag, or as a dry run whose changes are rolled back. Each changelog keeps its
 * Liquibase history in tables of its own, so KeyHub's releases and the product's never mix. Liquibase runs each
 * changeset in a transaction of its own, so a database is always at one known changeset. Blocking: call it on
 * a worker thread, never on an event loop.
 */
public final class TenantChangelog {

    private final Changelog kind;
    private final String location;
    private final ResourceAccessor resources;
    private final HistoryTables tables;
    private List<String> tags;
    private final ThreadLocal<DatabaseChangeLog> parsed = ThreadLocal.withInitial(this::parse);
    private final ThreadLocal<DirectChangesets> direct;

    TenantChangelog(Changelog kind, String location, ResourceAccessor resources) {
        this.kind = kind;
        this.location = location;
        this.resources = resources;
        this.tables = HistoryTables.of(kind);
        this.direct = ThreadLocal.withInitial(() -> new DirectChangesets(parsed(), tables));
    }

    public Changelog kind() {
        return kind;
    }

    /** Where the changelog was read from. */
    public String location() {
        return location;
    }

    /** Where this changelog's history is kept in a tenant database. */
    public HistoryTables tables() {
        return tables;
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
            return ChangeLogParserFactory.getInstance().getParser(location, resources)
                    .parse(location, new ChangeLogParameters(), resources);
        } catch (LiquibaseException e) {
            throw new IllegalStateException("could not read the " + kind.wireName() + " changelog " + location, e);
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
            throw new IllegalStateException("could not read the " + kind.wireName() + " changelog " + location, e);
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
                from = tables.version(c);
                tables.releaseLeftoverLock(c);
                run(c, direction, tag);
                return new Outcome(from, tables.version(c));
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
                    reached = tables.version(c);
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
                    tables.releaseLeftoverLock(real);
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
            Liquibase liquibase = new Liquibase(parsed(), resources, database(c));
            List<String> ids = new ArrayList<>();
            for (ChangeSet cs : liquibase.listUnrunChangeSets(new Contexts(), new LabelExpression())) {
                ids.add(cs.getAuthor() + "::" + cs.getId());
            }
            return ids;
        } catch (SQLException | LiquibaseException e) {
            throw new MigrationFailure(database, e);
        }
    }

    /** The version a database is at now. */
    public String version(ServerAddress server, String database) {
        try (Connection c = server.connect(database)) {
            return tables.version(c);
        } catch (SQLException e) {
            throw new MigrationFailure(database, e);
        }
    }

    /** Liquibase's view of the database on {@code c}, with this changelog's history tables. */
    private Database database(Connection c) throws LiquibaseException {
        Database db = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
        db.setDatabaseChangeLogTableName(tables.history());
        db.setDatabaseChangeLogLockTableName(tables.lock());
        return db;
    }

    private void run(Connection c, Direction direction, String tag) throws LiquibaseException, SQLException {
        Liquibase liquibase = new Liquibase(parsed(), resources, database(c));
        if (direction == Direction.UPDATE) {
            liquibase.update(tag, new Contexts(), new LabelExpression());
        } else {
            // Liquibase's rollback-to-tag also undoes the tagDatabase changeset that carries the tag, which would
            // leave the database below the release; so roll back exactly the changesets recorded after it.
            int after = tables.changesetsAfter(c, tag);
            if (after > 0) {
                liquibase.rollback(after, new Contexts(), new LabelExpression());
            }
        }
        // Not closed: closing Liquibase closes the connection, which the caller owns.
    }

    /** A view of a connection on which commit and auto-commit do nothing, so that everything stays in one transaction. */
    private static Connection uncommitted(Connection real) {
        return (Connection) Proxy.newProxyInstance(TenantChangelog.class.getClassLoader(), new Class<?>[] { Connection.class },
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
}
