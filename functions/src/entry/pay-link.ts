import "./global";
import { onRequest } from "firebase-functions/v2/https";
import { PUBLIC_BASE_URL } from "../config/params";
import { serveHttp } from "../http/handler";
import { ProviderCheckoutCreator } from "../payments/checkout-creator";
import { handlePayLink } from "../payments/pay-link";

let creator: ProviderCheckoutCreator | undefined;

/** GET /pay/{vendorId}/{reference}: a buyer's pay link, redirected to the order's checkout. */
export const payLink = onRequest(
  { invoker: "public", concurrency: 80, memory: "256MiB", timeoutSeconds: 30 },
  serveHttp("payLink", (request) =>
    handlePayLink(request, (creator ??= new ProviderCheckoutCreator(() => PUBLIC_BASE_URL.value()))),
  ),
);
