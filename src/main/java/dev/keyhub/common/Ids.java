package dev.keyhub.common;

import java.util.UUID;

/** Parsing ids from paths: an id that is not a UUID names nothing, so it is a 404 like an unknown one. */
public final class Ids {

    private Ids() {
    }

    public static UUID parse(String value, String code, String what) {
        try {
            if (value != null && value.length() == 36) {
                return UUID.fromString(value);
            }
        } catch (IllegalArgumentException e) {
            // fall through
        }
        throw ProblemException.notFound(code, "No " + what + " " + value + ".");
    }
}
