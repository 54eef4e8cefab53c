import "./global";
import { onRequest } from "firebase-functions/v2/https";
import { serveHttp } from "../http/handler";
import { handleUnipileWebhook } from "../webhooks/unipile-webhook";

/** POST /api/webhooks/unipile/{vendorId}: messaging and account_status events of the vendor's Unipile numbers. */
export const unipileWebhook = onRequest(
  { invoker: "public", concurrency: 80, memory: "256MiB", timeoutSeconds: 30 },
  serveHttp("unipileWebhook", (request) => handleUnipileWebhook(request)),
);
