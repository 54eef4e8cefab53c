import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const FUNCTIONS_DIR = join(ROOT, "functions");
/** A `demo-` project: the emulators never touch a real Firebase project. */
export const PROJECT_ID = "demo-livepay";
