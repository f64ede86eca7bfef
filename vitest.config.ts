import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration and e2e tests start servers on port 0 and spawn the CLI; give them room on 2 cores.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
