import {
  type DocumentSnapshot,
  FieldValue,
  type QueryDocumentSnapshot,
  Timestamp,
  type Transaction,
} from "firebase-admin/firestore";
import { firestore } from "../shared/firestore";
import { conversationOf, OUTBOUND } from "../store/conversation-paths";
import { decodeDelivery, type Delivery, deliveryFields, transition } from "./delivery-state";
import type { AttemptTask, Dispatch } from "./dispatch";
import { type MessageView, type Reads, update, type Write } from "./step";
import type { MessagingInstance } from "../model/waba-instance";

/**
 * A paced number's send line without a hot document (README, "Pacing"): the turn passes from message
 * to message. The one holding it carries `pacingTurn`; a ready message that finds the line busy marks
 * itself waiting (`pacedAt`, its ready time) and has no task; when the holder's send ends, the oldest
 * waiter (one query) gets the turn and a task at the holder's start plus the interval. Only when no
 * one waits does the line go idle. The line document is written idle→busy and busy→idle only.
 */

/** A change of the line: fields for the message itself (merged into its own update), other writes, tasks. */
export interface LineChange {
  fields: Record<string, unknown>;
  writes: Write[];
  dispatches: Dispatch[];
}

const NO_CHANGE: LineChange = { fields: {}, writes: [], dispatches: [] };
/** Waiters found ended or no longer waiting are dropped from the line on the way; at most this many per hand-over. */
const STALE_SKIPS = 5;

function waitersOf(wabaInstanceId: string) {
  return firestore().collectionGroup(OUTBOUND).where("wabaInstanceId", "==", wabaInstanceId).orderBy(WAITING_SINCE);
}

/** The message holding the number's turn, if any (one query). */
async function holderOf(reads: Reads, wabaInstanceId: string): Promise<QueryDocumentSnapshot | undefined> {
  const snap = await reads.get(
    firestore()
      .collectionGroup(OUTBOUND)
      .where("wabaInstanceId", "==", wabaInstanceId)
      .where(HOLDS_TURN, "==", true)
      .limit(1),
  );
  return snap.docs[0];
}

/** The oldest message still waiting for the turn (one query, `limit(1)`); stale entries met on the way are dropped. */
async function oldestWaiter(
  reads: Reads,
  wabaInstanceId: string,
  writes: Write[],
): Promise<QueryDocumentSnapshot | undefined> {
  let after: QueryDocumentSnapshot | undefined;
  for (let i = 0; i < STALE_SKIPS; i += 1) {
    const query = after ? waitersOf(wabaInstanceId).startAfter(after).limit(1) : waitersOf(wabaInstanceId).limit(1);
    const found = (await reads.get(query)).docs[0];
    if (!found) return undefined;
    if (waitsForTurn(decodeDelivery(found.get("delivery")))) return found;
    writes.push(update(found.ref, { [WAITING_SINCE]: FieldValue.delete() }));
    after = found;
  }
  return undefined;
}

function taskOf(ref: FirebaseFirestore.DocumentReference, generation: number, at: number): Dispatch {
  return { ...conversationOf(ref), messageId: ref.id, generation, at };
}

/** The turn handed to a waiter: scheduled for `at` with a task of its own. */
function handTo(waiter: QueryDocumentSnapshot, at: number, now: number): { write: Write; dispatch: Dispatch } {
  const scheduled = transition(decodeDelivery(waiter.get("delivery"))!, { type: "schedule", at }, now);
  return {
    write: update(waiter.ref, {
      ...deliveryFields(scheduled, now),
      [HOLDS_TURN]: true,
      [WAITING_SINCE]: FieldValue.delete(),
    }),
    dispatch: taskOf(waiter.ref, scheduled.generation, at),
  };
}

/**
 * The turn leaves its holder: the oldest waiter gets it, with a task for `slot` (not before now), or
 * the line goes idle with `slot` as its next slot. Reads now; writes in the change.
 */
async function passLineTurn(reads: Reads, wabaInstanceId: string, slot: number, now: number): Promise<LineChange> {
  const writes: Write[] = [];
  const waiter = await oldestWaiter(reads, wabaInstanceId, writes);
  if (!waiter)
    return { fields: {}, writes: [...writes, (tx) => writeLineIdle(tx, wabaInstanceId, slot)], dispatches: [] };
  const { write, dispatch } = handTo(waiter, handOverAt(slot, now), now);
  return { fields: {}, writes: [...writes, write], dispatches: [dispatch] };
}

