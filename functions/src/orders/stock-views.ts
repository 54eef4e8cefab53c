import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { logger } from "../shared/logger";
import { enqueueOnce } from "../shared/task-queue";
import { refreshStockView, spreadStock } from "../store/stock-shards";
import { FUNCTIONS_REGION } from "../config/region";

/**
 * A product's `stock` (what cards, the menu and the console show) is the sum of its shards, refreshed
 * after reservations and releases at most once per window per product, at the window's end: a rush of
 * reservations writes the product document about once every two seconds, never once per buyer.
 */
export const STOCK_VIEW_WINDOW_MS = 2_000;
export const STOCK_VIEW_FUNCTION = "stockViewRefresh";

export const stockViewTaskSchema = z.object({
  vendorId: z.string().min(1),
  productId: z.string().min(1),
  /** Not before: the end of the window the change fell in. */
  at: z.number(),
});
export type StockViewTask = z.infer<typeof stockViewTaskSchema>;

/** Where a product's stock view refresh is asked for, once its change has committed. */
export interface StockViewScheduler {
  refresh(vendorId: string, productIds: readonly string[]): Promise<void>;
}

/** Where an operator's edit whose spread failed is handed, to be spread again with the queue's retries. */
export interface StockSpreadQueue {
  /** Throws when the edit could not be handed over. `key`: the failed attempt's (one task per key). */
  spreadLater(vendorId: string, productId: string, key: string): Promise<void>;
}

const digest = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 40);

/** The window's task: one per product and window, whoever asks (the queue refuses a second task id). */
export function stockViewTask(
  vendorId: string,
  productId: string,
  now = Date.now(),
): { id: string; task: StockViewTask } {
  const window = Math.floor(now / STOCK_VIEW_WINDOW_MS);
  return {
    id: `${digest(`${vendorId}/${productId}`)}-${window}`,
    task: { vendorId, productId, at: (window + 1) * STOCK_VIEW_WINDOW_MS },
  };
}

/** The task that spreads an edit again: due now, its id from the failed attempt (never a window's). */
export function stockSpreadTask(
  vendorId: string,
  productId: string,
  key: string,
  now = Date.now(),
): { id: string; task: StockViewTask } {
  return {
    id: `${digest(`${vendorId}/${productId}`)}-spread-${digest(key)}`,
    task: { vendorId, productId, at: now },
  };
}

/** On the `stockViewRefresh` task queue; a failed enqueue only leaves the view a change behind (logged). */
export class CloudTasksStockViews implements StockViewScheduler, StockSpreadQueue {
  constructor(private readonly location = FUNCTIONS_REGION) {}

  async refresh(vendorId: string, productIds: readonly string[]): Promise<void> {
    if (productIds.length === 0) return;
    await Promise.all(
      productIds.map(async (productId) => {
        const { id, task } = stockViewTask(vendorId, productId);
        try {
          await enqueueOnce(STOCK_VIEW_FUNCTION, task, { id, scheduleTime: new Date(task.at) }, this.location);
        } catch (error) {
          logger.warn("stock view refresh not enqueued", {
            vendorId,
            productId,
            error: error instanceof Error ? error.message : String(error),
          });
        }
      }),
    );
  }

  async spreadLater(vendorId: string, productId: string, key: string): Promise<void> {
    const { id, task } = stockSpreadTask(vendorId, productId, key);
    await enqueueOnce(STOCK_VIEW_FUNCTION, task, { id }, this.location);
  }
}

/**
 * The product trigger's body: spreads an operator's edit, and when that fails (Firestore busy or
 * unreachable) hands it to the view task, whose queue retries it in production and in the emulator
 * alike (the emulator never retries a trigger). Throws only when it could not be handed over either:
 * production's trigger retry is then the last resort.
 */
export async function spreadEdit(
  vendorId: string,
  productId: string,
  key: string,
  deps: { spread?: typeof spreadStock; queue?: StockSpreadQueue } = {},
): Promise<"spread" | "unchanged" | "queued"> {
  const { spread = spreadStock, queue = new CloudTasksStockViews() } = deps;
  try {
    return (await spread(vendorId, productId)) ? "spread" : "unchanged";
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    try {
      await queue.spreadLater(vendorId, productId, key);
    } catch (queueError) {
      logger.error("stock edit neither spread nor queued", {
        vendorId,
        productId,
        error: reason,
        queueError: queueError instanceof Error ? queueError.message : String(queueError),
      });
      throw error;
    }
    logger.warn("stock edit not spread yet: queued", { vendorId, productId, error: reason });
    return "queued";
  }
}

/** For runs without a task queue (in-process tests and benchmarks): the view is refreshed at once. */
export const immediateStockViews: StockViewScheduler = {
  async refresh(vendorId, productIds) {
    for (const productId of productIds) await refreshStockView(vendorId, productId);
  },
};

/** Thrown so the queue delivers the task again: it came before its window ended (the emulator ignores schedule times). */
export class StockViewNotDue extends Error {}

/**
 * The task's body: waits out a window ending within a second, refreshes the view; an operator's edit
 * waiting to be spread (the view is then left alone) is spread instead.
 */
export async function handleStockViewTask(raw: unknown): Promise<void> {
  const parsed = stockViewTaskSchema.safeParse(raw);
  if (!parsed.success) {
    logger.error("stock view task ignored: not a task of this queue", {
      problems: parsed.error.issues.map((issue) => issue.message),
    });
    return;
  }
  const { vendorId, productId, at } = parsed.data;
  const early = at - Date.now();
  if (early > 1_000) throw new StockViewNotDue(`not due for ${Math.ceil(early / 1000)} s`);
  if (early > 0) await sleep(early);
  const stock = await refreshStockView(vendorId, productId);
  if (stock !== undefined) {
    logger.info("stock view refreshed", { vendorId, productId, stock });
    return;
  }
  const spread = await spreadStock(vendorId, productId);
  logger.info(spread ? "stock edit spread" : "stock view unchanged", { vendorId, productId });
}
