// Regenerates emulator-data/ from scripts/demo/demo-data.mjs, through the Firestore emulator itself.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { firebaseBin, prepareEmulators } from "./lib/emulators.mjs";
import { PROJECT_ID, ROOT } from "./lib/paths.mjs";
import { installAndBuild, run } from "./lib/setup.mjs";

await installAndBuild();
const { env } = await prepareEmulators({ wantUi: false });
const target = join(ROOT, "emulator-data");
rmSync(target, { recursive: true, force: true });
run(
  firebaseBin(),
  [
    "emulators:exec",
    "--only",
    "firestore",
    "--project",
    PROJECT_ID,
    "--export-on-exit",
    target,
    "node scripts/demo/seed.mjs",
  ],
  { env: { ...process.env, ...env } },
);
console.log("emulator-data/ regenerated");
