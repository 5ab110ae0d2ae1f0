package dev.keyhub.pools;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;

import dev.keyhub.catalog.TenantRef;
import dev.keyhub.catalog.TenantStatus;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

/** Once max-waiters requests wait for room on a server, the next one gets 503 at once, not after the timeout. */
@QuarkusTest
@TestProfile(MaxWaitersTest.OneWaiter.class)
class MaxWaitersTest {

    public static class OneWaiter implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("keyhub.pools.connection-budget", "2", "keyhub.pools.max-size-per-tenant", "2",
                    "keyhub.pools.acquire-timeout", "5s", "keyhub.pools.max-waiters", "1");
        }
    }

    @Inject
    TenantPools pools;

    @Inject
    Vertx vertx;

    @Test
    void pastMaxWaitersARequestIsRefusedAtOnce() throws Exception {
        Tenants.Created held = Tenants.create("held");
        Tenants.Created waiting = Tenants.create("waiting");
        Tenants.Created refused = Tenants.create("refused");
        // The whole budget: one pool with two requests in flight until released.
        CompletableFuture<Void> release = new CompletableFuture<>();
        TenantRef ref = new TenantRef(UUID.fromString(held.id()), held.slug(), TenantStatus.ACTIVE, "default",
                held.databaseName(), "1.1.0", null, null);
        List<CompletableFuture<Object>> holders = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            CompletableFuture<Object> holder = new CompletableFuture<>();
            var context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
            VertxContextSafetyToggle.setContextSafe(context, true);
            context.runOnContext(v -> pools.withConnection(ref, c -> Uni.createFrom().completionStage(release).replaceWith(new Object()))
                    .subscribe().with(holder::complete, holder::completeExceptionally));
            holders.add(holder);
        }
        long held2 = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pools.load(ref.id()).inFlight() < 2 && System.nanoTime() < held2) {
            Thread.sleep(20);
        }
        try {
            CompletableFuture<Integer> waiter = CompletableFuture.supplyAsync(() -> given()
                    .auth().oauth2(Tokens.user(waiting.ownerSubject())).get("/api/tenants/" + waiting.slug() + "/me")
                    .statusCode());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pools.snapshot().waiters() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(1, pools.snapshot().waiters(), "one request waits for room");

            long start = System.nanoTime();
            given().auth().oauth2(Tokens.user(refused.ownerSubject())).get("/api/tenants/" + refused.slug() + "/me")
                    .then().statusCode(503).contentType("application/problem+json").header("Retry-After", "1")
                    .body("code", equalTo("tenant_pool_busy"));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(took.toMillis() < 1500, "refused at once, not after the 5 s timeout: " + took);

            release.complete(null);
            assertEquals(200, waiter.get(10, TimeUnit.SECONDS), "the waiting request is served when room frees");
        } finally {
            release.complete(null);
        }
        for (CompletableFuture<Object> holder : holders) {
            holder.get(10, TimeUnit.SECONDS);
        }
    }
}
