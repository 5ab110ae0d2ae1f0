package dev.keyhub.embedded;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.jboss.logging.Logger;

/**
 * A real PostgreSQL server started from the binaries that zonky publishes on Maven Central, for dev mode and
 * tests. It listens on a free loopback port only; when the JVM runs as root the server runs as an
 * unprivileged user, because PostgreSQL refuses to run as root.
 */
public class EmbeddedPostgres {

    private static final Logger LOG = Logger.getLogger(EmbeddedPostgres.class);
    static final String USER = "postgres";
    static final String PASSWORD = "postgres";
    private static final int NOBODY = 65534;
    /** Tests open many pools at once; a stock server allows 100. */
    protected static final int DEFAULT_MAX_CONNECTIONS = 200;

    private final Path baseDir;
    private final Path binDir;
    private final Path dataDir;
    private final boolean asRoot;
    private final int maxConnections;
    private int port;
    private boolean stopHook;

    /**
     * A server whose files live below {@code baseDir} (or a reachable stand-in, see {@link #reachableBase}) in
     * the data directory {@code data-<name>}, listening on {@code port} once started.
     */
    protected EmbeddedPostgres(Path baseDir, String name, int maxConnections, int port) {
        this.baseDir = reachableBase(baseDir.toAbsolutePath());
        this.binDir = this.baseDir.resolve("bin");
        this.dataDir = this.baseDir.resolve("data-" + name);
        this.maxConnections = maxConnections;
        this.port = port;
        this.asRoot = isRoot();
    }

    /**
     * Starts a server whose files live below {@code baseDir}; with {@code fresh} any earlier data there is
     * wiped first, otherwise an existing data directory is reused.
     */
    public static EmbeddedPostgres start(Path baseDir, String name, boolean fresh) {
        return start(baseDir, name, fresh, DEFAULT_MAX_CONNECTIONS);
    }

    /** As {@link #start(Path, String, boolean)}, with the server's {@code max_connections} set. */
    public static EmbeddedPostgres start(Path baseDir, String name, boolean fresh, int maxConnections) {
        EmbeddedPostgres pg = new EmbeddedPostgres(baseDir, name, maxConnections, 0);
        pg.begin(fresh);
        return pg;
    }

    /** Starts this server: for subclasses that configure it ({@link #settings}, {@link #prepare}). */
    protected final void begin(boolean fresh) {
        try {
            startServer(fresh);
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL could not start", e);
        }
    }

    /** Server settings ({@code name=value}) besides the port and the connection limit. */
    protected List<String> settings() {
        return List.of();
    }

    /** Called with the data directory after it was initialised and before the server starts: to add files to it. */
    protected void prepare(Path data) throws IOException {
    }

    /** Makes a file in the data directory the server's alone (mode 600, owned by the user the server runs as). */
    protected final void serverOnly(Path file) throws IOException {
        if (!isWindows()) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
        handOver(file, false);
    }

    public int port() {
        return port;
    }

    /** Whether the server is running (its postmaster.pid exists). */
    protected boolean running() {
        return Files.exists(dataDir.resolve("postmaster.pid"));
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** Creates the database if it does not exist yet. */
    public void createDatabase(String database) {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), USER, PASSWORD);
                var check = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            check.setString(1, database);
            if (!check.executeQuery().next()) {
                try (var st = c.createStatement()) {
                    st.execute("CREATE DATABASE \"" + database.replace("\"", "") + "\"");
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not create database " + database, e);
        }
    }

    public void stop() {
        if (running()) {
            run(List.of(bin("pg_ctl"), "-D", dataDir.toString(), "-m", "fast", "-w", "stop"), false);
        }
    }

    /** Stops the server and deletes its data directory: for throw-away servers such as a benchmark's. */
    public void discard() {
        stop();
        try {
            deleteTree(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dataDir, e);
        }
    }

    private void startServer(boolean fresh) throws IOException {
        extractBinaries();
        if (running()) {
            // A server left running by a JVM that was killed: stop it before touching its files.
            run(List.of(bin("pg_ctl"), "-D", dataDir.toString(), "-m", "immediate", "-w", "stop"), false);
        }
        if (fresh) {
            deleteTree(dataDir);
        }
        if (!Files.exists(dataDir.resolve("PG_VERSION"))) {
            initDb();
        }
        prepare(dataDir);
        port = freePort();
        Files.deleteIfExists(log());
        handOver(baseDir, false);
        launch();
    }

    private Path log() {
        return baseDir.resolve("postgres-" + dataDir.getFileName() + ".log");
    }

