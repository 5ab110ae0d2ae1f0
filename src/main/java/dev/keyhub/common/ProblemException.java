package dev.keyhub.common;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A failure with everything a client needs to act on it: an HTTP status, a stable machine-readable
 * {@code code}, a human title and detail, optional extension members and response headers.
 */
public class ProblemException extends RuntimeException {

    private final int status;
    private final String code;
    private final String title;
    private final Map<String, Object> extensions = new LinkedHashMap<>();
    private final Map<String, String> headers = new LinkedHashMap<>();

    public ProblemException(int status, String code, String title, String detail) {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
        this.title = title;
    }

    public static ProblemException badRequest(String code, String detail) {
        return new ProblemException(400, code, "Bad request", detail);
    }

    public static ProblemException unauthorized(String code, String detail) {
        return new ProblemException(401, code, "Unauthorized", detail).header("WWW-Authenticate", "Bearer");
    }

    public static ProblemException notFound(String code, String detail) {
        return new ProblemException(404, code, "Not found", detail);
    }

    public static ProblemException conflict(String code, String detail) {
        return new ProblemException(409, code, "Conflict", detail);
    }

    public static ProblemException forbidden(String code, String detail) {
        return new ProblemException(403, code, "Forbidden", detail);
    }

    public static ProblemException unavailable(String code, String detail, int retryAfterSeconds) {
        return new ProblemException(503, code, "Service unavailable", detail)
                .header("Retry-After", Integer.toString(retryAfterSeconds));
    }

    public ProblemException with(String name, Object value) {
        extensions.put(name, value);
        return this;
    }

    public ProblemException header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String title() {
        return title;
    }

    public Map<String, Object> extensions() {
        return extensions;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
