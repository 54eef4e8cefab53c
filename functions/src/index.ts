import { setGlobalOptions } from "firebase-functions/v2";
import { onDocumentCreated, onDocumentWritten } from "firebase-functions/v2/firestore";
import { onRequest } from "firebase-functions/v2/https";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { handleAdminRequest } from "./admin/admin-api";
import { PLATFORM_PAYMENT_LINK, PUBLIC_BASE_URL, UPSTASH_REDIS_REST_TOKEN, UPSTASH_REDIS_REST_URL, WASENDER_API_URL } from "./config/params";
import { AlloPermetEngine } from "./engine/allopermet-engine";
import { onInstanceWritten } from "./onboarding/on-instance-written";
import { expireDueReservations, handleOrderWritten } from "./orders/order-lifecycle";
import { handleNewMessage } from "./replies/on-new-message";
import { ensureAdminApp } from "./shared/firestore";
import { InboundLimiter } from "./shared/inbound-limiter";
import { invalidateConfig, redisConfig, vendorKey } from "./store/config-cache";
import { getVendorWasenderRegistry } from "./wasender/vendor-wasender-registry";
import { serveHttp } from "./webhooks/http";
import { handleWasenderWebhook } from "./webhooks/wasender-webhook";

ensureAdminApp();
// Every function reads or invalidates the shared configuration cache, so every one may use Redis.
setGlobalOptions({ region: "us-central1", maxInstances: 20, secrets: [UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN] });

const sendDeps = () => ({ registry: getVendorWasenderRegistry(), defaultApiUrl: () => WASENDER_API_URL.value() });
const webhookOptions = { invoker: "public", concurrency: 80, memory: "256MiB", timeoutSeconds: 30 } as const;

// Wasender posts every event of a session to the one URL registered for it, so the three URLs share
// one pipeline: each handles every event the same way.

/** POST /api/webhooks/wasender/{vendorId}: message events (and any other event of the session). */
export const wasenderMessageWebhook = onRequest(webhookOptions, serveHttp("wasenderMessageWebhook", handleWasenderWebhook));

/** POST /api/webhooks/wasender/{vendorId}/status: messages.update, message-receipt.update, message.sent. */
export const wasenderStatusWebhook = onRequest(webhookOptions, serveHttp("wasenderStatusWebhook", handleWasenderWebhook));

/** POST /api/webhooks/wasender/{vendorId}/connection: session.status, qrcode.updated. */
export const wasenderConnectionWebhook = onRequest(webhookOptions, serveHttp("wasenderConnectionWebhook", handleWasenderWebhook));

/** /api/admin/vendors/{vendorId}/...: webhook registration, session status, vendor-started messages. */
export const adminApi = onRequest(
  { invoker: "public", memory: "256MiB", timeoutSeconds: 60 },
  serveHttp("adminApi", (request) => handleAdminRequest(request, { ...sendDeps(), publicBaseUrl: () => PUBLIC_BASE_URL.value() })),
);

const engine = new AlloPermetEngine();
let limiter: InboundLimiter | undefined;

/** Every new conversation message: inbound ones get the engine's replies, vendor-written ones go out. */
export const onConversationMessageCreated = onDocumentCreated(
  // Up to 9 minutes: a reply may wait that long for its number's next send slot.
  { document: "vendors/{vendorId}/conversations/{customer}/messages/{messageId}", timeoutSeconds: 540 },
  (event) => {
    limiter ??= new InboundLimiter(redisConfig());
    const platformPaymentLink = () => PLATFORM_PAYMENT_LINK.value();
    return handleNewMessage(event.params, event.data?.data(), { engine, limiter, platformPaymentLink, ...sendDeps() });
  },
);

/** Unpaid reservations past their time go back on sale, and their buyers are told. */
export const expireReservations = onSchedule({ schedule: "every 1 minutes", timeoutSeconds: 300 }, () =>
  expireDueReservations(new Date(), sendDeps()).then(() => undefined),
);

/** An order marked paid (or cancelled by the vendor) in Firestore: the buyer hears about it once. */
export const onOrderWritten = onDocumentWritten("vendors/{vendorId}/orders/{orderId}", (event) =>
  handleOrderWritten(event.params.vendorId, event.params.orderId, sendDeps()),
);

/** Onboarding by console edits (validate, index, sync vendor_configs); a reconnected number sends what waited. */
export const onWabaInstanceWritten = onDocumentWritten(
  { document: "waba_instances/{wabaInstanceId}", timeoutSeconds: 300 },
  (event) => onInstanceWritten(event.params.wabaInstanceId, event.data?.before.data(), event.data?.after.data(), sendDeps()),
);

/** A vendor_configs edit takes effect at once: the cached vendor configuration is dropped. */
export const onVendorConfigWritten = onDocumentWritten("vendor_configs/{vendorId}", (event) =>
  invalidateConfig([vendorKey(event.params.vendorId)]),
);
