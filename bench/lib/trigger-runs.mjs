// The runs of one function in a stretch of a run, from the workers' run log (see worker-runs.mjs): how
// many ran at once, how long each took, and how long the emulator waited between one run's end and the
// next one's start. With a backlog of events, runs one after another show the Firestore emulator
// handing a function its events one at a time, and what that caps the throughput at.
import { readFileSync } from "node:fs";
import { WORKER_RUNS_LOG } from "./emulators.mjs";
import { p50 } from "./stats.mjs";

/** The logged runs of `target` that started from `from` to `to` (ms since epoch), by start: [{ start, end }]. */
export function workerRuns(target, from, to) {
  const runs = [];
  for (const line of readFileSync(process.env.WORKER_RUNS_LOG ?? WORKER_RUNS_LOG, "utf8").split("\n")) {
    const [start, end, name] = line.split(" ");
    if (name !== target) continue;
    const run = { start: Number(start), end: Number(end) };
    if (run.start >= from && run.start <= to) runs.push(run);
  }
  return runs.sort((a, b) => a.start - b.start);
}

/**
 * { count, atOnce (the most running at one moment), runP50, gapP50 (from a run's end to the next
 * start, when the next started after it), busyShare (of the time from the first start to the last
 * end), perSecond (runs over that time) }, or undefined without runs.
 */
export function describeRuns(runs) {
  if (runs.length === 0) return undefined;
  const edges = runs.flatMap((run) => [
    [run.start, 1],
    [run.end, -1],
  ]);
  // At one instant an end goes before a start: back-to-back runs are not at once.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let running = 0;
  let atOnce = 0;
  for (const [, change] of edges) atOnce = Math.max(atOnce, (running += change));
  let busy = 0;
  const gaps = [];
  let coveredUntil = -Infinity; // the latest end so far
  for (const run of runs) {
    busy += Math.max(0, run.end - Math.max(run.start, coveredUntil));
    if (coveredUntil !== -Infinity && run.start >= coveredUntil) gaps.push(run.start - coveredUntil);
    coveredUntil = Math.max(coveredUntil, run.end);
  }
  const span = Math.max(...runs.map((run) => run.end)) - runs[0].start;
  return {
    count: runs.length,
    atOnce,
    runP50: p50(runs.map((run) => run.end - run.start)),
    gapP50: gaps.length > 0 ? p50(gaps) : 0,
    busyShare: busy / span,
    perSecond: runs.length / (span / 1000),
  };
}
