// Production's delivery, played in this process for the simulator: every document event and every task
// is delivered at least once (a share twice, some of them at the same moment), after a random delay (so
// out of order), by a pool of concurrent runs, and a share of runs dies at a random await point
// (crash-points.mjs). A run that died or threw is delivered again after a backoff, as the trigger
// (`retry: true`), the task queue (its retryConfig) and a payment provider (a callback not answered 2xx)
// do; a scheduled job's run is not (the next schedule runs). Runs are spread over "instances"
// (`runsPerInstance` each): `killInstance` stops every run of one at once, as a whole instance dying.
// Each delivery's choices come from the seed.
import { runMortal } from "./crash-points.mjs";
import { drawsFor } from "./seeded.mjs";

/** Await points a crash is drawn among (a decision's run has about this many Firestore operations). */
const CRASH_WINDOW = 14;
/** Deliveries of one event or task before the queue gives up on it (the send queue's maxAttempts). */
const MAX_DELIVERIES = 100;
/** A task that answered 503 comes back after this (the send queue's backoff: 1 s). */
const COME_BACK_MS = 1000;

export class DeliveryQueue {
  /**
   * @param {object} options
   * @param {number} options.seed
   * @param {number} options.concurrency runs at once
   * @param {number} options.maxDelayMs a delivery waits a uniform draw below this (reordering)
   * @param {number} options.repeatShare share of events and tasks delivered twice
   * @param {number} options.crashShare share of runs that die at an await point
   * @param {number} options.retryDelayMs a run that died, threw or asked to come back is delivered again after this
   */
  constructor({
    seed,
    concurrency,
    maxDelayMs,
    repeatShare,
    crashShare,
    retryDelayMs,
    runTimeoutMs,
    runsPerInstance = 8,
  }) {
    Object.assign(this, { seed, concurrency, maxDelayMs, repeatShare, crashShare, retryDelayMs, runTimeoutMs });
    this.instances = Math.max(1, Math.ceil(concurrency / runsPerInstance));
    /** The runs alive, each with its instance and its `kill`. */
    this.live = new Set();
    /** Deliveries waiting, ready or running, scheduled jobs aside. */
    this.work = 0;
    this.ready = [];
    this.running = 0;
    /** Runs taking a place in the pool (scheduled jobs aside). */
    this.pooled = 0;
    this.waiting = 0;
    this.occurrences = new Map();
    this.idleWaiters = [];
    this.stats = {
      deliveries: 0,
      repeated: 0,
      sameMoment: 0,
      died: 0,
      threw: 0,
      retried: 0,
      gaveUp: [],
      instanceDeaths: 0,
      killed: 0,
      timedOut: 0,
    };
  }

  /**
   * Delivers `run` (an event's or a task's handler) at least once, no earlier than `at`. `name` names
   * the event or task: its choices are drawn from the seed and the name; its first word is its kind.
   * `retry: false` (a scheduled job): a run that died or threw is not delivered again. `once: true`: never
   * delivered twice by the queue itself (the caller repeats it, as a provider repeats a callback).
   */
  deliver(name, run, { at = 0, retry = true, once = false } = {}) {
    const occurrence = (this.occurrences.get(name) ?? 0) + 1;
    this.occurrences.set(name, occurrence);
    const draw = drawsFor(this.seed, `${name}#${occurrence}`);
    const early = Math.max(0, at - Date.now());
    const delay = early + draw() * this.maxDelayMs;
    const copies = [delay];
    if (!once && draw() < this.repeatShare) {
      this.stats.repeated += 1;
      const sameMoment = draw() < 0.5;
      if (sameMoment) this.stats.sameMoment += 1;
      copies.push(sameMoment ? delay : early + draw() * this.maxDelayMs);
    }
    for (const [copy, wait] of copies.entries()) {
      const crash =
        draw() < this.crashShare ? { at: 1 + Math.floor(draw() * CRASH_WINDOW), after: draw() < 0.5 } : undefined;
      this.later(wait, { name, run, crash, copy, occurrence, retry });
    }
  }

  later(wait, delivery) {
    this.waiting += 1;
    const scheduled = delivery.name.startsWith("schedule ");
    if (!scheduled) this.work += 1;
    setTimeout(() => {
      this.waiting -= 1;
      if (scheduled) return this.aside(delivery);
      this.ready.push(delivery);
      this.pump();
    }, wait);
  }

  /** A scheduled job runs on instances of its own: it takes no place among the concurrent runs. */
  aside(delivery) {
    this.running += 1;
    this.stats.deliveries += 1;
    void this.start(delivery).finally(() => {
      this.running -= 1;
      this.checkIdle();
    });
  }

  pump() {
    while (this.pooled < this.concurrency && this.ready.length > 0) {
      const delivery = this.ready.shift();
      this.running += 1;
      this.pooled += 1;
      this.stats.deliveries += 1;
      void this.start(delivery).finally(() => {
        this.running -= 1;
        this.pooled -= 1;
        this.work -= 1;
        this.pump();
        this.checkIdle();
      });
    }
  }

  async start(delivery) {
    let again = false;
    let comeBack = false;
    const instance = Math.floor(
      drawsFor(this.seed, `${delivery.name}#${delivery.occurrence}/${delivery.copy}`)() * this.instances,
    );
    const handle = { kind: delivery.name.split(" ")[0], instance };
    this.live.add(handle);
    // The platform stops a run at its timeout (a scheduled job's is minutes: never reached here).
    const timeout =
      this.runTimeoutMs && handle.kind !== "schedule"
        ? setTimeout(() => {
            this.stats.timedOut += 1;
            handle.kill();
          }, this.runTimeoutMs)
        : undefined;
    try {
      const { died } = await runMortal(delivery.run, delivery.crash, handle);
      if (died) {
        this.stats.died += 1;
        again = true;
      }
    } catch (error) {
      // A task that asks to come back (503) or any run that threw: the platform delivers it again.
      comeBack = isComeBack(error);
      if (!comeBack) this.stats.threw += 1;
      again = true;
    } finally {
      clearTimeout(timeout);
      this.live.delete(handle);
    }
    if (!again || !delivery.retry) return;
    if (delivery.occurrence >= MAX_DELIVERIES) {
      this.stats.gaveUp.push(delivery.name);
      return;
    }
    this.stats.retried += 1;
    // Not repeated or crashed again on purpose: a retry is one more delivery with its own draws.
    const occurrence = (this.occurrences.get(delivery.name) ?? 0) + 1;
    this.occurrences.set(delivery.name, occurrence);
    const draw = drawsFor(this.seed, `${delivery.name}#${occurrence}`);
    const crash =
      draw() < this.crashShare ? { at: 1 + Math.floor(draw() * CRASH_WINDOW), after: draw() < 0.5 } : undefined;
    this.later(comeBack ? COME_BACK_MS : this.retryDelayMs, { ...delivery, crash, occurrence });
  }

  /** One instance dies: every run it has alive stops at once (delivered again as each one's kind says). */
  killInstance(instance) {
    this.stats.instanceDeaths += 1;
    for (const handle of [...this.live])
      if (handle.instance === instance) {
        this.stats.killed += 1;
        handle.kill();
      }
  }

  checkIdle() {
    if (this.running === 0 && this.waiting === 0 && this.ready.length === 0)
      for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Whether nothing but scheduled jobs is waiting, ready or running. */
  quiet() {
    return this.work === 0;
  }

  /** Resolves once nothing is waiting, ready or running (deliveries made meanwhile included). */
  idle() {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.checkIdle();
    });
  }
}

function isComeBack(error) {
  return error?.code === "unavailable" || error?.httpErrorCode?.status === 503;
}
