import { Timestamp, type Transaction } from "firebase-admin/firestore";
import type { MessagingInstance } from "../model/waba-instance";
import type { Delivery } from "./delivery-state";
import { firestore } from "../shared/firestore";

/** The spacing between two sends of a number with a send rate (its Wasender plan; failover sends keep it), or undefined (no pacing). */
export function sendIntervalMs(instance: MessagingInstance): number | undefined {
  if (!instance.sendRatePerMinute) return undefined;
  return (instance.sendRateWindowSeconds * 1000) / instance.sendRatePerMinute;
}

/**
 * `send_pacing/{wabaInstanceId}`: a paced number's send line, shared by every function instance.
 * `queue` lists, in the order they became ready, the messages (document paths) waiting for their turn;
 * `inFlight` is the one being sent. When a send ends, `nextSlotAt` becomes its start plus the interval,
 * and the first message of the queue gets a task for that time; the others have no task and wait. So
 * sends start at least an interval apart even when a task runs late or Wasender answers slowly, and
 * leave in the order they were ready.
 */
export interface PacingLine {
  nextSlotAt: number;
  queue: string[];
  inFlight?: { path: string; since: number };
}

function lineRef(wabaInstanceId: string) {
  return firestore().collection("send_pacing").doc(wabaInstanceId);
}

export async function readPacingLine(reads: Pick<Transaction, "get">, wabaInstanceId: string): Promise<PacingLine> {
  const snap = await reads.get(lineRef(wabaInstanceId));
  const queue = snap.get("queue");
  const inFlightPath = snap.get("inFlight.path");
  const inFlightSince = snap.get("inFlight.since") as Timestamp | undefined;
  return {
    nextSlotAt: (snap.get("nextSlotAt") as Timestamp | undefined)?.toMillis() ?? 0,
    queue: Array.isArray(queue) ? queue.filter((path): path is string => typeof path === "string") : [],
    ...(typeof inFlightPath === "string" && inFlightSince && { inFlight: { path: inFlightPath, since: inFlightSince.toMillis() } }),
  };
}

export function writePacingLine(tx: Transaction, wabaInstanceId: string, next: PacingLine): void {
  tx.set(lineRef(wabaInstanceId), {
    nextSlotAt: Timestamp.fromMillis(next.nextSlotAt),
    queue: next.queue,
    inFlight: next.inFlight ? { path: next.inFlight.path, since: Timestamp.fromMillis(next.inFlight.since) } : null,
  });
}

const PACED = "paced:";

/** The waiting reason of a message that waits for its turn on its number's send line. */
export function pacedReason(ahead: number): string {
  return `${PACED} ${ahead} message(s) ahead on this number`;
}

export function isPacedWait(delivery: Delivery): boolean {
  return delivery.state === "waiting" && (delivery.waitingReason?.startsWith(PACED) ?? false);
}

/**
 * Whether a message on a send line still waits for its turn there: ready (queued, scheduled) or
 * paced. One that waits for something else (its number's session, an earlier message of its
 * conversation) or ended must not hold the line: it joins it again when it is ready.
 */
export function waitsForTurn(delivery: Delivery | undefined): boolean {
  return delivery !== undefined && (delivery.state === "queued" || delivery.state === "scheduled" || isPacedWait(delivery));
}

export type PacingVerdict =
  | { go: true; line: PacingLine }
  /** Wait: `at` for a task of its own when first in line and nothing is in flight, else for the hand-over. */
  | { go: false; line: PacingLine; at?: number; ahead: number };

/** Whether the message at `path` may start its send now (pure). A send in flight longer than `leaseMs` died. */
export function pace(line: PacingLine, path: string, now: number, leaseMs: number): PacingVerdict {
  const queue = line.queue.includes(path) ? line.queue : [...line.queue, path];
  const position = queue.indexOf(path);
  // Even its own earlier send counts while its lease runs: a duplicate task must not start a second one.
  const busy = line.inFlight !== undefined && now - line.inFlight.since < leaseMs;
  if (position === 0 && !busy && now >= line.nextSlotAt) {
    return { go: true, line: { nextSlotAt: line.nextSlotAt, queue: queue.slice(1), inFlight: { path, since: now } } };
  }
  const own = position === 0 && !busy ? { at: line.nextSlotAt } : {};
  return { go: false, line: { ...line, queue }, ahead: position + (busy ? 1 : 0), ...own };
}

/** The line after the send of `path` (started at `startedAt`) ended: the next slot, and who is first now (pure). */
export function release(line: PacingLine, path: string, startedAt: number, intervalMs: number): PacingLine {
  const { inFlight, ...rest } = line;
  const stillOurs = inFlight?.path === path;
  return {
    ...rest,
    nextSlotAt: Math.max(line.nextSlotAt, startedAt + intervalMs),
    queue: line.queue.filter((queued) => queued !== path),
    ...(!stillOurs && inFlight && { inFlight }),
  };
}
