package dev.keyhub.provisioning;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.postgresql.copy.CopyOut;
import org.postgresql.core.BaseConnection;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import dev.keyhub.catalog.Changelog;
import dev.keyhub.catalog.DbServer;
import dev.keyhub.catalog.SchemaVersions;
import dev.keyhub.catalog.ServerStore;
import dev.keyhub.catalog.TenantRepository;
import dev.keyhub.catalog.TenantRepository.MoveSource;
import dev.keyhub.catalog.TenantStatus;
import dev.keyhub.common.ProblemException;
import dev.keyhub.pools.TenantPools;
import dev.keyhub.schema.TenantChangelog;
import dev.keyhub.schema.TenantSchema;
import dev.keyhub.schema.TenantSchema.Direction;
import dev.keyhub.servers.DatabaseAdmin;
import dev.keyhub.servers.DbServers;
import dev.keyhub.servers.ServerAddress;
import dev.keyhub.servers.TenantRoles;
import dev.keyhub.tenancy.MemberIndex;
import dev.keyhub.tenancy.MembershipInvalidation;
import dev.keyhub.tenancy.TenantDirectory;

/**
 * Archives of one tenant's database, and restores from them. Blocking: runs on a worker thread.
 *
 * <p>An archive is a ZIP file in {@code keyhub.backups.location}/{tenant id}/. It holds a {@code manifest.json} and
 * one {@code COPY … (FORMAT binary)} stream per table. The manifest names the tenant, the schema versions of its
 * database (KeyHub's changelog and the product's), and for every table its row count, a checksum of its rows and
 * the SHA-256 of its stream. Everything is read in one repeatable-read transaction, so the archive is one moment of
 * the database. It is written under a temporary name and renamed when complete, so a half-written archive is never
 * listed.
 *
 * <p>A restore over the tenant checks the whole archive first: a damaged file, a stream whose SHA-256 differs, or an
 * archive of another tenant is refused with nothing changed. It then builds a new database beside the tenant's own,
 * from the server's template. If the archive is from an older release, the new database is rolled back to that
 * release, the rows are loaded, and it is brought up to the current release again. Meanwhile the tenant serves
 * reads and refuses writes ({@code RESTORE} freeze). The loaded tables must match the manifest's row counts and
 * checksums. Then one transaction renames the tenant's database away and the new one into its place, and the old
 * one is dropped. Anything that fails before the swap drops the new database, and the tenant is as it was. A
 * replica that dies meanwhile leaves {@code restoring_into} in the catalog, with a heartbeat that stops; the
 * recovery sweep then drops what is left on either side of the swap and lifts the freeze ({@link #recover}).
 */
@ApplicationScoped
public class TenantBackups {

    private static final Logger LOG = Logger.getLogger(TenantBackups.class);
    public static final int FORMAT = 1;
    private static final String MANIFEST = "manifest.json";
    private static final Pattern NAME = Pattern.compile("\\d{8}T\\d{6}Z-[0-9a-f]{8}\\.zip");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    /** Rows of a table, order-independent: the same rows give the same checksum whatever their physical order. */
    private static final String CHECKSUM = "SELECT count(*) AS n, md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) AS sum FROM ";
    public static final String RESTORE_PREFIX = "kh_r_";
    public static final String REPLACED_PREFIX = "kh_o_";

    private final MemberIndex index;
    private final ObjectMapper json = new ObjectMapper().findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final DataSource catalog;
    private final DbServers servers;
    private final TenantSchema schema;
    private final TenantDirectory directory;
    private final TenantPools pools;
    private final BackupsConfig config;
    private final MembershipInvalidation memberships;

    public TenantBackups(DataSource catalog, DbServers servers, TenantSchema schema, TenantDirectory directory,
            TenantPools pools, BackupsConfig config, MembershipInvalidation memberships, MemberIndex index) {
        this.memberships = memberships;
        this.index = index;
        this.catalog = catalog;
        this.servers = servers;
        this.schema = schema;
        this.directory = directory;
        this.pools = pools;
        this.config = config;
    }

