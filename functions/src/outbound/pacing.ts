import { FieldValue, Timestamp, type Transaction } from "firebase-admin/firestore";
import type { MessagingInstance } from "../model/waba-instance";
import type { Delivery } from "./delivery-state";
import { firestore } from "../shared/firestore";

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
