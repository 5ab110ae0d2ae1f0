package dev.keyhub.tenancy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.subscription.Cancellable;

import dev.keyhub.catalog.TenantRef;
import dev.keyhub.support.Catalog;
import dev.keyhub.support.Tenants;

/**
 * A client that goes away cancels its request, and with it the tenant lookup it waits on. Another request waiting on
 * the same pending lookup (the cache shares it) must still get its answer. The lookup is held pending by a lock on
 * the catalog table, not by timing.
 */
@QuarkusTest
class CancelledLookupTest {

    @Inject
    TenantDirectory directory;

    @Test
    void aCancelledRequestDoesNotCancelALookupAnotherWaitsOn() throws Exception {
        Tenants.Created tenant = Tenants.create("cancelled-lookup");
        UUID id = UUID.fromString(tenant.id());
        directory.forget(tenant.slug(), id).await().atMost(Duration.ofSeconds(10));
        try (Connection lock = Catalog.catalog(); Statement st = lock.createStatement()) {
            lock.setAutoCommit(false);
            st.execute("LOCK TABLE tenants IN ACCESS EXCLUSIVE MODE");
            Cancellable gone = directory.liveById(id).subscribe().with(ref -> { }, failure -> { });
            CompletableFuture<TenantRef> waiting = directory.liveById(id).subscribeAsCompletionStage();
            awaitBlockedOnTheLock();
            gone.cancel();
            lock.commit();
            assertEquals(id, waiting.get(30, TimeUnit.SECONDS).id());
        }
        // And the lookup was cached, not dropped: it is answered while the table is locked again.
        try (Connection lock = Catalog.catalog(); Statement st = lock.createStatement()) {
            lock.setAutoCommit(false);
            st.execute("LOCK TABLE tenants IN ACCESS EXCLUSIVE MODE");
            assertEquals(id, directory.liveById(id).await().atMost(Duration.ofSeconds(10)).id());
            lock.rollback();
        }
    }

    /** Waits until a catalog session waits for the lock on tenants (the lookup is pending). */
    private static void awaitBlockedOnTheLock() throws InterruptedException {
        Instant limit = Instant.now().plusSeconds(30);
        while (Instant.now().isBefore(limit)) {
            long waiting = (Long) Catalog.query("keyhub", """
                    SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%tenants%'""")
                    .get(0).get(0);
            if (waiting > 0) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the lookup never waited for the lock");
    }
}
