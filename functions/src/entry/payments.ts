import "./global";
import { onRequest } from "firebase-functions/v2/https";
import { serveHttp } from "../http/handler";
import { handlePaymentWebhook } from "../payments/webhook";
import { outboundDeps } from "./outbound-deps";

/** POST /api/webhooks/payments/{wave|paydunya|orange_money}/{vendorId}: a vendor's payment callbacks. */
export const paymentWebhook = onRequest(
  { invoker: "public", concurrency: 80, memory: "256MiB", timeoutSeconds: 30 },
  serveHttp("paymentWebhook", (request) => handlePaymentWebhook(request, outboundDeps())),
);
