package dev.keyhub.pools;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How a server's connection budget is derived and chosen: a plain unit test, no application started. */
class BudgetArithmeticTest {

    @Test
    void theDerivedBudgetIsTheReplicasShareLessWhatKeyHubHoldsOtherwise() {
        // 100 - 3 superuser - 0 reserved = 97, one replica; less 20 catalog, 2 admin, 4 migration workers.
        assertEquals(71, inputs(100, 3, 0, 20, 1, null, null).derived());
        // Off the catalog's server there are no catalog pools.
        assertEquals(91, inputs(100, 3, 0, 0, 1, null, null).derived());
        // 300 - 3 - 7 = 290 shared by 6 replicas: 48 each, less 6.
        assertEquals(42, inputs(300, 3, 7, 0, 6, null, null).derived());
    }

    @Test
    void aServerThatLeavesNothingStillGetsOneConnection() {
        assertEquals(1, inputs(20, 3, 0, 20, 1, null, null).derived());
        // No replicas configured counts as one.
        assertEquals(91, inputs(100, 3, 0, 0, 0, null, null).derived());
    }

    @Test
    void theServersOwnBudgetWinsThenTheConfiguredOneThenTheDerivedOne() {
        assertEquals(10, inputs(100, 3, 0, 20, 1, 10, 50).effective());
        assertEquals(50, inputs(100, 3, 0, 20, 1, null, 50).effective());
        assertEquals(71, inputs(100, 3, 0, 20, 1, null, null).effective());
    }

    private static ConnectionBudgets.Inputs inputs(int max, int superuser, int reserved, int catalog, int replicas,
            Integer server, Integer configured) {
        return new ConnectionBudgets.Inputs(max, superuser, reserved, catalog, replicas, 2, 4, server, configured);
    }
}
