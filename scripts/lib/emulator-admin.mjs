// The Admin SDK of the functions package, pointed at the local emulators (never at a real project).
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { join } from "node:path";
import { FUNCTIONS_DIR, PROJECT_ID } from "./paths.mjs";

const require = createRequire(join(FUNCTIONS_DIR, "package.json"));
export const AUTH_HOST = (process.env.FIREBASE_AUTH_EMULATOR_HOST ??= "127.0.0.1:9099");
process.env.FIRESTORE_EMULATOR_HOST ??= "127.0.0.1:8080";

let app;
/** The Admin SDK app of these scripts, on the emulators. */
export function emulatorAdminApp() {
  return adminApp();
}
function adminApp() {
  const { initializeApp } = require("firebase-admin/app");
  app ??= initializeApp({ projectId: PROJECT_ID }, `scripts-${randomUUID()}`);
  return app;
}

export function emulatorFirestore() {
  const { getFirestore } = require("firebase-admin/firestore");
  return getFirestore(adminApp());
}

/** A user of the Auth emulator with these custom claims, and a fresh ID token (valid one hour). */
export async function emulatorIdToken(claims) {
  const { getAuth } = require("firebase-admin/auth");
  const auth = getAuth(adminApp());
  const email = `${claims.admin ? "admin" : claims.vendorId}-${randomUUID().slice(0, 8)}@livepay.test`;
  const password = randomUUID();
  const user = await auth.createUser({ email, password });
  await auth.setCustomUserClaims(user.uid, claims);
  const res = await fetch(
    `http://${AUTH_HOST}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=demo`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password, returnSecureToken: true }),
    },
  );
  const body = await res.json();
  if (!body.idToken) throw new Error(JSON.stringify(body));
  return body.idToken;
}
