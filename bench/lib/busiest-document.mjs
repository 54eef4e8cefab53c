// The busiest document of a stretch of a run: the most writes any one document received in any 10 s
// window, per second, read from the Functions emulator's workers' write log (see worker-writes.mjs).
// Firestore's guidance is about 1 sustained write per second per document.
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { WORKER_WRITES_LOG } from "./emulators.mjs";
import { pathPattern } from "./op-counter.mjs";

export const WINDOW_MS = 10_000;

/** The logged writes from `from` to `to` (ms since epoch): [{ at, op, document }]. */
export function workerWrites(from, to) {
  const writes = [];
  for (const line of readFileSync(process.env.WORKER_WRITES_LOG ?? WORKER_WRITES_LOG, "utf8").split("\n")) {
    const [at, op, document] = line.split(" ");
    if (!document) continue;
    const time = Number(at);
    if (time >= from && time <= to) writes.push({ at: time, op, document });
  }
  return writes;
}

/**
 * The document with the most writes in one window (sliding, any start), over `writes`:
 * { document, pattern, inWindow, perSecond, total } (total: its writes in the whole stretch), or
 * undefined when nothing was written.
 */
export function busiestDocument(writes, windowMs = WINDOW_MS) {
  const byDocument = new Map();
  for (const write of writes) {
    if (!byDocument.has(write.document)) byDocument.set(write.document, []);
    byDocument.get(write.document).push(write.at);
  }
  let busiest;
  for (const [document, times] of byDocument) {
    times.sort((a, b) => a - b);
    let most = 0;
    for (let first = 0, last = 0; last < times.length; last++) {
      while (times[last] - times[first] >= windowMs) first++;
      most = Math.max(most, last - first + 1);
    }
    if (!busiest || most > busiest.inWindow)
      busiest = {
        document,
        pattern: pathPattern(document),
        inWindow: most,
        perSecond: most / (windowMs / 1000),
        total: times.length,
      };
  }
  return busiest;
}

/**
 * The busiest document between `from` and `to`, once the workers' last writes of the stretch are in
 * the log (they are appended as each commit returns: a moment is enough).
 */
export async function busiestDocumentBetween(from, to) {
  await sleep(500);
  const writes = workerWrites(from, to);
  return { writes, busiest: busiestDocument(writes) };
}

/** "8.4 writes/s on send_pacing/* (84 in 10 s; 312 in the stretch)" */
export function describeBusiest(busiest) {
  if (!busiest) return "no write";
  return `${busiest.perSecond.toFixed(1)} writes/s on ${busiest.pattern} (${busiest.inWindow} in ${WINDOW_MS / 1000} s; ${busiest.total} in all)`;
}
