// `npm test`: installs, builds, type-checks, runs the unit tests, then every emulator test inside
// `firebase emulators:exec` (Firestore, Functions, Auth, Hosting with emulator-data/ imported), and
// ends with one line for the whole run: "N passed, N failed".
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { firebaseBin, firebaseConfigPath, prepareEmulators } from "./lib/emulators.mjs";
import { CONSOLE_DIR, FUNCTIONS_DIR, PROJECT_ID, ROOT } from "./lib/paths.mjs";
import { randomBytes } from "node:crypto";
import { ensureRedisServer, startRedisRestBridge, startRedisServer, writeLocalSecrets } from "./lib/redis.mjs";
import { installAndBuild, run } from "./lib/setup.mjs";

const REPORTS = join(ROOT, ".cache", "test-reports");
const REDIS_PORT = 6390;

// `npm test -- <filter…>`: only the test files whose path contains a filter (vitest's own filters).
const FILTERS = process.argv.slice(2).filter((arg) => !arg.startsWith("-"));

function vitestCommand(project) {
  const report = join(REPORTS, `${project}.json`);
  return [
    "vitest",
    "run",
    "--project",
    project,
    "--passWithNoTests",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${report}`,
    ...FILTERS,
  ];
}

function spawnAsync(command, args, options) {
  return new Promise((resolve) => {
    const child = spawn(command, args, options);
    child.on("exit", (status, signal) => resolve({ status, signal }));
    child.on("error", () => resolve({ status: 1 }));
  });
}

/** Runs an npm script that checks the tree (the root's unless `cwd`); a finding stops `npm test` with `message`. */
function check(args, message, cwd = ROOT) {
  const result = spawnSync("npm", args, { cwd, stdio: "inherit" });
  if (result.status !== 0) throw new Error(message);
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
let redis;
let bridge;
try {
  rmSync(REPORTS, { recursive: true, force: true });
  mkdirSync(REPORTS, { recursive: true });
  // A real Redis behind an Upstash-compatible bridge: the functions and the tests use the real
  // @upstash/redis client against it. Installed first if missing (or the run stops with the command to
  // run): those tests must never be skipped silently.
  ensureRedisServer();
  await installAndBuild();
  // The console's tests drive a real headless Chromium: installed like redis-server when missing.
  // Imported once the console's dependencies (puppeteer-core) are installed.
  const { ensureChromium } = await import("../console/test/browser.mjs");
  ensureChromium();
  run("npm", ["run", "typecheck", "--silent"], { cwd: FUNCTIONS_DIR });
  // Lint and format before any test: the files are listed above the message that stops the run.
  check(["run", "lint", "--silent"], "ESLint found problems (listed above); `npm run lint` shows them again");
  check(
    ["run", "format:check", "--silent"],
    "Prettier found unformatted files (listed above); `npm run format` rewrites them",
  );
  // The console held to the same: its type check (JSDoc, with the admin API's answer types), its lint
  // (hooks and accessibility rules), then its unit tests (texts, polling), each stopping the run.
  check(["run", "typecheck", "--silent"], "The console's type check failed (listed above)", CONSOLE_DIR);
  check(
    ["run", "lint", "--silent"],
    "ESLint found problems in the console (listed above); `npm run lint` in console/ shows them again",
    CONSOLE_DIR,
  );
  check(["run", "test:unit", "--silent"], "The console's unit tests failed (listed above)", CONSOLE_DIR);

  const unit = spawnSync("npx", vitestCommand("unit"), { cwd: FUNCTIONS_DIR, stdio: "inherit" });
  ran.push("unit");
  if (unit.status !== 0) exitCode = 1;

  redis = await startRedisServer(REDIS_PORT);
  const token = randomBytes(16).toString("hex");
  bridge = await startRedisRestBridge({ redisUrl: redis.url, token });
  // The key that seals the configuration cache's Redis entries, shared by the functions and the tests.
  const cacheKey = randomBytes(32).toString("hex");
  writeLocalSecrets({ redisUrl: bridge.url, redisToken: token, cacheKey });
  const redisEnv = {
    UPSTASH_REDIS_REST_URL: bridge.url,
    UPSTASH_REDIS_REST_TOKEN: token,
    CONFIG_CACHE_KEY: cacheKey,
    LIVEPAY_TEST_REDIS_PORT: String(REDIS_PORT),
  };

  const { env } = await prepareEmulators({ wantUi: false });
  const inner = ["npx", ...vitestCommand("emulators")].join(" ");
  // Asynchronous: the Redis bridge above serves from this very process while the tests run.
  const emulators = await spawnAsync(
    firebaseBin(),
    [
      "emulators:exec",
      "--config",
      firebaseConfigPath({ ui: false }),
      "--project",
      PROJECT_ID,
      "--only",
      "firestore,functions,auth,hosting,tasks",
      "--import",
      join(ROOT, "emulator-data"),
      `cd ${JSON.stringify(FUNCTIONS_DIR)} && ${inner}`,
    ],
    { cwd: ROOT, stdio: "inherit", env: { ...process.env, ...env, ...redisEnv } },
  );
  ran.push("emulators");
  if (emulators.status !== 0) exitCode = 1;
} catch (error) {
  console.error(`\n[test] ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  await bridge?.close().catch(() => {});
  await redis?.stop().catch(() => {});
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
