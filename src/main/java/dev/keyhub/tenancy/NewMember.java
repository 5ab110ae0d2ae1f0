package dev.keyhub.tenancy;

import io.vertx.mutiny.sqlclient.Tuple;

/**
 * How someone becomes a member of a tenant for the first time, whether by provisioning (the owner), a join
 * code or a browser login vouched for by the tenant claim: one statement writes the user, their identity and
 * their membership, so that none exists without the others.
 */
public final class NewMember {

    /**
     * The rows, as a {@code WITH} clause for a statement to finish with its own {@code SELECT} ({@code u.id} is
     * the new user). Parameters: see {@link #params}.
     */
    public static final String INSERT = """
            WITH u AS (INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id),
                 i AS (INSERT INTO user_identities (user_id, provider, provider_sub) SELECT id, $3, $4 FROM u),
                 m AS (INSERT INTO memberships (user_id, role) SELECT id, $5 FROM u)
            """;

    /** {@link #INSERT}, answering the new user's id. */
    public static final String INSERT_RETURNING_ID = INSERT + "SELECT id FROM u";

    private NewMember() {
    }

    /** The parameters of {@link #INSERT}; {@code name} may be null. */
    public static Tuple params(String email, String name, String issuer, String subject, Role role) {
        return Tuple.tuple(java.util.Arrays.asList(email, name, issuer, subject, role.wireName()));
    }
}
