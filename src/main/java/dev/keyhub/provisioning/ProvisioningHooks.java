package dev.keyhub.provisioning;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;

/**
 * Called before each provisioning step. Does nothing in the application; tests replace it to make a chosen
 * step fail and prove that a failure leaves nothing behind.
 */
@ApplicationScoped
public class ProvisioningHooks {

    public Uni<Void> before(ProvisioningStep step, UUID tenantId) {
        return Uni.createFrom().voidItem();
    }
}
