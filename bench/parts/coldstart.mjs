// 5. Cold start: the time and memory a fresh Node process spends loading what one deployed function
// loads before it can serve (the runtime sets FUNCTION_TARGET to that function and requires the
// package's main module: the bundles `npm run build` writes to functions/dist, what `firebase deploy`
// ships), next to the floor (firebase-functions plus firebase-admin with initializeApp() alone) and the
// bare create function (that, plus Firestore, plus one create), which the targets compare to.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FUNCTIONS_DIR } from "../../scripts/lib/paths.mjs";
import { BASELINE_DIR, linkBaselineModules } from "../lib/emulators.mjs";
import { mb, median, ms } from "../lib/stats.mjs";
import { row } from "../lib/table.mjs";

const ROUNDS = 9;
/** Webhooks: time and heap to the bare create function; every other function: time. */
const WEBHOOK_TIME_LIMIT = 1.3;
const WEBHOOK_HEAP_LIMIT = 1.6;
const OTHER_TIME_LIMIT = 1.6;
const WEBHOOKS = [
  "wasenderMessageWebhook",
  "wasenderStatusWebhook",
  "wasenderConnectionWebhook",
  "metaWebhook",
  "unipileWebhook",
  "paymentWebhook",
];
/** The package's main module (functions/package.json), as the runtime loads it. */
const MAIN = `./${JSON.parse(readFileSync(join(FUNCTIONS_DIR, "package.json"), "utf8")).main}`;

/** Measures `load` (a JavaScript expression) in a fresh process: ms, and heap and RSS grown (after a GC). */
function probe(load, env = {}) {
  const code = `
    const { performance } = require("node:perf_hooks");
    globalThis.gc(); const before = process.memoryUsage(); const started = performance.now();
    ${load};
    const elapsed = performance.now() - started; globalThis.gc(); const after = process.memoryUsage();
    process.stdout.write(JSON.stringify({ ms: elapsed, heap: after.heapUsed - before.heapUsed, rss: after.rss - before.rss, modules: Object.keys(require.cache).length }));`;
  const result = spawnSync(process.execPath, ["--expose-gc", "-e", code], {
    cwd: FUNCTIONS_DIR,
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GCLOUD_PROJECT: "demo-livepay", ...env },
  });
  if (result.status !== 0) throw new Error(`loading failed: ${load}\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

export async function run() {
  linkBaselineModules();
  const listed = spawnSync(
    process.execPath,
    ["-e", `process.stdout.write(JSON.stringify(Object.keys(require(${JSON.stringify(MAIN)}))))`],
    {
      cwd: FUNCTIONS_DIR,
      encoding: "utf8",
      env: { PATH: process.env.PATH, GCLOUD_PROJECT: "demo-livepay" },
    },
  );
  const functions = JSON.parse(listed.stdout);
  const targets = [
    {
      name: "floor: firebase-functions + firebase-admin, initializeApp()",
      load: 'require("firebase-functions/v2/https"); require("firebase-admin/app").initializeApp()',
    },
    {
      name: "bare create function (floor + Firestore)",
      load: `require(${JSON.stringify(join(BASELINE_DIR, "index.js"))}).benchBaseline`,
    },
    ...functions.map((name) => ({
      name,
      load: `require(${JSON.stringify(MAIN)})[process.env.FUNCTION_TARGET]`,
      env: { FUNCTION_TARGET: name },
    })),
  ];
  for (const target of targets) probe(target.load, target.env); // the files into the OS cache, not measured
  const samples = new Map(targets.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++)
    for (const target of targets) samples.get(target.name).push(probe(target.load, target.env));
  const summary = new Map(
    [...samples].map(([name, list]) => [
      name,
      {
        ms: median(list.map((s) => s.ms)),
        heap: median(list.map((s) => s.heap)),
        rss: median(list.map((s) => s.rss)),
        modules: list[0].modules,
      },
    ]),
  );
  const floor = summary.get(targets[0].name);
  const bare = summary.get(targets[1].name);
  const describe = (s) => `${ms(s.ms)}, heap ${mb(s.heap)}, RSS ${mb(s.rss)}, ${s.modules} modules`;
  for (const [name, s] of summary) console.log(`  ${name.padEnd(58)} ${describe(s)}`);

  const rows = [
    row({
      figure: "cold start floor: firebase-functions + firebase-admin, initializeApp()",
      measured: describe(floor),
    }),
  ];
  rows.push(
    row({
      figure: "cold start, bare create function (floor + Firestore)",
      measured: describe(bare),
      ratio: bare.ms / floor.ms,
    }),
  );
  for (const name of functions) {
    const s = summary.get(name);
    const timeRatio = s.ms / bare.ms;
    const heapRatio = s.heap / bare.heap;
    const measured = `${describe(s)}; time ${timeRatio.toFixed(2)}x, heap ${heapRatio.toFixed(2)}x the bare create`;
    if (WEBHOOKS.includes(name)) {
      rows.push(
        row({
          figure: `cold start, ${name} (time and heap)`,
          target: `≤ ${WEBHOOK_TIME_LIMIT}x time, ≤ ${WEBHOOK_HEAP_LIMIT}x heap of the bare create`,
          measured,
          ratio: timeRatio,
          pass: timeRatio <= WEBHOOK_TIME_LIMIT && heapRatio <= WEBHOOK_HEAP_LIMIT,
        }),
      );
    } else {
      rows.push(
        row({
          figure: `cold start, ${name}`,
          target: `≤ ${OTHER_TIME_LIMIT}x time of the bare create`,
          measured,
          ratio: timeRatio,
          pass: timeRatio <= OTHER_TIME_LIMIT,
        }),
      );
    }
  }
  return {
    rows,
    details: `Median of ${ROUNDS} fresh processes per function, the functions taking turns round by round (one discarded pass first, so every file is in the OS cache), each loading \`functions/${MAIN.slice(2)}\` (the bundles \`firebase deploy\` ships) with \`FUNCTION_TARGET\` set as the runtime sets it and reading that export; heap and RSS grown across the load, after a GC. Ratios: time (and, for the webhooks, heap) to the bare create function of the same rounds.`,
  };
}
