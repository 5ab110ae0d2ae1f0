package dev.keyhub.common;

import java.util.UUID;

/**
 * Reading ids given as text: only the canonical 36-character form is an id ({@link UUID#fromString} alone
 * also takes shorter forms such as {@code 1-2-3-4-5}). The one way ids from paths, queries and claims are read.
 */
public final class Ids {

    private Ids() {
    }

    /** An id from a path or query: one that is not a UUID names nothing, so it is a 404 like an unknown one. */
    public static UUID parse(String value, String code, String what) {
        UUID id = parseOrNull(value);
        if (id == null) {
            throw ProblemException.notFound(code, "No " + what + " " + value + ".");
        }
        return id;
    }

    /** The id, or null when the text is not one. */
    public static UUID parseOrNull(String value) {
        if (value == null || value.length() != 36) {
            return null;
        }
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
