import { createHmac, randomUUID } from "node:crypto";
import { HOSTING_URL, readResponse } from "./emulators";

/** A Cloud API number's credentials, as a test vendor's instance holds them. */
export interface MetaNumber {
  phoneNumberId: string;
  accessToken: string;
  appSecret: string;
  verifyToken: string;
}

export function metaNumber(): MetaNumber {
  return {
    phoneNumberId: String(100_000_000_000 + Math.floor(Math.random() * 899_999_999_999)),
    accessToken: `meta-token-${randomUUID()}`,
    appSecret: `meta-app-secret-${randomUUID()}`,
    verifyToken: `meta-verify-${randomUUID()}`,
  };
}

/** The instance fields of a Cloud API number (failover or Meta-only). */
export function metaFields(number: MetaNumber, apiUrl: string): Record<string, unknown> {
  return {
    metaPhoneNumberId: number.phoneNumberId,
    metaAccessToken: number.accessToken,
    metaAppSecret: number.appSecret,
    metaVerifyToken: number.verifyToken,
    metaApiUrl: apiUrl,
  };
}

export const metaWamid = () => `wamid.HBgL${randomUUID().replace(/-/g, "").toUpperCase()}`;

/** One `changes[].value` of Meta's webhook for a number. */
export function metaValue(phoneNumberId: string, rest: Record<string, unknown>) {
  return {
    messaging_product: "whatsapp",
    metadata: { display_phone_number: "221330000000", phone_number_id: phoneNumberId },
    ...rest,
  };
}

/** A customer's text to the number, as Meta posts it. */
export function metaText(phoneNumberId: string, from: string, text: string, id = metaWamid(), name = "Fatou") {
  return metaValue(phoneNumberId, {
    contacts: [{ profile: { name }, wa_id: from.replace(/^\+/, "") }],
    messages: [
      {
        from: from.replace(/^\+/, ""),
        id,
        timestamp: String(Math.floor(Date.now() / 1000)),
        type: "text",
        text: { body: text },
      },
    ],
  });
}

export function metaStatus(phoneNumberId: string, wamid: string, status: string, extra: Record<string, unknown> = {}) {
  return metaValue(phoneNumberId, {
    statuses: [
      { id: wamid, status, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: "221770000000", ...extra },
    ],
  });
}

/** The webhook body: one entry per array of values. */
export function metaBody(...entries: unknown[][]) {
  return {
    object: "whatsapp_business_account",
    entry: entries.map((values, index) => ({
      id: `WABA${index}`,
      changes: values.map((value) => ({ field: "messages", value })),
    })),
  };
}

export function metaSignature(appSecret: string, raw: Buffer): string {
  return `sha256=${createHmac("sha256", appSecret).update(raw).digest("hex")}`;
}

/** POSTs to /api/webhooks/meta/{vendorId} through Hosting, signed with `appSecret` over the bytes sent. */
export async function postMeta(
  vendorId: string,
  appSecret: string | undefined,
  body: unknown,
  options: { raw?: string; signature?: string } = {},
) {
  const bytes = Buffer.from(options.raw ?? JSON.stringify(body));
  const headers: Record<string, string> = { "content-type": "application/json" };
  const signature = options.signature ?? (appSecret !== undefined ? metaSignature(appSecret, bytes) : undefined);
  if (signature !== undefined) headers["x-hub-signature-256"] = signature;
  return readResponse(
    await fetch(`${HOSTING_URL}/api/webhooks/meta/${vendorId}`, { method: "POST", headers, body: bytes }),
  );
}

/** Meta's GET verification of the webhook URL. */
export async function verifyMeta(vendorId: string, token: string, challenge = "1158201444") {
  const query = new URLSearchParams({ "hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": challenge });
  const response = await fetch(`${HOSTING_URL}/api/webhooks/meta/${vendorId}?${query.toString()}`);
  return { status: response.status, text: await response.text(), type: response.headers.get("content-type") };
}
