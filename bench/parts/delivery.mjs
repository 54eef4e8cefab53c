// 10. Delivery as production delivers: the delivery simulator (lib/delivery-sim.mjs), every invariant
// checked after each run. Three runs of it:
// - invariants: the buyers workload, then the rush and the faults workload, over fresh seeds;
// - scale: 200 vendors x 10 buyers at concurrency 1, 8 and 32 (POST -> reply against lone messages of
//   the same run, replies per second);
// - rush: 1,000 buyers on 100 units (OUI -> reply against keyword -> card, transactions retried).
// `SIM_SEED=<seed>` replays one seed (with `SIM_WORKLOAD`, default buyers); `SIM_SEEDS` (fresh seeds per
// workload, 20), `SIM_BUYERS` (1000), `SIM_VENDORS` (20), `SIM_CONCURRENCY` (32), `SIM_REPEAT` (0.1),
// `SIM_CRASH` (0.05), `SIM_RUN_TIMEOUT_MS` (5000: a run going on longer is stopped), `SIM_STALE_MS` (1500:
// what the scheduled jobs take as stale) set the invariant runs; `SIM_ONLY=invariants|scale|rush` runs one of the three;
// `SIM_SCALE_VENDORS` (200), `SIM_RUSH_BUYERS` (1000) size the other two.
import { say } from "../lib/in-process.mjs";
import { closeSimulator, simulateDelivery } from "../lib/delivery-sim.mjs";
import { newSeed } from "../lib/seeded.mjs";
import { ms } from "../lib/stats.mjs";
import { row } from "../lib/table.mjs";

const numberOf = (name, fallback) => (process.env[name] === undefined ? fallback : Number(process.env[name]));
const LATENCY_LIMIT = 1.5;

const settings = () => ({
  concurrency: numberOf("SIM_CONCURRENCY", 32),
  repeatShare: numberOf("SIM_REPEAT", 0.1),
  crashShare: numberOf("SIM_CRASH", 0.05),
  ...(process.env.SIM_RUN_TIMEOUT_MS !== undefined && { runTimeoutMs: numberOf("SIM_RUN_TIMEOUT_MS", 5000) }),
  ...(process.env.SIM_STALE_MS !== undefined && { staleMs: numberOf("SIM_STALE_MS", 1500) }),
});

