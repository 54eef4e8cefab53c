import { PLATFORM_PAYMENT_LINK, PUBLIC_BASE_URL } from "../config/params";
import type { OrderDeps } from "../orders/order-lifecycle";
import { CloudTasksStockViews } from "../orders/stock-views";
import { ProviderCheckoutCreator } from "../payments/checkout-creator";
import { outboundDeps } from "./outbound-deps";

let orders: OrderDeps | undefined;

/**
 * What ending orders and serving waitlists need: the send path, the stock views' queue, and the pay
 * link's parts (a waitlist reservation gets the same link and checkout as one made at OUI).
 */
export const orderDeps = (): OrderDeps =>
  (orders ??= {
    ...outboundDeps(),
    stockViews: new CloudTasksStockViews(),
    checkout: new ProviderCheckoutCreator(() => PUBLIC_BASE_URL.value()),
    platformPaymentLink: () => PLATFORM_PAYMENT_LINK.value(),
  });
