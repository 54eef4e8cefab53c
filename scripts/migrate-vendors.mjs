// `npm run migrate -- <vendors.json|vendors.csv> [--project <id>] [--register-webhooks]
//                    [--public-base-url <url>] [--wasender-api-url <url>] [--dry-run]`
// Moves vendors off the centralized number: creates or updates each vendor's waba_instances and
// vendor_configs documents, optionally registers its webhook at Wasender, and prints what it did per
// vendor. Safe to re-run. Against the emulators by default (project demo-livepay); with another project
// id it uses the machine's Google credentials (gcloud auth application-default login).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { extname, join } from "node:path";
import { parseArgs } from "node:util";
import { FUNCTIONS_DIR, PROJECT_ID } from "./lib/paths.mjs";

const USAGE =
  "usage: npm run migrate -- <vendors.json|vendors.csv> [--project <id>] [--register-webhooks] " +
  "[--public-base-url https://livepay.tech] [--wasender-api-url <url>] [--dry-run]";

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      project: { type: "string", default: PROJECT_ID },
      "register-webhooks": { type: "boolean", default: false },
      "public-base-url": { type: "string" },
      "wasender-api-url": { type: "string", default: "https://www.wasenderapi.com/api" },
      "dry-run": { type: "boolean", default: false },
    },
  });
} catch (error) {
  console.error(`${error.message}\n${USAGE}`);
  process.exit(2);
}
const [file] = parsed.positionals;
const options = parsed.values;
if (!file) {
  console.error(USAGE);
  process.exit(2);
}
const format = extname(file).toLowerCase() === ".csv" ? "csv" : "json";
if (options["register-webhooks"] && !options["public-base-url"]) {
  console.error("--register-webhooks needs --public-base-url (where Wasender will post)");
  process.exit(2);
}
if (options.project.startsWith("demo-")) process.env.FIRESTORE_EMULATOR_HOST ??= "127.0.0.1:8080";
process.env.GCLOUD_PROJECT = options.project;

const require = createRequire(join(FUNCTIONS_DIR, "package.json"));
const { initializeApp } = require("firebase-admin/app");
initializeApp({ projectId: options.project });
let migration;
let registryModule;
try {
  migration = require(join(FUNCTIONS_DIR, "lib", "migration", "migrate-vendors.js"));
  registryModule = require(join(FUNCTIONS_DIR, "lib", "providers", "services.js"));
} catch {
  console.error("the functions are not built: run `npm --prefix functions run build` (npm start and npm test do it)");
  process.exit(2);
}

let rows;
try {
  rows = migration.parseVendorFile(readFileSync(file, "utf8"), format);
} catch (error) {
  console.error(`cannot read ${file} as ${format.toUpperCase()}: ${error.message}`);
  process.exit(2);
}
const registry = registryModule.getProviderServices();
const reports = await migration.migrateVendors(rows, {
  dryRun: options["dry-run"],
  ...(options["register-webhooks"] && {
    registerWebhooks: {
      publicBaseUrl: options["public-base-url"],
      defaultApiUrl: options["wasender-api-url"],
      registry,
    },
  }),
});
for (const report of reports) {
  const details = [report.wabaInstanceId, report.webhook, ...(report.problems ?? [])].filter(Boolean).join("; ");
  console.log(`row ${report.row}\t${report.vendorId ?? "?"}\t${report.outcome}${details ? `\t${details}` : ""}`);
}
const failed = reports.filter(
  (r) => r.outcome === "invalid" || r.outcome === "conflict" || r.webhook?.startsWith("failed"),
);
console.log(
  `${reports.length} vendors: ${reports.length - failed.length} ok, ${failed.length} need attention${options["dry-run"] ? " (dry run: nothing written)" : ""}`,
);
await registry.close();
process.exit(failed.length > 0 ? 1 : 0);
