// `npm test`: installs, builds, type-checks, runs the unit tests, then every emulator test inside
// `firebase emulators:exec` (Firestore, Functions, Auth, Hosting with emulator-data/ imported), and
// ends with one line for the whole run: "N passed, N failed".
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { firebaseBin, firebaseConfigPath, prepareEmulators } from "./lib/emulators.mjs";
import { FUNCTIONS_DIR, PROJECT_ID, ROOT } from "./lib/paths.mjs";
import { installAndBuild, run } from "./lib/setup.mjs";

const REPORTS = join(ROOT, ".cache", "test-reports");

function vitestCommand(project) {
  const report = join(REPORTS, `${project}.json`);
  return ["vitest", "run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile.json=${report}`];
}

function counts(project) {
  const report = join(REPORTS, `${project}.json`);
  if (!existsSync(report)) return undefined;
  const json = JSON.parse(readFileSync(report, "utf8"));
  // A file that fails to load has no failed test of its own: count it as one failure.
  const brokenFiles = json.numFailedTests === 0 ? json.numFailedTestSuites : 0;
  return { passed: json.numPassedTests, failed: json.numFailedTests + brokenFiles };
}

let exitCode = 0;
const ran = [];
try {
  rmSync(REPORTS, { recursive: true, force: true });
  mkdirSync(REPORTS, { recursive: true });
  await installAndBuild();
  run("npm", ["run", "typecheck", "--silent"], { cwd: FUNCTIONS_DIR });

  const unit = spawnSync("npx", vitestCommand("unit"), { cwd: FUNCTIONS_DIR, stdio: "inherit" });
  ran.push("unit");
  if (unit.status !== 0) exitCode = 1;

  const { env } = await prepareEmulators({ wantUi: false });
  const inner = ["npx", ...vitestCommand("emulators")].join(" ");
  const emulators = spawnSync(
    firebaseBin(),
    [
      "emulators:exec",
      "--config", firebaseConfigPath({ ui: false }),
      "--project", PROJECT_ID,
      "--only", "firestore,functions,auth,hosting",
      "--import", join(ROOT, "emulator-data"),
      `cd ${JSON.stringify(FUNCTIONS_DIR)} && ${inner}`,
    ],
    { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...env } },
  );
  ran.push("emulators");
  if (emulators.status !== 0) exitCode = 1;
} catch (error) {
  console.error(`\n[test] ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
}

let passed = 0;
let failed = 0;
for (const project of ["unit", "emulators"]) {
  const result = counts(project);
  if (!result) {
    console.error(`[test] the ${project} tests did not run to completion`);
    failed += 1;
    exitCode = 1;
    continue;
  }
  passed += result.passed;
  failed += result.failed;
}
if (failed > 0) exitCode = 1;
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(exitCode);
