// `npm run --silent admin-token -- --admin` or `-- --vendor <vendorId>`: creates a user in the local
// Auth emulator with those custom claims and prints a fresh ID token for the admin API. Emulator only.
import { parseArgs } from "node:util";
import { AUTH_HOST, emulatorIdToken } from "./lib/emulator-admin.mjs";

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
try {
  console.log(await emulatorIdToken(values.admin ? { admin: true } : { vendorId: values.vendor }));
  process.exit(0);
} catch (error) {
  console.error(
    `cannot get a token from the Auth emulator at ${AUTH_HOST}: is \`npm start\` running? (${error.message})`,
  );
  process.exit(1);
}
