// The product's compiled functions, loaded in this process against the Firestore emulator, as one
// function instance would run them (no HTTP framework, no Functions emulator in between). A project of
// their own (one per part), so the Functions emulator's triggers (listening on the main project) never
// fire on them.
import { createRequire } from "node:module";
import { join } from "node:path";
import { FUNCTIONS_DIR } from "../../scripts/lib/paths.mjs";

export const BENCH_PROJECT = process.env.BENCH_PROJECT ?? "demo-livepay-bench";

const require = createRequire(join(FUNCTIONS_DIR, "package.json"));
let loaded;

/**
 * firebase-functions' logger writes through the console methods it finds when it loads: they are
 * replaced first by a sink that keeps the cost of each line (it is serialized) but prints only errors,
 * so a benchmark's output stays its own. Returns how many lines each severity wrote.
 */
function quietLogger() {
  const counts = { lines: 0, errors: [] };
  const sink = (line) => {
    counts.lines += 1;
    if (typeof line === "string" && line.includes('"severity":"ERROR"') && counts.errors.length < 5)
      counts.errors.push(line.slice(0, 400));
  };
  for (const name of ["log", "info", "warn", "error", "debug"]) console[name] = sink;
  return counts;
}

/** Writes a line of the benchmark's own output (the console is the product's logger sink here). */
export function say(line) {
  process.stdout.write(`${line}\n`);
}

/** `lib("webhooks/wasender-webhook.js")` etc., with the Admin SDK initialized on the bench project. */
export function functionsInProcess() {
  if (loaded) return loaded;
  const logs = quietLogger();
  process.env.GCLOUD_PROJECT = process.env.GOOGLE_CLOUD_PROJECT = BENCH_PROJECT;
  delete process.env.FIREBASE_CONFIG;
  const lib = (path) => require(join(FUNCTIONS_DIR, "lib", path));
  lib("shared/firestore.js").ensureAdminApp();
  const firestoreModule = require("firebase-admin/firestore");
  loaded = { lib, require, db: lib("shared/firestore.js").firestore(), firestoreModule, logs };
  return loaded;
}

/**
 * Cloud Tasks in this process: runs each dispatched send attempt at its time (production honours a
 * task's scheduleTime), refuses a task id it has seen (as the queue does), and delivers again, a second
 * later, a task that answers "retry later" (the queue's minimum backoff, 1 s). `hold: true` keeps the
 * dispatches for the caller to run with `drain()` (to attribute their operations).
 */
export class TaskQueue {
  constructor({ hold = false } = {}) {
    const { lib: load } = functionsInProcess();
    this.dispatch = load("outbound/dispatch.js");
    this.attempt = load("outbound/deliver.js");
    this.hold = hold;
    this.held = [];
    this.seen = new Set();
    this.pending = 0;
    this.idleWaiters = [];
    this.deps = undefined;
  }

  async schedule(dispatches) {
    for (const dispatch of dispatches) {
      const id = this.dispatch.taskIdFor(dispatch);
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      if (this.hold) {
        this.held.push(dispatch);
        continue;
      }
      this.pending += 1;
      setTimeout(() => void this.run(dispatch), Math.max(0, (dispatch.at ?? 0) - Date.now()));
    }
  }

  /** Runs the held dispatches (and the ones they dispatch) one after another, now. */
  async drain() {
    while (this.held.length > 0) {
      const { at: _at, ...task } = this.held.shift();
      await this.attempt.performAttempt(task, this.deps);
    }
  }

  async run(dispatch) {
    const { at: _at, ...task } = dispatch;
    try {
      await this.attempt.performAttempt(task, this.deps);
    } catch (error) {
      if (error instanceof this.attempt.RetryLater) {
        setTimeout(() => void this.run(dispatch), 1000);
        return;
      }
      throw error;
    }
    this.pending -= 1;
    if (this.pending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  idle() {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

/** What the reply trigger and the task function get in a deployment, built in this process. */
export function replyDeps({ wasenderApiUrl, queue }) {
  const { lib } = functionsInProcess();
  const { ProviderRegistry } = lib("providers/registry.js");
  const { AlloPermetEngine } = lib("engine/allopermet-engine.js");
  const { InboundLimiter } = lib("shared/inbound-limiter.js");
  const deps = {
    providers: new ProviderRegistry(() => wasenderApiUrl),
    scheduler: queue,
    engine: new AlloPermetEngine(),
    limiter: new InboundLimiter(undefined),
    platformPaymentLink: () => "https://livepay.tech/pay/{vendorId}/{reference}?amount={amount}",
    // A deployment refreshes a product's stock view from a task, once per product and 2-second window
    // whatever the number of reservations: not part of one message's operations. Asked, not run.
    stockViews: {
      refresh: async (vendorId, productIds) =>
        void (queue.stockViewsAsked = (queue.stockViewsAsked ?? 0) + productIds.length),
    },
  };
  queue.deps = deps;
  return deps;
}
