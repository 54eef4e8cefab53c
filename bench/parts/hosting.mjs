// 2. Through Hosting and the Functions emulator: requests per second the message webhook acknowledges
// at 1, 10 and 50 in flight, after warm-up, next to the bare function of the bench codebase
// (bench/baseline-function: one create of the same document, nothing else) in the same run.
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { db, postWebhook, waitForDecisions, waitForOnboarding } from "../lib/emulator-client.mjs";
import { inPool } from "../lib/pool.mjs";
import { say } from "../lib/in-process.mjs";
import { ratioRow } from "../lib/table.mjs";
import { benchVendor, writeVendors } from "../lib/vendors.mjs";
import { customerPhone, messageEvent } from "../lib/wasender-events.mjs";

const LEVELS = [1, 10, 50];
const ROUND_MS = 4_000;
/** Rounds alternate (A B B A): a drift of the emulators over time hits both alike. */
const ROUNDS = 4;
const LIMIT = 0.8;

export async function run() {
  // The reply trigger fires behind both (they write the same document): auto-reply off keeps it to one
  // decision each, so the figure is the acknowledgement's, not the replies'.
  const vendor = benchVendor(`host${Date.now().toString(36)}`, 1, { config: { autoReplyEnabled: false } });
  await writeVendors(db(), [vendor]);
  await waitForOnboarding([vendor]);
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
    // Warm-up: the emulator starts a worker per request in flight, for each function and the trigger.
    for (const baseline of [true, false]) await inPool(Array.from({ length: level * 3 }), level, () => request(baseline));
    await waitForDecisions(vendor.vendorId);
    const rates = { webhook: [], baseline: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const baseline = round % 3 === 0; // baseline, webhook, webhook, baseline
      rates[baseline ? "baseline" : "webhook"].push(await throughput(baseline, level, ROUND_MS));
      await waitForDecisions(vendor.vendorId);
      await sleep(200);
    }
    const mean = (list) => list.reduce((a, b) => a + b, 0) / list.length;
    const real = mean(rates.webhook);
    const floor = mean(rates.baseline);
    say(`  ${level} in flight: webhook ${real.toFixed(1)}/s, bare function ${floor.toFixed(1)}/s`);
    rows.push(ratioRow({ figure: `through Hosting, ${level} in flight: webhook vs bare function, requests/s`, limit: LIMIT, atLeast: true, measured: `${real.toFixed(1)}/s vs ${floor.toFixed(1)}/s`, ratio: real / floor }));
    lines.push(`${level} in flight: webhook ${rates.webhook.map((r) => r.toFixed(1)).join(", ")}/s; bare ${rates.baseline.map((r) => r.toFixed(1)).join(", ")}/s`);
  }
  return {
    rows,
    details: `POSTs to \`/api/webhooks/wasender/{vendorId}\` and to the bare function's Hosting path, each a new message from a new customer, closed loop with 1, 10 or 50 in flight, ${ROUNDS} rounds of ${ROUND_MS / 1000} s alternating the two (A B B A) after a warm-up at that level (the Functions emulator starts one worker per request in flight); between rounds the reply trigger catches up (it fires behind both: the bare function writes the same document; the vendor has auto-reply off, so each message costs one decision and no send). Rounds: ${lines.join("; ")}.`,
  };
}
