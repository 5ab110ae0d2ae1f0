package dev.keyhub.tenancy;

/**
 * The attributes of an identity authenticated by a KeyHub session rather than a bearer token: the session,
 * the issuer of the identity that opened it, and the one tenant it is bound to.
 */
public final class SessionAttributes {

    public static final String SESSION = "keyhub.session";
    public static final String ISSUER = "keyhub.issuer";
    public static final String TENANT = "keyhub.tenant";
    /** Set instead of {@link #SESSION} for a read-only support session: its id. */
    public static final String SUPPORT = "keyhub.support";

    private SessionAttributes() {
    }
}
