import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const FUNCTIONS_DIR = join(ROOT, "functions");
/** The operator console's sources; built into hosting/console. */
export const CONSOLE_DIR = join(ROOT, "console");
/** A `demo-` project: the emulators never touch a real Firebase project. */
export const PROJECT_ID = "demo-livepay";
/** The functions' region, read from the one place that sets it (functions/src/config/region.ts). */
export const FUNCTIONS_REGION = readFileSync(join(FUNCTIONS_DIR, "src", "config", "region.ts"), "utf8").match(
  /FUNCTIONS_REGION = "([a-z0-9-]+)"/,
)[1];
