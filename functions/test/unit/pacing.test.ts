import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pace, release, type PacingLine } from "../../src/outbound/pacing";

const T0 = 1_800_000_000_000;
const LEASE = 60_000;
const INTERVAL = 1_000;

describe("a paced number's send line", () => {
  it("lets the first ready message go when nothing is in flight and the slot has come", () => {
    const verdict = pace({ nextSlotAt: 0, queue: [] }, "a", T0, LEASE);
    expect(verdict).toEqual({ go: true, line: { nextSlotAt: 0, queue: [], inFlight: { path: "a", since: T0 } } });
  });

  it("gives the first in line a task for the slot, and the others no task, in the order they came", () => {
    let line: PacingLine = { nextSlotAt: T0 + 500, queue: [] };
    const first = pace(line, "a", T0, LEASE);
    expect(first).toMatchObject({ go: false, at: T0 + 500, ahead: 0 });
    line = first.line;
    const second = pace(line, "b", T0, LEASE);
    expect(second).toMatchObject({ go: false, ahead: 1 });
    expect("at" in second && second.at).toBeFalsy();
    expect(second.line.queue).toEqual(["a", "b"]);
  });

  it("waits for the send in flight, then starts the next slot an interval after that send began", () => {
    const busy: PacingLine = { nextSlotAt: 0, queue: ["b"], inFlight: { path: "a", since: T0 } };
    expect(pace(busy, "b", T0 + 5_000, LEASE)).toMatchObject({ go: false, ahead: 1 });
    const freed = release(busy, "a", T0 + 20, INTERVAL);
    expect(freed).toEqual({ nextSlotAt: T0 + 1_020, queue: ["b"] });
    expect(pace(freed, "b", T0 + 1_019, LEASE)).toMatchObject({ go: false, at: T0 + 1_020 });
    expect(pace(freed, "b", T0 + 1_020, LEASE)).toMatchObject({ go: true });
  });

  it("does not wait forever for a send whose sender died (past the lease)", () => {
    const stuck: PacingLine = { nextSlotAt: 0, queue: ["b"], inFlight: { path: "a", since: T0 } };
    expect(pace(stuck, "b", T0 + LEASE + 1, LEASE)).toMatchObject({ go: true });
  });

  it("never starts two sends less than an interval apart, whatever the timing of tasks (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3_000 }), fc.integer({ min: 1, max: 900 })), { maxLength: 60 }), (steps) => {
        let line: PacingLine = { nextSlotAt: 0, queue: [] };
        let now = T0;
        const starts: number[] = [];
        let sending: { path: string; at: number } | undefined;
        for (const [who, wait, took] of steps) {
          now += wait;
          if (sending && now >= sending.at + took) {
            line = release(line, sending.path, sending.at, INTERVAL);
            sending = undefined;
          }
          const verdict = pace(line, `m${who}`, now, LEASE);
          line = verdict.line;
          if (verdict.go) {
            starts.push(now);
            sending = { path: `m${who}`, at: now };
          }
        }
        return starts.every((start, i) => i === 0 || start - starts[i - 1]! >= INTERVAL);
      }),
    );
  });
});
