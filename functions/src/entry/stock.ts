import "./global";
import { onDocumentWritten } from "firebase-functions/v2/firestore";
import { HttpsError } from "firebase-functions/v2/https";
import { onTaskDispatched } from "firebase-functions/v2/tasks";
import { handleStockViewTask, spreadEdit, StockViewNotDue } from "../orders/stock-views";
import { closeLine, serveLine } from "../orders/waitlist-serving";
import { orderDeps } from "./order-deps";

/**
 * A product's `stock` set by an operator (or a new product): spread over its stock shards, which
 * reservations draw from (README, "Stock during a live"); a spread that fails is handed to
 * `stockViewRefresh`. The product's own view refreshes write `stock` equal to `stockSync.stock`, which
 * this leaves alone.
 */
export const onProductWritten = onDocumentWritten(
  { document: "vendors/{vendorId}/products/{productId}", retry: true },
  async (event) => {
    const { vendorId, productId } = event.params;
    const before = event.data?.before;
    const after = event.data?.after;
    // Taken off sale (or deleted): its waitlist closes and the buyers in it are told.
    if (before?.get("active") === true && (!after?.exists || after.get("active") !== true)) {
      await closeLine(vendorId, productId, orderDeps());
    }
    if (!after?.exists) return;
    // The view refresh's own writes keep `stock` equal to `stockSync.stock`: nothing to spread, no read.
    if (after.get("stockSync.stock") === after.get("stock")) return;
    // An operator raising the stock: the new units go to the buyers in line first.
    if ((await spreadEdit(vendorId, productId, event.id)) === "spread")
      await serveLine(vendorId, productId, orderDeps());
  },
);

/**
 * Refreshes a product's `stock` view from its shards, once per product and 2-second window (task ids
 * derive from both). A task that comes before its window ends (the emulator ignores schedule times)
 * answers 503 and comes back a second later.
 */
export const stockViewRefresh = onTaskDispatched(
  {
    retryConfig: { maxAttempts: 20, maxRetrySeconds: 300, minBackoffSeconds: 1, maxBackoffSeconds: 10 },
    rateLimits: { maxConcurrentDispatches: 50 },
    timeoutSeconds: 30,
    memory: "256MiB",
  },
  async (request) => {
    try {
      await handleStockViewTask(request.data);
    } catch (error) {
      if (error instanceof StockViewNotDue) throw new HttpsError("unavailable", error.message);
      throw error;
    }
  },
);
