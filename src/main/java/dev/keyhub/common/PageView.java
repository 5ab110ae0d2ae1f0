package dev.keyhub.common;

import java.util.List;

/** One page of a listing: the items, the zero-based page index and size, and the total count. */
public record PageView<T>(List<T> items, int page, int size, long total) {
}
