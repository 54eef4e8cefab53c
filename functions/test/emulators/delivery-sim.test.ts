import { afterAll, describe, expect, it, vi } from "vitest";
import { closeSimulator, simulateDelivery } from "../../../bench/lib/delivery-sim.mjs";

// The delivery simulator (bench/lib/delivery-sim.mjs) runs the compiled functions in this process, in a
// Firestore project of its own on the emulator (no Functions emulator trigger fires there).
vi.hoisted(() => {
  process.env.BENCH_PROJECT = "demo-livepay-delivery-sim";
});

afterAll(() => closeSimulator());

describe("delivery as production delivers it (simulated: concurrent, repeated, reordered, crashed)", () => {
  // Fixed seeds: a failure names its seed, and `SIM_SEED=<seed> npm run bench -- delivery` replays it.
  for (const seed of [20261207, 4242]) {
    it(`seed ${seed}: 50 buyers, concurrency 8, 10% repeated, 5% crashed: every invariant holds`, async () => {
      const result = await simulateDelivery({
        seed,
        buyers: 50,
        vendors: 5,
        concurrency: 8,
        repeatShare: 0.1,
        crashShare: 0.05,
      });
      expect(result.violations).toEqual([]);
      // The run delivered the way it says: some events and tasks twice, every buyer answered three times.
      expect(result.stats.repeated).toBeGreaterThan(0);
      expect(result.sends).toBeGreaterThanOrEqual(150);
    }, 120_000);
  }
});
