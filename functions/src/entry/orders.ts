import "./global";
import { onDocumentWritten } from "firebase-functions/v2/firestore";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { expireDueReservations, handleOrderWritten } from "../orders/order-lifecycle";
import { CloudTasksStockViews } from "../orders/stock-views";
import { outboundDeps } from "./outbound-deps";

const orderDeps = () => ({ ...outboundDeps(), stockViews: new CloudTasksStockViews() });

/** Unpaid reservations past their time go back on sale, and their buyers are told. */
export const expireReservations = onSchedule({ schedule: "every 1 minutes", timeoutSeconds: 300 }, () =>
  expireDueReservations(new Date(), orderDeps()).then(() => undefined),
);

/** An order marked paid (or cancelled by the vendor) in Firestore: the buyer hears about it once. */
export const onOrderWritten = onDocumentWritten({ document: "vendors/{vendorId}/orders/{orderId}", retry: true }, (event) =>
  handleOrderWritten(event.params.vendorId, event.params.orderId, orderDeps()),
);
