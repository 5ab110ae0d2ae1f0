package dev.keyhub.catalog;

/** Lifecycle of a tenant: PROVISIONING → ACTIVE ⇄ SUSPENDED → DELETING → DELETED, and FAILED. */
public enum TenantStatus {
    PROVISIONING, ACTIVE, SUSPENDED, DELETING, DELETED, FAILED
}
