package dev.keyhub.pools;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

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
import dev.keyhub.support.Catalog;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

/** More tenants in use than the budget allows are all served, and PostgreSQL never sees more connections. */
@QuarkusTest
@TestProfile(ConnectionBudgetTest.SmallBudget.class)
class ConnectionBudgetTest {

    static final int BUDGET = 6;

    public static class SmallBudget implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("keyhub.pools.connection-budget", Integer.toString(BUDGET),
                    "keyhub.pools.max-size-per-tenant", "2",
                    "keyhub.pools.acquire-timeout", "3s", "keyhub.pools.idle-timeout", "1s");
        }
    }

    @Inject
    TenantPools pools;

    @Inject
    Vertx vertx;

    @Test
    void manyTenantsAreServedWithinTheBudget() throws Exception {
        List<Tenants.Created> tenants = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            tenants.add(Tenants.create("budget"));
        }
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger maxSeen = new AtomicInteger();
        AtomicInteger maxOpen = new AtomicInteger();
        Thread sampler = new Thread(() -> {
            while (running.get()) {
                // The budget governs the tenants' pools, which log in as each database's own role. Connections of the
                // admin role (the provisioning of the tenants above, while its backend exits) are outside it.
                long n = (Long) Catalog.query("postgres",
                        "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'kh_t_%' AND usename = datname").get(0).get(0);
                maxSeen.accumulateAndGet((int) n, Math::max);
                maxOpen.accumulateAndGet(pools.snapshot().open(), Math::max);
            }
        });
        sampler.start();
        ExecutorService clients = Executors.newFixedThreadPool(6);
        List<Future<Integer>> calls = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            for (Tenants.Created t : tenants) {
                calls.add(clients.submit(() -> given().auth().oauth2(Tokens.user(t.ownerSubject()))
                        .get("/api/tenants/" + t.slug() + "/me").statusCode()));
            }
        }
        List<Integer> statuses = new ArrayList<>();
        for (Future<Integer> call : calls) {
            statuses.add(call.get(60, TimeUnit.SECONDS));
        }
        clients.shutdown();
        running.set(false);
        sampler.join();

        assertEquals(40, statuses.stream().filter(s -> s == 200).count(), "every request served: " + statuses);
        assertTrue(maxSeen.get() <= BUDGET, "at most " + BUDGET + " tenant connections, saw " + maxSeen.get());
        assertTrue(maxOpen.get() <= BUDGET, "KeyHub counted at most " + BUDGET + " open, saw " + maxOpen.get());
        assertTrue(pools.snapshot().reserved() <= BUDGET);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("keyhub_tenant_pool_evictions_total") && !l.endsWith(" 0.0")),
                "evictions are counted in /q/metrics");
        assertTrue(metrics.contains("keyhub_tenant_pools "), "pool gauge in /q/metrics");
    }

    @Test
    void aRequestThatCannotGetRoomGets503WithRetryAfter() throws Exception {
        // Hold every connection of the budget: six tenants, each with a request in flight. (Pools left idle by
        // other tests are evicted to make room for them.)
        List<Tenants.Created> held = new ArrayList<>();
        for (int i = 0; i < BUDGET; i++) {
            held.add(Tenants.create("hold"));
        }
        Tenants.Created waiting = Tenants.create("wait");
        CompletableFuture<Void> release = new CompletableFuture<>();
        List<CompletableFuture<Object>> holders = new ArrayList<>();
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(held.size());
        for (Tenants.Created t : held) {
            TenantRef ref = new TenantRef(UUID.fromString(t.id()), t.slug(), TenantStatus.ACTIVE, "default",
                    t.databaseName(), "1.1.0", null, null);
            CompletableFuture<Object> holder = new CompletableFuture<>();
            var context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
            VertxContextSafetyToggle.setContextSafe(context, true);
            context.runOnContext(v -> pools
                    .withConnection(ref, c -> {
                        holding.countDown();
                        return Uni.createFrom().completionStage(release).replaceWith(new Object());
                    })
                    .subscribe().with(holder::complete, holder::completeExceptionally));
            holders.add(holder);
        }
        try {
            // Only once every holder has its connection is the budget really spent.
            assertTrue(holding.await(30, TimeUnit.SECONDS), "the holders got their connections");
            long start = System.nanoTime();
            given().auth().oauth2(Tokens.user(waiting.ownerSubject())).get("/api/tenants/" + waiting.slug() + "/me")
                    .then().statusCode(503).contentType("application/problem+json")
                    .header("Retry-After", "1").body("code", equalTo("tenant_pool_busy"));
            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(waited.toMillis() < 10_000, "answered within the acquire timeout, took " + waited);
        } finally {
            release.complete(null);
        }
        for (CompletableFuture<Object> h : holders) {
            h.get(10, TimeUnit.SECONDS);
        }
        // Once the load is gone the same request is served.
        given().auth().oauth2(Tokens.user(waiting.ownerSubject())).get("/api/tenants/" + waiting.slug() + "/me")
                .then().statusCode(200);
    }

    @Test
    void aRequestThatFindsItsTenantsConnectionsAllBusyGets503() throws Exception {
        // Both connections of one tenant held: a third request of that tenant waits for them. A tenant grows only
        // into free room, so first let the connections that other tests left idle close.
        DemandPoolsTest.awaitState(() -> pools.snapshot().reserved() == 0, "idle connections closed");
        Tenants.Created busy = Tenants.create("busy");
        TenantRef ref = new TenantRef(UUID.fromString(busy.id()), busy.slug(), TenantStatus.ACTIVE, "default",
                busy.databaseName(), "1.1.0", null, null);
        CompletableFuture<Void> release = new CompletableFuture<>();
        List<CompletableFuture<Object>> holders = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            CompletableFuture<Object> holder = new CompletableFuture<>();
            var context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
            VertxContextSafetyToggle.setContextSafe(context, true);
            context.runOnContext(v -> pools
                    .withConnection(ref, c -> Uni.createFrom().completionStage(release).replaceWith(new Object()))
                    .subscribe().with(holder::complete, holder::completeExceptionally));
            holders.add(holder);
        }
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pools.snapshot().open() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            given().auth().oauth2(Tokens.user(busy.ownerSubject())).get("/api/tenants/" + busy.slug() + "/me")
                    .then().statusCode(503).contentType("application/problem+json")
                    .header("Retry-After", "1").body("code", equalTo("tenant_pool_busy"));
        } finally {
            release.complete(null);
        }
        for (CompletableFuture<Object> h : holders) {
            h.get(10, TimeUnit.SECONDS);
        }
        given().auth().oauth2(Tokens.user(busy.ownerSubject())).get("/api/tenants/" + busy.slug() + "/me")
                .then().statusCode(200);
    }
}
