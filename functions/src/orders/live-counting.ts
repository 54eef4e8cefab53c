import type { DocumentData } from "firebase-admin/firestore";
import { counterDeltas, takeCounterShard } from "../live/live-counters";
import { addToLiveCounters } from "../store/live-counters";

/**
 * The order trigger's share for the live page: the change of one order document (its state before and
 * after) added to the vendor's live counters, once per event however often the event is delivered.
 */
export async function countOrderChange(
  vendorId: string,
  eventId: string,
  before: DocumentData | undefined,
  after: DocumentData | undefined,
): Promise<boolean> {
  const deltas = counterDeltas(before, after);
  return deltas.size > 0 && addToLiveCounters(vendorId, eventId, deltas, takeCounterShard());
}
