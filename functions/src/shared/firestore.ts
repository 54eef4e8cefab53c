import { getApps, initializeApp } from "firebase-admin/app";
import { getFirestore, type Firestore } from "firebase-admin/firestore";

/**
 * Initializes the default Admin app once per process. Must run at module load: firebase-functions
 * builds Firestore event snapshots with the default app before any handler code runs.
 */
export function ensureAdminApp(): void {
  if (getApps().length === 0) initializeApp();
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
