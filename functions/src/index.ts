import { setGlobalOptions } from "firebase-functions/v2";
import { onDocumentCreated } from "firebase-functions/v2/firestore";
import { onRequest } from "firebase-functions/v2/https";
import { WASENDER_API_URL } from "./config/params";
import { BasicChatEngine } from "./engine/basic-engine";
import { ensureAdminApp } from "./shared/firestore";
import { handleNewMessage } from "./replies/on-new-message";
import { getVendorWasenderRegistry } from "./wasender/vendor-wasender-registry";
import { serveWebhook } from "./webhooks/http";
import { handleWasenderMessageWebhook } from "./webhooks/message-webhook";

ensureAdminApp();
setGlobalOptions({ region: "us-central1", maxInstances: 20 });

/** POST /api/webhooks/wasender/{vendorId}: Wasender message events for one vendor's number(s). */
export const wasenderMessageWebhook = onRequest(
  { invoker: "public", concurrency: 80, memory: "256MiB", timeoutSeconds: 30 },
  serveWebhook("wasenderMessageWebhook", handleWasenderMessageWebhook),
);

const engine = new BasicChatEngine();

/** Every new conversation message: inbound ones get the engine's replies, sent from the same number. */
export const onConversationMessageCreated = onDocumentCreated(
  { document: "vendors/{vendorId}/conversations/{customer}/messages/{messageId}", timeoutSeconds: 120 },
  (event) =>
    handleNewMessage(event.params, event.data?.data(), {
      engine,
      registry: getVendorWasenderRegistry(),
      defaultApiUrl: () => WASENDER_API_URL.value(),
    }),
);
