package dev.keyhub.tenancy;

import java.util.UUID;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;

import dev.keyhub.common.ProblemException;

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

    /** What the tenant knows of an identity: its user, and whether that user is an active member now. */
    public record Known(UUID userId, boolean member) {
    }

    /** The identity's user in this tenant's database, or null for an identity never seen here. */
    public static Uni<Known> known(SqlConnection tx, TenantAccess.Caller caller) {
        return tx.preparedQuery("""
                SELECT u.id AS user_id, m.left_at IS NULL AND m.id IS NOT NULL AS member FROM user_identities i
                JOIN users u ON u.id = i.user_id LEFT JOIN memberships m ON m.user_id = u.id
                WHERE i.provider = $1 AND i.provider_sub = $2""")
                .execute(Tuple.of(caller.issuer(), caller.subject()))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row r = rows.iterator().next();
                    return new Known(r.getUUID("user_id"), r.getBoolean("member"));
                });
    }

    /**
     * Makes the identity a member with {@code role}: the user it was, if it was one here (a membership that ended
     * begins again), or a new user with {@code email}. 409 {@code already_member}, {@code email_in_use}.
     */
    public static Uni<UUID> admit(SqlConnection tx, Known known, TenantAccess.Caller caller, String email, String name,
            Role role) {
        if (known != null && known.member()) {
            return Uni.createFrom().failure(ProblemException.conflict("already_member", "You are already a member of this tenant."));
        }
        if (known != null) {
            return tx.preparedQuery("""
                    INSERT INTO memberships (user_id, role) VALUES ($1, $2)
                    ON CONFLICT (user_id) DO UPDATE SET role = excluded.role, left_at = NULL, created_at = now()""")
                    .execute(Tuple.of(known.userId(), role.wireName())).replaceWith(known.userId());
        }
        return tx.preparedQuery(INSERT_RETURNING_ID)
                .execute(params(email, name, caller.issuer(), caller.subject(), role))
                .map(rows -> rows.iterator().next().getUUID("id"))
                .onFailure(e -> e instanceof PgException pg && "23505".equals(pg.getSqlState()))
                .transform(e -> ProblemException.conflict("email_in_use",
                        "Another member of this tenant already uses this email address."));
    }

    /** The parameters of {@link #INSERT}; {@code name} may be null. */
    public static Tuple params(String email, String name, String issuer, String subject, Role role) {
        return Tuple.tuple(java.util.Arrays.asList(email, name, issuer, subject, role.wireName()));
    }
}
