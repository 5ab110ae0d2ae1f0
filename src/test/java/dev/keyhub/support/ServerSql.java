package dev.keyhub.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import dev.keyhub.embedded.EmbeddedPostgres;

/** Plain SQL on a server the test started, and waiting for a state it reaches: for tests of a separate process. */
public final class ServerSql {

    private final EmbeddedPostgres server;

    public ServerSql(EmbeddedPostgres server) {
        this.server = server;
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(database), "postgres", "postgres");
    }

    public void execute(String database, String sql) throws SQLException {
        try (Connection c = connect(database); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** The first column of the first row, or null for no row. */
    public String single(String database, String sql) {
        try (Connection c = connect(database); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until {@code read} gives a value (at most a minute: a state that is never reached is a failure). */
    public static String awaitValue(Supplier<String> read) throws InterruptedException {
        Instant limit = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(limit)) {
            String v = read.get();
            if (v != null) {
                return v;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no value within 60 s");
    }

    /** Waits until {@code state} holds (at most a minute: a state that is never reached is a failure). */
    public static void await(BooleanSupplier state, String what) throws InterruptedException {
        Instant limit = Instant.now().plusSeconds(60);
        while (!state.getAsBoolean()) {
            if (Instant.now().isAfter(limit)) {
                throw new AssertionError("not reached within 60 s: " + what);
            }
            Thread.sleep(10);
        }
    }
}
