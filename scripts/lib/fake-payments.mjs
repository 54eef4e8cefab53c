// A local stand-in for the three mobile-money providers LivePay uses, in the shapes the project's notes
// on payments describe: Wave's checkout sessions, PayDunya's invoices (create, confirm, IPN) and Orange
// Money's QR codes (OAuth, qrcode, merchant callback). Paying a checkout sends the callback the real
// provider would, signed the way it signs. Faults on command: error pages, slow answers, lost callbacks.
// Used by the tests and, as the payments sandbox, by `npm start`.
import { createHash, createHmac, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { closeServer, faultControls, listen, readBody, sendJson } from "./fake-server.mjs";

const hmac = (secret, text) => createHmac("sha256", secret).update(text).digest("hex");
const sha512 = (text) => createHash("sha512").update(text).digest("hex");
const id = (prefix) => `${prefix}${randomBytes(8).toString("hex")}`;
const PAYDUNYA_BASE = /^\/(sandbox-api|api)/;

/**
 * @param {object} [options]
 * @param {number} [options.port] 0 (default) picks a free port.
 * @param {(checkout: object) => void} [options.onCheckout] called with each checkout created.
 * @param {(callback: object) => void} [options.onCallback] called with each callback sent and its answer.
 */
export async function startFakePayments(options = {}) {
  /** Wave accounts by API key, PayDunya by master key, Orange Money by client id. */
  const wave = new Map();
  const paydunya = new Map();
  const orange = new Map();
  const orangeTokens = new Map();
  /** @type {Array<object>} every checkout created, newest last */
  const checkouts = [];
  /** @type {Array<object>} every callback sent, with the webhook's answer */
  const callbacks = [];
  /** @type {Array<object>} */
  const requests = [];
  /** @type {Array<{provider?: string, httpStatus?: number, hang?: boolean, delayMs?: number, times: number}>} */
  const faults = [];
  const timers = new Set();
  /** @type {Array<{provider?: string, url: string, times: number}>} checkout URLs to answer instead of the usual */
  const urlOverrides = [];

  /** The first fault for this provider, used up; true when it answered (or will never answer). */
  function fault(provider, res) {
    const index = faults.findIndex((f) => !f.provider || f.provider === provider);
    if (index < 0) return false;
    const taken = faults[index];
    if (--taken.times <= 0) faults.splice(index, 1);
    if (taken.hang) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        res.destroy();
      }, taken.delayMs ?? 30_000);
      timers.add(timer);
      return true;
    }
    res.writeHead(taken.httpStatus ?? 503, { "content-type": "text/html" });
    res.end("<html><body>Service Unavailable</body></html>");
    return true;
  }

  function record(provider, account, fields) {
    const index = urlOverrides.findIndex((o) => !o.provider || o.provider === provider);
    const override = index < 0 ? undefined : urlOverrides[index];
    if (override && --override.times <= 0) urlOverrides.splice(index, 1);
    const checkout = {
      provider,
      account,
      status: "open",
      createdAt: Date.now(),
      ...fields,
      ...(override && { url: override.url }),
    };
    checkouts.push(checkout);
    options.onCheckout?.(checkout);
    return checkout;
  }

  // ---- Wave: POST /wave/v1/checkout/sessions, GET /wave/v1/checkout/sessions/{id}
  function waveSession(c) {
    return {
      id: c.id,
      amount: String(c.paidAmount ?? c.amount),
      currency: c.currency,
      checkout_status: c.status === "paid" ? "complete" : c.status === "failed" ? "expired" : "open",
      payment_status: c.status === "paid" ? "succeeded" : c.status === "failed" ? "cancelled" : "processing",
      transaction_id: c.transactionId ?? null,
      wave_launch_url: c.url,
      when_expires: new Date(c.createdAt + 30 * 60_000).toISOString(),
      client_reference: c.reference,
      success_url: c.successUrl,
      error_url: c.errorUrl,
    };
  }

  function handleWave(req, res, path, body) {
    const key = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const account = key && wave.get(key);
    if (!account) return sendJson(res, 401, { code: "invalid-auth", message: "Invalid API key" });
    if (req.method === "POST" && path === "/v1/checkout/sessions") {
      let input;
      try {
        input = JSON.parse(body);
      } catch {
        return sendJson(res, 400, { code: "request-validation-error", message: "Invalid JSON" });
      }
      const amountOk = typeof input.amount === "string" && /^\d+$/.test(input.amount);
      if (!amountOk || typeof input.currency !== "string" || !input.success_url || !input.error_url) {
        return sendJson(res, 400, {
          code: "request-validation-error",
          message: "amount (string), currency, success_url and error_url are required",
        });
      }
      if (input.client_reference !== undefined && String(input.client_reference).length > 255) {
        return sendJson(res, 400, { code: "request-validation-error", message: "client_reference is too long" });
      }
      const sessionId = id("cos-");
      const c = record("wave", account, {
        id: sessionId,
        reference: input.client_reference,
        amount: Number(input.amount),
        currency: input.currency,
        url: `https://pay.wave.com/c/${sessionId}`,
        successUrl: input.success_url,
        errorUrl: input.error_url,
        request: input,
      });
      return sendJson(res, 200, waveSession(c));
    }
    const lookup = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
    if (req.method === "GET" && lookup) {
      const sessionId = decodeURIComponent(lookup[1]);
      const c = checkouts.find((x) => x.provider === "wave" && x.id === sessionId && x.account === account);
      return c
        ? sendJson(res, 200, waveSession(c))
        : sendJson(res, 404, {
            code: "not-found",
            message: "Checkout session not found",
          });
    }
    return sendJson(res, 404, { code: "not-found", message: `no route ${req.method} ${path}` });
  }

  // ---- PayDunya: POST {base}/v1/checkout-invoice/create, GET {base}/v1/checkout-invoice/confirm/{token}
  function paydunyaAccount(req) {
    const account = paydunya.get(req.headers["paydunya-master-key"] ?? "");
    const keysMatch =
      account?.privateKey === req.headers["paydunya-private-key"] && account?.token === req.headers["paydunya-token"];
    return account && keysMatch ? account : undefined;
  }

  function paydunyaStatus(c) {
    return c.status === "paid" ? "completed" : c.status === "failed" ? "cancelled" : "pending";
  }

  function handlePaydunya(req, res, path, body) {
    const account = paydunyaAccount(req);
    if (!account) return sendJson(res, 200, { response_code: "1001", response_text: "Invalid Masterkey" });
    if (req.method === "POST" && path === "/v1/checkout-invoice/create") {
      let input;
      try {
        input = JSON.parse(body);
      } catch {
        return sendJson(res, 200, { response_code: "1002", response_text: "Invalid JSON" });
      }
      const total = input?.invoice?.total_amount;
      if (typeof total !== "number" || !(total > 0) || !input?.store?.name) {
        return sendJson(res, 200, {
          response_code: "1002",
          response_text: "invoice.total_amount and store.name are required",
        });
      }
      const token = id("test_");
      const c = record("paydunya", account, {
        id: token,
        reference: input.custom_data?.reference,
        customData: input.custom_data ?? {},
        amount: total,
        currency: "XOF",
        url: `https://app.paydunya.com/sandbox-checkout/invoice/${token}`,
        callbackUrl: input.actions?.callback_url,
        request: input,
      });
      return sendJson(res, 200, {
        response_code: "00",
        response_text: c.url,
        description: "Checkout Invoice Created",
        token,
      });
    }
    const confirm = /^\/v1\/checkout-invoice\/confirm\/([^/]+)$/.exec(path);
    if (req.method === "GET" && confirm) {
      const token = decodeURIComponent(confirm[1]);
      const c = checkouts.find((x) => x.provider === "paydunya" && x.id === token && x.account === account);
      if (!c) return sendJson(res, 404, { response_code: "4004", response_text: "Invoice not found" });
      return sendJson(res, 200, {
        response_code: "00",
        response_text: "Transaction Found",
        hash: sha512(account.masterKey),
        invoice: { token: c.id, total_amount: c.paidAmount ?? c.amount, description: c.request.invoice.description },
        custom_data: c.customData,
        status: paydunyaStatus(c),
        receipt_url: `https://app.paydunya.com/sandbox-checkout/receipt/pdf/${c.id}.pdf`,
      });
    }
    return sendJson(res, 404, { response_code: "4004", response_text: `no route ${req.method} ${path}` });
  }

  // ---- Orange Money: POST /orange/oauth/token, POST /orange/api/eWallet/v4/qrcode
  function handleOrange(req, res, path, body) {
    if (req.method === "POST" && path === "/oauth/token") {
      const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
      const [clientId, secret] = Buffer.from(basic, "base64").toString().split(":");
      const account = orange.get(clientId ?? "");
      if (!account || account.clientSecret !== secret) return sendJson(res, 401, { error: "invalid_client" });
      const token = id("om-at-");
      orangeTokens.set(token, account);
      return sendJson(res, 200, { access_token: token, token_type: "bearer", expires_in: 300 });
    }
    if (req.method === "POST" && path === "/api/eWallet/v4/qrcode") {
      const account = orangeTokens.get(/^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "");
      if (!account) return sendJson(res, 401, { status: 401, title: "Unauthorized" });
      let input;
      try {
        input = JSON.parse(body);
      } catch {
        return sendJson(res, 400, { status: 400, title: "Bad Request" });
      }
      const amountOk = typeof input.amount?.value === "number" && Boolean(input.amount?.unit);
      if (input.code !== account.merchantCode || !amountOk || !input.reference) {
        return sendJson(res, 400, {
          status: 400,
          title: "Bad Request",
          detail: "code, amount {unit, value} and reference are required",
        });
      }
      const qrId = id("om-");
      const c = record("orange_money", account, {
        id: input.reference,
        qrId,
        reference: input.reference,
        amount: input.amount.value,
        currency: input.amount.unit,
        validity: input.validity,
        url: `https://sugu.orange-sonatel.com/mp/${qrId}`,
        request: input,
      });
      return sendJson(res, 200, {
        deepLinks: { MAXIT: `maxit://qr/${qrId}`, OM: c.url },
        qrCode: randomBytes(24).toString("base64"),
        validity: input.validity,
      });
    }
    return sendJson(res, 404, { status: 404, title: `no route ${req.method} ${path}` });
  }

  // ---- Control: POST /_control/pay {reference, fail?} (used by `npm run pay`)
  async function handleControl(req, res, path, body) {
    if (req.method !== "POST" || path !== "/pay") return sendJson(res, 404, { error: "no such control" });
    try {
      const input = JSON.parse(body);
      const result = await pay(input.reference, { fail: Boolean(input.fail), vendorId: input.vendorId });
      return sendJson(res, 200, result);
    } catch (error) {
      return sendJson(res, 400, { error: error.message });
    }
  }

  const ROUTES = [
    ["/wave", "wave", handleWave],
    // PayDunya's live (/api) and sandbox (/sandbox-api) APIs answer alike here.
    [
      "/paydunya",
      "paydunya",
      (req, res, path, body) => handlePaydunya(req, res, path.replace(PAYDUNYA_BASE, ""), body),
    ],
    ["/orange", "orange_money", handleOrange],
  ];

  const server = createServer(async (req, res) => {
    const body = (await readBody(req)).toString("utf8");
    const url = new URL(req.url ?? "/", "http://fake");
    requests.push({ method: req.method, path: url.pathname, body, at: Date.now() });
    if (url.pathname.startsWith("/_control")) {
      return void handleControl(req, res, url.pathname.slice("/_control".length), body);
    }
    const route = ROUTES.find(([prefix]) => url.pathname.startsWith(`${prefix}/`));
    if (!route) return sendJson(res, 404, { error: "unknown provider" });
    if (fault(route[1], res)) return;
    route[2](req, res, url.pathname.slice(route[0].length), body);
  });
  const port = await listen(server, options.port);
  const base = `http://127.0.0.1:${port}`;

  /** The callback the provider would send for this checkout, signed as it signs. */
  function callbackFor(c, { fail = false, amount, signedAt = Math.floor(Date.now() / 1000), secret } = {}) {
    const a = c.account;
    if (c.provider === "wave") {
      const body = JSON.stringify({
        id: id("AE_"),
        type: fail ? "checkout.session.payment_failed" : "checkout.session.completed",
        data: { ...waveSession(c), ...(amount !== undefined && { amount: String(amount) }) },
      });
      const headers = { "content-type": "application/json" };
      if (a.scheme === "bearer") headers.authorization = `Bearer ${secret ?? a.webhookSecret}`;
      else headers["wave-signature"] = `t=${signedAt},v1=${hmac(secret ?? a.webhookSecret, `${signedAt}${body}`)}`;
      return { url: a.callbackUrl, headers, body };
    }
    if (c.provider === "paydunya") {
      const form = new URLSearchParams({
        "data[response_code]": "00",
        "data[response_text]": "Transaction Found",
        "data[hash]": sha512(secret ?? a.masterKey),
        "data[invoice][token]": c.id,
        "data[invoice][total_amount]": String(amount ?? c.amount),
        "data[status]": fail ? "cancelled" : "completed",
        ...Object.fromEntries(Object.entries(c.customData).map(([k, v]) => [`data[custom_data][${k}]`, String(v)])),
      });
      return {
        url: c.callbackUrl,
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form.toString(),
      };
    }
    const body = JSON.stringify({
      transactionId: c.transactionId ?? id("MP"),
      status: fail ? "FAILED" : "SUCCESS",
      reference: c.reference,
      amount: { value: amount ?? c.amount, unit: c.currency },
      partner: { idType: "CODE", id: a.merchantCode },
      metadata: c.request.metadata,
      createdAt: new Date().toISOString(),
    });
    return {
      url: a.callbackUrl,
      headers: {
        "content-type": "application/json",
        authorization: `Basic ${a.callbackApiKey}`,
        "x-sonatel-signature": `t=${signedAt},v1=${hmac(secret ?? a.webhookSecret, `${signedAt},${body}`)}`,
        "x-sonatel-idempotency-key": id("idem-"),
      },
      body,
    };
  }

  async function send(callback) {
    let status = 0;
    let answer;
    try {
      const res = await fetch(callback.url, {
        method: "POST",
        headers: callback.headers,
        body: callback.body,
        signal: AbortSignal.timeout(30_000),
      });
      status = res.status;
      answer = await res.text();
    } catch (error) {
      answer = String(error);
    }
    const sent = { ...callback, status, answer, at: Date.now() };
    callbacks.push(sent);
    options.onCallback?.(sent);
    return sent;
  }

  function find(reference, vendorId) {
    const matches = (x) =>
      (x.reference === reference || x.id === reference) && (!vendorId || x.account.vendorId === vendorId);
    const c = [...checkouts].reverse().find(matches);
    if (!c) throw new Error(`no checkout for ${reference}${vendorId ? ` of ${vendorId}` : ""}`);
    return c;
  }

  /**
   * The buyer pays (or fails to): the checkout changes state and the provider's callback is sent
   * `times` times (0: the callback is lost). `amount` pays another amount than asked.
   */
  async function pay(reference, { fail = false, times = 1, amount, vendorId } = {}) {
    const c = find(reference, vendorId);
    c.status = fail ? "failed" : "paid";
    if (!fail) c.transactionId ??= c.provider === "wave" ? id("T_") : c.provider === "orange_money" ? id("MP") : c.id;
    if (amount !== undefined) c.paidAmount = amount;
    const callback = callbackFor(c, { fail, amount });
    const sent = [];
    for (let i = 0; i < times; i++) sent.push(await send(callback));
    return {
      provider: c.provider,
      id: c.id,
      reference: c.reference,
      status: c.status,
      callbacks: sent.map((s) => ({ status: s.status, answer: s.answer })),
    };
  }

  return {
    port,
    url: base,
    waveApiUrl: `${base}/wave`,
    paydunyaApiUrl: `${base}/paydunya/sandbox-api`,
    orangeApiUrl: `${base}/orange`,
    checkouts,
    callbacks,
    requests,
    /** Registers the account the way the vendor sets it up at the provider (keys, webhook URL and secret). */
    addAccount(vendorId, account, callbackUrl) {
      if (account.provider === "wave") {
        wave.set(account.waveApiKey, {
          vendorId,
          webhookSecret: account.waveWebhookSecret,
          scheme: account.waveWebhookScheme ?? "signature",
          callbackUrl,
        });
      } else if (account.provider === "paydunya") {
        paydunya.set(account.paydunyaMasterKey, {
          vendorId,
          masterKey: account.paydunyaMasterKey,
          privateKey: account.paydunyaPrivateKey,
          token: account.paydunyaToken,
        });
      } else {
        orange.set(account.orangeClientId, {
          vendorId,
          clientSecret: account.orangeClientSecret,
          merchantCode: account.orangeMerchantCode,
          callbackApiKey: account.orangeCallbackApiKey,
          webhookSecret: account.orangeWebhookSecret,
          callbackUrl,
        });
      }
    },
    ...faultControls(faults),
    /** The next `times` checkouts (of `provider`, or any) answer `url` as their link: another host, plain http. */
    answerCheckoutUrl({ provider, url, times = 1 }) {
      urlOverrides.push({ provider, url, times });
    },
    pay,
    find,
    callbackFor,
    send,
    close() {
      return closeServer(server, timers);
    },
  };
}
