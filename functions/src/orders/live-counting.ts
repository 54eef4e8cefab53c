import type { DocumentData } from "firebase-admin/firestore";
import { counterDeltas } from "../live/live-counters";
import { addToLiveCounters } from "../store/live-counters";

/**
 * The order trigger's share for the live page: the change of one order document (its state before and
 * after) added to the vendor's live counters, once per event however often the event is delivered.
 */
export async function countOrderChange(
  vendorId: string,
  reference: string,
  eventId: string,
  before: DocumentData | undefined,
  after: DocumentData | undefined,
): Promise<boolean> {
  return addToLiveCounters(vendorId, eventId, counterDeltas(reference, before, after));
}
