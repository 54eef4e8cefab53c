import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { counterDeltas, LIVE_COUNTER_SHARDS, sumCounters, takeCounterShard } from "../../src/live/live-counters";
import { askedForProduct } from "../../src/live/funnel";
import { daysShown, liveView } from "../../src/live/live-view";

const createdAt = Timestamp.fromDate(new Date("2026-12-07T14:32:10Z"));
const order = (status: string) => ({
  status,
  total: 31000,
  createdAt,
  items: [{ productId: "robe.1", quantity: 2 }],
});
const doc = "2026-12-07";

describe("the live counters", () => {
  it("count a reservation, then move it to paid, by the difference of the order's states", () => {
    expect(counterDeltas(undefined, order("reserved")).get(doc)).toEqual([
      { path: ["orders"], by: 1 },
      { path: ["minutes", "1432"], by: 1 },
      { path: ["status", "reserved", "count"], by: 1 },
      { path: ["status", "reserved", "amount"], by: 31000 },
      { path: ["products", "robe.1", "reserved"], by: 2 },
    ]);
    expect(counterDeltas(order("reserved"), order("paid")).get(doc)).toEqual(
      expect.arrayContaining([
        { path: ["status", "paid", "count"], by: 1 },
        { path: ["status", "reserved", "count"], by: -1 },
        { path: ["status", "paid", "amount"], by: 31000 },
        { path: ["products", "robe.1", "paid"], by: 2 },
        { path: ["products", "robe.1", "reserved"], by: -2 },
      ]),
    );
    expect(counterDeltas(order("reserved"), order("paid")).get(doc)).toHaveLength(6);
    // An expired order holds no units any more; a change of nothing counted writes nothing.
    expect(counterDeltas(order("reserved"), order("expired")).get(doc)).toContainEqual({
      path: ["products", "robe.1", "reserved"],
      by: -2,
    });
    expect(counterDeltas(order("paid"), { ...order("paid"), notices: { paid: "x" } }).size).toBe(0);
    expect(counterDeltas(undefined, { status: "reserved" }).size).toBe(0);
  });

  it("go to each shard in turn, so a rush's changes spread evenly", () => {
    const taken = Array.from({ length: 2 * LIVE_COUNTER_SHARDS }, () => takeCounterShard());
    const counts = new Map<number, number>();
    for (const shard of taken) counts.set(shard, (counts.get(shard) ?? 0) + 1);
    expect(counts.size).toBe(LIVE_COUNTER_SHARDS);
    expect([...counts.values()].every((n) => n === 2)).toBe(true);
  });

  it("sum the shards into the page's view: the last hour per minute, today's amounts and units", () => {
    const now = new Date("2026-12-07T14:33:40Z");
    const shards = [
      { day: "2026-12-07", orders: 2, minutes: { "1432": 2 }, status: { paid: { count: 1, amount: 31000 } } },
      { day: "2026-12-07", orders: 1, minutes: { "1333": 1, "1334": 1 }, products: { "robe.1": { paid: 2 } } },
      undefined,
    ];
    const today = sumCounters(shards);
    const view = liveView({
      now,
      products: [{ id: "robe.1", data: { keyword: "robe1", name: "Robe", active: true, stock: 3, price: 15500 } }],
      today,
      shown: today,
      waiting: new Map([["robe.1", 4]]),
      handoffs: 1,
      askers: 9,
    }) as { perMinute: Array<{ at: string; orders: number }>; products: unknown[]; funnel: unknown };
    expect(view.perMinute).toHaveLength(60);
    expect(view.perMinute[0]!.at).toBe("2026-12-07T13:34:00.000Z");
    expect(view.perMinute.filter((m) => m.orders > 0)).toEqual([
      { at: "2026-12-07T13:34:00.000Z", orders: 1 },
      { at: "2026-12-07T14:32:00.000Z", orders: 2 },
    ]);
    expect(view.products).toEqual([
      expect.objectContaining({ productId: "robe.1", keyword: "ROBE1", left: 3, reserved: 0, paid: 2, waiting: 4 }),
    ]);
    expect(view.funnel).toEqual({ keyword: 9, oui: 3, paid: 1 });
  });

  it("read yesterday's counters too while the last hour began yesterday", () => {
    expect(daysShown(new Date("2026-12-07T00:30:00Z"))).toEqual(["2026-12-06", "2026-12-07"]);
    expect(daysShown(new Date("2026-12-07T00:59:00Z"))).toEqual(["2026-12-07"]);
  });

  it("take a product card or a quantity as the funnel's first step", () => {
    expect(askedForProduct({ lastIntent: "product" })).toBe(true);
    expect(askedForProduct({ lastIntent: "quantity" })).toBe(true);
    expect(askedForProduct({ lastIntent: "confirm" })).toBe(false);
    expect(askedForProduct(undefined)).toBe(false);
  });
});
