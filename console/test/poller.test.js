// The console's polling, against a page and a clock the test drives: one read at a time, a reload
// aborting the read under way, nothing read while the page is hidden.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startPolling } from "../src/poller.js";

/** A page whose visibility the test switches. */
function fakePage() {
  const page = Object.assign(new EventTarget(), { hidden: false });
  return {
    page,
    /** @param {boolean} hidden */
    show(hidden) {
      page.hidden = hidden;
      page.dispatchEvent(new Event("visibilitychange"));
    },
  };
}

/** Timers that fire only when the test says so. */
function fakeClock() {
  /** @type {Map<number, () => void>} */
  const pending = new Map();
  let next = 0;
  return {
    pending,
    clock: {
      setTimeout: (/** @type {() => void} */ run) => {
        next += 1;
        pending.set(next, run);
        return next;
      },
      clearTimeout: (/** @type {number} */ timer) => void pending.delete(timer),
    },
    /** Fires every pending timer. */
    tick() {
      const runs = [...pending.values()];
      pending.clear();
      for (const run of runs) run();
    },
  };
}

/** A load whose answers the test gives, one per read, and the reads' signals. */
function fakeLoad() {
  /** @type {Array<{ signal: AbortSignal; answer: (value: string) => void }>} */
  const reads = [];
  return {
    reads,
    load: (/** @type {AbortSignal} */ signal) =>
      new Promise((resolve) => {
        reads.push({ signal, answer: resolve });
      }),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function start() {
  const page = fakePage();
  const time = fakeClock();
  const source = fakeLoad();
  /** @type {string[]} */
  const data = [];
  const polling = startPolling({
    load: source.load,
    everyMs: 3000,
    onData: (value) => data.push(value),
    onError: (error) => assert.fail(String(error)),
    page: page.page,
    clock: time.clock,
  });
  return { page, time, source, data, polling };
}

describe("the console's polling", () => {
  it("reads again only once the previous read has ended", async () => {
    const { time, source, data, polling } = start();
    assert.equal(source.reads.length, 1);
    assert.equal(time.pending.size, 0, "no next read is planned while one runs");
    source.reads[0]?.answer("first");
    await settle();
    assert.deepEqual(data, ["first"]);
    assert.equal(time.pending.size, 1);
    time.tick();
    assert.equal(source.reads.length, 2);
    polling.stop();
  });

  it("aborts the read under way when asked to read again, and drops its answer", async () => {
    const { source, data, polling } = start();
    void polling.reload();
    assert.equal(source.reads.length, 2);
    assert.equal(source.reads[0]?.signal.aborted, true);
    assert.equal(source.reads[1]?.signal.aborted, false);
    source.reads[0]?.answer("stale");
    source.reads[1]?.answer("fresh");
    await settle();
    assert.deepEqual(data, ["fresh"]);
    polling.stop();
  });

  it("reads nothing while the page is hidden, and at once when it is shown again", async () => {
    const { page, time, source, data, polling } = start();
    source.reads[0]?.answer("first");
    await settle();
    assert.equal(time.pending.size, 1);
    page.show(true);
    assert.equal(time.pending.size, 0, "the next read is called off");
    time.tick();
    assert.equal(source.reads.length, 1);
    page.show(false);
    assert.equal(source.reads.length, 2);
    source.reads[1]?.answer("second");
    await settle();
    assert.deepEqual(data, ["first", "second"]);
    polling.stop();
  });

  it("aborts a read under way when the page is hidden", async () => {
    const { page, time, source, data, polling } = start();
    page.show(true);
    assert.equal(source.reads[0]?.signal.aborted, true);
    source.reads[0]?.answer("late");
    await settle();
    assert.deepEqual(data, []);
    assert.equal(time.pending.size, 0);
    polling.stop();
  });

  it("stops: the read under way is aborted and none follows", async () => {
    const { page, time, source, polling } = start();
    polling.stop();
    assert.equal(source.reads[0]?.signal.aborted, true);
    source.reads[0]?.answer("after stop");
    await settle();
    page.show(false);
    await polling.reload();
    assert.equal(source.reads.length, 1);
    assert.equal(time.pending.size, 0);
  });
});
