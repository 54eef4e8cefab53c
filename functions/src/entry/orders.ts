import "./global";
import { onDocumentWritten } from "firebase-functions/v2/firestore";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { handleOrderWritten } from "../orders/order-lifecycle";
import { sweepReservations } from "../orders/reservation-sweep";
import { orderDeps } from "./order-deps";

/** Checkouts checked with their provider, unpaid reservations past their time expired, waiting lines served (one job). */
export const expireReservations = onSchedule({ schedule: "every 1 minutes", timeoutSeconds: 300 }, async () => {
  await sweepReservations(new Date(), orderDeps());
});

/** An order marked paid (or cancelled by the vendor) in Firestore: the buyer hears about it once. */
export const onOrderWritten = onDocumentWritten(
  { document: "vendors/{vendorId}/orders/{orderId}", retry: true },
  (event) => handleOrderWritten(event.params.vendorId, event.params.orderId, orderDeps()),
);
