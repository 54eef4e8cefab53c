// A local stand-in for Wasender's HTTP API, as the project's notes on Wasender describe it, including
// its faults (401 on a bad key, 422 with an `errors` map, 429 with `retry_after`, 5xx, slow answers,
// dropped connections). Used by the tests and, as the "Wasender sandbox", by `npm start`.
import { createServer } from "node:http";
import { closeServer, faultControls, listen, readBody, sendJson, sendWaiters } from "./fake-server.mjs";

const PHONE = /^\+[1-9]\d{7,14}$/;
const GROUP_JID = /@g\.us$/;

/**
 * @param {object} [options]
 * @param {number} [options.port] 0 (default) picks a free port.
 * @param {string[]} [options.apiKeys] session API keys accepted; empty or absent = any non-empty key.
 * @param {number} [options.ratePerMinute] per-key send limit; absent = unlimited.
 * @param {(send: object) => void} [options.onSend] called with each accepted send.
 * @param {Record<string, string>} [options.sessions] session id -> personal access token allowed to change it.
 * @param {string} [options.sessionStatus] what GET /status answers (default "connected").
 */
export async function startFakeWasender(options = {}) {
  const apiKeys = new Set(options.apiKeys ?? []);
  /** @type {Array<object>} */
  const sends = [];
  const waiting = sendWaiters(sends);
  /** @type {Array<object>} */
  const requests = [];
  /**
   * Faults, taken in order by the requests they match (`path`: a path prefix, e.g. "/api/send-message";
   * `apiKey`: only that session's requests; `to`: only sends to that number; absent = any request). `hang`: never answer, close the connection after `delayMs` (a timeout).
   * @type {Array<{status?: number, body?: unknown, headers?: Record<string, string>, delayMs?: number, drop?: boolean, hang?: boolean, path?: string, apiKey?: string, to?: string, times: number}>}
   */
  const faults = [];
  const windows = new Map();
  let nextMsgId = 100000;
  const sessions = new Map(Object.entries(options.sessions ?? {}));
  /** @type {Map<string, object>} session id -> its settings, as PUT /whatsapp-sessions/{id} left them */
  const sessionSettings = new Map();
  const state = { sessionStatus: options.sessionStatus ?? "connected" };

  function takeFault(path, apiKey, raw) {
    const to = () => {
      try {
        return JSON.parse(raw).to;
      } catch {
        return undefined;
      }
    };
    const index = faults.findIndex(
      (fault) =>
        (!fault.path || path.startsWith(fault.path)) &&
        (!fault.apiKey || fault.apiKey === apiKey) &&
        (!fault.to || fault.to === to()),
    );
    if (index < 0) return undefined;
    const fault = faults[index];
    fault.times -= 1;
    if (fault.times <= 0) faults.splice(index, 1);
    return fault;
  }

  function rateLimited(key) {
    if (!options.ratePerMinute) return undefined;
    const now = Date.now();
    const window = windows.get(key) ?? { start: now, count: 0 };
    if (now - window.start >= 60_000) {
      window.start = now;
      window.count = 0;
    }
    window.count += 1;
    windows.set(key, window);
    if (window.count <= options.ratePerMinute) return undefined;
    return Math.ceil((window.start + 60_000 - now) / 1000);
  }

  const server = createServer(async (req, res) => {
    const raw = (await readBody(req)).toString("utf8");
    const url = new URL(req.url ?? "/", "http://localhost");
    const auth = req.headers.authorization ?? "";
    const apiKey = auth.startsWith("Bearer ") ? auth.slice("Bearer ".length) : "";
    requests.push({ method: req.method, path: url.pathname, apiKey, body: raw, at: Date.now() });

    // The sandbox's own control route (never Wasender's): faults on command, e.g. from curl while
    // `npm start` runs. POST a fault (as injectFault takes it), DELETE to drop those not yet taken.
    if (url.pathname === "/_sandbox/faults") {
      if (req.method === "DELETE") faults.length = 0;
      else if (req.method === "POST") {
        try {
          faults.push({ times: 1, ...JSON.parse(raw || "{}") });
        } catch {
          sendJson(res, 400, {
            success: false,
            message: 'The body must be a JSON fault, e.g. {"status":500,"times":2}.',
          });
          return;
        }
      }
      sendJson(res, 200, { success: true, faults });
      return;
    }
    const fault = takeFault(url.pathname, apiKey, raw);
    if (fault?.hang) {
      // Accepted and never answered: the client's timeout fires; nothing is sent.
      setTimeout(() => req.socket.destroy(), fault.delayMs ?? 30_000);
      return;
    }
    if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    if (fault?.drop) {
      req.socket.destroy();
      return;
    }
    if (fault?.status) {
      sendJson(
        res,
        fault.status,
        fault.body ?? { success: false, message: "Internal Server Error" },
        fault.headers ?? {},
      );
      return;
    }

    const sessionRoute = url.pathname.match(/^\/api\/whatsapp-sessions\/([^/]+)$/);
    if (sessionRoute) {
      const id = decodeURIComponent(sessionRoute[1]);
      if (!sessions.has(id)) {
        sendJson(
          res,
          sessions.size > 0 && [...sessions.values()].includes(apiKey) ? 404 : 401,
          sessions.size > 0 && [...sessions.values()].includes(apiKey)
            ? { success: false, message: "WhatsApp session not found." }
            : { success: false, message: "Unauthenticated." },
        );
        return;
      }
      if (sessions.get(id) !== apiKey) {
        sendJson(res, 401, { success: false, message: "Unauthenticated." });
        return;
      }
      if (req.method === "PUT") {
        const settings = { ...(sessionSettings.get(id) ?? {}), ...JSON.parse(raw || "{}") };
        sessionSettings.set(id, settings);
        sendJson(res, 200, { success: true, data: { id, ...settings } });
        return;
      }
      sendJson(res, 200, { success: true, data: { id, ...(sessionSettings.get(id) ?? {}) } });
      return;
    }

    if (!apiKey || (apiKeys.size > 0 && !apiKeys.has(apiKey))) {
      sendJson(res, 401, { success: false, message: "Unauthenticated." });
      return;
    }

    if (req.method === "POST" && url.pathname === "/api/send-message") {
      let body;
      try {
        body = JSON.parse(raw);
      } catch {
        sendJson(res, 400, { success: false, message: "Malformed JSON body." });
        return;
      }
      const media = ["imageUrl", "videoUrl", "documentUrl", "audioUrl", "stickerUrl"].some((field) => body[field]);
      const errors = {};
      if (typeof body.to !== "string" || !(PHONE.test(body.to) || GROUP_JID.test(body.to))) {
        errors.to = ["The to field must be a valid phone number in E.164 format."];
      }
      if (!media && (typeof body.text !== "string" || body.text.length === 0)) {
        errors.text = ["The text field is required when no media is sent."];
      }
      if (Object.keys(errors).length > 0) {
        sendJson(res, 422, { success: false, message: "The given data was invalid.", errors });
        return;
      }
      const retryAfter = rateLimited(apiKey);
      if (retryAfter !== undefined) {
        sendJson(
          res,
          429,
          { message: "You have exceeded your rate limit. Please try again later.", retry_after: retryAfter },
          {
            "x-ratelimit-limit": String(options.ratePerMinute),
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": String(retryAfter),
          },
        );
        return;
      }
      const msgId = nextMsgId++;
      const waMessageId = `3EB0FAKE${msgId}`;
      const send = {
        msgId,
        waMessageId,
        apiKey,
        to: body.to,
        text: body.text,
        imageUrl: body.imageUrl,
        documentUrl: body.documentUrl,
        body,
        at: Date.now(),
      };
      sends.push(send);
      options.onSend?.(send);
      waiting.notify();
      sendJson(res, 200, { success: true, data: { msgId, jid: body.to, status: "in_progress" } });
      return;
    }

    if (req.method === "GET" && url.pathname === "/api/status") {
      sendJson(res, 200, { status: state.sessionStatus });
      return;
    }

    const infoRoute = url.pathname.match(/^\/api\/messages\/(\d+)\/info$/);
    if (req.method === "GET" && infoRoute) {
      const send = sends.find((s) => s.msgId === Number(infoRoute[1]) && s.apiKey === apiKey);
      if (!send) {
        sendJson(res, 404, { success: false, message: "Message not found." });
        return;
      }
      sendJson(res, 200, {
        success: true,
        data: {
          msgId: send.msgId,
          key: { id: send.waMessageId, remoteJid: `${send.to.slice(1)}@s.whatsapp.net`, fromMe: true },
          status: 2,
        },
      });
      return;
    }

    sendJson(res, 404, { success: false, message: `No route ${req.method} ${url.pathname}` });
  });

  const port = await listen(server, options.port);

  return {
    port,
    /** Base URL as instances store it: with the /api path. */
    apiUrl: `http://127.0.0.1:${port}/api`,
    sends,
    requests,
    sessionSettings,
    /** A session whose settings `accessToken` may change (PUT /whatsapp-sessions/{id}). */
    addSession(id, accessToken) {
      sessions.set(id, accessToken);
    },
    /** What GET /status answers from now on. */
    setSessionStatus(status) {
      state.sessionStatus = status;
    },
    ...faultControls(faults),
    waitForSends: waiting.waitForSends,
    close() {
      return closeServer(server);
    },
  };
}
