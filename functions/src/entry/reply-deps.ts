import { PLATFORM_PAYMENT_LINK, PUBLIC_BASE_URL } from "../config/params";
import { AlloPermetEngine } from "../engine/allopermet-engine";
import { CloudTasksStockViews } from "../orders/stock-views";
import { ProviderCheckoutCreator } from "../payments/checkout-creator";
import type { ReplyDeps } from "../replies/reply-to-inbound";
import { InboundLimiter } from "../shared/inbound-limiter";
import { keyHashSecret, redisConfig } from "../store/config-cache";
import { outboundDeps } from "./outbound-deps";

let replies: ReplyDeps | undefined;

/** What deciding an inbound message needs: the engine, the rate limiter and the send path, built on first use. */
export const replyDeps = (): ReplyDeps =>
  (replies ??= {
    ...outboundDeps(),
    engine: new AlloPermetEngine(),
    limiter: new InboundLimiter(redisConfig(), keyHashSecret()),
    platformPaymentLink: () => PLATFORM_PAYMENT_LINK.value(),
    stockViews: new CloudTasksStockViews(),
    checkout: new ProviderCheckoutCreator(() => PUBLIC_BASE_URL.value()),
  });
