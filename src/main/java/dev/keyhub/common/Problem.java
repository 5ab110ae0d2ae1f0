package dev.keyhub.common;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.core.Response;

/** An RFC 9457 problem document with KeyHub's stable {@code code} and, for validation, {@code errors}. */
public record Problem(int status, String code, String title, String detail, List<FieldError> errors,
        Map<String, Object> extensions) {

    public static final String MEDIA_TYPE = "application/problem+json";
    static final String TYPE_BASE = "https://keyhub.dev/problems/";

    public record FieldError(String field, String message) {
    }

    public static Problem of(int status, String code, String title, String detail) {
        return new Problem(status, code, title, detail, List.of(), Map.of());
    }

    /** A problem that says no more than its HTTP status (for refusals with nothing more specific to say). */
    public static Problem ofStatus(int status) {
        Response.StatusType type = Response.Status.fromStatusCode(status);
        String title = type != null ? type.getReasonPhrase() : "Error";
        String code = switch (status) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 406 -> "not_acceptable";
            case 413 -> "request_too_large";
            case 415 -> "unsupported_media_type";
            default -> "http_" + status;
        };
        return of(status, code, title, null);
    }

    /** The JSON body: the standard members first, then {@code code}, {@code errors} and extensions. */
    public Map<String, Object> body() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", TYPE_BASE + code);
        body.put("title", title);
        body.put("status", status);
        if (detail != null) {
            body.put("detail", detail);
        }
        body.put("code", code);
        if (!errors.isEmpty()) {
            body.put("errors", errors);
        }
        extensions.forEach(body::putIfAbsent);
        return body;
    }
}
