import { FieldValue, Timestamp, type Transaction } from "firebase-admin/firestore";
import { circuitSchema, type Circuit } from "../model/circuit";
import { firestore, isFailedPrecondition } from "../shared/firestore";
import { WABA_RUNTIME } from "./collections";

export { WABA_RUNTIME };

/**
 * `waba_runtime/{wabaInstanceId}`: what Wasender, Meta and delivery keep moving on a number (failover
 * circuit, session state and history, QR code, provider errors, delivery problem), apart from the
 * `waba_instances` document an operator edits. No trigger listens here and the configuration cache
 * never reads it, so these writes evict no credentials and start no onboarding check.
 */
function runtimeRef(wabaInstanceId: string) {
  return firestore().collection(WABA_RUNTIME).doc(wabaInstanceId);
}

/** What a send decides its channel on, read in its transaction: the circuit and the session, as they are now. */
export interface InstanceRuntime {
  circuit: Circuit | undefined;
  /** A copy of the instance's `status` (kept by the session events and the instance trigger), saving the send a read. */
  status: string | undefined;
  sessionStatus: string | undefined;
  deliveryProblem: { code: string; message: string } | undefined;
  providerErrors: Record<string, { code: string; message: string; at?: Timestamp }> | undefined;
}

function millisOf(value: unknown): unknown {
  return value instanceof Timestamp ? value.toMillis() : value;
}

function parseCircuit(raw: Record<string, unknown> | undefined): Circuit | undefined {
  if (!raw) return undefined;
  const parsed = circuitSchema.safeParse({
    ...raw,
    since: millisOf(raw.since),
    probeAt: millisOf(raw.probeAt),
    probe: raw.probe ? { ...raw.probe, until: millisOf((raw.probe as Record<string, unknown>).until) } : undefined,
  });
  return parsed.success ? parsed.data : undefined;
}

function runtimeOf(data: Record<string, unknown> | undefined): InstanceRuntime {
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  const object = <T>(value: unknown) => (value !== null && typeof value === "object" ? (value as T) : undefined);
  return {
    circuit: parseCircuit(object(data?.circuit)),
    status: text(data?.status),
    sessionStatus: text(data?.sessionStatus),
    deliveryProblem: object(data?.deliveryProblem),
    providerErrors: object(data?.providerErrors),
  };
}

/**
 * The number's runtime as a send decides on it, read outside any transaction, with what a write of its
 * circuit is conditioned on: every claim and completion of a number's sends reads this one document,
 * and read in their transactions it would be locked by all of them, so that a write of the circuit
 * (a failure, the probe) waited on every send in flight (minutes on the emulator during an outage).
 */
export interface RuntimeRead {
  runtime: InstanceRuntime;
  /** When the document last changed; undefined: it did not exist. */
  updateTime: Timestamp | undefined;
}

export async function readRuntimeForSend(wabaInstanceId: string): Promise<RuntimeRead> {
  const snap = await runtimeRef(wabaInstanceId).get();
  return { runtime: runtimeOf(snap.data()), updateTime: snap.exists ? snap.updateTime : undefined };
}

/**
 * The circuit written in a transaction on condition that the runtime document is still as `read` saw
 * it: a commit refused (FAILED_PRECONDITION, or ALREADY_EXISTS for a document created meanwhile) is
 * made again on a fresh read (`isStaleRuntime`).
 */
export function writeCircuitAsRead(tx: Transaction, wabaInstanceId: string, circuit: Circuit, read: RuntimeRead): void {
  const fields = { circuit: storedCircuit(circuit) };
  if (read.updateTime) tx.update(runtimeRef(wabaInstanceId), fields, { lastUpdateTime: read.updateTime });
  else tx.create(runtimeRef(wabaInstanceId), fields);
}

const ALREADY_EXISTS = 6;

/** Whether a commit was refused because a runtime document changed since it was read (see `writeCircuitAsRead`). */
export function isStaleRuntime(error: unknown): boolean {
  return isFailedPrecondition(error) || (error as { code?: unknown } | undefined)?.code === ALREADY_EXISTS;
}

/** The number's runtime state, read once outside any transaction (a waiting message's reason). */
export async function readRuntime(wabaInstanceId: string): Promise<InstanceRuntime> {
  return runtimeOf((await runtimeRef(wabaInstanceId).get()).data());
}

/** Several numbers' runtime documents as stored, in one call (the health call); {} for a number without one. */
export async function readRuntimeDocs(wabaInstanceIds: string[]): Promise<Map<string, Record<string, unknown>>> {
  if (wabaInstanceIds.length === 0) return new Map();
  const snaps = await firestore().getAll(...wabaInstanceIds.map(runtimeRef));
  return new Map(snaps.map((snap) => [snap.id, snap.data() ?? {}]));
}

