package dev.keyhub.schema;

import java.io.File;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.keyhub.catalog.Changelog;
import dev.keyhub.common.ProblemException;
import dev.keyhub.servers.ServerAddress;

import liquibase.resource.ClassLoaderResourceAccessor;
import liquibase.resource.DirectoryResourceAccessor;
import liquibase.resource.ResourceAccessor;

/**
 * The schema of the tenant databases: KeyHub's changelog ({@code keyhub.schema.changelog}) and, when there is
 * one, the product's ({@code keyhub.schema.product-changelog}, from the class path or from
 * {@code keyhub.schema.product-directory}), each a {@link TenantChangelog} with its own releases and history.
 * KeyHub's is applied first: the product's tables may refer to KeyHub's, never the other way round.
 */
@ApplicationScoped
public class TenantSchema {

    private static final Logger LOG = Logger.getLogger(TenantSchema.class);

    /** SQL that reads KeyHub's schema version (newest tag) of a tenant database, as column {@code tag}. */
    public static final String VERSION_SQL = HistoryTables.KEYHUB.versionSql();

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

    /** The versions a database was at before and after a migration. */
    public record Outcome(String from, String to) {
    }

    private final TenantChangelog keyhub;
    private final Optional<TenantChangelog> product;

    public TenantSchema(SchemaConfig config) {
        ClassLoaderResourceAccessor classpath = new ClassLoaderResourceAccessor(TenantSchema.class.getClassLoader());
        this.keyhub = new TenantChangelog(Changelog.KEYHUB, config.changelog(), classpath);
        this.product = product(config, classpath);
    }

    private static Optional<TenantChangelog> product(SchemaConfig config, ClassLoaderResourceAccessor classpath) {
        String location = config.productChangelog();
        if (config.productDirectory().isPresent()) {
            File directory = config.productDirectory().get().toFile();
            if (!new File(directory, location).isFile()) {
                throw new IllegalStateException("keyhub.schema.product-directory " + directory + " has no " + location);
            }
            try {
                LOG.infof("Product changelog: %s in %s", location, directory);
                return Optional.of(new TenantChangelog(Changelog.PRODUCT, location, new DirectoryResourceAccessor(directory)));
            } catch (java.io.FileNotFoundException e) {
                throw new IllegalStateException("keyhub.schema.product-directory " + directory + " cannot be read", e);
            }
        }
        if (TenantSchema.class.getClassLoader().getResource(location) == null) {
            return Optional.empty();
        }
        return Optional.of(new TenantChangelog(Changelog.PRODUCT, location, classpath));
    }

    /** KeyHub's own changelog. */
    public TenantChangelog keyhub() {
        return keyhub;
    }

    /** The product's changelog, if this deployment has one. */
    public Optional<TenantChangelog> product() {
        return product;
    }

    /** The changelogs of this deployment, KeyHub's first: the order in which a new database gets them. */
    public List<TenantChangelog> all() {
        List<TenantChangelog> all = new ArrayList<>();
        all.add(keyhub);
        product.ifPresent(all::add);
        return all;
    }

    /** One of the changelogs; 400 {@code no_product_changelog} for the product's when there is none. */
    public TenantChangelog changelog(Changelog kind) {
        if (kind == Changelog.KEYHUB) {
            return keyhub;
        }
        return product.orElseThrow(() -> ProblemException.badRequest("no_product_changelog",
                "This deployment has no product changelog (keyhub.schema.product-changelog)."));
    }

    /**
     * The database's shape: its tables' columns, its indexes and its constraints, one line each, without
     * Liquibase's own tables; two databases at the same schema give the same set.
     */
    public Set<String> shape(ServerAddress server, String database) {
        Set<String> shape = new TreeSet<>();
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

    /** KeyHub's version of the database on {@code c}: the newest tag of its history, or null. */
    public static String version(Connection c) throws SQLException {
        return HistoryTables.KEYHUB.version(c);
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
