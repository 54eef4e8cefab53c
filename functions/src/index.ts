import { setGlobalOptions } from "firebase-functions/v2";
import { onDocumentCreated, onDocumentUpdated } from "firebase-functions/v2/firestore";
import { onRequest } from "firebase-functions/v2/https";
import { handleAdminRequest } from "./admin/admin-api";
import { PUBLIC_BASE_URL, WASENDER_API_URL } from "./config/params";
import { BasicChatEngine } from "./engine/basic-engine";
import { handleNewMessage } from "./replies/on-new-message";
import { resumeQueuedMessages } from "./replies/vendor-messages";
import { ensureAdminApp } from "./shared/firestore";
import { getVendorWasenderRegistry } from "./wasender/vendor-wasender-registry";
import { serveWebhook } from "./webhooks/http";
import { handleWasenderWebhook } from "./webhooks/wasender-webhook";

ensureAdminApp();
setGlobalOptions({ region: "us-central1", maxInstances: 20 });

const sendDeps = () => ({ registry: getVendorWasenderRegistry(), defaultApiUrl: () => WASENDER_API_URL.value() });
const webhookOptions = { invoker: "public", concurrency: 80, memory: "256MiB", timeoutSeconds: 30 } as const;

// Wasender posts every event of a session to the one URL registered for it, so the three URLs share
// one pipeline: each handles every event the same way.

/** POST /api/webhooks/wasender/{vendorId}: message events (and any other event of the session). */
export const wasenderMessageWebhook = onRequest(webhookOptions, serveWebhook("wasenderMessageWebhook", handleWasenderWebhook));

/** POST /api/webhooks/wasender/{vendorId}/status: messages.update, message-receipt.update, message.sent. */
export const wasenderStatusWebhook = onRequest(webhookOptions, serveWebhook("wasenderStatusWebhook", handleWasenderWebhook));

/** POST /api/webhooks/wasender/{vendorId}/connection: session.status, qrcode.updated. */
export const wasenderConnectionWebhook = onRequest(webhookOptions, serveWebhook("wasenderConnectionWebhook", handleWasenderWebhook));

/** /api/admin/vendors/{vendorId}/...: webhook registration, session status, vendor-started messages. */
export const adminApi = onRequest(
  { invoker: "public", memory: "256MiB", timeoutSeconds: 60 },
  serveWebhook("adminApi", (request) => handleAdminRequest(request, { ...sendDeps(), publicBaseUrl: () => PUBLIC_BASE_URL.value() })),
);

const engine = new BasicChatEngine();

/** Every new conversation message: inbound ones get the engine's replies, vendor-written ones go out. */
export const onConversationMessageCreated = onDocumentCreated(
  { document: "vendors/{vendorId}/conversations/{customer}/messages/{messageId}", timeoutSeconds: 120 },
  (event) => handleNewMessage(event.params, event.data?.data(), { engine, ...sendDeps() }),
);

/** A number that reconnects sends what waited for it. */
export const onWabaInstanceUpdated = onDocumentUpdated(
  { document: "waba_instances/{wabaInstanceId}", timeoutSeconds: 300 },
  async (event) => {
    const before = event.data?.before.get("status");
    const after = event.data?.after.get("status");
    if (before !== "connected" && after === "connected") {
      await resumeQueuedMessages(event.params.wabaInstanceId, sendDeps());
    }
  },
);
