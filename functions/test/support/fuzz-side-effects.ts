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
    /** Where each write spy stands now: `pathsSince` lists what was written after it. */
    mark: () => writeSpies.map((spy) => spy.mock.calls.length),
    /**
     * The path of every document written since `mark`: a reference's own write names itself, a
     * transaction's, batch's or bulk writer's names the reference it is given.
     */
    pathsSince: (mark: number[]) =>
      writeSpies.flatMap((spy, s) => {
        const { calls, contexts } = spy.mock as unknown as { calls: unknown[][]; contexts: unknown[] };
        const from = mark[s] ?? 0;
        return calls.slice(from).map((args, i) => {
          const self = contexts[from + i];
          const target = self instanceof DocumentReference ? self : args[0];
          return target instanceof DocumentReference ? target.path : "(unknown)";
        });
      }),
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
