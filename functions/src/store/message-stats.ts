import { Timestamp } from "firebase-admin/firestore";
import { firestore } from "../shared/firestore";
import { OUTBOUND } from "./conversation-paths";

/** Outbound messages of a number not yet sent or failed (queued, waiting, scheduled, retrying, sending): one count query. */
export async function countUnsent(wabaInstanceId: string): Promise<number> {
  const snap = await firestore()
    .collectionGroup(OUTBOUND)
    .where("wabaInstanceId", "==", wabaInstanceId)
    .where("status", "in", ["queued", "sending"])
    .count()
    .get();
  return snap.data().count;
}

export interface RecentFailure {
  path: string;
  to: string | undefined;
  failedAt: string | undefined;
  code: string | undefined;
  reason: string | undefined;
  provider: string | undefined;
  /** The copy the console sent again, if any. */
  redrivenAs?: string;
}

/** A number's outbound messages that ended failed since `since`, newest first, with their reasons, and how many there are. */
export async function recentFailures(
  wabaInstanceId: string,
  since: Date,
  limit: number,
): Promise<{ count: number; latest: RecentFailure[] }> {
  const query = firestore()
    .collectionGroup(OUTBOUND)
    .where("wabaInstanceId", "==", wabaInstanceId)
    .where("status", "==", "failed")
    .where("failedAt", ">=", Timestamp.fromDate(since));
  const [count, latest] = await Promise.all([
    query.count().get(),
    query.orderBy("failedAt", "desc").limit(limit).get(),
  ]);
  return {
    count: count.data().count,
    latest: latest.docs.map((doc) => ({
      path: doc.ref.path,
      to: textOf(doc.get("to")),
      failedAt: (doc.get("failedAt") as Timestamp | undefined)?.toDate().toISOString(),
      code: textOf(doc.get("error.code")) ?? textOf(doc.get("delivery.lastError.code")),
      reason: textOf(doc.get("error.message")) ?? textOf(doc.get("delivery.lastError.message")),
      provider: textOf(doc.get("delivery.provider")),
      ...(typeof doc.get("redrivenAs") === "string" && { redrivenAs: doc.get("redrivenAs") as string }),
    })),
  };
}

/** A stored field as text; anything else (absent, or not written by this code) reads as absent. */
function textOf(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
