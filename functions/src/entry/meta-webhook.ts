import "./global";
import { onRequest } from "firebase-functions/v2/https";
import { serveHttp } from "../http/handler";
import { handleMetaWebhook } from "../webhooks/meta-webhook";

/** GET|POST /api/webhooks/meta/{vendorId}: Meta's verification and the events of the vendor's Cloud API numbers. */
export const metaWebhook = onRequest(
  { invoker: "public", concurrency: 80, memory: "256MiB", timeoutSeconds: 30 },
  serveHttp("metaWebhook", handleMetaWebhook),
);
