// 9. Delivery as production delivers: the delivery simulator (lib/delivery-sim.mjs) over several seeds,
// every invariant checked after each run. `SIM_SEED=<seed>` replays one run; `SIM_SEEDS` (how many
// fresh seeds, 5 by default), `SIM_BUYERS` (200), `SIM_VENDORS` (20), `SIM_CONCURRENCY` (32),
// `SIM_REPEAT` (0.1) and `SIM_CRASH` (0.05) set the run.
import { say } from "../lib/in-process.mjs";
import { closeSimulator, simulateDelivery } from "../lib/delivery-sim.mjs";
import { newSeed } from "../lib/seeded.mjs";
import { row } from "../lib/table.mjs";

const numberOf = (name, fallback) => (process.env[name] === undefined ? fallback : Number(process.env[name]));

export async function run() {
  const seeds = process.env.SIM_SEED
    ? [Number(process.env.SIM_SEED)]
    : Array.from({ length: numberOf("SIM_SEEDS", 5) }, newSeed);
  const settings = {
    buyers: numberOf("SIM_BUYERS", 200),
    vendors: numberOf("SIM_VENDORS", 20),
    concurrency: numberOf("SIM_CONCURRENCY", 32),
    repeatShare: numberOf("SIM_REPEAT", 0.1),
    crashShare: numberOf("SIM_CRASH", 0.05),
  };
  const results = [];
  for (const seed of seeds) results.push(await simulateDelivery({ ...settings, seed, say }));
  await closeSimulator();

  const failed = results.filter((result) => result.violations.length > 0);
  const total = (field) => results.reduce((sum, result) => sum + result.stats[field], 0);
  const measured =
    `${failed.length} of ${results.length} seeds with violations` +
    (failed.length ? ` (seeds ${failed.map((result) => result.seed).join(", ")})` : "") +
    `; ${total("deliveries")} deliveries, ${total("repeated")} repeated, ${total("died")} runs died, ` +
    `${total("lostTasks")} tasks lost`;
  const lines = results.map(
    (result) =>
      `- seed ${result.seed}: ${result.violations.length} violation(s), ${result.stats.deliveries} deliveries, ` +
      `${result.stats.repeated} repeated (${result.stats.sameMoment} at the same moment), ${result.stats.died} died, ` +
      `${result.stats.lostTasks} tasks lost, ${result.stats.sweepRounds} sweep round(s), ${result.sends} sends, ` +
      `${result.seconds.toFixed(1)} s`,
  );
  return {
    rows: [
      row({
        figure: `delivery simulator: invariant violations, ${settings.buyers} buyers x ${seeds.length} seeds, concurrency ${settings.concurrency}`,
        target: "0",
        measured,
        pass: failed.length === 0,
      }),
    ],
    details: [
      `Each run: ${settings.buyers} buyers across ${settings.vendors} vendors, each sending a greeting, a keyword and a quantity (the last two in one Wasender batch for 30% of them); every document event and task delivered by ${settings.concurrency} concurrent runs, after a random delay, ${settings.repeatShare * 100}% of them twice (half of those at the same moment), ${settings.crashShare * 100}% of runs stopped at a random await point, 2% of task enqueues lost; then the sweeps, the clock moved past their thresholds. Replay a seed with \`SIM_SEED=<seed> npm run bench -- delivery\`.`,
      "",
      ...lines,
    ].join("\n"),
  };
}
