import "./global";
import { onDocumentWritten } from "firebase-functions/v2/firestore";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { expireDueReservations, handleOrderWritten } from "../orders/order-lifecycle";
import { CloudTasksStockViews } from "../orders/stock-views";
import { reconcileCheckouts } from "../payments/reconcile";
import { logger } from "../shared/logger";
import { outboundDeps } from "./outbound-deps";

const orderDeps = () => ({ ...outboundDeps(), stockViews: new CloudTasksStockViews() });

/**
 * Checkouts without a callback are checked with their provider first (a lost callback still pays), then
 * unpaid reservations past their time go back on sale, and their buyers are told.
 */
export const expireReservations = onSchedule({ schedule: "every 1 minutes", timeoutSeconds: 300 }, async () => {
  const deps = orderDeps();
  // A provider or query failure must not hold the expiry.
  await reconcileCheckouts(new Date(), deps).catch((error: unknown) => {
    logger.error("checkouts not reconciled", { error: String(error) });
  });
  await expireDueReservations(new Date(), deps);
});

/** An order marked paid (or cancelled by the vendor) in Firestore: the buyer hears about it once. */
export const onOrderWritten = onDocumentWritten({ document: "vendors/{vendorId}/orders/{orderId}", retry: true }, (event) =>
  handleOrderWritten(event.params.vendorId, event.params.orderId, orderDeps()),
);
