// The console's demo accounts in the Auth emulator: `npm start` creates and prints them, the browser
// tests sign in with them. Local passwords only: the emulator never holds a real account.
import { createRequire } from "node:module";
import { join } from "node:path";
import { emulatorAdminApp } from "./emulator-admin.mjs";
import { FUNCTIONS_DIR } from "./paths.mjs";

const require = createRequire(join(FUNCTIONS_DIR, "package.json"));

export const CONSOLE_USERS = [
  {
    role: "operator (every vendor)",
    email: "operator@livepay.test",
    password: "operator-demo-1",
    claims: { admin: true },
  },
  {
    role: "staff of vendor_001",
    email: "staff@awa-couture.test",
    password: "vendor-001-demo",
    claims: { vendorId: "vendor_001" },
  },
  {
    role: "staff of vendor_002",
    email: "staff@dakar-sneakers.test",
    password: "vendor-002-demo",
    claims: { vendorId: "vendor_002" },
  },
];

/** Creates the demo accounts (or resets their password and claims) in the Auth emulator. */
export async function ensureConsoleUsers(users = CONSOLE_USERS) {
  const { getAuth } = require("firebase-admin/auth");
  const auth = getAuth(emulatorAdminApp());
  for (const user of users) {
    let uid;
    try {
      uid = (await auth.getUserByEmail(user.email)).uid;
      await auth.updateUser(uid, { password: user.password });
    } catch {
      uid = (await auth.createUser({ email: user.email, password: user.password, emailVerified: true })).uid;
    }
    await auth.setCustomUserClaims(uid, user.claims);
  }
  return users;
}
