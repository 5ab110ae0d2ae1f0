package dev.keyhub.catalog;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.keyhub.common.ProblemException;

/**
 * {@code Idempotency-Key} support for admin writes, stored in the catalog so that it holds across replicas
 * and restarts. A key is claimed before the work starts; a repeat with the same key and body gets the
 * stored response, a repeat with another body gets 422, a repeat while the first is running gets 409.
 * Named statements on the catalog pool: the response is stored or the key released at the end of a provisioning
 * chain, which continues on whatever thread a database server answered on, where no Hibernate session can run.
 */
@ApplicationScoped
public class Idempotency {

    /** Claims the key for this request; a row back means it was free. */
    private static final String CLAIM = """
            INSERT INTO idempotency_keys (caller, key, request_hash) VALUES ($1, $2, $3)
            ON CONFLICT DO NOTHING RETURNING 1""";
    private static final String CLAIMED = """
            SELECT request_hash, response_status, response_body, location
            FROM idempotency_keys WHERE caller = $1 AND key = $2""";
    private static final String COMPLETE = """
            UPDATE idempotency_keys SET response_status = $3, response_body = $4, location = $5
            WHERE caller = $1 AND key = $2""";
    private static final String RELEASE = "DELETE FROM idempotency_keys WHERE caller = $1 AND key = $2";

    private final Pool catalog;

    public Idempotency(Pool catalog) {
        this.catalog = catalog;
    }

    public record Stored(int status, String body, String location) {
    }

    /** Claims the key; empty when the work should run now, or the stored response of the first request. */
    public Uni<Optional<Stored>> claim(String caller, String key, String requestBody) {
        if (key.isBlank() || key.length() > 200) {
            return Uni.createFrom().failure(ProblemException.badRequest("invalid_idempotency_key",
                    "Idempotency-Key must be 1 to 200 characters."));
        }
        String hash = sha256(requestBody);
        return catalog.preparedQuery(CLAIM).execute(Tuple.of(caller, key, hash))
                .chain(inserted -> inserted.rowCount() == 1
                        ? Uni.createFrom().item(Optional.<Stored>empty())
                        : catalog.preparedQuery(CLAIMED).execute(Tuple.of(caller, key))
                                .map(rows -> stored(rows.iterator().next(), hash)));
    }

    private static Optional<Stored> stored(Row row, String hash) {
        if (!row.getString("request_hash").equals(hash)) {
            throw new ProblemException(422, "idempotency_key_reused", "Unprocessable request",
                    "This Idempotency-Key was used with a different request.");
        }
        Integer status = row.getInteger("response_status");
        if (status == null) {
            throw ProblemException.conflict("idempotency_in_progress",
                    "A request with this Idempotency-Key is still being processed.");
        }
        return Optional.of(new Stored(status, row.getString("response_body"), row.getString("location")));
    }

    /** Stores the response of the first request, for its repeats to get. */
    public Uni<Void> complete(String caller, String key, Stored response) {
        return catalog.preparedQuery(COMPLETE)
                .execute(Tuple.of(caller, key, response.status(), response.body(), response.location()))
                .replaceWithVoid();
    }

    /** Releases the key after a failure, so that the request can be retried. */
    public Uni<Void> release(String caller, String key) {
        return catalog.preparedQuery(RELEASE).execute(Tuple.of(caller, key)).replaceWithVoid();
    }

    static String sha256(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
