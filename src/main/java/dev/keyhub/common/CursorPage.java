package dev.keyhub.common;

import java.util.List;

/** A page of a keyset-paged listing; {@code nextCursor} is null on the last page. */
public record CursorPage<T>(List<T> items, String nextCursor) {
}
