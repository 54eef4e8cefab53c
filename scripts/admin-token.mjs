// `npm run --silent admin-token -- --admin` or `-- --vendor <vendorId>`: creates a user in the local
// Auth emulator with those custom claims and prints a fresh ID token for the admin API. Emulator only.
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { FUNCTIONS_DIR, PROJECT_ID } from "./lib/paths.mjs";

const USAGE = "usage: npm run --silent admin-token -- --admin | --vendor <vendorId>";
let values;
try {
  ({ values } = parseArgs({ options: { admin: { type: "boolean" }, vendor: { type: "string" } } }));
} catch (error) {
  console.error(`${error.message}\n${USAGE}`);
  process.exit(2);
}
if (!values.admin && !values.vendor) {
  console.error(USAGE);
  process.exit(2);
}
const authHost = (process.env.FIREBASE_AUTH_EMULATOR_HOST ??= "127.0.0.1:9099");
const require = createRequire(join(FUNCTIONS_DIR, "package.json"));
const { initializeApp } = require("firebase-admin/app");
const { getAuth } = require("firebase-admin/auth");
const auth = getAuth(initializeApp({ projectId: PROJECT_ID }));

const email = `${values.admin ? "admin" : values.vendor}-${randomUUID().slice(0, 8)}@livepay.test`;
const password = randomUUID();
try {
  const user = await auth.createUser({ email, password });
  await auth.setCustomUserClaims(user.uid, values.admin ? { admin: true } : { vendorId: values.vendor });
  const res = await fetch(`http://${authHost}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=demo`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password, returnSecureToken: true }),
  });
  const body = await res.json();
  if (!body.idToken) throw new Error(JSON.stringify(body));
  console.log(body.idToken);
  process.exit(0);
} catch (error) {
  console.error(`cannot get a token from the Auth emulator at ${authHost}: is \`npm start\` running? (${error.message})`);
  process.exit(1);
}
