// Preloaded into the Functions emulator's workers (NODE_OPTIONS, set by prepareEmulators). firebase-tools
// 14.18's emulator calls `functions.config()` as each worker starts, and firebase-functions 7 removed it
// (calling it throws), which kills the worker before it loads a function. firebase-tools 14.23 and later
// skip that call for firebase-functions 7, but need Java 21 (README, "Versions"). This gives that call an
// empty configuration; the functions never call it (they read params). Delete this file, and its line in
// scripts/lib/emulators.mjs, with the firebase-tools upgrade.
import { createRequire } from "node:module";
import { join } from "node:path";

if (process.env.FUNCTIONS_EMULATOR === "true") {
  try {
    const sdk = createRequire(join(process.cwd(), "package.json"))("firebase-functions");
    if (typeof sdk.config === "function") {
      try {
        sdk.config();
      } catch {
        sdk.config = () => ({});
      }
    }
  } catch {
    // Not a functions source folder: nothing to adapt.
  }
}
