// A local stand-in for the WhatsApp Cloud API's send endpoint (Graph API), as the project's notes on
// Meta describe it, including its faults (190 on a bad token, 100 on a bad body, any documented error
// code on command, 5xx pages, slow answers, dropped connections). Used by the tests and, later, as a
// "Meta sandbox" by `npm start`.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { closeServer, faultControls, listen, readBody, sendJson, sendWaiters } from "./fake-server.mjs";

const VERSION = "v25.0";
const SEND_ROUTE = /^\/v\d+\.\d+\/([^/]+)\/messages$/;
const TO = /^\+?[1-9]\d{6,14}$/;
const MEDIA_TYPES = ["image", "document", "audio", "video", "sticker"];
const MAX_TEXT = 4096;
const MAX_CAPTION = 1024;

/** Meta's titles for the codes the project maps, and the HTTP status usually seen. */
const ERRORS = {
  2: { title: "Service temporarily unavailable", status: 503 },
  4: { title: "Application request limit reached", status: 429 },
  100: { title: "Invalid parameter", status: 400 },
  190: { title: "Error validating access token: Session has expired", status: 401 },
  368: { title: "Temporarily blocked for policies violations", status: 403 },
  80007: { title: "Rate limit issues", status: 429 },
  130429: { title: "Rate limit hit", status: 429 },
  131000: { title: "Something went wrong", status: 500 },
  131016: { title: "Service unavailable", status: 503 },
  131026: { title: "Message Undeliverable", status: 400 },
  131031: { title: "Account has been locked", status: 403 },
  131047: { title: "Re-engagement message", status: 400 },
  131051: { title: "Unsupported message type", status: 400 },
  131056: { title: "(Business Account, Consumer Account) pair rate limit hit", status: 400 },
  133010: { title: "Account not registered", status: 400 },
};

/**
 * @param {object} [options]
 * @param {number} [options.port] 0 (default) picks a free port.
 * @param {Record<string, string>} [options.tokens] phone_number_id -> the token allowed to send as it;
 *   absent = any non-empty token for any number.
 * @param {string} [options.messageStatus] adds `message_status` to each success (e.g. "accepted").
 * @param {(send: object) => void} [options.onSend] called with each accepted send.
 */
