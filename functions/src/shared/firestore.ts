import { getApps, initializeApp } from "firebase-admin/app";
import {
  getFirestore,
  type DocumentReference,
  type DocumentSnapshot,
  type Firestore,
  type Transaction,
} from "firebase-admin/firestore";

/** The account the Admin SDK names in a task's OIDC token on the Tasks emulator (which checks none). */
export const EMULATED_SERVICE_ACCOUNT = "emulated-service-acct@email.com";

/**
 * Initializes the default Admin app once per process. Must run at module load: firebase-functions
 * builds Firestore event snapshots with the default app before any handler code runs. On the
 * emulators the service account is named, so enqueuing a task never asks the metadata server
 * (169.254.169.254) for it; deployed, the SDK finds the real one there.
 */
export function ensureAdminApp(): void {
  if (getApps().length > 0) return;
  if (process.env.CLOUD_TASKS_EMULATOR_HOST) initializeApp({ serviceAccountId: EMULATED_SERVICE_ACCOUNT });
  else initializeApp();
}

let db: Firestore | undefined;

/** The Admin SDK's Firestore (emulator or production alike). */
export function firestore(): Firestore {
  if (!db) {
    ensureAdminApp();
    db = getFirestore();
  }
  return db;
}

/**
 * Two documents read in a transaction in one request. Reads started side by side take two: the first
 * read of a transaction starts it, and every other read waits for that answer.
 */
export async function getBoth(
  tx: Transaction,
  first: DocumentReference,
  second: DocumentReference,
): Promise<[DocumentSnapshot, DocumentSnapshot]> {
  const [a, b] = await tx.getAll(first, second);
  return [a!, b!];
}

/** gRPC's FAILED_PRECONDITION: a write's condition (an update time) no longer holds, or a query lacks its index. */
const FAILED_PRECONDITION = 9;

/** Whether `error` is FAILED_PRECONDITION: from a conditional write, its document changed since it was read. */
export function isFailedPrecondition(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === FAILED_PRECONDITION;
}
