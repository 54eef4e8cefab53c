export interface MetaTextEventOptions {
  /** The receiving number's Meta id (the backend routes on it). */
  phoneNumberId: string;
  /** The receiving number, any form (sent as digits). */
  displayPhoneNumber: string;
  /** The customer, any form with its country code (sent as digits, no "+"). */
  from: string;
  text: string;
  /** The customer's profile name. */
  name?: string;
  /** Default: a new wamid. */
  id?: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** The WhatsApp Business Account id; the backend does not read it. */
  wabaId?: string;
}

export interface MetaTextEvent {
  object: "whatsapp_business_account";
  entry: Array<{
    id: string;
    changes: Array<{
      field: "messages";
      value: {
        messaging_product: "whatsapp";
        metadata: { display_phone_number: string; phone_number_id: string };
        contacts?: Array<{ profile: { name: string }; wa_id: string }>;
        messages: Array<{ from: string; id: string; timestamp: string; type: "text"; text: { body: string } }>;
      };
    }>;
  }>;
}

export function metaWebhookPath(vendorId: string): string;
export function newWamid(): string;
export function metaTextEvent(options: MetaTextEventOptions): MetaTextEvent;
/** "sha256=<hex>" over the exact bytes posted. */
export function metaSignature(rawBody: string | Buffer, appSecret: string): string;
export function metaVerifyUrl(
  baseUrl: string,
  vendorId: string,
  options: { verifyToken: string; challenge?: string },
): { url: string; challenge: string };