export type Turn = { go: true; change: LineChange } | { go: false; reason: string; change: LineChange };

/**
 * A ready message asks for its number's turn: it holds it already (its slot has come), or takes the
 * idle line (now, or with a task for the next slot), or parks as a waiter. A line whose holder no
 * longer uses the turn (it ended or waits for something else) is handed to its oldest waiter.
 */
export async function takeTurn(
  reads: Reads,
  task: AttemptTask,
  snap: DocumentSnapshot,
  delivery: Delivery,
  wabaInstanceId: string,
  now: number,
): Promise<Turn> {
  if (snap.get(HOLDS_TURN) === true) return { go: true, change: NO_CHANGE };
  const taken = { [HOLDS_TURN]: true, [WAITING_SINCE]: FieldValue.delete() };
  // Read even when busy: the idle write of a holder that found no waiter conflicts with this read.
  const line = await readLine(reads, wabaInstanceId);
  if (!line.busy) {
    const busy: Write = (tx) => writeLineBusy(tx, wabaInstanceId, now);
    const verdict = onIdleLine(line, now);
    if (verdict.go) return { go: true, change: { fields: taken, writes: [busy], dispatches: [] } };
    const scheduled = transition(delivery, { type: "schedule", at: verdict.at }, now);
    return {
      go: false,
      reason: `paced to ${new Date(verdict.at).toISOString()}`,
      change: {
        fields: { ...deliveryFields(scheduled, now), ...taken },
        writes: [busy],
        dispatches: [{ ...task, generation: scheduled.generation, at: verdict.at }],
      },
    };
  }
  const holder = await holderOf(reads, wabaInstanceId);
  const waitingSince: unknown = snap.get(WAITING_SINCE) ?? Timestamp.fromMillis(now);
  const park = (change: LineChange): Turn => ({
    go: false,
    reason: PACED_REASON,
    change: {
      ...change,
      fields: {
        [WAITING_SINCE]: waitingSince,
        ...(delivery.waitingReason !== PACED_REASON &&
          deliveryFields(transition(delivery, { type: "wait", reason: PACED_REASON }, now), now)),
      },
    },
  });
  if (holder && usesTurn(decodeDelivery(holder.get("delivery")))) return park(NO_CHANGE);
  // A dead turn: its holder ended or waits for something else. The oldest waiter gets it (this message
  // if it is the oldest, or if no one else waits); the line stays busy.
  const writes: Write[] = holder ? [update(holder.ref, { [HOLDS_TURN]: FieldValue.delete() })] : [];
  const waiter = await oldestWaiter(reads, wabaInstanceId, writes);
  if (waiter && waiter.ref.path !== snap.ref.path) {
    const { write, dispatch } = handTo(waiter, now, now);
    return park({ fields: {}, writes: [...writes, write], dispatches: [dispatch] });
  }
  return { go: true, change: { fields: taken, writes, dispatches: [] } };
}

/**
 * A message that will not send now (it failed at its claim, waits for its session) leaves the line: a
 * waiter just stops waiting; the holder passes the turn on, its slot unused.
 */
export async function leaveLine(
  reads: Reads,
  snap: DocumentSnapshot,
  delivery: Delivery,
  now: number,
): Promise<LineChange> {
  const wabaInstanceId: unknown = snap.get("wabaInstanceId");
  if (typeof wabaInstanceId !== "string") return NO_CHANGE;
  if (snap.get(HOLDS_TURN) === true) {
    const passed = await passLineTurn(reads, wabaInstanceId, delivery.slotAt ?? now, now);
    return { ...passed, fields: { [HOLDS_TURN]: FieldValue.delete() } };
  }
  if (snap.get(WAITING_SINCE) !== undefined) return { ...NO_CHANGE, fields: { [WAITING_SINCE]: FieldValue.delete() } };
  return NO_CHANGE;
}

/** A send of the turn's holder ended (sent, retry, failed): the next send may start an interval after this one started. */
export async function endTurn(
  reads: Reads,
  snap: MessageView,
  startedAt: number,
  intervalMs: number,
  now: number,
): Promise<LineChange> {
  const wabaInstanceId: unknown = snap.get("wabaInstanceId");
  if (snap.get(HOLDS_TURN) !== true || typeof wabaInstanceId !== "string") return NO_CHANGE;
  const passed = await passLineTurn(reads, wabaInstanceId, startedAt + intervalMs, now);
  return { ...passed, fields: { [HOLDS_TURN]: FieldValue.delete() } };
}

