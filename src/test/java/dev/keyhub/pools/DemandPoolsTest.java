package dev.keyhub.pools;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

/** Pools take connections as their requests queue, give them back when idle, and evict nothing while all fit. */
@QuarkusTest
@TestProfile(DemandPoolsTest.Demand.class)
class DemandPoolsTest {

    public static class Demand implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("keyhub.pools.connection-budget", "12", "keyhub.pools.max-size-per-tenant", "3",
                    "keyhub.pools.idle-timeout", "1s", "keyhub.pools.acquire-timeout", "5s");
        }
    }

    @Inject
    TenantPools pools;

    @Inject
    Vertx vertx;

    @Test
    void aPoolGrowsWhileItsRequestsQueueAndShrinksWhenIdle() throws Exception {
        Tenants.Created t = Tenants.create("grow");
        TenantRef ref = ref(t);
        CompletableFuture<Void> release = new CompletableFuture<>();

        List<CompletableFuture<Object>> holders = new ArrayList<>();
        UUID id = ref.id();
        holders.add(hold(ref, release));
        awaitState(() -> pools.load(id).open() == 1, "the first request opened one connection");
        assertEquals(1, pools.load(id).lanes(), "a pool starts with one connection");

        // Two more requests while the first holds its connection: the pool grows to its maximum of 3, not beyond.
        holders.add(hold(ref, release));
        holders.add(hold(ref, release));
        awaitState(() -> pools.load(id).open() == 3, "three connections for three concurrent requests");
        assertEquals(3, pools.load(id).lanes());
        CompletableFuture<Object> queued = hold(ref, release);
        awaitState(() -> pools.load(id).queued() == 1, "a fourth request waits for the tenant's own connection");
        assertEquals(3, pools.load(id).open(), "no fourth connection");

        release.complete(null);
        for (CompletableFuture<Object> h : holders) {
            h.get(10, TimeUnit.SECONDS);
        }
        queued.get(10, TimeUnit.SECONDS);
        // Idle for longer than idle-timeout: the connections close and their place goes back to the budget.
        awaitState(() -> pools.load(id).lanes() == 0 && pools.load(id).open() == 0, "idle connections are released");
        given().auth().oauth2(Tokens.user(t.ownerSubject())).get("/api/tenants/" + t.slug() + "/me").then().statusCode(200);
    }

    @Test
    void aRequestCancelledWhileItWaitsLeavesNoConnectionBehind() throws Exception {
        Tenants.Created t = Tenants.create("gone");
        TenantRef ref = ref(t);
        UUID id = ref.id();
        CompletableFuture<Void> release = new CompletableFuture<>();
        List<CompletableFuture<Object>> holders = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            holders.add(hold(ref, release));
        }
        awaitState(() -> pools.load(id).inFlight() == 3, "all three connections held");
        // Two requests queue for the tenant's connections; their clients go away before they get one.
        List<io.smallrye.mutiny.subscription.Cancellable> waiting = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            waiting.add(pools.withConnection(ref, c -> c.query("SELECT 1").execute()).subscribe().with(r -> { }, e -> { }));
        }
        awaitState(() -> pools.load(id).queued() == 2, "two requests queued");
        waiting.forEach(io.smallrye.mutiny.subscription.Cancellable::cancel);
        assertEquals(0, pools.load(id).queued(), "a cancelled request leaves the queue at once");

        release.complete(null);
        for (CompletableFuture<Object> h : holders) {
            h.get(10, TimeUnit.SECONDS);
        }
        assertEquals(0, pools.load(id).inFlight(), "no connection is left held for a request that went away");
        for (int i = 0; i < 6; i++) {
            given().auth().oauth2(Tokens.user(t.ownerSubject())).get("/api/tenants/" + t.slug() + "/me").then().statusCode(200);
        }
    }

    @Test
    void noEvictionsOnceWarmWhileTheBusyTenantsFit() throws Exception {
        List<Tenants.Created> tenants = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            tenants.add(Tenants.create("fit"));
        }
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            drive(clients, tenants, 10); // warm: every tenant has its connections
            double before = evictions();
            List<Integer> statuses = drive(clients, tenants, 60);
            assertTrue(statuses.stream().allMatch(s -> s == 200), "all served: " + statuses);
            assertEquals(before, evictions(), "4 busy tenants with up to 3 connections each fit a budget of 12");
            assertTrue(pools.snapshot("default").reserved() <= 12);
        } finally {
            clients.shutdown();
        }
    }

    @Test
    void manyMoreConcurrentRequestsThanConnectionsOfOneTenantAreAllServed() throws Exception {
        Tenants.Created t = Tenants.create("crowd");
        ExecutorService clients = Executors.newFixedThreadPool(32);
        try {
            List<Integer> statuses = drive(clients, List.of(t), 640);
            assertTrue(statuses.stream().allMatch(s -> s == 200), "all served: " + statuses.stream()
                    .collect(java.util.stream.Collectors.groupingBy(s -> s, java.util.stream.Collectors.counting())));
            assertTrue(pools.load(UUID.fromString(t.id())).lanes() <= 3);
        } finally {
            clients.shutdown();
        }
    }

    private static List<Integer> drive(ExecutorService clients, List<Tenants.Created> tenants, int rounds) throws Exception {
        List<Future<Integer>> calls = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            for (Tenants.Created t : tenants) {
                calls.add(clients.submit(() -> given().auth().oauth2(Tokens.user(t.ownerSubject()))
                        .get("/api/tenants/" + t.slug() + "/me").statusCode()));
            }
        }
        List<Integer> statuses = new ArrayList<>();
        for (Future<Integer> c : calls) {
            statuses.add(c.get(60, TimeUnit.SECONDS));
        }
        return statuses;
    }

    private static double evictions() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith("keyhub_tenant_pool_evictions_total{") && l.contains("server=\"default\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** A request of the tenant that holds its connection until {@code release} completes. */
    private CompletableFuture<Object> hold(TenantRef ref, CompletableFuture<Void> release) {
        CompletableFuture<Object> holder = new CompletableFuture<>();
        var context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        VertxContextSafetyToggle.setContextSafe(context, true);
        context.runOnContext(v -> {
            pools.withConnection(ref, c -> c.query("SELECT 1").execute()
                    .chain(() -> Uni.createFrom().completionStage(release)).replaceWith(new Object()))
                    .subscribe().with(holder::complete, holder::completeExceptionally);
        });
        return holder;
    }

    static TenantRef ref(Tenants.Created t) {
        return new TenantRef(UUID.fromString(t.id()), t.slug(), TenantStatus.ACTIVE, "default", t.databaseName(), "1.1.0",
                null, null);
    }

    /** Waits for a state of the pools (not for a time): fails only if it never comes within 30 s. */
    static void awaitState(BooleanSupplier state, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!state.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never reached: " + what);
            }
            Thread.sleep(20);
        }
    }
}
