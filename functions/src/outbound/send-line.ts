import type { DocumentSnapshot } from "firebase-admin/firestore";
import { firestore } from "../shared/firestore";
import { decodeDelivery, deliveryFields } from "./delivery-codec";
import { transition, type Delivery } from "./delivery-state";
import type { AttemptTask, Dispatch } from "./dispatch";
import { pace, pacedReason, readPacingLine, release, waitsForTurn, writePacingLine } from "./pacing";
import { update, type Reads, type Write } from "./step";

/** A paced number's send line: which number, and the spacing of its sends. */
export interface Line {
  wabaInstanceId: string;
  intervalMs: number;
}

export interface LineChange {
  writes: Write[];
  dispatches: Dispatch[];
}

/** Whether the message at `path` still waits for its turn on a send line (see waitsForTurn). */
async function waitsOnLine(reads: Reads, path: string): Promise<boolean> {
  const snap = await reads.get(firestore().doc(path));
  return waitsForTurn(snap.exists ? decodeDelivery(snap.get("delivery")) : undefined);
}

export type Turn =
  | { go: true; writes: Write[] }
  | { go: false; reason: string; writes: Write[]; dispatches: Dispatch[] };

/** A ready message asks for its turn on its number's send line: it goes now, gets a task for its slot, or waits. */
export async function takeTurn(reads: Reads, task: AttemptTask, ref: FirebaseFirestore.DocumentReference, delivery: Delivery, line: Line, now: number, leaseMs: number): Promise<Turn> {
  const current = await readPacingLine(reads, line.wabaInstanceId);
  // A first entry that no longer waits for its turn (ended, or failed elsewhere) must not hold the line.
  while (current.queue[0] !== undefined && current.queue[0] !== ref.path && !(await waitsOnLine(reads, current.queue[0]))) current.queue.shift();
  const verdict = pace(current, ref.path, now, leaseMs);
  const writes: Write[] = [(tx) => writePacingLine(tx, line.wabaInstanceId, verdict.line)];
  if (verdict.go) return { go: true, writes };
  if (verdict.at !== undefined) {
    const next = transition(delivery, { type: "schedule", at: verdict.at }, now);
    writes.push(update(ref, deliveryFields(next, now)));
    return { go: false, reason: `paced to ${new Date(verdict.at).toISOString()}`, writes, dispatches: [{ ...task, generation: next.generation, at: verdict.at }] };
  }
  const reason = pacedReason(verdict.ahead);
  if (delivery.waitingReason !== reason) writes.push(update(ref, deliveryFields(transition(delivery, { type: "wait", reason }, now), now)));
  return { go: false, reason, writes, dispatches: [] };
}

/**
 * Frees a number's send line (reads now; the writes follow every read): the line without this send,
 * and the first waiting message scheduled. Without `startedAt` the message only leaves the line (it
 * sent nothing): nothing to write when it was not on it, and the next slot stays as it was.
 */
export async function leaveLine(reads: Reads, path: string, line: Line & { startedAt?: number }, now: number): Promise<LineChange> {
  const current = await readPacingLine(reads, line.wabaInstanceId);
  if (line.startedAt === undefined && !current.queue.includes(path)) return { writes: [], dispatches: [] };
  const released = release(current, path, line.startedAt ?? 0, line.intervalMs);
  let first: DocumentSnapshot | undefined;
  while (released.queue[0] !== undefined) {
    first = await reads.get(firestore().doc(released.queue[0]));
    if (waitsForTurn(first.exists ? decodeDelivery(first.get("delivery")) : undefined)) break;
    released.queue.shift();
    first = undefined;
  }
  const writes: Write[] = [(tx) => writePacingLine(tx, line.wabaInstanceId, released)];
  const delivery = first ? decodeDelivery(first.get("delivery")) : undefined;
  if (!first || !delivery || released.inFlight) return { writes, dispatches: [] };
  const scheduled = transition(delivery, { type: "schedule", at: released.nextSlotAt }, now);
  writes.push(update(first.ref, deliveryFields(scheduled, now)));
  const conversation = first.ref.parent.parent!;
  const dispatch = { vendorId: conversation.parent.parent!.id, customer: conversation.id, messageId: first.id, generation: scheduled.generation, at: released.nextSlotAt };
  return { writes, dispatches: [dispatch] };
}
