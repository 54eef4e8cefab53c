import { randomUUID } from "node:crypto";
import { HOSTING_URL, readResponse } from "./emulators";

/** A Unipile account's credentials, as a test vendor's instance holds them. */
export interface UnipileAccount {
  accountId: string;
  apiKey: string;
  webhookSecret: string;
}

export function unipileAccount(): UnipileAccount {
  return {
    accountId: `acc_${randomUUID().slice(0, 12)}`,
    apiKey: `unipile-key-${randomUUID()}`,
    webhookSecret: `unipile-auth-${randomUUID()}`,
  };
}

/** The instance fields of a Unipile account (a Unipile number, or a failover). */
export function unipileFields(account: UnipileAccount, apiUrl: string): Record<string, unknown> {
  return {
    unipileAccountId: account.accountId,
    unipileApiKey: account.apiKey,
    unipileApiUrl: apiUrl,
    unipileWebhookSecret: account.webhookSecret,
  };
}

export const unipileMessageId = () => `msg_${randomUUID().replace(/-/g, "")}`;

/** A `source: "messaging"` event: a customer's (or the phone's own) message, a reaction, a read. */
export function unipileMessage(accountId: string, from: string, text: string, extra: Record<string, unknown> = {}) {
  const jid = `${from.replace(/^\+/, "")}@s.whatsapp.net`;
  return {
    account_id: accountId,
    account_type: "WHATSAPP",
    event: "message_received",
    chat_id: `chat_${from.replace(/^\+/, "")}`,
    timestamp: new Date().toISOString(),
    webhook_name: "livepay",
    message_id: unipileMessageId(),
    provider_message_id: `3EB0${randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase()}`,
    message: text,
    sender: { attendee_id: `att_${from}`, attendee_name: "Fatou", attendee_provider_id: jid, attendee_profile_url: "" },
    attendees: [],
    attachments: [],
    ...extra,
  };
}

export function unipileAccountStatus(accountId: string, message: string) {
  return { AccountStatus: { account_id: accountId, account_type: "WHATSAPP", message } };
}

/** POSTs to /api/webhooks/unipile/{vendorId} through Hosting, with `Unipile-Auth` when a secret is given. */
export async function postUnipile(
  vendorId: string,
  secret: string | undefined,
  body: unknown,
  options: { raw?: string; contentType?: string } = {},
) {
  const headers: Record<string, string> = {};
  // Webhooks created by API send no JSON content type unless told to: the tests send none by default.
  if (options.contentType) headers["content-type"] = options.contentType;
  if (secret !== undefined) headers["unipile-auth"] = secret;
  const bytes = Buffer.from(options.raw ?? JSON.stringify(body));
  return readResponse(
    await fetch(`${HOSTING_URL}/api/webhooks/unipile/${vendorId}`, { method: "POST", headers, body: bytes }),
  );
}
