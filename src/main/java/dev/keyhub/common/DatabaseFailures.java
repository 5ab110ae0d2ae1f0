package dev.keyhub.common;

import java.sql.SQLException;

import io.vertx.pgclient.PgException;

/**
 * Tells failures of reaching a database apart from failures of the work done on it, looking through wrapping
 * exceptions (Hibernate, Liquibase and JDBC wrap the driver's). Used to answer 503 instead of 500.
 */
public final class DatabaseFailures {

    private DatabaseFailures() {
    }

    /** The database named in the connection does not exist (SQLSTATE 3D000): a retry will not help. */
    public static boolean missingDatabase(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if ("3D000".equals(state(c))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The database could not be used right now, for a reason that may pass: connection errors (class 08), too
     * many connections (53300), shutdown and recovery states (57P01 to 57P03), a database not accepting
     * connections (55000: briefly, while a clone copies it), refused or timed-out connects, closed connections,
     * a pool with no connection free in time. The one list: every caller that answers 503 for an unreachable
     * database asks here.
     */
    public static boolean unreachable(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String state = state(c);
            if (state != null && (state.startsWith("08") || state.equals("53300") || state.equals("57P01")
                    || state.equals("57P02") || state.equals("57P03") || state.equals("55000"))) {
                return true;
            }
            if (c instanceof java.net.ConnectException
                    || c instanceof io.netty.channel.ConnectTimeoutException
                    || c instanceof io.vertx.core.impl.NoStackTraceTimeoutException
                    || timedOutInPool(c)
                    || c.getClass().getSimpleName().equals("ClosedConnectionException")
                    || c.getClass().getSimpleName().equals("ConnectionPoolTooBusyException")) {
                return true;
            }
        }
        return false;
    }

    /** A unique constraint refused a row (SQLSTATE 23505), through whatever wraps the driver's exception. */
    public static boolean uniqueViolation(Throwable t) {
        return hasState(t, "23505");
    }

    /**
     * Whether the failure, or one it wraps, carries one of these SQLSTATEs: from the reactive client, from JDBC,
     * or from Hibernate, which wraps either.
     */
    public static boolean hasState(Throwable t, String... states) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String state = state(c);
            for (String s : states) {
                if (s.equals(state)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * PostgreSQL refused a login: a wrong password (28P01), or a role that is missing or may not log in (28000).
     */
    public static boolean loginRefused(Throwable t) {
        return hasState(t, "28P01", "28000");
    }

    /** A Vert.x pool had no connection free in time: the SQL client fails such a request with a bare "Timeout". */
    public static boolean timedOutInPool(Throwable t) {
        return t instanceof io.vertx.core.impl.NoStackTraceThrowable && "Timeout".equals(t.getMessage());
    }

    /** The problem for a tenant whose database does not exist on its server: waiting will not bring it back. */
    public static ProblemException tenantDatabaseMissing() {
        return new ProblemException(503, "tenant_database_missing", "Service unavailable",
                "The tenant's database does not exist on its server; an operator must restore or remove the tenant.");
    }

    private static String state(Throwable t) {
        if (t instanceof PgException pg) {
            return pg.getSqlState();
        }
        if (t instanceof SQLException sql) {
            return sql.getSQLState();
        }
        if (t instanceof org.hibernate.JDBCException hibernate) {
            return hibernate.getSQLState();
        }
        return null;
    }
}