/** The invariants over seeds, per workload. */
async function invariants(rows, details) {
  const replay = process.env.SIM_SEED;
  const workloads = replay
    ? [process.env.SIM_WORKLOAD ?? "buyers"]
    : (process.env.SIM_WORKLOADS ?? "buyers,rush,faults").split(",");
  const seedsPer = numberOf("SIM_SEEDS", 20);
  const sizes = {
    buyers: { buyers: numberOf("SIM_BUYERS", 1000), vendors: numberOf("SIM_VENDORS", 20), stock: 500 },
    rush: { buyers: numberOf("SIM_RUSH_BUYERS", 1000), stock: 100, atOnce: 50 },
    faults: { buyers: numberOf("SIM_FAULT_BUYERS", 240) },
  };
  const results = [];
  for (const workload of workloads) {
    const seeds = replay ? [Number(replay)] : Array.from({ length: seedsPer }, newSeed);
    for (const seed of seeds)
      results.push({
        workload,
        ...(await simulateDelivery({ ...settings(), ...sizes[workload], workload, seed, say })),
      });
  }
  const failed = results.filter((result) => result.violations.length > 0);
  const total = (field) => results.reduce((sum, result) => sum + result.stats[field], 0);
  rows.push(
    row({
      figure: `delivery simulator: invariant violations, ${workloads.map((w) => `${w} (${JSON.stringify(sizes[w]).replace(/[{}"]/g, "")})`).join(", ")}, ${results.length} seeds, concurrency ${settings().concurrency}`,
      target: "0",
      measured:
        `${failed.length} of ${results.length} seeds with violations` +
        (failed.length ? ` (seeds ${failed.map((r) => `${r.workload} ${r.seed}`).join(", ")})` : "") +
        `; ${total("deliveries")} deliveries, ${total("repeated")} repeated, ${total("died")} runs died ` +
        `(${total("killed")} in ${total("instanceDeaths")} instance deaths), ${total("lostTasks")} tasks lost`,
      pass: failed.length === 0,
    }),
  );
  details.push(
    `Invariant runs (concurrency ${settings().concurrency}, ${settings().repeatShare * 100}% of events and tasks twice, ${settings().crashShare * 100}% of runs crashed at an await point, a whole instance killed about every 5 s, runs stopped after ${(settings().runTimeoutMs ?? 5000) / 1000} s, 2% of task enqueues lost, the scheduled jobs every 0.7 s during the deliveries):`,
    "",
    ...results.map(
      (r) =>
        `- ${r.workload} seed ${r.seed}: ${r.violations.length} violation(s), ${r.stats.deliveries} deliveries, ` +
        `${r.stats.repeated} repeated (${r.stats.sameMoment} at the same moment), ${r.stats.died} died ` +
        `(${r.stats.killed} in ${r.stats.instanceDeaths} instance deaths), ${r.stats.lostTasks} tasks lost, ` +
        `${r.stats.scheduledRounds} scheduled rounds, ${r.sends} sends, ${r.seconds.toFixed(1)} s` +
        (r.violations.length ? `; first: ${r.violations[0]}` : ""),
    ),
    "",
  );
}

/** 200 x 10 at concurrency 1, 8 and 32, the same seed. */
async function scale(rows, details) {
  const seed = numberOf("SIM_SEED", newSeed());
  const vendors = numberOf("SIM_SCALE_VENDORS", 200);
  const byConcurrency = [];
  for (const concurrency of [1, 8, 32]) {
    const result = await simulateDelivery({
      ...settings(),
      workload: "scale",
      vendors,
      buyersPerVendor: 10,
      concurrency,
      seed,
      say,
    });
    byConcurrency.push({ concurrency, ...result });
  }
  for (const r of byConcurrency) {
    const { lone, loaded } = r.figures.scale;
    const ratio = loaded.p50 / lone.p50;
    rows.push(
      row({
        figure: `simulator, ${vendors} x 10 at concurrency ${r.concurrency}: POST → reply p50 against a lone message's p50 (same run)`,
        target: `≤ ${LATENCY_LIMIT}x`,
        measured: `${ms(loaded.p50)} (p99 ${ms(loaded.p99)}) against ${ms(lone.p50)}: ${ratio.toFixed(2)}x; ${r.violations.length} violation(s)`,
        pass: ratio <= LATENCY_LIMIT && r.violations.length === 0,
      }),
    );
  }
  const base = byConcurrency[0].figures.scale.repliesPerSecond;
  rows.push(
    row({
      figure: `simulator, ${vendors} x 10: replies/s at concurrency 8 and 32 against 1`,
      target: "report",
      measured: byConcurrency
        .map(
          (r) =>
            `c${r.concurrency} ${r.figures.scale.repliesPerSecond.toFixed(1)}/s (${(r.figures.scale.repliesPerSecond / base).toFixed(2)}x)`,
        )
        .join(", "),
    }),
  );
  details.push(
    `Scale runs (seed ${seed}, ${vendors} vendors x 10 buyers, each one greeting, 20 buyers posting at once, each waiting for its reply; 20 lone messages first, one at a time):`,
    "",
    ...byConcurrency.map(
      (r) =>
        `- concurrency ${r.concurrency}: lone p50 ${ms(r.figures.scale.lone.p50)}, loaded p50 ${ms(r.figures.scale.loaded.p50)} p99 ${ms(r.figures.scale.loaded.p99)}, ${r.figures.scale.repliesPerSecond.toFixed(1)} replies/s, ${r.violations.length} violation(s), ${r.seconds.toFixed(1)} s`,
    ),
    "",
  );
}

/** The rush, with its latencies and contention. */
async function rush(rows, details) {
  const seed = numberOf("SIM_SEED", newSeed());
  const buyers = numberOf("SIM_RUSH_BUYERS", 1000);
  const r = await simulateDelivery({ ...settings(), workload: "rush", buyers, stock: 100, atOnce: 50, seed, say });
  const { card, oui } = r.figures.rush;
  const [r50, r99] = [oui.p50 / card.p50, oui.p99 / card.p99];
  rows.push(
    row({
      figure: `simulator rush, ${buyers} buyers on 100 units, concurrency ${settings().concurrency}: OUI → reply against keyword → card, p50 and p99`,
      target: `≤ ${LATENCY_LIMIT}x`,
      measured: `p50 ${ms(oui.p50)} against ${ms(card.p50)} (${r50.toFixed(2)}x), p99 ${ms(oui.p99)} against ${ms(card.p99)} (${r99.toFixed(2)}x); ${r.violations.length} violation(s)`,
      pass: r50 <= LATENCY_LIMIT && r99 <= LATENCY_LIMIT && r.violations.length === 0,
    }),
  );
  const retried = Object.entries(r.retries).filter(([, c]) => c.retried > 0 || c.refused > 0);
  rows.push(
    row({
      figure:
        "simulator rush: transactions retried for contention (ABORTED, run again by the SDK) and commits refused for a changed read (FAILED_PRECONDITION, decided again), per kind",
      target: "report",
      measured: retried.length
        ? retried
            .map(
              ([kind, c]) =>
                `${kind} ${c.retried} of ${c.transactions} retried (${c.retries} retries), ${c.refused} refused`,
            )
            .join("; ")
        : "none",
    }),
  );
  details.push(
    `Rush run (seed ${r.seed}): ${buyers} buyers, 50 at a time, each "RUSH1 1" then OUI once answered, half of those reserved paying (the callback 1-3 times); ${r.seconds.toFixed(1)} s. Transactions by kind (run kind: collections of its first read): ` +
      Object.entries(r.retries)
        .map(([kind, c]) => `${kind} ${c.transactions} (${c.retried} retried)`)
        .join("; "),
    "",
  );
}

export async function run() {
  const rows = [];
  const details = [];
  const only = process.env.SIM_ONLY;
  if (!only || only === "invariants") await invariants(rows, details);
  if (!process.env.SIM_SEED || only) {
    if (!only || only === "scale") await scale(rows, details);
    if (!only || only === "rush") await rush(rows, details);
  }
  await closeSimulator();
  details.push(
    "Replay a seed: `SIM_SEED=<seed> SIM_WORKLOAD=<buyers|rush|faults> npm run bench -- delivery` (with the sizes the line shows).",
  );
  return { rows, details: details.join("\n") };
}
