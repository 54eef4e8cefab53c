import "./global";
import { onDocumentCreated } from "firebase-functions/v2/firestore";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { handleNewMessage } from "../replies/on-new-message";
import { runSelfHealing } from "../replies/self-healing";
import { replyDeps } from "./reply-deps";

/**
 * Every new conversation message: inbound ones are decided (the engine's replies queued, the first one
 * sent by this run when its number allows), messages a dashboard writes are queued. Retried on failure
 * (each step is idempotent); events older than an hour are left to the sweep.
 */
export const onConversationMessageCreated = onDocumentCreated(
  { document: "vendors/{vendorId}/conversations/{customer}/messages/{messageId}", retry: true, timeoutSeconds: 60 },
  (event) => handleNewMessage(event.params, event.data?.data(), replyDeps(), event.time),
);

/** What fell through re-driven: stuck inbound, lost send tasks, expired leases, failed WhatsApp id lookups. */
export const selfHealingSweep = onSchedule({ schedule: "every 1 minutes", timeoutSeconds: 300 }, () =>
  runSelfHealing(replyDeps()).then(() => undefined),
);
