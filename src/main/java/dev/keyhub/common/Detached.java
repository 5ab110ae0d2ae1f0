package dev.keyhub.common;

import io.smallrye.mutiny.Uni;

/**
 * A result that several requests may wait on, such as a cache's pending lookup, shielded from any one of them going
 * away. When a client disconnects, Quarkus REST cancels its request's {@link Uni}, and the cancellation travels up
 * the chain. Reaching a cache's future, it would cancel the lookup for every request waiting on it (they would fail
 * with a {@code CancellationException}) and drop the entry. A detached {@code Uni} stops the cancellation at its own
 * subscriber: the lookup runs to its end and is cached, and only the request that left loses its answer.
 */
public final class Detached {

    private Detached() {
    }

    public static <T> Uni<T> from(Uni<T> shared) {
        return Uni.createFrom().emitter(emitter -> shared.subscribe().with(emitter::complete, emitter::fail));
    }
}
