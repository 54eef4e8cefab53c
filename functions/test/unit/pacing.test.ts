import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newDelivery, transition } from "../../src/outbound/delivery-state";
import {
  handOverAt,
  isPacedWait,
  onIdleLine,
  PACED_REASON,
  usesTurn,
  waitsForTurn,
} from "../../src/outbound/send-line";

const T0 = 1_800_000_000_000;
const INTERVAL = 1_000;

describe("a paced number's send line", () => {
  it("lets a message that finds the line idle go when the slot has come, else gives it a task for the slot", () => {
    expect(onIdleLine({ busy: false, nextSlotAt: 0 }, T0)).toEqual({ go: true });
    expect(onIdleLine({ busy: false, nextSlotAt: T0 + 500 }, T0)).toEqual({ go: false, at: T0 + 500 });
    expect(onIdleLine({ busy: false, nextSlotAt: T0 + 500 }, T0 + 500)).toEqual({ go: true });
  });

  it("hands the turn over for the last start plus the interval, never in the past", () => {
    expect(handOverAt(T0 + INTERVAL, T0 + 20)).toBe(T0 + INTERVAL);
    expect(handOverAt(T0 + INTERVAL, T0 + 5_000)).toBe(T0 + 5_000);
  });

  it("gives the turn only to a ready or paced message, and counts a holder that ended or waits for its session as dead", () => {
    const queued = newDelivery(T0, T0 + 60_000);
    const paced = transition(queued, { type: "wait", reason: PACED_REASON }, T0);
    const session = transition(queued, { type: "wait", reason: "the Wasender session is need_scan" }, T0);
    expect(isPacedWait(paced)).toBe(true);
    expect([queued, paced, session].map(waitsForTurn)).toEqual([true, true, false]);
    const sending = transition(queued, { type: "claim", leaseMs: 60_000, provider: "wasender" }, T0);
    const sent = transition(sending, { type: "sent", providerMessageId: 1 }, T0);
    expect([queued, sending, sent, session, undefined].map(usesTurn)).toEqual([true, true, false, false, false]);
  });

  it("starts sends an interval apart and in the order they became ready, whatever the timing (property)", () => {
    // The line as the claim and the completion drive it: an idle line is taken (now or at its next slot),
    // a busy one is waited on in ready order, and the end of a send hands the turn to the oldest waiter
    // at its start plus the interval (or leaves the line idle with that slot).
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3_000 }), fc.integer({ min: 1, max: 900 })), {
          minLength: 1,
          maxLength: 60,
        }),
        (arrivals) => {
          let now = T0;
          const ready = arrivals.map(([gap, took], i) => ({ id: i, at: (now += gap), took }));
          let line = { busy: false, nextSlotAt: 0 };
          const waiting: typeof ready = [];
          const starts: Array<{ id: number; at: number }> = [];
          let holder: { id: number; startAt: number; took: number } | undefined;
          const events = [...ready];
          let clock: number;
          while (events.length > 0 || holder) {
            const nextArrival = events[0]?.at ?? Infinity;
            const holderEnds = holder ? holder.startAt + holder.took : Infinity;
            if (nextArrival <= holderEnds) {
              const message = events.shift()!;
              clock = message.at;
              if (!line.busy) {
                const verdict = onIdleLine(line, clock);
                line = { ...line, busy: true };
                const startAt = verdict.go ? clock : verdict.at;
                holder = { id: message.id, startAt, took: message.took };
                starts.push({ id: message.id, at: startAt });
              } else waiting.push(message);
            } else {
              clock = holderEnds;
              const slot = holder!.startAt + INTERVAL;
              const next = waiting.shift();
              holder = undefined;
              if (next) {
                const startAt = handOverAt(slot, clock);
                holder = { id: next.id, startAt, took: next.took };
                starts.push({ id: next.id, at: startAt });
              } else line = { busy: false, nextSlotAt: slot };
            }
          }
          const spaced = starts.every((start, i) => i === 0 || start.at - starts[i - 1]!.at >= INTERVAL);
          const inOrder = starts.every((start, i) => start.id === i);
          return spaced && inOrder && starts.length === arrivals.length;
        },
      ),
    );
  });
});
