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
export async function recentFailures(wabaInstanceId: string, since: Date, limit: number): Promise<{ count: number; latest: RecentFailure[] }> {
  const query = firestore()
    .collectionGroup(OUTBOUND)
    .where("wabaInstanceId", "==", wabaInstanceId)
    .where("status", "==", "failed")
    .where("failedAt", ">=", Timestamp.fromDate(since));
  const [count, latest] = await Promise.all([query.count().get(), query.orderBy("failedAt", "desc").limit(limit).get()]);
  return {
    count: count.data().count,
    latest: latest.docs.map((doc) => ({
      path: doc.ref.path,
      to: doc.get("to"),
      failedAt: (doc.get("failedAt") as Timestamp | undefined)?.toDate().toISOString(),
      code: doc.get("error.code") ?? doc.get("delivery.lastError.code"),
      reason: doc.get("error.message") ?? doc.get("delivery.lastError.message"),
      provider: doc.get("delivery.provider"),
      ...(typeof doc.get("redrivenAs") === "string" && { redrivenAs: doc.get("redrivenAs") as string }),
    })),
  };
}