    /** Starts the server on its port with its existing data directory. */
    protected void launch() {
        run(List.of(bin("pg_ctl"), "-D", dataDir.toString(), "-l", log().toString(), "-w", "-t", "60",
                "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
                        + " -c max_connections=" + maxConnections
                        + settings().stream().map(setting -> " -c " + setting).collect(Collectors.joining()),
                "start"), true);
        synchronized (this) {
            if (!stopHook) {
                Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "embedded-postgres-stop"));
                stopHook = true;
            }
        }
        LOG.infof("Embedded PostgreSQL listening on 127.0.0.1:%d (data in %s)", port, dataDir);
    }

    private void initDb() throws IOException {
        Files.createDirectories(dataDir);
        Path pw = baseDir.resolve("pwfile");
        Files.writeString(pw, PASSWORD + "\n");
        handOver(dataDir, true);
        handOver(pw, false);
        run(List.of(bin("initdb"), "-D", dataDir.toString(), "-U", USER, "--pwfile=" + pw,
                "--auth=scram-sha-256", "-E", "UTF8", "--locale=C"), true);
        Files.deleteIfExists(pw);
    }

    private void extractBinaries() throws IOException {
        Path marker = binDir.resolve(".extracted");
        if (Files.exists(marker)) {
            return;
        }
        deleteTree(binDir);
        Files.createDirectories(binDir);
        String resource = archiveName();
        InputStream raw = EmbeddedPostgres.class.getClassLoader().getResourceAsStream(resource);
        if (raw == null) {
            throw new IOException("no PostgreSQL binaries for this platform on the classpath (" + resource
                    + "); configure a datasource instead");
        }
        try (var tar = new TarArchiveInputStream(new XZCompressorInputStream(new BufferedInputStream(raw)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path target = binDir.resolve(entry.getName()).normalize();
                if (!target.startsWith(binDir)) {
                    throw new IOException("archive entry outside target: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(target.getParent());
                    Files.deleteIfExists(target);
                    Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target);
                    boolean exec = (entry.getMode() & 0100) != 0;
                    if (!isWindows()) {
                        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(exec ? "rwxr-xr-x" : "rw-r--r--"));
                    }
                }
            }
        }
        Files.writeString(marker, resource);
        handOver(binDir, false);
    }

    private static String archiveName() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String system = os.contains("mac") ? "darwin" : os.contains("win") ? "windows" : "linux";
        String cpu = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "arm_64";
            default -> arch;
        };
        return "postgres-" + system + "-" + cpu + ".txz";
    }

    private String bin(String tool) {
        return binDir.resolve("bin").resolve(isWindows() ? tool + ".exe" : tool).toString();
    }

    private void run(List<String> command, boolean mustSucceed) {
        List<String> full = new ArrayList<>();
        if (asRoot) {
            full.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
        }
        full.addAll(command);
        try {
            Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            if (mustSucceed && p.exitValue() != 0) {
                throw new IllegalStateException("embedded PostgreSQL command failed: " + command.get(0) + "\n" + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** When running as root, gives a path to the unprivileged user the server runs as. */
    private void handOver(Path path, boolean recursive) throws IOException {
        if (!asRoot) {
            return;
        }
        if (recursive) {
            try (var walk = Files.walk(path)) {
                for (Path p : (Iterable<Path>) walk::iterator) {
                    chown(p);
                }
            }
        } else {
            chown(path);
        }
    }

    private static void chown(Path p) throws IOException {
        Files.setAttribute(p, "unix:uid", NOBODY, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", NOBODY, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * As root, the unprivileged server user must be able to reach the data directory. A checkout below a
     * private directory (mode 700, as {@code mktemp -d} makes) is out of its reach; then the files go below
     * the system temporary directory instead.
     */
    private static Path reachableBase(Path wanted) {
        if (!isRoot() || traversableByOthers(wanted.getParent())) {
            return wanted;
        }
        Path fallback = Path.of(System.getProperty("java.io.tmpdir"),
                "keyhub-postgres-" + Integer.toHexString(wanted.toString().hashCode()));
        LOG.infof("%s is not reachable by an unprivileged user; embedded PostgreSQL files go to %s", wanted, fallback);
        return fallback;
    }

    private static boolean traversableByOthers(Path dir) {
        try {
            for (Path p = dir; p != null; p = p.getParent()) {
                if (Files.exists(p)) {
                    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
                    if (!perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                        return false;
                    }
                }
            }
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    static boolean isRoot() {
        if (isWindows()) {
            return false;
        }
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return Integer.valueOf(0).equals(uid);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static boolean isWindows() {
        return System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("win");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
