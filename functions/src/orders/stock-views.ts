import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { logger } from "../shared/logger";
import { enqueueOnce } from "../shared/task-queue";
import { refreshStockView } from "../store/stock-shards";

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

/** The window's task: one per product and window, whoever asks (the queue refuses a second task id). */
export function stockViewTask(
  vendorId: string,
  productId: string,
  now = Date.now(),
): { id: string; task: StockViewTask } {
  const window = Math.floor(now / STOCK_VIEW_WINDOW_MS);
  const key = createHash("sha256").update(`${vendorId}/${productId}`).digest("hex").slice(0, 40);
  return { id: `${key}-${window}`, task: { vendorId, productId, at: (window + 1) * STOCK_VIEW_WINDOW_MS } };
}

/** On the `stockViewRefresh` task queue; a failed enqueue only leaves the view a change behind (logged). */
export class CloudTasksStockViews implements StockViewScheduler {
  constructor(private readonly location = "us-central1") {}

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
}

/** For runs without a task queue (in-process tests and benchmarks): the view is refreshed at once. */
export const immediateStockViews: StockViewScheduler = {
  async refresh(vendorId, productIds) {
    for (const productId of productIds) await refreshStockView(vendorId, productId);
  },
};

/** Thrown so the queue delivers the task again: it came before its window ended (the emulator ignores schedule times). */
export class StockViewNotDue extends Error {}

/** The task's body: waits out a window ending within a second, refreshes the view. */
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
  logger.info("stock view refreshed", { vendorId, productId, stock });
}
