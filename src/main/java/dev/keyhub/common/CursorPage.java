package dev.keyhub.common;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import io.vertx.mutiny.sqlclient.Row;

/** A page of a keyset-paged listing; {@code nextCursor} is null on the last page. */
@org.eclipse.microprofile.openapi.annotations.media.Schema(requiredProperties = {"items"})
public record CursorPage<T>(List<T> items, String nextCursor) {

    /**
     * The page from rows fetched with {@code LIMIT size + 1}: the extra row, if any, only says that another
     * page follows, whose cursor is the sort key of this page's last item.
     */
    public static <T> CursorPage<T> of(Iterable<Row> rows, int size, Function<Row, T> item, Function<T, Cursor> key) {
        List<T> items = new ArrayList<>();
        rows.forEach(r -> items.add(item.apply(r)));
        if (items.size() <= size) {
            return new CursorPage<>(items, null);
        }
        items.remove(size);
        return new CursorPage<>(items, key.apply(items.get(size - 1)).encode());
    }
}
