import type { Transaction } from "firebase-admin/firestore";
import { firestore } from "../shared/firestore";
import type { AttemptScheduler, Dispatch } from "./dispatch";

/** What a step may do while it decides: read, never write (Firestore transactions read before they write). */
export type Reads = Pick<Transaction, "get">;

/**
 * What a step uses of a message: its reference and its fields, as the transaction read them, or as
 * this process wrote them when no one else may have written since (a claim's lease).
 */
export interface MessageView {
  readonly ref: FirebaseFirestore.DocumentReference;
  readonly id: string;
  get(field: string): unknown;
}

/** A write a step asks for; applied once every read of the transaction is done. */
export type Write = (tx: Transaction) => void;

/** What a step decided: its answer, the writes that make it so, and the tasks to enqueue once committed. */
export interface Plan<T> {
  outcome: T;
  writes?: Write[];
  dispatches?: Dispatch[];
}

export const update =
  (ref: FirebaseFirestore.DocumentReference, data: Record<string, unknown>): Write =>
  (tx) =>
    tx.update(ref, data);

export const merge =
  (ref: FirebaseFirestore.DocumentReference, data: Record<string, unknown>): Write =>
  (tx) =>
    tx.set(ref, data, { merge: true });

/**
 * Runs one step of delivery in a transaction: the step reads and returns its plan, the plan's writes
 * are applied after all its reads, and its tasks are enqueued only after the commit (a task never
 * runs ahead of the state it acts on).
 */
export async function runStep<T>(scheduler: AttemptScheduler, step: (reads: Reads) => Promise<Plan<T>>): Promise<T> {
  const plan = await firestore().runTransaction(async (tx) => {
    const decided = await step(tx);
    for (const write of decided.writes ?? []) write(tx);
    return decided;
  });
  await scheduler.schedule(plan.dispatches ?? []);
  return plan.outcome;
}
