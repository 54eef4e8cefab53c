import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  HISTORY_LENGTH,
  IllegalTransition,
  newDelivery,
  statusOf,
  TERMINAL,
  transition,
  type DeliveryEvent,
} from "../../src/outbound/delivery-state";

const T0 = 1_800_000_000_000;
const error = { code: "server_error", message: "Wasender failed: HTTP 500" };

describe("the delivery state machine", () => {
  it("goes queued, sending, retrying, sending, sent, with one new task generation per hand-off", () => {
    let d = newDelivery(T0, T0 + 86_400_000);
    expect(d).toMatchObject({ state: "queued", generation: 1, attempts: 0 });
    d = transition(d, { type: "claim", leaseMs: 60_000, provider: "wasender" }, T0 + 10);
    expect(d).toMatchObject({ state: "sending", attempts: 1, leaseExpiresAt: T0 + 60_010, provider: "wasender" });
    d = transition(d, { type: "retry", at: T0 + 2_000, error, possibleDuplicate: false }, T0 + 20);
    expect(d).toMatchObject({ state: "retrying", generation: 2, nextAttemptAt: T0 + 2_000, lastError: error });
    expect(d.leaseExpiresAt).toBeUndefined();
    d = transition(d, { type: "claim", leaseMs: 60_000, provider: "wasender" }, T0 + 2_000);
    d = transition(d, { type: "sent", providerMessageId: 42 }, T0 + 2_100);
    expect(d).toMatchObject({ state: "sent", attempts: 2, generation: 2 });
    expect(d.lastError).toBeUndefined();
    expect(d.history.map((h) => h.event)).toEqual(["queued", "sending", "retry", "sending", "sent"]);
    expect(statusOf(d.state)).toBe("sent");
  });

  it("keeps a possible duplicate marked through later attempts, and marks an expired lease as one", () => {
    let d = transition(newDelivery(T0, T0 + 1e6), { type: "claim", leaseMs: 1, provider: "wasender" }, T0);
    d = transition(d, { type: "lease_expired" }, T0 + 5);
    expect(d).toMatchObject({ state: "retrying", possibleDuplicate: true, nextAttemptAt: T0 + 5, generation: 2 });
    d = transition(d, { type: "claim", leaseMs: 1, provider: "wasender" }, T0 + 6);
    d = transition(d, { type: "retry", at: T0 + 100, error, possibleDuplicate: false }, T0 + 7);
    expect(d.possibleDuplicate).toBe(true);
  });

  it("waits behind the conversation's head and keeps a due time when dispatched again", () => {
    let d = transition(newDelivery(T0, T0 + 1e6), { type: "wait", reason: "earlier message", waitingFor: "out_1" }, T0);
    expect(d).toMatchObject({ state: "waiting", waitingFor: "out_1", generation: 1 });
    d = transition(d, { type: "dispatch" }, T0 + 1);
    expect(d).toMatchObject({ state: "queued", generation: 2 });
    expect(d.waitingFor).toBeUndefined();
    const paced = transition(d, { type: "schedule", at: T0 + 5_000 }, T0 + 2);
    expect(paced).toMatchObject({ state: "scheduled", slotAt: T0 + 5_000, nextAttemptAt: T0 + 5_000, generation: 3 });
    expect(transition(paced, { type: "dispatch" }, T0 + 3)).toMatchObject({
      state: "scheduled",
      nextAttemptAt: T0 + 5_000,
      generation: 4,
    });
  });

  it("refuses every transition the diagram does not have, and nothing leaves sent or failed", () => {
    const events: DeliveryEvent[] = [
      { type: "dispatch" },
      { type: "wait", reason: "x" },
      { type: "schedule", at: T0 },
      { type: "claim", leaseMs: 1, provider: "wasender" },
      { type: "sent", providerMessageId: 1 },
      { type: "retry", at: T0, error, possibleDuplicate: false },
      { type: "fail", error },
      { type: "lease_expired" },
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...events), { maxLength: 30 }), (sequence) => {
        let d = newDelivery(T0, T0 + 1e9);
        let generation = d.generation;
        for (const event of sequence) {
          const before = d.state;
          try {
            d = transition(d, event, T0);
          } catch (e) {
            if (!(e instanceof IllegalTransition)) throw e;
            continue;
          }
          if (TERMINAL.has(before)) return false;
          if (d.generation < generation) return false;
          generation = d.generation;
          if (d.history.length > HISTORY_LENGTH) return false;
        }
        return true;
      }),
    );
    const sent = transition(
      transition(newDelivery(T0, T0 + 1), { type: "claim", leaseMs: 1, provider: "w" }, T0),
      { type: "sent", providerMessageId: 1 },
      T0,
    );
    expect(() => transition(sent, { type: "claim", leaseMs: 1, provider: "w" }, T0)).toThrow(IllegalTransition);
  });
});
