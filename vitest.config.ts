import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

// vitest 5's reporter calls Map.groupBy (Node 21+) when it prints failures; on Node 20 it would
// crash instead of showing them. A minimal polyfill for the reporter's process only.
if (typeof (Map as { groupBy?: unknown }).groupBy !== "function") {
  Object.defineProperty(Map, "groupBy", {
    value<Item, Key>(
      items: Iterable<Item>,
      keyOf: (item: Item, index: number) => Key,
    ): Map<Key, Item[]> {
      const groups = new Map<Key, Item[]>();
      let index = 0;
      for (const item of items) {
        const key = keyOf(item, index++);
        groups.set(key, [...(groups.get(key) ?? []), item]);
      }
      return groups;
    },
  });
}

export default defineConfig({
  resolve: {
    // graphql 16 ships ESM (.mjs) and CJS; Vite would pick the ESM copy for test files while
    // Node loads the CJS one for Pothos and Yoga, and graphql refuses types from "another realm".
    alias: [{ find: /^graphql$/, replacement: require.resolve("graphql") }],
  },
  test: {
    // Integration and e2e tests start servers on port 0 and spawn the CLI; give them room on 2 cores.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    projects: [
      {
        extends: true,
        // The dashboard's unit tests (pure formatting and shaping functions) sit next to its code.
        test: {
          name: "sqlite",
          include: ["test/**/*.test.ts", "dashboard/src/**/*.test.ts"],
          // What only PostgreSQL has to prove runs in the postgresql project.
          exclude: ["**/*.postgresql.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "postgresql",
          // The suites that touch storage, again on one PostgreSQL server started for the run.
          include: ["test/integration/**/*.test.ts"],
          // SQLite's own: its migration runner and drift, and the repository's SQLite details.
          exclude: [
            "test/integration/migrations.test.ts",
            "test/integration/request-log-repository.test.ts",
            // Memory and map bounds do not depend on the storage; one run (on SQLite) is enough.
            "test/integration/bounded-memory.test.ts",
          ],
          env: { SWITCHBOARD_TEST_STORAGE: "postgresql" },
          globalSetup: ["test/support/postgres-global-setup.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "redis",
          // The suites of what Redis shares (limits, budgets, keys, live events, cooldowns), again
          // with config `redis` set: the same behaviour from the shared counters as from memory.
          include: [
            "test/integration/budgets.test.ts",
            "test/integration/rate-limits.test.ts",
            "test/integration/governance.test.ts",
            "test/integration/graphql-subscriptions.test.ts",
            "test/integration/failover.test.ts",
          ],
          env: { SWITCHBOARD_TEST_REDIS: "1" },
          globalSetup: ["test/support/redis-global-setup.ts"],
        },
      },
    ],
  },
});
