package dev.keyhub.common;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
