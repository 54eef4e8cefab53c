// The emulators the benchmarks run on: the product's firebase.json plus the baseline codebase (the bare
// function the webhook is compared to) behind its own Hosting path, written to a config file of its own
// so that `firebase deploy` and `npm start` never see the baseline.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { firebaseBin, prepareEmulators } from "../../scripts/lib/emulators.mjs";
import { FUNCTIONS_DIR, PROJECT_ID, ROOT } from "../../scripts/lib/paths.mjs";
import { writeLocalSecrets } from "../../scripts/lib/redis.mjs";

export const BASELINE_DIR = join(ROOT, "bench", "baseline-function");
/** Hosting path of the baseline function; `{vendorId}` follows, as on the webhook's path. */
export const BASELINE_PATH = "/api/bench/baseline";
const CONFIG = join(ROOT, "firebase.bench.json");
/** Every document write the Functions emulator's workers make, one line each (see worker-writes.mjs). */
export const WORKER_WRITES_LOG = join(ROOT, ".cache", "bench", "worker-writes.log");
/** Every run of a function in the Functions emulator's workers, one line each (see worker-runs.mjs). */
export const WORKER_RUNS_LOG = join(ROOT, ".cache", "bench", "worker-runs.log");
const PRELOADS = ["worker-writes.mjs", "worker-runs.mjs"];

/** The environment that loads the write and run logs into the Functions emulator's workers, empty logs first. */
function workerLogsEnv(base = process.env.NODE_OPTIONS) {
  mkdirSync(dirname(WORKER_WRITES_LOG), { recursive: true });
  for (const file of [WORKER_WRITES_LOG, WORKER_RUNS_LOG]) writeFileSync(file, "");
  const preloads = PRELOADS.map((name) => `--import=${fileURLToPath(new URL(`./${name}`, import.meta.url))}`);
  return {
    WORKER_WRITES_LOG,
    WORKER_RUNS_LOG,
    NODE_OPTIONS: [base, ...preloads].filter(Boolean).join(" "),
  };
}

/** Takes the preloads out of this process's environment: the parts' own processes are not logged. */
export function dropWorkerPreloads() {
  const options = (process.env.NODE_OPTIONS ?? "")
    .split(" ")
    .filter((option) => option && !PRELOADS.some((name) => option.includes(name)));
  if (options.length > 0) process.env.NODE_OPTIONS = options.join(" ");
  else delete process.env.NODE_OPTIONS;
}

function writeBenchConfig() {
  const config = JSON.parse(readFileSync(join(ROOT, "firebase.json"), "utf8"));
  config.emulators.ui = { enabled: false };
  config.functions.push({ source: relative(ROOT, BASELINE_DIR), codebase: "bench-baseline", runtime: "nodejs22" });
  config.hosting.rewrites.unshift({
    source: `${BASELINE_PATH}/**`,
    function: { functionId: "benchBaseline", region: "us-central1" },
  });
  writeFileSync(CONFIG, JSON.stringify(config, null, 2) + "\n");
  linkBaselineModules();
  return CONFIG;
}

/** The baseline uses the functions' own firebase-functions and firebase-admin (the same versions). */
export function linkBaselineModules() {
  const modules = join(BASELINE_DIR, "node_modules");
  if (!existsSync(modules)) symlinkSync(relative(BASELINE_DIR, join(FUNCTIONS_DIR, "node_modules")), modules, "dir");
}

/**
 * The emulators' lines a benchmark does not need: the functions' own log lines (one or more per run of
 * a function), request, rewrite and execution lines, and the warning the task queue's enqueue triggers on every
 * call (it asks for a service account's metadata, which the emulator refuses).
 */
const NOISE = [
  /^> {2}/,
  /^i {2}/,
  /^\[hosting\] Rewriting /,
  /^⚠ {2}External network resource requested/,
  /^ {3}- URL: /,
  /^ - Be careful, this may be a production service/,
];

/** Runs `command` inside `firebase emulators:exec` (Firestore, Functions, Hosting, Cloud Tasks); resolves with its exit status. */
export async function runInsideEmulators(command) {
  // The functions run on the memory cache, as with npm start: a Redis URL left by the last npm test
  // points at a bridge that is gone, and every call to it would be a failure.
  writeLocalSecrets({ redisUrl: "none", redisToken: "none" });
  const { env } = await prepareEmulators({ wantUi: false });
  const child = spawn(
    firebaseBin(),
    [
      "emulators:exec",
      "--config",
      writeBenchConfig(),
      "--project",
      PROJECT_ID,
      "--only",
      "firestore,functions,hosting,tasks",
      "--log-verbosity",
      "QUIET",
      command,
    ],
    {
      cwd: ROOT,
      stdio: ["inherit", "pipe", "pipe"],
      env: { ...process.env, ...env, ...workerLogsEnv(env.NODE_OPTIONS) },
    },
  );
  for (const [from, to] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    createInterface({ input: from }).on("line", (line) => {
      if (!NOISE.some((pattern) => pattern.test(line))) to.write(`${line}\n`);
    });
  }
  return new Promise((resolve) => child.on("exit", (code) => resolve(code ?? 1)));
}
