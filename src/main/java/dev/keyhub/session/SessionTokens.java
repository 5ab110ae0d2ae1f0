package dev.keyhub.session;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Session tokens: {@code khs_<tenant id, 32 hex>_<256 random bits, base64url>}. The tenant id in the token
 * lets a request find the one database that holds the session, with no search; the random part is the
 * secret. Only the SHA-256 of the whole token is stored. Support sessions ({@link SupportSessions}) have tokens of the
 * same shape with the prefix {@value #SUPPORT_PREFIX}.
 */
public final class SessionTokens {

    public static final String PREFIX = "khs_";
    public static final String SUPPORT_PREFIX = "khp_";
    private static final Pattern FORMAT = Pattern.compile("kh[sp]_([0-9a-f]{32})_([A-Za-z0-9_-]{43})");
    private static final SecureRandom RANDOM = new SecureRandom();

    private SessionTokens() {
    }

    static String generate(UUID tenantId) {
        return generate(PREFIX, tenantId);
    }

    static String generate(String prefix, UUID tenantId) {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return prefix + tenantId.toString().replace("-", "") + "_"
                + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /** Whether a bearer token is one of KeyHub's sessions (a browser's or a supporter's) rather than a JWT. */
    static boolean isSession(String token) {
        return token.startsWith(PREFIX) || token.startsWith(SUPPORT_PREFIX);
    }

    /** The tenant a well-formed token belongs to, or null for anything else. */
    static UUID tenantOf(String token) {
        if (token == null) {
            return null;
        }
        Matcher m = FORMAT.matcher(token);
        if (!m.matches()) {
            return null;
        }
        String hex = m.group(1);
        return UUID.fromString(hex.replaceFirst("(.{8})(.{4})(.{4})(.{4})(.{12})", "$1-$2-$3-$4-$5"));
    }

    static String hash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
