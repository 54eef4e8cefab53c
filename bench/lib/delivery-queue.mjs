// Production's delivery, played in this process for the simulator: every document event and every task
// is delivered at least once (a share twice, some of them at the same moment), after a random delay (so
// out of order), by a pool of concurrent runs, and a share of runs dies at a random await point
// (crash-points.mjs). A run that died or threw is delivered again after a backoff, as the trigger
// (`retry: true`) and the task queue (its retryConfig) do. Each delivery's choices come from the seed.
import { runMortal } from "./crash-points.mjs";
import { drawsFor } from "./seeded.mjs";

/** Await points a crash is drawn among (a decision's run has about this many Firestore operations). */
const CRASH_WINDOW = 14;
/** Deliveries of one event or task before the queue gives up on it (a violation). */
const MAX_DELIVERIES = 60;

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
  constructor({ seed, concurrency, maxDelayMs, repeatShare, crashShare, retryDelayMs }) {
    Object.assign(this, { seed, concurrency, maxDelayMs, repeatShare, crashShare, retryDelayMs });
    this.ready = [];
    this.running = 0;
    this.waiting = 0;
    this.occurrences = new Map();
    this.idleWaiters = [];
    this.stats = { deliveries: 0, repeated: 0, sameMoment: 0, died: 0, threw: 0, retried: 0, gaveUp: [] };
  }

  /**
   * Delivers `run` (an event's or a task's handler) at least once, no earlier than `at`. `name` names
   * the event or task: its choices are drawn from the seed and the name.
   */
  deliver(name, run, { at = 0 } = {}) {
    const occurrence = (this.occurrences.get(name) ?? 0) + 1;
    this.occurrences.set(name, occurrence);
    const draw = drawsFor(this.seed, `${name}#${occurrence}`);
    const early = Math.max(0, at - Date.now());
    const delay = early + draw() * this.maxDelayMs;
    const copies = [delay];
    if (draw() < this.repeatShare) {
      this.stats.repeated += 1;
      const sameMoment = draw() < 0.5;
      if (sameMoment) this.stats.sameMoment += 1;
      copies.push(sameMoment ? delay : early + draw() * this.maxDelayMs);
    }
    for (const [copy, wait] of copies.entries()) {
      const crash =
        draw() < this.crashShare ? { at: 1 + Math.floor(draw() * CRASH_WINDOW), after: draw() < 0.5 } : undefined;
      this.later(wait, { name, run, crash, copy, occurrence });
    }
  }

  later(wait, delivery) {
    this.waiting += 1;
    setTimeout(() => {
      this.waiting -= 1;
      this.ready.push(delivery);
      this.pump();
    }, wait);
  }

  pump() {
    while (this.running < this.concurrency && this.ready.length > 0) {
      const delivery = this.ready.shift();
      this.running += 1;
      this.stats.deliveries += 1;
      void this.start(delivery).finally(() => {
        this.running -= 1;
        this.pump();
        this.checkIdle();
      });
    }
  }

  async start(delivery) {
    let again = false;
    try {
      const { died } = await runMortal(delivery.run, delivery.crash);
      if (died) {
        this.stats.died += 1;
        again = true;
      }
    } catch (error) {
      // A task that asks to come back (503) or any run that threw: the platform delivers it again.
      if (!isComeBack(error)) this.stats.threw += 1;
      again = true;
    }
    if (!again) return;
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
    this.later(this.retryDelayMs, { ...delivery, crash, occurrence });
  }

  checkIdle() {
    if (this.running === 0 && this.waiting === 0 && this.ready.length === 0)
      for (const resolve of this.idleWaiters.splice(0)) resolve();
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
