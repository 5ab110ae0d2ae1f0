package dev.keyhub.auth;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * Where a browser may be sent after login: an absolute http(s) URL whose scheme, host and port equal those of
 * an allowed entry and whose path starts with that entry's path. Anything else, including user info in the
 * authority, backslashes, control characters and dot segments, is refused: login is never an open redirect.
 */
final class ReturnTo {

    private ReturnTo() {
    }

    static boolean allowed(String candidate, List<String> allowed) {
        URI uri = parse(candidate);
        if (uri == null) {
            return false;
        }
        for (String entry : allowed) {
            URI base = parse(entry);
            if (base != null && sameOrigin(uri, base) && path(uri).startsWith(path(base))) {
                return true;
            }
        }
        return false;
    }

    private static URI parse(String value) {
        if (value == null || value.isEmpty() || value.length() > 2048 || value.indexOf('\\') >= 0
                || value.chars().anyMatch(ch -> ch < 0x21 || ch == 0x7f)) {
            return null;
        }
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getRawAuthority() == null
                    || uri.getRawUserInfo() != null || uri.getHost() == null) {
                return null;
            }
            String path = path(uri);
            if (path.contains("/../") || path.endsWith("/..") || path.contains("/./") || path.contains("//")) {
                return null;
            }
            return uri;
        } catch (URISyntaxException e) {
            return null;
        }
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        if (uri.getPort() >= 0) {
            return uri.getPort();
        }
        return uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    private static String path(URI uri) {
        String path = uri.getRawPath();
        return path == null || path.isEmpty() ? "/" : path;
    }
}
