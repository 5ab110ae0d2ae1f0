package dev.keyhub.reliability;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Hostile values: as JSON string literals for bodies, and as raw, already-encoded text for paths and queries. */
final class Hostile {

    private Hostile() {
    }

    /** A hostile value: a label, its JSON literal (null when it only makes sense in a URL) and its URL form. */
    record Value(String label, String json, String url) {
    }

    static final String TEN_K = "A".repeat(10_000);

    /** Strings for every string field, query parameter and path parameter. */
    static final List<Value> STRINGS = List.of(
            new Value("nul", "\"a\\u0000b\"", "a%00b"),
            new Value("lone-high-surrogate", "\"x\\ud800y\"", "x%ED%A0%80y"),
            new Value("lone-low-surrogate", "\"\\udc00\"", "%ED%B0%80"),
            new Value("rtl-override", json("\u202Egnp.exe"), encode("\u202Egnp.exe")),
            new Value("emoji", "\"\uD83D\uDE00\uD83D\uDC69\u200D\uD83D\uDC69\u200D\uD83D\uDC67\"",
                    encode("\uD83D\uDE00\uD83D\uDC69\u200D\uD83D\uDC69\u200D\uD83D\uDC67")),
            new Value("10k-chars", json(TEN_K), TEN_K),
            new Value("sql-quote", json("' OR 1=1--"), encode("' OR 1=1--")),
            new Value("sql-stacked", json("x'; DROP TABLE users;--"), encode("x'; DROP TABLE users;--")),
            new Value("pct00-literal", json("%00"), "%00"),
            new Value("dot-dot-slash", json("../../etc/passwd"), "..%2F..%2Fetc%2Fpasswd"),
            new Value("semicolon", json("a;b=c"), "a;b=c"),
            new Value("double-quote", json("\""), "%22"),
            new Value("backslash", json("\\"), "%5C"),
            new Value("json-breakout", json("\",\"role\":\"admin"), encode("\",\"role\":\"admin")),
            new Value("crlf", json("a\r\nSet-Cookie: x=1"), "a%0D%0ASet-Cookie:%20x=1"),
            new Value("bom-zero-width", json("\uFEFF\u200B"), encode("\uFEFF\u200B")),
            new Value("blank", json("   "), "%20%20%20"),
            new Value("template", json("${jndi:ldap://x/a}{{7*7}}"), encode("${jndi:ldap://x/a}{{7*7}}")));

    /** A few of {@link #STRINGS} and {@link #URL_ONLY}, for places where the whole list would only repeat a code path. */
    static List<Value> sample() {
        List<String> labels = List.of("nul", "lone-high-surrogate", "10k-chars", "sql-quote", "semicolon", "crlf",
                "raw-dot-dot", "encoded-dot-dot");
        List<Value> all = new ArrayList<>(STRINGS);
        all.addAll(URL_ONLY);
        return all.stream().filter(v -> labels.contains(v.label())).toList();
    }

    /** Only in URLs: traversal, encodings that decode to nothing sensible, path syntax. */
    static final List<Value> URL_ONLY = List.of(
            new Value("raw-dot-dot", null, ".."),
            new Value("encoded-dot-dot", null, "%2e%2e"),
            new Value("overlong-utf8", null, "%C0%AE%C0%AE%C0%AF"),
            new Value("invalid-utf8", null, "%FF%FE"),
            new Value("encoded-pct", null, "%2500"),
            new Value("matrix", null, ";jsessionid=1"));

    /** Identifiers that are not UUIDs, or UUIDs in odd spellings. */
    static final List<Value> IDS = List.of(
            new Value("not-a-uuid", null, "not-a-uuid"),
            new Value("bad-hex-uuid", null, "00000000-0000-0000-0000-00000000000g"),
            new Value("short-uuid", null, "1-1-1-1-1"),
            new Value("zero", null, "0"),
            new Value("negative", null, "-1"),
            new Value("unhyphenated-uuid", null, UUID.randomUUID().toString().replace("-", "")),
            new Value("braced-uuid", null, "%7B" + UUID.randomUUID() + "%7D"),
            new Value("upper-uuid", null, UUID.randomUUID().toString().toUpperCase()),
            new Value("nil-uuid", null, "00000000-0000-0000-0000-000000000000"),
            new Value("36-z", null, "z".repeat(8) + "-zzzz-zzzz-zzzz-" + "z".repeat(12)));

    /** Tenant path segments that are not slugs. */
    static final List<Value> SLUGS = List.of(
            new Value("upper-slug", null, "UPPER"),
            new Value("one-char-slug", null, "a"),
            new Value("leading-hyphen", null, "-abc"),
            new Value("underscore", null, "a_b"),
            new Value("64-chars", null, "a".repeat(64)),
            new Value("current-without-claim", null, "current"));

    /** Wrong JSON for a property of the given OpenAPI type. */
    static List<String> wrongTypes(String type) {
        return switch (type) {
            case "string" -> List.of("{}", "[]", "{\"$ne\":null}", "[\"a\",\"b\"]");
            case "integer", "number" -> List.of("\"12abc\"", "true", "{}", "[]", "1.5", "1e400",
                    "99999999999999999999", "-1");
            case "boolean" -> List.of("\"maybe\"", "{}", "[]");
            case "object" -> List.of("\"text\"", "1", "[]", "true");
            case "array" -> List.of("\"text\"", "{}", "1", "[[[]]]", "[null]");
            default -> List.of();
        };
    }

    /** Bodies that are not JSON at all, or not JSON in the way the API reads it. */
    static List<Value> malformedBodies(String field) {
        List<Value> out = new ArrayList<>();
        out.add(new Value("unclosed-object", "{", null));
        out.add(new Value("missing-value", "{\"a\":}", null));
        out.add(new Value("trailing-comma", "{\"a\":1,}", null));
        out.add(new Value("single-quotes", "{'a':1}", null));
        out.add(new Value("bare-word", "nul", null));
        out.add(new Value("trailing-garbage", "{} trailing", null));
        out.add(new Value("second-document", "{}{\"b\":2}", null));
        out.add(new Value("raw-nul-byte", "{\"name\":\"a\u0000b\"}", null));
        out.add(new Value("deep-nesting", "[".repeat(100_000), null));
        out.add(new Value("long-number", "{\"a\":" + "9".repeat(100_000) + "}", null));
        out.add(new Value("duplicate-keys", "{\"" + field + "\":\"a\",\"" + field + "\":{}}", null));
        out.add(new Value("array-root", "[]", null));
        out.add(new Value("string-root", "\"text\"", null));
        out.add(new Value("number-root", "42", null));
        out.add(new Value("true-root", "true", null));
        return out;
    }

    /** Invalid UTF-8 inside a JSON string: not text at all. */
    static byte[] invalidUtf8Body() {
        byte[] head = "{\"name\":\"".getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "\"}".getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[head.length + 2 + tail.length];
        System.arraycopy(head, 0, out, 0, head.length);
        out[head.length] = (byte) 0xFF;
        out[head.length + 1] = (byte) 0xFE;
        System.arraycopy(tail, 0, out, head.length + 2, tail.length);
        return out;
    }

    /** A JSON string literal for a Java string (every character outside printable ASCII escaped). */
    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    /** Percent-encodes every byte of the UTF-8 form except unreserved characters. */
    static String encode(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                b.append((char) c);
            } else {
                b.append('%').append(String.format("%02X", c));
            }
        }
        return b.toString();
    }
}
