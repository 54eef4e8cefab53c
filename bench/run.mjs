// `npm run bench [-- <part>…]`: every cost of the product measured against its floor, in one run.
// Installs and builds what is missing, starts the emulators and the fakes the chosen parts need, runs
// each part in a fresh Node process, prints one table (figure, target, measured, ratio, result) and,
// for a full run, writes it to bench/RESULTS.md with the machine it ran on.
import { fork } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { installAndBuild } from "../scripts/lib/setup.mjs";
import { dropWorkerPreloads, runInsideEmulators } from "./lib/emulators.mjs";
import { machineLine } from "./lib/machine.mjs";
import { markdownTable, row, textTable } from "./lib/table.mjs";

/** In the issue's order; `emulators`: the part needs them running. */
const PARTS = [
  { name: "ack", title: "Webhook acknowledgement, in process", emulators: true },
  { name: "hosting", title: "Through Hosting and the Functions emulator", emulators: true },
  { name: "ops", title: "Firestore operations per inbound message", emulators: true },
  { name: "scale", title: "End to end at scale", emulators: true },
  { name: "coldstart", title: "Cold start", emulators: false },
  { name: "lookups", title: "Lookups", emulators: true },
  { name: "engine", title: "Chat engine", emulators: false },
  { name: "faults", title: "Delivery under faults", emulators: true },
  { name: "adversarial", title: "Adversarial input", emulators: false },
  { name: "delivery", title: "Delivery as production delivers (simulator)", emulators: true },
  { name: "waitlist", title: "A live with a waitlist", emulators: true },
  { name: "live", title: "The live page's counters under a rush", emulators: true },
];
/**
 * Quiet, in-process parts first; then the Functions emulator's, the one that leaves a backlog of
 * trigger runs behind (hosting) last.
 */
const RUN_ORDER = [
  "coldstart",
  "engine",
  "adversarial",
  "lookups",
  "ops",
  "ack",
  "faults",
  "delivery",
  "live",
  "scale",
  "waitlist",
  "hosting",
];

const args = process.argv.slice(2);
const inside = args[0] === "--inside";
const names = args.filter((arg) => !arg.startsWith("--"));
const unknown = names.filter((name) => !PARTS.some((part) => part.name === name));
if (unknown.length > 0) {
  console.error(`unknown part ${unknown.join(", ")}; the parts are: ${PARTS.map((p) => p.name).join(", ")}`);
  process.exit(2);
}
const selected = names.length > 0 ? PARTS.filter((part) => names.includes(part.name)) : PARTS;
const full = selected.length === PARTS.length;

if (inside) dropWorkerPreloads();
else {
  process.env.BENCH_STARTED_AT ??= String(Date.now());
  await installAndBuild();
  const self = fileURLToPath(import.meta.url);
  if (selected.some((part) => part.emulators)) {
    process.exit(
      await runInsideEmulators(`node ${JSON.stringify(self)} --inside ${selected.map((p) => p.name).join(" ")}`),
    );
  }
}

/** Runs one part in a fresh process; resolves with its rows and details (or a row saying it failed). */
function runPart(part) {
  return new Promise((resolve) => {
    let result;
    const child = fork(join(fileURLToPath(new URL(".", import.meta.url)), "lib", "run-part.mjs"), [part.name], {
      stdio: "inherit",
      execArgv: ["--expose-gc"],
    });
    child.on("message", (message) => (result = message));
    child.on("exit", (code) => {
      if (result && code === 0) return resolve(result);
      resolve({
        rows: [row({ figure: `${part.title}: the part did not finish (exit ${code})`, pass: false })],
        details: "",
        failed: true,
      });
    });
  });
}

const results = new Map();
for (const name of RUN_ORDER) {
  const part = selected.find((p) => p.name === name);
  if (!part) continue;
  const number = PARTS.indexOf(part) + 1;
  console.log(`\n[bench] ${number}. ${part.title} (${part.name})`);
  const started = Date.now();
  const result = await runPart(part);
  console.log(`[bench] ${part.name} took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  results.set(name, { ...result, number, part });
}

const rows = [];
const details = [];
for (const part of selected) {
  const result = results.get(part.name);
  rows.push(...result.rows.map((r) => ({ ...r, part: String(result.number) })));
  if (result.details) details.push(`### ${result.number}. ${part.title}\n\n${result.details.trim()}\n`);
}
const judged = rows.filter((r) => r.result === "pass" || r.result === "MISS");
const missed = judged.filter((r) => r.result === "MISS");
const seconds = (Date.now() - Number(process.env.BENCH_STARTED_AT ?? Date.now())) / 1000;
const summary = `${judged.length - missed.length} of ${judged.length} targets met${missed.length ? `; missed: ${missed.map((r) => `${r.part}. ${r.figure}`).join("; ")}` : ""}.`;

console.log(`\n${textTable(rows)}\n\n${summary}`);
console.log(`${machineLine()}; ${full ? "whole run" : "these parts"} took ${(seconds / 60).toFixed(1)} min.`);
if (full) {
  const date = new Date().toISOString().slice(0, 10);
  writeFileSync(
    join(fileURLToPath(new URL(".", import.meta.url)), "RESULTS.md"),
    [
      "# Benchmark results",
      "",
      `Written by \`npm run bench\` on ${date}: ${machineLine()}. The run took ${(seconds / 60).toFixed(1)} minutes,`,
      "emulator start-up included. Ratios compare to a baseline measured in the same run; absolute times",
      "belong to this machine and the emulators (see docs/benchmarks.md).",
      "",
      markdownTable(rows),
      "",
      summary,
      "",
      "## Details",
      "",
      ...details,
    ].join("\n"),
  );
  console.log("written to bench/RESULTS.md");
} else {
  console.log("(bench/RESULTS.md is written by a full run)");
}
process.exit([...results.values()].some((r) => r.failed) ? 1 : 0);
