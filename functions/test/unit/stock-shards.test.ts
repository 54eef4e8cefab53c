import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { firstShard, planDraw, splitStock, STOCK_SHARD_COUNT } from "../../src/model/stock-shards";
import { spreadEdit, stockSpreadTask, stockViewTask, STOCK_VIEW_WINDOW_MS } from "../../src/orders/stock-views";

describe("stock shards (pure)", () => {
  it("spreads a stock evenly, the remainder on the first shards, nothing lost", () => {
    expect(splitStock(23, 10)).toEqual([3, 3, 3, 2, 2, 2, 2, 2, 2, 2]);
    expect(splitStock(0, 4)).toEqual([0, 0, 0, 0]);
    fc.assert(
      fc.property(fc.nat(100_000), fc.integer({ min: 1, max: 40 }), (stock, count) => {
        const units = splitStock(stock, count);
        expect(units).toHaveLength(count);
        expect(units.reduce((a, b) => a + b, 0)).toBe(stock);
        expect(Math.max(...units) - Math.min(...units)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it("draws from the buyer's shard first, then goes round; short when all together hold less", () => {
    expect(planDraw([5, 0, 1], 0, 3)).toEqual({ ok: true, draws: [{ shard: 0, quantity: 3 }] });
    expect(planDraw([1, 0, 2], 1, 3)).toEqual({
      ok: true,
      draws: [
        { shard: 2, quantity: 2 },
        { shard: 0, quantity: 1 },
      ],
    });
    expect(planDraw([1, 0, 1], 2, 3)).toEqual({ ok: false, available: 2 });
  });

  it("never draws more than a shard holds, nor other than the quantity asked", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(20), { minLength: 1, maxLength: 12 }),
        fc.nat(30),
        fc.integer({ min: 1, max: 40 }),
        (units, start, quantity) => {
          const plan = planDraw(units, start % units.length, quantity);
          const total = units.reduce((a, b) => a + b, 0);
          if (!plan.ok) {
            expect(total).toBeLessThan(quantity);
            expect(plan.available).toBe(total);
            return;
          }
          expect(plan.draws.reduce((sum, draw) => sum + draw.quantity, 0)).toBe(quantity);
          for (const draw of plan.draws) expect(draw.quantity).toBeLessThanOrEqual(units[draw.shard]!);
          expect(new Set(plan.draws.map((draw) => draw.shard)).size).toBe(plan.draws.length);
        },
      ),
    );
  });

  it("spreads the buyers of a rush over every shard", () => {
    const counts = new Array<number>(STOCK_SHARD_COUNT).fill(0);
    for (let i = 0; i < 1000; i++) counts[firstShard(`+2217700${String(i).padStart(5, "0")}`, "robe1")]! += 1;
    // Every shard gets more than half its even share.
    expect(Math.min(...counts)).toBeGreaterThan(1000 / STOCK_SHARD_COUNT / 2);
    expect(firstShard("+221770000001", "robe1")).toBe(firstShard("+221770000001", "robe1"));
  });

  it("asks one view refresh per product and window, due at the window's end", () => {
    const t = 1_800_000_000_500;
    const a = stockViewTask("v", "p", t);
    expect(stockViewTask("v", "p", t + 1_000).id).toBe(a.id);
    expect(stockViewTask("v", "p", t + STOCK_VIEW_WINDOW_MS).id).not.toBe(a.id);
    expect(stockViewTask("v", "q", t).id).not.toBe(a.id);
    expect(a.task.at).toBe(Math.floor(t / STOCK_VIEW_WINDOW_MS + 1) * STOCK_VIEW_WINDOW_MS);
    expect(a.task.at).toBeGreaterThan(t);
  });

  it("asks a spread again under its own id per failed attempt, due at once, never a window's id", () => {
    const t = 1_800_000_000_500;
    const a = stockSpreadTask("v", "p", "event-1", t);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{1,500}$/);
    expect(a.task).toEqual({ vendorId: "v", productId: "p", at: t });
    expect(stockSpreadTask("v", "p", "event-1", t + 5_000).id).toBe(a.id);
    expect(stockSpreadTask("v", "p", "event-2", t).id).not.toBe(a.id);
    expect(stockSpreadTask("v", "q", "event-1", t).id).not.toBe(a.id);
    expect(a.id).not.toBe(stockViewTask("v", "p", t).id);
  });

  it("hands an edit whose spread failed to the queue, and throws the spread's error when the queue fails too", async () => {
    const asked: string[] = [];
    const queue = {
      spreadLater: async (vendorId: string, productId: string, key: string) => {
        asked.push(`${vendorId}/${productId}/${key}`);
      },
    };
    const busy = Object.assign(new Error("ABORTED: too much contention"), { code: 10 });
    const failing = async () => {
      throw busy;
    };
    expect(await spreadEdit("v", "p", "e1", { spread: async () => true, queue })).toBe("spread");
    expect(await spreadEdit("v", "p", "e2", { spread: async () => false, queue })).toBe("unchanged");
    expect(asked).toEqual([]);
    expect(await spreadEdit("v", "p", "e3", { spread: failing, queue })).toBe("queued");
    expect(asked).toEqual(["v/p/e3"]);
    const down = {
      spreadLater: async () => {
        throw new Error("queue unreachable");
      },
    };
    await expect(spreadEdit("v", "p", "e4", { spread: failing, queue: down })).rejects.toBe(busy);
  });
});
