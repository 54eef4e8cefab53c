import { BulkWriter, DocumentReference, Transaction, WriteBatch } from "firebase-admin/firestore";
import { vi } from "vitest";

/**
 * What a fuzz run must never cause unnoticed: every Firestore write this process starts (counted by spies
 * that pass through) and every unhandled rejection, counted between `start()` and `stop()`.
 */
export function fuzzSideEffects() {
  const writeSpies: Array<{ mock: { calls: unknown[] } }> = [];
  let unhandled = 0;
  const onUnhandled = () => {
    unhandled += 1;
  };
  return {
    writes: () => writeSpies.reduce((sum, spy) => sum + spy.mock.calls.length, 0),
    unhandled: () => unhandled,
    start() {
      const prototypes = [
        DocumentReference.prototype,
        WriteBatch.prototype,
        Transaction.prototype,
        BulkWriter.prototype,
      ];
      for (const prototype of prototypes) {
        for (const name of ["set", "create", "update", "delete"] as const) {
          writeSpies.push(vi.spyOn(prototype as never, name));
        }
      }
      process.on("unhandledRejection", onUnhandled);
    },
    stop() {
      process.off("unhandledRejection", onUnhandled);
    },
  };
}
