// Transactions retried for contention, counted per kind, for the delivery simulator: the Admin SDK runs a
// transaction's function again when its commit lost to another writer (ABORTED); a commit refused because
// a document read outside the transaction changed since (FAILED_PRECONDITION: a stock shard another buyer
// drew from, a message the ordering read saw) is counted as refused (the product runs it again on fresh
// reads, as a new transaction). A transaction's kind is
// the kind of run it is part of (`event`, `task`, `callback`, `schedule`) and the collections of the
// first document it reads (e.g. `task: vendors/conversations`), so a count says which document the runs
// fought over.
import { currentRun } from "./crash-points.mjs";

const FAILED_PRECONDITION = 9;
const counts = new Map();
let installed = false;

/** The collections along a document's path: `vendors/x/orders/y` is `vendors/orders`. */
function collectionsOf(ref) {
  const parts = String(ref?.path ?? "").split("/");
  return parts.filter((_, index) => index % 2 === 0).join("/") || "query";
}

/**
 * Wraps `Firestore.prototype.runTransaction` (once per process, after `installCrashPoints`) to count
 * each transaction's attempts.
 */
export function countTransactionRetries(firestoreModule) {
  if (installed) return;
  installed = true;
  const { Firestore } = firestoreModule;
  const original = Firestore.prototype.runTransaction;
  Firestore.prototype.runTransaction = function (updateFunction, options) {
    const run = currentRun();
    let attempts = 0;
    let kind;
    const counted = (tx) => {
      attempts += 1;
      if (attempts === 1) {
        for (const name of ["get", "getAll"]) {
          const read = tx[name];
          tx[name] = function (target, ...rest) {
            kind ??= `${run?.kind ?? "other"}: ${collectionsOf(target)}`;
            return read.call(this, target, ...rest);
          };
        }
      }
      return updateFunction(tx);
    };
    const settle = (error) => {
      const key = kind ?? `${run?.kind ?? "other"}: no read`;
      const entry = counts.get(key) ?? { transactions: 0, retried: 0, retries: 0, refused: 0 };
      entry.transactions += 1;
      if (error?.code === FAILED_PRECONDITION) entry.refused += 1;
      if (attempts > 1) {
        entry.retried += 1;
        entry.retries += attempts - 1;
      }
      counts.set(key, entry);
    };
    const result = original.call(this, counted, options);
    result.then(() => settle(), settle);
    return result;
  };
  // Installed after the crash points: they must not wrap it again.
  Firestore.prototype.runTransaction.mortal = original.mortal;
}

/** The counts since the last reset, by kind: `{ transactions, retried, retries, refused }`. */
export function transactionRetries() {
  return Object.fromEntries([...counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

export function resetTransactionRetries() {
  counts.clear();
}
