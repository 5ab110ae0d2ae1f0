package dev.keyhub.provisioning;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * Makes a chosen provisioning step fail, to prove that a failure there leaves nothing behind. Inert until a
 * test calls {@link #failAt}; tests reset it with {@link #clear}.
 */
@Singleton
public class StepFaults {

    private volatile ProvisioningStep failing;

    public void failAt(ProvisioningStep step) {
        failing = step;
    }

    public void clear() {
        failing = null;
    }

    void before(@Observes ProvisioningStep.Starting event) {
        if (event.step() == failing) {
            throw new IllegalStateException("injected at " + event.step());
        }
    }
}
