import { setGlobalOptions } from "firebase-functions/v2";
import { onDocumentCreated, onDocumentWritten } from "firebase-functions/v2/firestore";
import { onRequest } from "firebase-functions/v2/https";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { onTaskDispatched } from "firebase-functions/v2/tasks";
import { handleAdminRequest } from "./admin/admin-api";
import { META_GRAPH_API_URL, PLATFORM_PAYMENT_LINK, PUBLIC_BASE_URL, UPSTASH_REDIS_REST_TOKEN, UPSTASH_REDIS_REST_URL, WASENDER_API_URL } from "./config/params";
import { AlloPermetEngine } from "./engine/allopermet-engine";
import { onInstanceWritten } from "./onboarding/on-instance-written";
import { expireDueReservations, handleOrderWritten } from "./orders/order-lifecycle";
import { ProviderRegistry } from "./messaging/provider";
import type { OutboundDeps } from "./outbound/attempt";
import { CloudTasksScheduler } from "./outbound/dispatch";
import { handleAttemptTask } from "./outbound/task-handler";
import { handleNewMessage } from "./replies/on-new-message";
import type { ReplyDeps } from "./replies/reply-to-inbound";
import { runSelfHealing } from "./replies/self-healing";
import { ensureAdminApp } from "./shared/firestore";
import { InboundLimiter } from "./shared/inbound-limiter";
import { invalidateConfig, redisConfig, vendorKey } from "./store/config-cache";
import { serveHttp } from "./http/handler";
import { handleMetaWebhook } from "./webhooks/meta-webhook";
import { handleWasenderWebhook } from "./webhooks/wasender-webhook";

ensureAdminApp();
// Every function reads or invalidates the shared configuration cache, so every one may use Redis.
setGlobalOptions({ region: "us-central1", maxInstances: 20, secrets: [UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN] });

let outbound: OutboundDeps | undefined;
/** Providers and the send-attempt queue, built on first use (params are read at run time, not at deploy). */
const outboundDeps = (): OutboundDeps =>
  (outbound ??= { providers: new ProviderRegistry(() => WASENDER_API_URL.value(), { metaApiUrl: () => META_GRAPH_API_URL.value() }), scheduler: new CloudTasksScheduler() });

const engine = new AlloPermetEngine();
let limiter: InboundLimiter | undefined;
const replyDeps = (): ReplyDeps => {
  limiter ??= new InboundLimiter(redisConfig());
  return { ...outboundDeps(), engine, limiter, platformPaymentLink: () => PLATFORM_PAYMENT_LINK.value() };
};
const webhookOptions = { invoker: "public", concurrency: 80, memory: "256MiB", timeoutSeconds: 30 } as const;

// Wasender posts every event of a session to the one URL registered for it, so the three URLs share
// one pipeline: each handles every event the same way.

/** POST /api/webhooks/wasender/{vendorId}: message events (and any other event of the session). */
export const wasenderMessageWebhook = onRequest(webhookOptions, serveHttp("wasenderMessageWebhook", handleWasenderWebhook));

/** POST /api/webhooks/wasender/{vendorId}/status: messages.update, message-receipt.update, message.sent. */
export const wasenderStatusWebhook = onRequest(webhookOptions, serveHttp("wasenderStatusWebhook", handleWasenderWebhook));

/** POST /api/webhooks/wasender/{vendorId}/connection: session.status, qrcode.updated. */
export const wasenderConnectionWebhook = onRequest(webhookOptions, serveHttp("wasenderConnectionWebhook", handleWasenderWebhook));

/** GET|POST /api/webhooks/meta/{vendorId}: Meta's verification and the events of the vendor's Cloud API numbers. */
export const metaWebhook = onRequest(webhookOptions, serveHttp("metaWebhook", handleMetaWebhook));

/** /api/admin/vendors/{vendorId}/...: webhook registration, session status, vendor-started messages; jobs. */
export const adminApi = onRequest(
  { invoker: "public", memory: "256MiB", timeoutSeconds: 300 },
  serveHttp("adminApi", (request) =>
    handleAdminRequest(request, { ...outboundDeps(), publicBaseUrl: () => PUBLIC_BASE_URL.value(), sweep: () => runSelfHealing(replyDeps()) }),
  ),
);

/**
 * Every new conversation message: inbound ones are decided (the engine's replies queued), messages a
 * dashboard writes are queued. Only decides and enqueues: sending is the task queue's. Retried on
 * failure (each step is idempotent); events older than an hour are left to the sweep.
 */
export const onConversationMessageCreated = onDocumentCreated(
  { document: "vendors/{vendorId}/conversations/{customer}/messages/{messageId}", retry: true, timeoutSeconds: 60 },
  (event) => handleNewMessage(event.params, event.data?.data(), replyDeps(), event.time),
);

/**
 * One send attempt of one outbound message (README, "Delivery"). Task ids derive from the message and
 * its generation. The queue's own retries only serve a task that came early (the emulator ignores
 * schedule times; it then comes back every second until due) or a run that crashed; send failures are
 * retried by the delivery state machine, as new tasks. Retried for 20 minutes (a 15-minute backoff
 * fits), then the sweep takes over.
 */
export const outboundAttempt = onTaskDispatched(
  {
    retryConfig: { maxAttempts: 100, maxRetrySeconds: 1200, minBackoffSeconds: 1, maxBackoffSeconds: 1 },
    rateLimits: { maxConcurrentDispatches: 200 },
    timeoutSeconds: 60,
    memory: "256MiB",
  },
  (request) => handleAttemptTask(request.data, outboundDeps()),
);

/** Unpaid reservations past their time go back on sale, and their buyers are told. */
export const expireReservations = onSchedule({ schedule: "every 1 minutes", timeoutSeconds: 300 }, () =>
  expireDueReservations(new Date(), outboundDeps()).then(() => undefined),
);

/** What fell through re-driven: stuck inbound, lost send tasks, expired leases, failed WhatsApp id lookups. */
export const selfHealingSweep = onSchedule({ schedule: "every 1 minutes", timeoutSeconds: 300 }, () =>
  runSelfHealing(replyDeps()).then(() => undefined),
);

/** An order marked paid (or cancelled by the vendor) in Firestore: the buyer hears about it once. */
export const onOrderWritten = onDocumentWritten({ document: "vendors/{vendorId}/orders/{orderId}", retry: true }, (event) =>
  handleOrderWritten(event.params.vendorId, event.params.orderId, outboundDeps()),
);

/** Onboarding by console edits (validate, index, sync vendor_configs); a reconnected number sends what waited. */
export const onWabaInstanceWritten = onDocumentWritten(
  { document: "waba_instances/{wabaInstanceId}", timeoutSeconds: 300 },
  (event) => onInstanceWritten(event.params.wabaInstanceId, event.data?.before.data(), event.data?.after.data(), outboundDeps()),
);

/** A vendor_configs edit takes effect at once: the cached vendor configuration is dropped. */
export const onVendorConfigWritten = onDocumentWritten("vendor_configs/{vendorId}", (event) =>
  invalidateConfig([vendorKey(event.params.vendorId)]),
);