/** The circuit as stored: times as Firestore timestamps so an operator reads them in the console. */
function storedCircuit(circuit: Circuit): Record<string, unknown> {
  return {
    state: circuit.state,
    since: Timestamp.fromMillis(circuit.since),
    reason: circuit.reason,
    failures: circuit.failures,
    ...(circuit.probeAt !== undefined && { probeAt: Timestamp.fromMillis(circuit.probeAt) }),
    ...(circuit.probe && {
      probe: { message: circuit.probe.message, until: Timestamp.fromMillis(circuit.probe.until) },
    }),
  };
}

/** The last error of one provider on this number (`providerErrors.{provider}`), for the operator and the health call. */
export async function recordProviderError(
  wabaInstanceId: string,
  provider: string,
  error: { code: string; message: string },
): Promise<void> {
  await runtimeRef(wabaInstanceId).set(
    {
      providerErrors: {
        [provider]: { code: error.code, message: error.message.slice(0, 500), at: FieldValue.serverTimestamp() },
      },
    },
    { merge: true },
  );
}

/** A number whose session a provider refuses (`deliveryProblem`), or undefined to clear it. */
export async function writeDeliveryProblem(
  wabaInstanceId: string,
  problem: { code: string; message: string } | undefined,
): Promise<void> {
  await runtimeRef(wabaInstanceId).set(
    { deliveryProblem: problem ? { ...problem, at: FieldValue.serverTimestamp() } : FieldValue.delete() },
    { merge: true },
  );
  problemChecks.set(wabaInstanceId, { at: Date.now(), problem: problem !== undefined });
}

/**
 * Whether the number carries a `deliveryProblem` (to clear once a send goes through). A send does not
 * otherwise read the runtime document, so this looks at it once a minute per number and function
 * instance, never once per send; a mark this instance wrote is known at once.
 */
const PROBLEM_CHECK_MS = 60_000;
const problemChecks = new Map<string, { at: number; problem: boolean }>();

export async function hasDeliveryProblem(wabaInstanceId: string): Promise<boolean> {
  const known = problemChecks.get(wabaInstanceId);
  if (known && Date.now() - known.at < PROBLEM_CHECK_MS) return known.problem;
  const problem = (await readRuntime(wabaInstanceId).catch(() => undefined))?.deliveryProblem !== undefined;
  problemChecks.set(wabaInstanceId, { at: Date.now(), problem });
  return problem;
}

/** Keeps the latest QR string (`qrcode.updated`) so an operator can show it for scanning. */
export async function recordQrCode(wabaInstanceId: string, qr: string): Promise<void> {
  await runtimeRef(wabaInstanceId).set({ qrCode: qr, qrCodeUpdatedAt: FieldValue.serverTimestamp() }, { merge: true });
}

/** How many session status changes a number keeps, newest last. */
const HISTORY_LENGTH = 20;

/**
 * Reads (now, in `tx`) what a `session.status` event needs, and returns its write (to run after the
 * transaction's other reads): the raw session state, the status copy, a short history; the QR code
 * goes once connected.
 */
export async function prepareSessionStatus(
  tx: Transaction,
  wabaInstanceId: string,
  sessionStatus: string,
  status: "connected" | "disconnected" | "pending",
  at: Timestamp,
): Promise<() => void> {
  const ref = runtimeRef(wabaInstanceId);
  const snap = await tx.get(ref);
  const history = (snap.get("connectionHistory") as unknown[] | undefined) ?? [];
  return () =>
    tx.set(
      ref,
      {
        status,
        sessionStatus,
        sessionStatusAt: at,
        connectionHistory: [...history, { sessionStatus, status, at }].slice(-HISTORY_LENGTH),
        ...(status === "connected" && { qrCode: FieldValue.delete() }),
      },
      { merge: true },
    );
}

/**
 * Reads (now, in `tx`) the status copy, and returns the write that sets it to `status` (nothing when
 * it already says so); an undefined `status` (the instance deleted) removes the runtime document.
 */
export async function prepareStatusCopy(
  tx: Transaction,
  wabaInstanceId: string,
  status: string | undefined,
): Promise<() => void> {
  const ref = runtimeRef(wabaInstanceId);
  const snap = await tx.get(ref);
  if (status === undefined) return () => (snap.exists ? tx.delete(ref) : undefined);
  if (snap.get("status") === status) return () => {};
  return () => tx.set(ref, { status }, { merge: true });
}
