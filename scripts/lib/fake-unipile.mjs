// A local stand-in for Unipile's v1 messaging API (`POST /api/v1/chats`, multipart), as the project's
// notes on Unipile describe it, faults included: its error bodies `{title, detail, instance, type,
// status}` for every class of its table on command, bare 5xx pages, slow answers, dropped connections,
// a disconnected account. Used by the tests and as the "Unipile sandbox" of `npm start`.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { closeServer, faultControls, listen, readBody, sendJson, sendWaiters } from "./fake-server.mjs";

const BASE = "/api/v1";
const ATTENDEE = /^[1-9]\d{6,14}@s\.whatsapp\.net$/;
const MAX_TEXT = 65_536;

/** Unipile's error types, their HTTP status and title. */
const ERRORS = {
  "errors/invalid_parameters": { status: 400, title: "Invalid parameters" },
  "errors/too_many_characters": { status: 400, title: "Too many characters" },
  "errors/disconnected_account": { status: 401, title: "Disconnected account" },
  "errors/expired_credentials": { status: 401, title: "Expired credentials" },
  "errors/account_restricted": { status: 403, title: "Account restricted" },
  "errors/feature_not_subscribed": { status: 403, title: "Feature not subscribed" },
  "errors/resource_not_found": { status: 404, title: "Resource not found" },
  "errors/unsupported_media_type": { status: 415, title: "Unsupported media type" },
  "errors/invalid_recipient": { status: 422, title: "Invalid recipient" },
  "errors/user_unreachable": { status: 422, title: "User unreachable" },
  "errors/cant_send_message": { status: 422, title: "Cannot send message" },
  "errors/too_many_requests": { status: 429, title: "Too many requests" },
  "errors/unexpected_error": { status: 500, title: "Unexpected error" },
  "errors/provider_error": { status: 500, title: "Provider error" },
  "errors/feature_not_implemented": { status: 501, title: "Feature not implemented" },
  "errors/no_client_session": { status: 503, title: "No client session" },
  "errors/network_down": { status: 503, title: "Network down" },
  "errors/service_unavailable": { status: 503, title: "Service unavailable" },
  "errors/request_timeout": { status: 504, title: "Request timeout" },
};

/**
 * @param {object} [options]
 * @param {number} [options.port] 0 (default) picks a free port.
 * @param {string[]} [options.apiKeys] the X-API-KEY values accepted; absent = any non-empty key.
 * @param {string[]} [options.accounts] the account ids that exist; absent = any.
 * @param {(send: object) => void} [options.onSend] called with each accepted send.
 */