    /** One table of an archive. */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "BackupTable")
    public record Table(String name, long rows, String checksum, String sha256) {
    }

    /** An archive's manifest, and its file name. */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "BackupManifest")
    public record Manifest(int format, String name, UUID tenantId, String slug, String databaseName, String keyhubVersion,
            String productVersion, OffsetDateTime createdAt, long rows, List<Table> tables) {

        /** The same, under the name of the file it was read from (the name restores refer to). */
        Manifest named(String file) {
            return new Manifest(format, file, tenantId, slug, databaseName, keyhubVersion, productVersion, createdAt, rows, tables);
        }
    }

    // --- Export -------------------------------------------------------------------------------------------

    /** Writes an archive of the tenant's database now; 409 unless the tenant is active or suspended. */
    public Manifest export(UUID tenant) throws SQLException, IOException {
        MoveSource source = source(tenant);
        ServerAddress server = servers.addressOf(server(source.dbServerId()));
        Path dir = directoryOf(tenant);
        Files.createDirectories(dir);
        Instant now = Instant.now();
        String name = STAMP.format(now) + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Path partial = dir.resolve(name + ".partial");
        try (Connection c = server.connect(source.databaseName())) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            }
            SchemaVersions versions = versions(c);
            CopyManager copy = new CopyManager(c.unwrap(BaseConnection.class));
            List<Table> tables = new ArrayList<>();
            long total = 0;
            Manifest manifest;
            try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(partial))) {
                for (String table : TenantMover.tables(c)) {
                    zip.putNextEntry(new ZipEntry(entry(table)));
                    MessageDigest sha = sha256();
                    OutputStream out = new DigestOutputStream(zip, sha);
                    CopyOut reader = copy.copyOut("COPY (SELECT * FROM " + DatabaseAdmin.quoteIdentifier(table)
                            + ") TO STDOUT (FORMAT binary)");
                    byte[] chunk;
                    while ((chunk = reader.readFromCopy()) != null) {
                        out.write(chunk);
                    }
                    zip.closeEntry();
                    Table counted = checksum(c, table, HexFormat.of().formatHex(sha.digest()));
                    tables.add(counted);
                    total += counted.rows();
                }
                manifest = new Manifest(FORMAT, name + ".zip", tenant, source.slug(), source.databaseName(),
                        versions.keyhub(), versions.product(), now.atOffset(ZoneOffset.UTC), total, tables);
                zip.putNextEntry(new ZipEntry(MANIFEST));
                zip.write(json.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
                zip.closeEntry();
            }
            c.commit();
            // Renamed only once closed, so that the archive is complete, central directory and all, when it is listed.
            Files.move(partial, dir.resolve(name + ".zip"), StandardCopyOption.ATOMIC_MOVE);
            LOG.infof("Archived tenant %s: %d rows in %d tables, %s", tenant, total, tables.size(), manifest.name());
            return manifest;
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** The tenant's archives, newest first; a file that cannot be read is left out (and logged). */
    public List<Manifest> list(UUID tenant) throws IOException {
        Path dir = directoryOf(tenant);
        List<Manifest> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return found;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.zip")) {
            for (Path file : files) {
                try (ZipFile zip = new ZipFile(file.toFile())) {
                    found.add(manifest(zip).named(file.getFileName().toString()));
                } catch (IOException | RuntimeException e) {
                    LOG.warnf("The archive %s cannot be read: %s", file, e.getMessage());
                }
            }
        }
        found.sort(Comparator.comparing(Manifest::createdAt).reversed());
        return found;
    }

    // --- Restore over the tenant --------------------------------------------------------------------------

    /** Restores the tenant from one of its archives (by file name); returns the archive's manifest. */
    public Manifest restore(UUID tenant, String archive) throws SQLException, IOException {
        return restore(tenant, tenant, archive);
    }

    /**
     * Restores {@code tenant} from an archive of {@code owner} (the same tenant, or the tenant a new one was just
     * cloned from to take the archive's data). A new tenant gets no sessions and no usable join codes from the archive,
     * as a clone gets none from its source: they belong to the tenant the archive was taken of.
     */
    public Manifest restore(UUID tenant, UUID owner, String archive) throws SQLException, IOException {
        Path file = archiveFile(owner, archive);
        MoveSource source = source(tenant);
        try (ZipFile zip = open(file)) {
            Manifest manifest = checked(zip, owner, archive);
            DbServer serverRow = server(source.dbServerId());
            ServerAddress server = servers.addressOf(serverRow);
            List<Step> steps = releases(manifest, new SchemaVersions(serverRow.templateVersion, serverRow.templateProductVersion));
            String suffix = source.databaseName().substring(source.databaseName().indexOf('_', 3) + 1) + "_"
                    + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
            String into = RESTORE_PREFIX + suffix;
            String replaced = REPLACED_PREFIX + suffix;
            begin(tenant, into, source.slug());
            SchemaVersions after = null;
            try {
                execute(server, server.maintenanceDb(), "CREATE DATABASE " + DatabaseAdmin.quoteIdentifier(into) + " TEMPLATE "
                        + DatabaseAdmin.quoteIdentifier(serverRow.templateDatabase));
                execute(server, server.maintenanceDb(), TenantRoles.ownSql(into, source.databaseName()));
                for (Step step : steps) {
                    step.changelog().migrate(server, into, Direction.ROLLBACK, step.archived());
                }
                load(server, into, zip, manifest, tenant);
                if (!tenant.equals(owner)) {
                    execute(server, into, "DELETE FROM sessions; UPDATE join_codes SET revoked_at = coalesce(revoked_at, now())");
                }
                for (Step step : reversed(steps)) {
                    step.changelog().migrate(server, into, Direction.UPDATE, step.current());
                }
                try (Connection c = server.connect(into)) {
                    after = versions(c);
                }
                swap(server, source, into, replaced);
                pools.evict(tenant).await().indefinitely();
                memberships.committed(tenant).await().indefinitely();
            } catch (SQLException | IOException | RuntimeException e) {
                LOG.warnf("Restoring tenant %s from %s failed: %s", tenant, archive, e.getMessage());
                dropQuietly(server, into);
                end(tenant, null, source.slug());
                throw e instanceof ProblemException p ? p
                        : new ProblemException(500, "restore_failed", "Restore failed",
                                "The tenant could not be restored from '" + archive + "'; it is as it was.");
            }
            end(tenant, after, source.slug());
            dropQuietly(server, replaced);
            LOG.infof("Restored tenant %s from %s: %d rows", tenant, archive, manifest.rows());
            return manifest;
        }
    }

    /**
     * Checks an archive of {@code owner} without restoring anything: its name, that it exists, every stream against
     * its SHA-256, and that it is the owner's. Its manifest.
     */
    public Manifest inspect(UUID owner, String archive) throws IOException {
        try (ZipFile zip = open(archiveFile(owner, archive))) {
            return checked(zip, owner, archive);
        }
    }

    private Path archiveFile(UUID owner, String archive) {
        if (archive == null || !NAME.matcher(archive).matches()) {
            throw ProblemException.badRequest("invalid_archive_name",
                    "An archive is named as listed by GET /admin/tenants/{id}/backups, such as 20261201T101500Z-0a1b2c3d.zip.");
        }
        Path file = directoryOf(owner).resolve(archive);
        if (!Files.isRegularFile(file)) {
            throw ProblemException.notFound("archive_not_found", "The tenant has no archive '" + archive + "'.");
        }
        return file;
    }

    private Manifest checked(ZipFile zip, UUID owner, String archive) {
        Manifest manifest = verify(zip).named(archive);
        if (!owner.equals(manifest.tenantId())) {
            throw ProblemException.conflict("archive_other_tenant", "The archive '" + archive + "' is of another tenant ("
                    + manifest.tenantId() + "); a tenant is restored from its own archives only.");
        }
        return manifest;
    }

    /** A changelog whose release in the archive is older than the template's: rolled back, then forward again. */
    private record Step(TenantChangelog changelog, String archived, String current) {
    }

    private List<Step> releases(Manifest manifest, SchemaVersions template) {
        List<Step> steps = new ArrayList<>();
        String[][] pairs = {{manifest.keyhubVersion(), template.keyhub()}, {manifest.productVersion(), template.product()}};
        Changelog[] kinds = {Changelog.KEYHUB, Changelog.PRODUCT};
        for (int i = 0; i < kinds.length; i++) {
            String archived = pairs[i][0];
            String current = pairs[i][1];
            if (archived == null && current == null) {
                continue;
            }
            TenantChangelog changelog = kinds[i] == Changelog.KEYHUB ? schema.keyhub() : schema.product().orElse(null);
            if (changelog == null || archived == null || current == null) {
                throw ProblemException.conflict("archive_incompatible", "The archive's " + kinds[i].wireName()
                        + " schema (" + archived + ") does not fit this installation's (" + current + ").");
            }
            List<String> tags = changelog.tags();
            int from = tags.indexOf(archived);
            int to = tags.indexOf(current);
            if (from < 0 || from > to) {
                throw ProblemException.conflict("archive_newer", "The archive is at " + kinds[i].wireName() + " release "
                        + archived + ", which this installation (at " + current + ") does not have.");
            }
            if (from < to) {
                steps.add(new Step(changelog, archived, current));
            }
        }
        // The product's tables rest on KeyHub's: the product is rolled back first and brought forward last.
        return reversed(steps);
    }

    private static <T> List<T> reversed(List<T> list) {
        List<T> copy = new ArrayList<>(list);
        java.util.Collections.reverse(copy);
        return copy;
    }

    /** Loads every table of the archive into the new database in one transaction, and checks it against the manifest. */
    private void load(ServerAddress server, String database, ZipFile zip, Manifest manifest, UUID tenant)
            throws SQLException, IOException {
        try (Connection c = server.connect(database)) {
            c.setAutoCommit(false);
            StringBuilder all = new StringBuilder();
            for (Table t : manifest.tables()) {
                all.append(all.isEmpty() ? "" : ", ").append(DatabaseAdmin.quoteIdentifier(t.name()));
            }
            if (!all.isEmpty()) {
                try (Statement st = c.createStatement()) {
                    st.execute("TRUNCATE " + all);
                }
            }
            CopyManager copy = new CopyManager(c.unwrap(BaseConnection.class));
            for (Table t : manifest.tables()) {
                CopyIn writer = copy.copyIn("COPY " + DatabaseAdmin.quoteIdentifier(t.name()) + " FROM STDIN (FORMAT binary)");
                try (InputStream in = zip.getInputStream(zip.getEntry(entry(t.name())))) {
                    byte[] buffer = new byte[64 * 1024];
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        writer.writeToCopy(buffer, 0, n);
                    }
                }
                writer.endCopy();
                Table loaded = checksum(c, t.name(), t.sha256());
                if (loaded.rows() != t.rows() || !loaded.checksum().equals(t.checksum())) {
                    throw new ProblemException(422, "archive_mismatch", "Unprocessable content", "Table " + t.name()
                            + " does not match the archive's manifest after loading (" + loaded.rows() + " rows, "
                            + t.rows() + " expected); nothing was restored.");
                }
                try (Connection cat = catalog.getConnection()) {
                    TenantRepository.restoreHeartbeat(cat, tenant);
                }
            }
            resetSequences(c);
            c.commit();
        }
    }

    /** Sets every sequence owned by a column past the largest value loaded into it. */
    private static void resetSequences(Connection c) throws SQLException {
        List<String> statements = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                SELECT s.relname AS seq, t.relname AS tbl, a.attname AS col FROM pg_class s
                JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')
                JOIN pg_class t ON t.oid = d.refobjid
                JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
                WHERE s.relkind = 'S' AND s.relnamespace = 'public'::regnamespace""")) {
            while (rs.next()) {
                statements.add("SELECT setval('" + DatabaseAdmin.quoteIdentifier(rs.getString("seq")) + "', coalesce((SELECT max("
                        + DatabaseAdmin.quoteIdentifier(rs.getString("col")) + ") FROM "
                        + DatabaseAdmin.quoteIdentifier(rs.getString("tbl")) + "), 0) + 1, false)");
            }
        }
        try (Statement st = c.createStatement()) {
            for (String sql : statements) {
                st.execute(sql);
            }
        }
    }

    /**
     * Puts the new database in the tenant's place in one transaction: the tenant's role is shut out and its sessions
     * ended for the moment (reads get 503 and retry), the tenant's database is renamed away and the new one takes its
     * name. The role is let in again afterwards if the tenant is active.
     */
    private void swap(ServerAddress server, MoveSource source, String into, String replaced) throws SQLException {
        String db = DatabaseAdmin.quoteIdentifier(source.databaseName());
        try (Connection c = server.connect(server.maintenanceDb()); Statement st = c.createStatement()) {
            st.execute(TenantRoles.loginSql(source.databaseName(), false));
            try {
                st.execute("ALTER DATABASE " + db + " ALLOW_CONNECTIONS false");
                try (var ps = c.prepareStatement("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        + "WHERE datname = ? AND pid <> pg_backend_pid()")) {
                    ps.setString(1, source.databaseName());
                    ps.execute();
                }
                c.setAutoCommit(false);
                st.execute("ALTER DATABASE " + db + " RENAME TO " + DatabaseAdmin.quoteIdentifier(replaced));
                st.execute("ALTER DATABASE " + DatabaseAdmin.quoteIdentifier(into) + " RENAME TO " + db);
                c.commit();
                c.setAutoCommit(true);
            } finally {
                if (!c.getAutoCommit()) {
                    c.rollback();
                    c.setAutoCommit(true);
                    st.execute("ALTER DATABASE " + db + " ALLOW_CONNECTIONS true");
                }
                st.execute(TenantRoles.loginSql(source.databaseName(), source.status() == TenantStatus.ACTIVE));
            }
        }
    }

    // --- Recovery -----------------------------------------------------------------------------------------

    /**
     * Finishes restores whose replica stopped (no heartbeat for {@code staleSeconds}): drops the half-built new
     * database (before the swap) or the replaced one (after it), records the versions of whichever database the
     * tenant now has, lets its role in as its status says, and lifts the freeze. Returns how many were finished.
     */
    public int recover(long staleSeconds) throws SQLException {
        List<TenantRepository.StaleRestore> stale;
        try (Connection c = catalog.getConnection()) {
            stale = TenantRepository.staleRestores(c, staleSeconds);
        }
        for (TenantRepository.StaleRestore r : stale) {
            ServerAddress server = servers.addressOf(server(r.dbServerId()));
            String suffix = r.restoringInto().substring(RESTORE_PREFIX.length());
            dropQuietly(server, r.restoringInto());
            dropQuietly(server, REPLACED_PREFIX + suffix);
            execute(server, server.maintenanceDb(), "ALTER DATABASE " + DatabaseAdmin.quoteIdentifier(r.databaseName())
                    + " ALLOW_CONNECTIONS true");
            execute(server, server.maintenanceDb(), TenantRoles.loginSql(r.databaseName(), r.status() == TenantStatus.ACTIVE));
            SchemaVersions versions;
            try (Connection c = server.connect(r.databaseName())) {
                versions = versions(c);
            }
            end(r.tenantId(), versions, r.slug());
            LOG.warnf("Finished an interrupted restore of tenant %s (%s)", r.tenantId(), r.restoringInto());
        }
        return stale.size();
    }

    // --- Archives -----------------------------------------------------------------------------------------

    private static String entry(String table) {
        return "data/" + table + ".copy";
    }

    private static ZipFile open(Path file) {
        try {
            return new ZipFile(file.toFile());
        } catch (IOException e) {
            throw corrupt("it is not a readable ZIP file (" + e.getMessage() + ")");
        }
    }

    private Manifest manifest(ZipFile zip) throws IOException {
        ZipEntry entry = zip.getEntry(MANIFEST);
        if (entry == null) {
            throw corrupt("it has no manifest");
        }
        try (InputStream in = zip.getInputStream(entry)) {
            return json.readValue(in, Manifest.class);
        }
    }

    /** Reads the whole archive: its manifest, and every stream against its SHA-256. */
    private Manifest verify(ZipFile zip) {
        Manifest manifest;
        try {
            manifest = manifest(zip);
        } catch (IOException | RuntimeException e) {
            throw e instanceof ProblemException p ? p : corrupt("its manifest cannot be read (" + e.getMessage() + ")");
        }
        if (manifest.format() != FORMAT || manifest.tenantId() == null || manifest.tables() == null) {
            throw corrupt("its manifest is not of format " + FORMAT);
        }
        for (Table t : manifest.tables()) {
            ZipEntry entry = zip.getEntry(entry(t.name()));
            if (entry == null) {
                throw corrupt("the data of table " + t.name() + " is missing");
            }
            MessageDigest sha = sha256();
            try (InputStream in = new DigestInputStream(zip.getInputStream(entry), sha)) {
                in.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                throw corrupt("the data of table " + t.name() + " cannot be read (" + e.getMessage() + ")");
            }
            if (!HexFormat.of().formatHex(sha.digest()).equals(t.sha256())) {
                throw corrupt("the data of table " + t.name() + " does not match its checksum");
            }
        }
        return manifest;
    }

    private static ProblemException corrupt(String why) {
        return ProblemException.badRequest("archive_corrupt", "The archive cannot be restored: " + why + ". Nothing was changed.");
    }

    private static Table checksum(Connection c, String table, String sha256) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(CHECKSUM + DatabaseAdmin.quoteIdentifier(table) + " t")) {
            rs.next();
            return new Table(table, rs.getLong("n"), rs.getString("sum"), sha256);
        }
    }

    private SchemaVersions versions(Connection c) throws SQLException {
        String product = schema.product().isPresent() ? schema.product().get().tables().version(c) : null;
        return new SchemaVersions(schema.keyhub().tables().version(c), product);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path directoryOf(UUID tenant) {
        String location = config.location().orElseThrow(() -> new ProblemException(503, "backups_not_configured",
                "Service unavailable", "No backup location is configured (keyhub.backups.location)."));
        return Path.of(location).resolve(tenant.toString());
    }

    // --- Catalog ------------------------------------------------------------------------------------------

    private MoveSource source(UUID tenant) throws SQLException {
        try (Connection c = catalog.getConnection()) {
            MoveSource found = TenantRepository.moveSource(c, tenant)
                    .orElseThrow(() -> ProblemException.notFound("tenant_not_found", "No tenant " + tenant + "."));
            if (found.status() != TenantStatus.ACTIVE && found.status() != TenantStatus.SUSPENDED) {
                throw ProblemException.conflict("invalid_state",
                        "Only an active or suspended tenant is archived or restored; this one is " + found.status() + ".");
            }
            return found;
        }
    }

    private DbServer server(String id) throws SQLException {
        try (Connection c = catalog.getConnection()) {
            return ServerStore.byId(c, id);
        }
    }

    private void begin(UUID tenant, String into, String slug) throws SQLException {
        try (Connection c = catalog.getConnection()) {
            if (!TenantRepository.beginRestore(c, tenant, into)) {
                throw ProblemException.conflict("tenant_frozen",
                        "The tenant is being moved, migrated or restored; try again later.");
            }
            // The restored database may have other members: the member index is copied again once it is in place
            // (end), or by the recovery sweep if this replica stops first.
            try (var st = c.prepareStatement("INSERT INTO member_index_pending (id, tenant_id) VALUES (gen_random_uuid(), ?)")) {
                st.setObject(1, tenant);
                st.executeUpdate();
            }
        }
        directory.forget(slug, tenant).await().indefinitely();
    }

    private void end(UUID tenant, SchemaVersions versions, String slug) throws SQLException {
        try (Connection c = catalog.getConnection()) {
            TenantRepository.endRestore(c, tenant, versions);
        }
        directory.forget(slug, tenant).await().indefinitely();
        try {
            directory.liveById(tenant).chain(ref -> index.rebuild(ref, null)).await().atMost(Duration.ofMinutes(1));
        } catch (RuntimeException e) {
            LOG.warnf("Tenant %s: the member index will be brought up to date by the recovery sweep (%s)", tenant,
                    e.getMessage());
        }
    }

    private static void dropQuietly(ServerAddress server, String database) {
        try {
            execute(server, server.maintenanceDb(), "DROP DATABASE IF EXISTS " + DatabaseAdmin.quoteIdentifier(database)
                    + " WITH (FORCE)");
        } catch (SQLException e) {
            LOG.warnf(e, "Could not drop %s on %s: %s", database, server, e.getMessage());
        }
    }

    private static void execute(ServerAddress server, String database, String sql) throws SQLException {
        TenantMover.execute(server, database, sql);
    }
}
