import "./global";
import { onRequest } from "firebase-functions/v2/https";
import { PUBLIC_BASE_URL } from "../config/params";
import { serveHttp } from "../http/handler";
import { ProviderCheckoutCreator } from "../payments/checkout-creator";
import { handlePayLink, type PayLinkDeps } from "../payments/pay-link";
import { PayLinkLimiter } from "../payments/pay-link-limiter";
import { keyHashSecret, redisConfig } from "../store/config-cache";

let deps: PayLinkDeps | undefined;

/** GET /pay/{vendorId}/{reference}: a buyer's pay link, redirected to the order's checkout. */
export const payLink = onRequest(
  { invoker: "public", concurrency: 80, memory: "256MiB", timeoutSeconds: 30 },
  serveHttp("payLink", (request) =>
    handlePayLink(
      request,
      (deps ??= {
        checkout: new ProviderCheckoutCreator(() => PUBLIC_BASE_URL.value()),
        limiter: new PayLinkLimiter(redisConfig(), keyHashSecret()),
      }),
    ),
  ),
);