/** Whether a number's line will reach its waiters by itself: busy, with a holder that still uses the turn (sweep). */
export async function lineMoves(reads: Reads, wabaInstanceId: string): Promise<boolean> {
  const line = await readLine(reads, wabaInstanceId);
  if (!line.busy) return false;
  const holder = await holderOf(reads, wabaInstanceId);
  return holder !== undefined && usesTurn(decodeDelivery(holder.get("delivery")));
}

/** The spacing between two sends of a number with a send rate (its Wasender plan; failover sends keep it), or undefined (no pacing). */
export function sendIntervalMs(instance: MessagingInstance): number | undefined {
  if (!instance.sendRatePerMinute) return undefined;
  return (instance.sendRateWindowSeconds * 1000) / instance.sendRatePerMinute;
}

/**
 * `send_pacing/{wabaInstanceId}`: a paced number's send line, a few scalars only. `busy` while some
 * message holds the number's turn (README, "Pacing"); `nextSlotAt`, written when the line goes idle,
 * is the earliest start of the next send. Written only when the line goes idle→busy or busy→idle
 * (`writes` counts them), never per send: the turn passes from message to message.
 */
export interface LineState {
  busy: boolean;
  nextSlotAt: number;
}

function lineRef(wabaInstanceId: string) {
  return firestore().collection("send_pacing").doc(wabaInstanceId);
}

export async function readLine(reads: Pick<Transaction, "get">, wabaInstanceId: string): Promise<LineState> {
  const snap = await reads.get(lineRef(wabaInstanceId));
  return {
    busy: snap.get("busy") === true,
    nextSlotAt: (snap.get("nextSlotAt") as Timestamp | undefined)?.toMillis?.() ?? 0,
  };
}

export function writeLineBusy(tx: Transaction, wabaInstanceId: string, now: number): void {
  tx.set(
    lineRef(wabaInstanceId),
    { busy: true, busySince: Timestamp.fromMillis(now), writes: FieldValue.increment(1) },
    { merge: true },
  );
}

export function writeLineIdle(tx: Transaction, wabaInstanceId: string, nextSlotAt: number): void {
  tx.set(
    lineRef(wabaInstanceId),
    { busy: false, busySince: null, nextSlotAt: Timestamp.fromMillis(nextSlotAt), writes: FieldValue.increment(1) },
    { merge: true },
  );
}

/** The message fields of the line: `pacedAt` while it waits for the turn (its ready time), `pacingTurn` while it holds it. */
export const WAITING_SINCE = "pacedAt";
export const HOLDS_TURN = "pacingTurn";

const PACED = "paced:";

/** The waiting reason of a message that waits for its turn on its number's send line. */
export const PACED_REASON = `${PACED} waiting for its turn on this number`;

export function isPacedWait(delivery: Delivery): boolean {
  return delivery.state === "waiting" && (delivery.waitingReason?.startsWith(PACED) ?? false);
}

/**
 * Whether a waiting message may be given the turn: ready (queued, scheduled) or paced. One that waits
 * for something else (its number's session, an earlier message of its conversation) or ended must not
 * get it: it joins the line again when it is ready.
 */
export function waitsForTurn(delivery: Delivery | undefined): boolean {
  return (
    delivery !== undefined && (delivery.state === "queued" || delivery.state === "scheduled" || isPacedWait(delivery))
  );
}

/**
 * Whether the message holding the turn still uses it: about to send (its task due), sending, or
 * retrying after its sender died. One that ended, waits, or is gone holds it no more (a dead turn).
 */
export function usesTurn(delivery: Delivery | undefined): boolean {
  return delivery !== undefined && ["queued", "scheduled", "sending", "retrying"].includes(delivery.state);
}

/** When the waiter handed the turn may start: the slot (the last start plus the interval), never in the past (pure). */
export function handOverAt(slot: number, now: number): number {
  return Math.max(now, slot);
}

/** A ready message that finds the line idle takes the turn: it goes now, or at the line's next slot (pure). */
export function onIdleLine(line: LineState, now: number): { go: true } | { go: false; at: number } {
  return now >= line.nextSlotAt ? { go: true } : { go: false, at: line.nextSlotAt };
}
