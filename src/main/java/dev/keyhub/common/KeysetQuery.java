package dev.keyhub.common;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A newest-first, keyset-paged listing of a table with {@code created_at} and {@code id} columns, as one SQL
 * statement with {@code $n} parameters: filters, then the cursor, then the page size. The one way newest-first
 * listings are paged (the audit logs, the example feature's projects and tasks), so that their filters and paging
 * answer bad input the same way.
 */
public final class KeysetQuery {

    /** The longest action name a filter may ask for. */
    public static final int MAX_ACTION = 100;
    private static final int DEFAULT_SIZE = 50;
    private static final int MAX_SIZE = 200;

    private final StringBuilder sql;
    private final List<Object> args = new ArrayList<>();
    private int size;

    private KeysetQuery(String select) {
        this.sql = new StringBuilder(select).append(" WHERE true");
    }

    /** {@code select} is the statement up to its {@code FROM} clause, without a {@code WHERE}. */
    public static KeysetQuery of(String select) {
        return new KeysetQuery(select);
    }

    /** Adds {@code column op $n} for a value; nothing when the value is null. */
    public KeysetQuery where(String column, String op, Object value) {
        if (value != null) {
            args.add(value);
            sql.append(" AND ").append(column).append(' ').append(op).append(" $").append(args.size());
        }
        return this;
    }

    /** Filters by action; a blank one is no filter, a longer one than {@value #MAX_ACTION} is 400. */
    public KeysetQuery action(String action) {
        if (action == null || action.isBlank()) {
            return this;
        }
        if (action.length() > MAX_ACTION) {
            throw ProblemException.badRequest("invalid_action", "'action' is at most " + MAX_ACTION + " characters.");
        }
        return where("action", "=", action);
    }

    /**
     * Checks a cursor and a size as {@link #page} does (400 when not valid), for a caller that builds its query
     * only after something else, so that bad paging is refused before anything is read.
     */
    public static void checkPage(String cursor, String size) {
        Cursor.decode(cursor);
        Cursor.size(size, DEFAULT_SIZE, MAX_SIZE);
    }

    /** The page after {@code cursor} (400 when malformed), {@code size} items (1 to 200, default 50). */
    public KeysetQuery page(String cursor, String size) {
        Cursor before = Cursor.decode(cursor);
        if (before != null) {
            args.add(before.at());
            args.add(before.id());
            sql.append(" AND (created_at, id) < ($").append(args.size() - 1).append(", $").append(args.size()).append(')');
        }
        this.size = Cursor.size(size, DEFAULT_SIZE, MAX_SIZE);
        args.add(this.size + 1);
        sql.append(" ORDER BY created_at DESC, id DESC LIMIT $").append(args.size());
        return this;
    }

    public String sql() {
        return sql.toString();
    }

    public Tuple args() {
        return Tuple.tuple(args);
    }

    /** The page from the rows the statement returned; {@code key} gives an item's created_at and id. */
    public <T> CursorPage<T> result(Iterable<Row> rows, Function<Row, T> item, Function<T, Cursor> key) {
        return CursorPage.of(rows, size, item, key);
    }
}
