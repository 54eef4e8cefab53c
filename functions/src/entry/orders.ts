import "./global";
import { onDocumentWritten } from "firebase-functions/v2/firestore";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { countOrderChange } from "../orders/live-counting";
import { handleOrderWritten } from "../orders/order-lifecycle";
import { sweepReservations } from "../orders/reservation-sweep";
import { orderDeps } from "./order-deps";

/** Checkouts checked with their provider, unpaid reservations past their time expired, waiting lines served (one job). */
export const expireReservations = onSchedule({ schedule: "every 1 minutes", timeoutSeconds: 300 }, async () => {
  await sweepReservations(new Date(), orderDeps());
});

/**
 * An order marked paid (or cancelled by the vendor) in Firestore: the buyer hears about it once. Every
 * change of an order is also counted for the live page (once per event, whichever part a retry redoes).
 */
export const onOrderWritten = onDocumentWritten(
  { document: "vendors/{vendorId}/orders/{orderId}", retry: true },
  async (event) => {
    const { vendorId, orderId } = event.params;
    // Both run to their end before a failure asks for the retry (each is safe to run again).
    const outcomes = await Promise.allSettled([
      countOrderChange(vendorId, event.id, event.data?.before?.data(), event.data?.after?.data()),
      handleOrderWritten(vendorId, orderId, orderDeps()),
    ]);
    const failed = outcomes.find((outcome) => outcome.status === "rejected");
    if (failed) throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  },
);
