// Unipile's webhook bodies as the project's notes on Unipile describe them, shared by
// `npm run webhook -- … --provider unipile` and the docs' walk-through.
import { randomBytes } from "node:crypto";

/** The header we ask Unipile to send on every webhook (its value: the instance's unipileWebhookSecret). */
export const UNIPILE_AUTH_HEADER = "Unipile-Auth";

export function unipileWebhookPath(vendorId) {
  return `/api/webhooks/unipile/${encodeURIComponent(vendorId)}`;
}

/** A customer's text to the account (`source: "messaging"`, `event: "message_received"`). */
export function unipileTextEvent({ accountId, from, name, text, id }) {
  const digits = String(from).replace(/\D/g, "");
  return {
    account_id: accountId,
    account_type: "WHATSAPP",
    event: "message_received",
    chat_id: `chat_${digits}`,
    timestamp: new Date().toISOString(),
    webhook_name: "livepay",
    message_id: id ?? `msg_${randomBytes(8).toString("hex")}`,
    provider_message_id: `3EB0${randomBytes(8).toString("hex").toUpperCase()}`,
    message: text,
    sender: {
      attendee_id: `att_${digits}`,
      attendee_name: name,
      attendee_provider_id: `${digits}@s.whatsapp.net`,
      attendee_profile_url: "",
    },
    attendees: [],
    attachments: [],
  };
}

/** An account status change (`source: "account_status"`): OK, CREDENTIALS, STOPPED, RECONNECTED, … */
export function unipileAccountStatusEvent({ accountId, status }) {
  return { AccountStatus: { account_id: accountId, account_type: "WHATSAPP", message: status } };
}
