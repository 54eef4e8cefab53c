import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "emulators",
          include: ["test/emulators/**/*.test.ts", "test/rules/**/*.test.ts"],
          // Every file talks to the same emulators; files run one at a time so that timing-sensitive
          // trigger tests do not starve each other on a 2-core machine.
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
