import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { counterDocId, LIVE_COUNTER_SHARDS, type CounterDeltas } from "../live/live-counters";
import { firestore } from "../shared/firestore";

/**
 * `vendors/{vendorId}/live_counters/{day}_{shard}`: the live page's counters (see live-counters.ts);
 * `vendors/{vendorId}/live_counted/{eventId}`: the order changes already counted, so a trigger
 * delivered twice counts once (`expireAt`: a TTL policy removes them after a week).
 */
function vendorDoc(vendorId: string) {
  return firestore().collection("vendors").doc(vendorId);
}

const COUNTED_FOR_MS = 7 * 24 * 60 * 60_000;

/** { a: { b: increment(n) } } for the path [a, b]: set with merge adds to nested maps, any key allowed. */
function nested(entries: ReadonlyArray<{ path: readonly string[]; by: number }>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const { path, by } of entries) {
    let node = root;
    path.slice(0, -1).forEach((key) => (node = (node[key] ??= {}) as Record<string, unknown>));
    node[path[path.length - 1]!] = FieldValue.increment(by);
  }
  return root;
}

/**
 * Adds one order change's increments (per day) to shard `shard` of each day, once per `eventId`: the
 * marker and the increments commit together, and a second delivery finds the marker and adds nothing.
 * Says whether it counted.
 */
export async function addToLiveCounters(
  vendorId: string,
  eventId: string,
  deltas: CounterDeltas,
  shard: number,
): Promise<boolean> {
  if (deltas.size === 0) return false;
  const batch = firestore().batch();
  batch.create(vendorDoc(vendorId).collection("live_counted").doc(eventId), {
    at: FieldValue.serverTimestamp(),
    expireAt: Timestamp.fromMillis(Date.now() + COUNTED_FOR_MS),
  });
  for (const [day, entries] of deltas) {
    batch.set(
      vendorDoc(vendorId).collection("live_counters").doc(counterDocId(day, shard)),
      { day, shard, updatedAt: FieldValue.serverTimestamp(), ...nested(entries) },
      { merge: true },
    );
  }
  try {
    await batch.commit();
    return true;
  } catch (error) {
    // ALREADY_EXISTS: this change was counted by an earlier delivery.
    if ((error as { code?: unknown }).code === 6) return false;
    throw error;
  }
}

/** Every counter document of the days given (absent ones are undefined): one read per shard and day. */
export async function readLiveCounters(
  vendorId: string,
  days: readonly string[],
): Promise<Array<Record<string, unknown> | undefined>> {
  const refs = days.flatMap((day) =>
    Array.from({ length: LIVE_COUNTER_SHARDS }, (_, shard) =>
      vendorDoc(vendorId).collection("live_counters").doc(counterDocId(day, shard)),
    ),
  );
  const snaps = await firestore().getAll(...refs);
  return snaps.map((snap) => snap.data());
}
