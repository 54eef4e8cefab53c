// 2. Through Hosting and the Functions emulator: requests per second the message webhook acknowledges
// at 1, 10 and 50 in flight, after warm-up, next to the bare function of the bench codebase
// (bench/baseline-function: one create of the same document, nothing else) in the same run.
import { performance } from "node:perf_hooks";
import { db, postWebhook, setBackgroundTriggers, waitForOnboarding } from "../lib/emulator-client.mjs";
import { inPool } from "../lib/pool.mjs";
import { say } from "../lib/in-process.mjs";
import { median } from "../lib/stats.mjs";
import { ratioRow } from "../lib/table.mjs";
import { benchVendor, writeVendors } from "../lib/vendors.mjs";
import { customerPhone, messageEvent } from "../lib/wasender-events.mjs";

const LEVELS = [1, 10, 50];
const ROUND_MS = 2_000;
/**
 * Short rounds taking turns (A B B A …) after a discarded round of each: the emulators keep getting
 * faster for a while, so a drift hits both alike. The figure is the median round.
 */
const ROUNDS = 8;
const LIMIT = 0.8;

export async function run() {
  const vendor = benchVendor(`host${Date.now().toString(36)}`, 1, { series: 1 });
  await writeVendors(db(), [vendor]);
  await waitForOnboarding([vendor]);
  // Both write the same document, so the same reply trigger would run behind each: turned off, the
  // figure is the acknowledgement's alone, without the emulator starting trigger workers under load
  // (the replies are part 4's). Turned back on at the end.
  await setBackgroundTriggers(false);
  try {
    return await measureLevels(vendor);
  } finally {
    await setBackgroundTriggers(true);
  }
}

async function measureLevels(vendor) {
  let n = 0;
  const request = (baseline) => postWebhook(vendor, messageEvent(customerPhone(5, n++), "Bonjour").body, { baseline });

  /** Requests per second with `level` in flight for `durationMs`. */
  async function throughput(baseline, level, durationMs) {
    let done = 0;
    const started = performance.now();
    await inPool(Array.from({ length: level }), level, async () => {
      while (performance.now() - started < durationMs) {
        await request(baseline);
        done += 1;
      }
    });
    return done / ((performance.now() - started) / 1000);
  }

  const rows = [];
  const lines = [];
  for (const level of LEVELS) {
    // Warm-up: the emulator starts a worker per request in flight, for each function.
    const warming = performance.now();
    for (const baseline of [true, false])
      await inPool(Array.from({ length: level * 3 }), level, () => request(baseline));
    for (const baseline of [true, false]) await throughput(baseline, level, ROUND_MS);
    say(`  ${level} in flight: warm-up ${((performance.now() - warming) / 1000).toFixed(0)} s`);
    const rates = { webhook: [], baseline: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const baseline = round % 4 === 0 || round % 4 === 3; // baseline, webhook, webhook, baseline
      rates[baseline ? "baseline" : "webhook"].push(await throughput(baseline, level, ROUND_MS));
    }
    const real = median(rates.webhook);
    const floor = median(rates.baseline);
    say(
      `  ${level} in flight: webhook ${real.toFixed(1)}/s, bare function ${floor.toFixed(1)}/s (rounds: webhook ${rates.webhook.map((r) => r.toFixed(0)).join(" ")}; bare ${rates.baseline.map((r) => r.toFixed(0)).join(" ")})`,
    );
    rows.push(
      ratioRow({
        figure: `through Hosting, ${level} in flight: webhook vs bare function, requests/s`,
        limit: LIMIT,
        atLeast: true,
        measured: `${real.toFixed(1)}/s vs ${floor.toFixed(1)}/s`,
        ratio: real / floor,
      }),
    );
    lines.push(
      `${level} in flight: webhook ${rates.webhook.map((r) => r.toFixed(1)).join(", ")}/s; bare ${rates.baseline.map((r) => r.toFixed(1)).join(", ")}/s`,
    );
  }
  return {
    rows,
    details: `POSTs to \`/api/webhooks/wasender/{vendorId}\` and to the bare function's Hosting path, each a new message from a new customer, closed loop with 1, 10 or 50 in flight, ${ROUNDS} rounds of ${ROUND_MS / 1000} s taking turns (A B B A …), the median round of each, after a warm-up at that level (the Functions emulator starts one worker per request in flight) and a discarded round of each. The Functions emulator's Firestore triggers are off during this part (the emulator hub's switch): the same reply trigger would fire behind both (the bare function writes the same document), and its workers starting under load would swamp the figures; the replies are measured in part 4. Rounds: ${lines.join("; ")}.`,
  };
}
