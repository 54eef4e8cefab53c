import { errorResponse, MAX_BODY_BYTES, parseJsonBody, type WebhookRequest, type WebhookResponse } from "./handler";

/** One step of a webhook's admission: its result, or the answer that ends the request there. */
export type Step<T> = { ok: true; value: T } | { ok: false; response: WebhookResponse };

export const pass = <T>(value: T): Step<T> => ({ ok: true, value });
export const refuse = (response: WebhookResponse): { ok: false; response: WebhookResponse } => ({
  ok: false,
  response,
});

/**
 * What one webhook URL plugs into the common admission: where it is (the vendor, the provider the
 * path names), how its sender proves itself (checked once, over the raw bytes), and what its body
 * must be. A provider whose verification reads the body itself (a payment provider: PayDunya's is a
 * form) has no `read`.
 */
export interface WebhookDoor<Target, Sender, Event = undefined> {
  /** The URL's target, or the 404 that says there is no webhook at this path. */
  route(path: string): Step<Target>;
  /** Answers a GET (Meta's verification); without it, only POST is accepted. */
  verify?(target: Target, request: WebhookRequest): Promise<WebhookResponse>;
  /** Who sent the request (the vendor gate), or the 401/404/409 refusing it. */
  authenticate(target: Target, request: WebhookRequest): Promise<Step<Sender>>;
  /** The event in the (authenticated) body, checked against the provider's schema. */
  read?(rawBody: Buffer, sender: Sender): Step<Event>;
}

export interface Admitted<Target, Sender, Event> {
  target: Target;
  sender: Sender;
  event: Event;
}

/**
 * The one way in for every webhook, in this order: method (405), path (404), size (413), the vendor
 * gate with the provider's authenticator (404 unknown vendor, 409 nothing to check against, 401),
 * then JSON (400 invalid_json) and the provider's schema (400). Nothing is parsed before the sender is
 * authenticated, and nothing is written before the request is admitted.
 */
export async function admit<Target, Sender, Event>(
  request: WebhookRequest,
  door: WebhookDoor<Target, Sender, Event>,
): Promise<Step<Admitted<Target, Sender, Event>>> {
  const allowed = door.verify ? request.method === "GET" || request.method === "POST" : request.method === "POST";
  if (!allowed) {
    const message = door.verify ? "Use GET (verification) or POST (events)." : "Use POST.";
    return refuse({
      ...errorResponse(405, "method_not_allowed", message),
      headers: { Allow: door.verify ? "GET, POST" : "POST" },
    });
  }
  const target = door.route(request.path);
  if (!target.ok) return target;
  if (request.method === "GET") return refuse(await door.verify!(target.value, request));
  const rawBody = request.rawBody ?? Buffer.alloc(0);
  if (rawBody.length > MAX_BODY_BYTES) {
    const message = `The body is ${rawBody.length} bytes; the limit is ${MAX_BODY_BYTES}.`;
    return refuse(errorResponse(413, "payload_too_large", message));
  }
  const sender = await door.authenticate(target.value, request);
  if (!sender.ok) return sender;
  if (!door.read) return pass({ target: target.value, sender: sender.value, event: undefined as Event });
  const event = door.read(rawBody, sender.value);
  if (!event.ok) return event;
  return pass({ target: target.value, sender: sender.value, event: event.value });
}

/** A `read` for a JSON body: 400 invalid_json, else the provider's own check of its shape. */
export function jsonEvent<Sender, Event>(
  check: (json: unknown, sender: Sender) => Step<Event>,
): (rawBody: Buffer, sender: Sender) => Step<Event> {
  return (rawBody, sender) => {
    const body = parseJsonBody(rawBody);
    return body.ok ? check(body.json, sender) : body;
  };
}