export async function startFakeUnipile(options = {}) {
  const apiKeys = options.apiKeys ? new Set(options.apiKeys) : undefined;
  const accounts = options.accounts ? new Set(options.accounts) : undefined;
  const disconnected = new Set();
  /** @type {Array<object>} */
  const sends = [];
  const waiting = sendWaiters(sends);
  /** @type {Array<object>} */
  const requests = [];
  /** Faults, taken in order by the requests they match (`accountId`: only that account's). */
  const faults = [];
  const timers = new Set();
  let counter = 0;

  function errorBody(type, detail) {
    const known = ERRORS[type] ?? { status: 500, title: "Unexpected error" };
    return { title: known.title, detail: detail ?? known.title, instance: `${BASE}/chats`, type, status: known.status };
  }

  function unipileError(res, type, { detail, status, headers } = {}) {
    const body = errorBody(type, detail);
    sendJson(res, status ?? body.status, { ...body, ...(status && { status }) }, headers);
  }

  function takeFault(accountId) {
    const index = faults.findIndex((fault) => !fault.accountId || fault.accountId === accountId);
    if (index < 0) return undefined;
    const fault = faults[index];
    fault.times -= 1;
    if (fault.times <= 0) faults.splice(index, 1);
    return fault;
  }

  /** The multipart form, parsed as a browser would; undefined when the body is not one (no boundary). */
  async function formOf(req, raw) {
    const type = req.headers["content-type"] ?? "";
    if (!/^multipart\/form-data;\s*boundary=/i.test(type)) return undefined;
    try {
      return await new Request("http://fake/", {
        method: "POST",
        headers: { "content-type": type },
        body: raw,
      }).formData();
    } catch {
      return undefined;
    }
  }

  const server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const url = new URL(req.url ?? "/", "http://localhost");
    const apiKey = String(req.headers["x-api-key"] ?? "");
    const form = req.method === "POST" && url.pathname === `${BASE}/chats` ? await formOf(req, raw) : undefined;
    const accountId = form?.get("account_id") ?? undefined;
    requests.push({
      method: req.method,
      path: url.pathname,
      apiKey,
      contentType: req.headers["content-type"],
      accountId,
      at: Date.now(),
    });

    // The sandbox's own control routes (never Unipile's): faults and account states on command.
    if (url.pathname === "/_sandbox/faults") {
      if (req.method === "DELETE") faults.length = 0;
      else if (req.method === "POST") {
        try {
          faults.push({ times: 1, ...JSON.parse(raw.toString("utf8") || "{}") });
        } catch {
          sendJson(res, 400, {
            message: 'The body must be a JSON fault, e.g. {"type":"errors/too_many_requests","times":2}.',
          });
          return;
        }
      }
      sendJson(res, 200, { faults });
      return;
    }
    const accountRoute = url.pathname.match(/^\/_sandbox\/accounts\/([^/]+)\/(disconnect|reconnect)$/);
    if (accountRoute && req.method === "POST") {
      const id = decodeURIComponent(accountRoute[1]);
      if (accountRoute[2] === "disconnect") disconnected.add(id);
      else disconnected.delete(id);
      sendJson(res, 200, { account_id: id, disconnected: disconnected.has(id) });
      return;
    }

    const fault = takeFault(typeof accountId === "string" ? accountId : undefined);
    if (fault?.hang) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        req.socket.destroy();
      }, fault.delayMs ?? 30_000);
      timers.add(timer);
      return;
    }
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault?.drop) {
      req.socket.destroy();
      return;
    }
    if (fault?.type) {
      const headers = fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {};
      unipileError(res, fault.type, { detail: fault.detail, status: fault.httpStatus, headers });
      return;
    }
    if (fault?.httpStatus) {
      const body = fault.body ?? "<html><body>Bad Gateway</body></html>";
      res.writeHead(fault.httpStatus, { "content-type": typeof body === "string" ? "text/html" : "application/json" });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
      return;
    }

    if (req.method !== "POST" || url.pathname !== `${BASE}/chats`) {
      unipileError(res, "errors/resource_not_found", { detail: `No route ${req.method} ${url.pathname}.` });
      return;
    }
    if (!apiKey || (apiKeys && !apiKeys.has(apiKey))) {
      unipileError(res, "errors/expired_credentials", { detail: "The X-API-KEY is missing or not valid." });
      return;
    }
    if (!form) {
      unipileError(res, "errors/invalid_parameters", {
        detail: "The body must be multipart/form-data with its boundary.",
      });
      return;
    }
    if (typeof accountId !== "string" || accountId.length === 0 || (accounts && !accounts.has(accountId))) {
      unipileError(res, "errors/resource_not_found", { detail: `Account ${String(accountId)} not found.` });
      return;
    }
    if (disconnected.has(accountId)) {
      unipileError(res, "errors/disconnected_account", { detail: "The account must be reconnected." });
      return;
    }
    const attendees = form.getAll("attendees_ids").map(String);
    if (attendees.length !== 1 || !ATTENDEE.test(attendees[0])) {
      unipileError(res, "errors/invalid_recipient", {
        detail: `attendees_ids must be one <digits>@s.whatsapp.net, got ${JSON.stringify(attendees)}.`,
      });
      return;
    }
    const text = form.get("text");
    if (typeof text !== "string" || text.length === 0) {
      unipileError(res, "errors/invalid_parameters", { detail: "text is required." });
      return;
    }
    if (text.length > MAX_TEXT) {
      unipileError(res, "errors/too_many_characters", { detail: `text must be at most ${MAX_TEXT} characters.` });
      return;
    }
    counter += 1;
    const to = attendees[0].replace(/@s\.whatsapp\.net$/, "");
    const send = {
      accountId,
      to,
      attendeeId: attendees[0],
      text,
      apiKey,
      chatId: `chat_${to}`,
      messageId: `msg_${counter}_${randomBytes(6).toString("hex")}`,
      at: Date.now(),
    };
    sends.push(send);
    options.onSend?.(send);
    waiting.notify();
    sendJson(res, 201, { object: "ChatStarted", chat_id: send.chatId, message_id: send.messageId });
  });

  const port = await listen(server, options.port);

  return {
    port,
    /** The DSN base as instances store it: with `/api/v1`. */
    apiUrl: `http://127.0.0.1:${port}${BASE}`,
    sends,
    requests,
    errorBody,
    errorTypes: Object.keys(ERRORS),
    ...faultControls(faults),
    /** The account answers 401 disconnected_account until reconnected. */
    disconnect(accountId) {
      disconnected.add(accountId);
    },
    reconnect(accountId) {
      disconnected.delete(accountId);
    },
    waitForSends: waiting.waitForSends,
    close() {
      return closeServer(server, timers);
    },
  };
}
