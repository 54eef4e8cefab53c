import "./global";
import { onRequest } from "firebase-functions/v2/https";
import { serveHttp } from "../http/handler";
import { handleWasenderWebhook } from "../webhooks/wasender-webhook";

const webhookOptions = { invoker: "public", concurrency: 80, memory: "256MiB", timeoutSeconds: 30 } as const;

// Wasender posts every event of a session to the one URL registered for it, so the three URLs share
// one pipeline: each handles every event the same way.

/** POST /api/webhooks/wasender/{vendorId}: message events (and any other event of the session). */
export const wasenderMessageWebhook = onRequest(
  webhookOptions,
  serveHttp("wasenderMessageWebhook", handleWasenderWebhook),
);

/** POST /api/webhooks/wasender/{vendorId}/status: messages.update, message-receipt.update, message.sent. */
export const wasenderStatusWebhook = onRequest(
  webhookOptions,
  serveHttp("wasenderStatusWebhook", handleWasenderWebhook),
);

/** POST /api/webhooks/wasender/{vendorId}/connection: session.status, qrcode.updated. */
export const wasenderConnectionWebhook = onRequest(
  webhookOptions,
  serveHttp("wasenderConnectionWebhook", handleWasenderWebhook),
);
