import { DocumentReference, type DocumentSnapshot, FieldValue, type Transaction } from "firebase-admin/firestore";
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

/**
 * A document as a step would read it, from fields held in memory: a document a producer's transaction
 * is creating (its first attempt is claimed in that same transaction), or a test's in-memory `Reads`.
 * Only what the steps use of a snapshot: `exists`, `get` (top-level or dotted fields), `data`, `ref`, `id`.
 */
export function snapshotOf(ref: DocumentReference, data: Record<string, unknown> | undefined): DocumentSnapshot {
  const fields = data && { ...data };
  const get = (field: string): unknown =>
    field.split(".").reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], fields);
  return { ref, id: ref.id, exists: fields !== undefined, get, data: () => fields } as unknown as DocumentSnapshot;
}

/** Reads that answer for some documents from memory (`snapshotOf`) and pass every other read on. */
export function readsWith(reads: Reads, known: ReadonlyMap<string, Record<string, unknown>>): Reads {
  return {
    get: ((target: unknown) => {
      if (target instanceof DocumentReference && known.has(target.path))
        return Promise.resolve(snapshotOf(target as DocumentReference, known.get(target.path)));
      return reads.get(target as DocumentReference);
    }) as Reads["get"],
  };
}

/** `fields` applied to `data` as an update would apply them (top-level fields; a delete removes the field). */
export function applyFields(data: Record<string, unknown>, fields: Record<string, unknown>): Record<string, unknown> {
  const next = { ...data };
  for (const [key, value] of Object.entries(fields)) {
    if (value instanceof FieldValue && value.isEqual(FieldValue.delete())) delete next[key];
    else next[key] = value;
  }
  return next;
}

/** A write a step asks for; applied once every read of the transaction is done. */
export type Write = (tx: Transaction) => void;

/** What a step decided: its answer, the writes that make it so, and the tasks to enqueue once committed. */
export interface Plan<T> {
  outcome: T;
  writes?: Write[];
  dispatches?: Dispatch[];
}

/**
 * Applies writes to a transaction, except the updates of documents it is creating (by path, with
 * their fields): those are merged into the document to create, so each is still one write.
 */
export function applyWrites(
  tx: Transaction,
  writes: readonly Write[],
  creating: Map<string, Record<string, unknown>>,
): void {
  const folding = {
    update: (ref: DocumentReference, fields: Record<string, unknown>) => {
      const created = creating.get(ref.path);
      if (created) creating.set(ref.path, applyFields(created, fields));
      else tx.update(ref, fields);
      return folding;
    },
    set: (...args: Parameters<Transaction["set"]>) => (tx.set(...args), folding),
    create: (...args: Parameters<Transaction["create"]>) => (tx.create(...args), folding),
    delete: (...args: Parameters<Transaction["delete"]>) => (tx.delete(...args), folding),
  };
  for (const write of writes) write(folding as unknown as Transaction);
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