export async function startFakeMeta(options = {}) {
  const tokens = options.tokens ? new Map(Object.entries(options.tokens)) : undefined;
  /** @type {Array<object>} */
  const sends = [];
  const waiting = sendWaiters(sends);
  /** @type {Array<object>} */
  const requests = [];
  /**
   * Faults, taken in order by the requests they match (`phoneNumberId`: only that number's requests).
   * `code`: answer Meta's error body with that code; `httpStatus` alone: a bare error page (a proxy's);
   * `hang`: never answer, close the connection after `delayMs` (a timeout); `drop`: reset at once.
   * @type {Array<{code?: number, httpStatus?: number, title?: string, details?: string, body?: unknown, drop?: boolean, hang?: boolean, delayMs?: number, phoneNumberId?: string, times: number}>}
   */
  const faults = [];
  const timers = new Set();
  let counter = 0;

  /** Meta's documented error body. */
  function errorBody(code, title, details) {
    return {
      error: {
        message: `(#${code}) ${title}`,
        // Meta types Cloud API errors as OAuthException, whatever the cause.
        type: "OAuthException",
        code,
        error_data: { messaging_product: "whatsapp", details: details ?? title },
        fbtrace_id: `A${randomBytes(9).toString("hex")}`,
      },
    };
  }

  function metaError(res, code, { title, details, status } = {}) {
    const known = ERRORS[code] ?? { title: "Unknown error", status: 400 };
    sendJson(res, status ?? known.status, errorBody(code, title ?? known.title, details));
  }

  function takeFault(phoneNumberId) {
    const index = faults.findIndex((fault) => !fault.phoneNumberId || fault.phoneNumberId === phoneNumberId);
    if (index < 0) return undefined;
    const fault = faults[index];
    fault.times -= 1;
    if (fault.times <= 0) faults.splice(index, 1);
    return fault;
  }

  /** What Meta says about a send body, or undefined when it is acceptable. */
  function invalidBody(body) {
    if (body === null || typeof body !== "object" || Array.isArray(body))
      return "The request body must be a JSON object.";
    if (body.messaging_product !== "whatsapp")
      return 'The parameter messaging_product is required and must be "whatsapp".';
    if (typeof body.to !== "string" || !TO.test(body.to))
      return "The parameter to must be a phone number in international format.";
    const type = body.type ?? "text";
    const object = body[type];
    if (object === null || typeof object !== "object") return `The parameter ${type} is required.`;
    if (type === "text") {
      if (typeof object.body !== "string" || object.body.length === 0) return "The parameter text['body'] is required.";
      if ([...object.body].length > MAX_TEXT)
        return `The parameter text['body'] must be at most ${MAX_TEXT} characters.`;
      return undefined;
    }
    if (MEDIA_TYPES.includes(type)) {
      if (typeof object.link !== "string" && typeof object.id !== "string")
        return `The parameter ${type}['link'] or ${type}['id'] is required.`;
      if (typeof object.link === "string" && !/^https?:\/\//.test(object.link))
        return `The parameter ${type}['link'] must be a URL.`;
      if (
        object.caption !== undefined &&
        (typeof object.caption !== "string" || [...object.caption].length > MAX_CAPTION)
      ) {
        return `The parameter ${type}['caption'] must be at most ${MAX_CAPTION} characters.`;
      }
      return undefined;
    }
    return `The parameter type "${type}" is not supported here.`;
  }

  const server = createServer(async (req, res) => {
    const raw = (await readBody(req)).toString("utf8");
    const url = new URL(req.url ?? "/", "http://localhost");
    const auth = req.headers.authorization ?? "";
    const token = auth.startsWith("Bearer ") ? auth.slice("Bearer ".length) : "";
    const route = url.pathname.match(SEND_ROUTE);
    const phoneNumberId = route ? decodeURIComponent(route[1]) : undefined;
    requests.push({ method: req.method, path: url.pathname, phoneNumberId, token, body: raw, at: Date.now() });

    // The sandbox's own control route (never Meta's): faults on command, e.g. from a shell while
    // the sandbox runs. POST a fault (as injectFault takes it), DELETE to drop those not yet taken.
    if (url.pathname === "/_sandbox/faults") {
      if (req.method === "DELETE") faults.length = 0;
      else if (req.method === "POST") {
        try {
          faults.push({ times: 1, ...JSON.parse(raw || "{}") });
        } catch {
          sendJson(res, 400, {
            success: false,
            message: 'The body must be a JSON fault, e.g. {"code":131047,"times":2}.',
          });
          return;
        }
      }
      sendJson(res, 200, { success: true, faults });
      return;
    }

    const fault = takeFault(phoneNumberId);
    if (fault?.hang) {
      // Accepted and never answered: the client's timeout fires; nothing is sent.
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
    if (fault?.code !== undefined) {
      metaError(res, fault.code, { title: fault.title, details: fault.details, status: fault.httpStatus });
      return;
    }
    if (fault?.httpStatus) {
      // No Meta body: what a load balancer or proxy in front of Graph answers.
      const body = fault.body ?? "<html><body>Service Unavailable</body></html>";
      res.writeHead(fault.httpStatus, { "content-type": typeof body === "string" ? "text/html" : "application/json" });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
      return;
    }

    if (!route || req.method !== "POST") {
      metaError(res, 100, {
        title: "Unsupported request",
        details: `Unsupported ${req.method} request to ${url.pathname}.`,
      });
      return;
    }
    if (!token || (tokens && tokens.has(phoneNumberId) && tokens.get(phoneNumberId) !== token)) {
      metaError(res, 190, { title: "Invalid OAuth access token - Cannot parse access token" });
      return;
    }
    if (tokens && !tokens.has(phoneNumberId)) {
      metaError(res, 100, {
        title: "Invalid parameter",
        details: `Unsupported post request. Object with ID '${phoneNumberId}' does not exist.`,
      });
      return;
    }

    let body;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const invalid = invalidBody(body);
    if (invalid) {
      metaError(res, 100, { details: invalid });
      return;
    }
    counter += 1;
    const to = body.to.replace(/^\+/, "");
    // Shaped like Meta's ids; never a "/" (they become document ids).
    const wamid = `wamid.HBgL${Buffer.from(`${to}${counter}${randomBytes(8).toString("hex")}`)
      .toString("base64")
      .replace(/\//g, "_")}`;
    const type = body.type ?? "text";
    const object = body[type];
    const send = {
      phoneNumberId,
      to,
      type,
      ...(type === "text" && { text: object.body }),
      ...(object.caption !== undefined && { caption: object.caption }),
      ...(object.link !== undefined && { link: object.link }),
      ...(object.filename !== undefined && { filename: object.filename }),
      wamid,
      token,
      body,
      at: Date.now(),
    };
    sends.push(send);
    options.onSend?.(send);
    waiting.notify();
    sendJson(res, 200, {
      messaging_product: "whatsapp",
      contacts: [{ input: body.to, wa_id: to }],
      messages: [{ id: wamid, ...(options.messageStatus && { message_status: options.messageStatus }) }],
    });
  });

  const port = await listen(server, options.port);

  return {
    port,
    /** Graph base as instances store it: with the version. */
    apiUrl: `http://127.0.0.1:${port}/${VERSION}`,
    sends,
    requests,
    /** Meta's error body for a code, as this fake answers it (for webhook and mapping tests). */
    errorBody,
    ...faultControls(faults),
    waitForSends: waiting.waitForSends,
    close() {
      return closeServer(server, timers);
    },
  };
}
