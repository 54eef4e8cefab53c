import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Timestamp } from "firebase-admin/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bodyText as pageText,
  clearInput,
  launchBrowser,
  propertyOf,
  setLocalStorage,
  textOf,
  valuesOf,
  waitForGone,
  waitForLoaded,
  waitForText,
  type Browser,
  type HTTPRequest,
  type Page,
} from "../../../console/test/browser.mjs";
import { ensureConsoleUsers } from "../../../scripts/lib/console-users.mjs";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { messagesReceived } from "../support/payloads";
import {
  adminCall,
  adminDb,
  createVendor,
  eventually,
  HOSTING_URL,
  idTokenWithClaims,
  outboundOf,
  postWebhook,
  uniqueId,
  type TestVendor,
} from "../support/emulators";

// The operator console in a real headless Chromium, against the emulators and a fake Wasender: what
// an operator and a vendor's staff do with it, end to end.
const db = adminDb();
const SCREENSHOTS = join(__dirname, "..", "..", "..", ".cache", "console-screenshots");
const BUYER = "+221770001122";
let wasender: FakeWasender;
let shop: TestVendor;
let rival: TestVendor;
let browser: Browser;
let page: Page;
const users = {
  operator: { email: `${uniqueId("operator")}@livepay.test`, password: "operator-test-1" },
  shopStaff: { email: `${uniqueId("staff")}@livepay.test`, password: "staff-test-1" },
  rivalStaff: { email: `${uniqueId("rival")}@livepay.test`, password: "rival-test-1" },
};

beforeAll(async () => {
  wasender = await startFakeWasender({ sessions: {} });
  shop = await createVendor(db, {
    apiUrl: wasender.apiUrl,
    instance: { wasenderAccessToken: "pat-console" },
    config: { businessName: "Awa Test Couture", ownerPhone: "+221765550199" },
    products: { robe1: { keyword: "ROBE1", name: "Robe wax", price: 15000, stock: 5, active: true } },
  });
  rival = await createVendor(db, {
    apiUrl: wasender.apiUrl,
    config: { businessName: "Rival Sneakers", language: "en" },
  });
  wasender.addSession(`session-${shop.vendorId}`, "pat-console");
  await ensureConsoleUsers([
    { ...users.operator, role: "operator", claims: { admin: true } },
    { ...users.shopStaff, role: "staff", claims: { vendorId: shop.vendorId } },
    { ...users.rivalStaff, role: "staff", claims: { vendorId: rival.vendorId } },
  ]);
  mkdirSync(SCREENSHOTS, { recursive: true });
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.setViewport({ width: 390, height: 844, deviceScaleFactor: 1 });
});
afterAll(async () => {
  await browser?.close();
  await wasender?.close();
});

const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

/** The page's visible text, for what a person reads on it. */
const bodyText = () => pageText(page);

async function signIn(user: { email: string; password: string }) {
  await page.goto(`${HOSTING_URL}/console/`, { waitUntil: "networkidle0" });
  await page.waitForSelector("input[name=email]");
  await page.type("input[name=email]", user.email);
  await page.type("input[name=password]", user.password);
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-test=who]");
}

async function signOut() {
  await page.click("header .top button.link");
  await page.waitForSelector("input[name=email]");
}

async function open(pageName: string) {
  await page.click(`nav a[data-page=${pageName}]`);
  // The page open is the one marked current for a screen reader.
  await page.waitForSelector(`nav a.active[aria-current=page][data-page=${pageName}]`);
  expect(await page.$$("nav a[aria-current]")).toHaveLength(1);
}

/** Fills an input, replacing what it held. */
async function fill(selector: string, value: string) {
  await clearInput(page, selector);
  await page.type(selector, value);
}

describe("the operator console", () => {
  it("signs an operator in and lists every vendor", async () => {
    await page.goto(`${HOSTING_URL}/console/`, { waitUntil: "networkidle0" });
    await shot("0-sign-in");
    await signIn(users.operator);
    const vendors = await valuesOf(page, "select[name=vendor] option");
    expect(vendors).toEqual(expect.arrayContaining([shop.vendorId, rival.vendorId]));
    await page.select("select[name=vendor]", shop.vendorId);
    await page.waitForSelector(`[data-test=number][data-id=${shop.wabaInstanceId}]`);
  });

  it("adds a number, shows its configuration problem, then accepts the fix; secrets never come back", async () => {
    const id = `waba_${shop.vendorId}_2`;
    // Secrets set through the console are at least 16 characters.
    const apiKey = `key-${uniqueId("key-of-the-session")}`;
    const secret = `secret-${uniqueId("webhook-secret")}`;
    await page.click("[data-test=add-number]");
    await page.waitForSelector("[data-test=number-form]");
    await page.type("[data-test=number-form] input[name=id]", id);
    // A typo in the number, and no webhook secret yet.
    await page.type("[data-test=number-form] input[name=phoneNumber]", "77 12");
    await page.type("[data-test=number-form] input[name=wasenderInstanceId]", `session-${id}`);
    await page.type("[data-test=number-form] input[name=wasenderApiKey]", apiKey);
    await page.click("[data-test=number-form] button[type=submit]");
    // The onboarding trigger's verdict as it comes back, and why the number cannot be used.
    const card = `[data-test=number][data-id=${id}]`;
    await waitForText(page, `${card} [data-test=problems]`, 'phoneNumber: "77 12" is not a phone number');
    await shot("1-numbers-problem");
    // A list that stays on screen is read in turn, not announced again at every poll.
    expect(await propertyOf(page, `${card} [data-test=problems]`, "role")).toBeNull();
    expect(await page.$$(`${card} [role=alert]`)).toHaveLength(0);
    expect((await db.collection("waba_instances").doc(id).get()).get("configProblems")).toEqual([
      expect.stringContaining("is not a phone number"),
    ]);

    // The number fixed: what still keeps it from being used (no webhook secret) shows next.
    await page.click(`${card} .actions button`);
    await page.waitForSelector("[data-test=number-form] input[name=phoneNumber]");
    const phone = `77 ${String(Math.floor(100 + Math.random() * 899))} 45 67`;
    await fill("[data-test=number-form] input[name=phoneNumber]", phone);
    await page.click("[data-test=number-form] button[type=submit]");
    await waitForText(page, `${card} [data-test=problems]`, "wasenderWebhookSecret");

    await page.click(`${card} .actions button`);
    await page.waitForSelector("[data-test=number-form] input[name=wasenderWebhookSecret]");
    const placeholder = await propertyOf(page, "[data-test=number-form] input[name=wasenderApiKey]", "placeholder");
    expect(placeholder).toMatch(/enregistré|set/);
    await page.type("[data-test=number-form] input[name=wasenderWebhookSecret]", secret);
    await page.click("[data-test=number-form] button[type=submit]");
    await page.waitForSelector(`${card} [data-test=no-problem]`, { timeout: 20_000 });

    const stored = (await db.collection("waba_instances").doc(id).get()).data()!;
    expect(stored).toMatchObject({
      vendorId: shop.vendorId,
      wasenderApiKey: apiKey,
      wasenderWebhookSecret: secret,
      provider: "wasender",
    });
    expect(stored.phoneNumber).toBe(`+221${phone.replace(/ /g, "")}`);
    expect(stored.configProblems).toBeUndefined();
    const html = await page.content();
    expect(html).not.toContain(apiKey);
    expect(html).not.toContain(secret);
    expect(html).not.toContain(shop.secret);
  });

  it("registers the webhook with one button", async () => {
    await page.click(`[data-test=number][data-id=${shop.wabaInstanceId}] [data-test=register-webhook]`);
    await page.waitForSelector(`[data-test=number][data-id=${shop.wabaInstanceId}] [data-test=note]`);
    expect(wasender.sessionSettings.get(`session-${shop.vendorId}`)).toMatchObject({ webhook_enabled: true });
  });

  it("shows a session that needs a scan with its QR image, refreshed as Wasender sends new ones", async () => {
    const connection = (body: unknown) =>
      postWebhook(shop, body, { path: `/api/webhooks/wasender/${shop.vendorId}/connection` });
    expect((await connection({ event: "session.status", data: { status: "need_scan" } })).status).toBe(200);
    expect((await connection({ event: "qrcode.updated", data: { qr: "2@first-qr-code" } })).status).toBe(200);
    const qr = `[data-test=number][data-id=${shop.wabaInstanceId}] img[data-test=qr]`;
    await page.waitForSelector(`${qr}[data-qr-text="2@first-qr-code"]`, { timeout: 20_000 });
    expect(await propertyOf(page, qr, "src")).toMatch(/^data:image\//);
    expect(await propertyOf(page, qr, "naturalWidth")).toBeGreaterThan(100);
    const session = `[data-test=number][data-id=${shop.wabaInstanceId}] [data-test=session]`;
    expect(await page.$eval(session, (element) => element.getAttribute("data-status"))).toBe("need_scan");
    expect(await textOf(page, session)).toMatch(/^(QR code to scan|QR code à scanner)$/);
    await connection({ event: "qrcode.updated", data: { qr: "2@second-qr-code" } });
    await page.waitForSelector(`${qr}[data-qr-text="2@second-qr-code"]`, { timeout: 20_000 });
    await shot("2-numbers-qr");
    // Scanned: the QR code goes away.
    await connection({ event: "session.status", data: { status: "connected" } });
    await waitForGone(page, qr);
  });

  it("answers a waiting buyer from the vendor's number, then gives the conversation back to the bot", async () => {
    expect(
      (await postWebhook(shop, messagesReceived({ phone: BUYER.slice(1), text: "HUMAIN", pushName: "Fatou" }))).status,
    ).toBe(200);
    await open("handoffs");
    const handoff = `[data-test=handoff][data-customer="${BUYER}"]`;
    await page.waitForSelector(handoff, { timeout: 20_000 });
    await shot("3-handoffs");
    await page.click(`${handoff} button`);
    await page.waitForSelector("[data-test=thread] textarea[name=reply]");
    const reply = "Bonjour Fatou, la robe existe aussi en bleu.";
    await page.type("textarea[name=reply]", reply);
    await page.click("[data-test=send]");
    const [sent] = await wasender.waitForSends(1, { timeoutMs: 20_000, predicate: (send) => send.text === reply });
    expect(sent).toMatchObject({ to: BUYER, apiKey: shop.apiKey });
    await waitForText(page, "[data-test=bubble]", reply);
    await shot("4-conversation");
    await page.click("[data-test=resume]");
    await page.waitForSelector("[data-test=thread] [data-test=note].ok");
    const conversation = await db.collection("vendors").doc(shop.vendorId).collection("conversations").doc(BUYER).get();
    expect(conversation.get("botPaused")).toBe(false);
  });

  it("marks an order paid and the buyer is thanked from the vendor's number", async () => {
    const reference =
      "CMD-" +
      uniqueId("x")
        .slice(-6)
        .toUpperCase()
        .replace(/[^A-Z2-9]/g, "Z");
    const now = Date.now();
    await db
      .collection("vendors")
      .doc(shop.vendorId)
      .collection("orders")
      .doc(reference)
      .set({
        customer: BUYER,
        customerName: "Fatou",
        wabaInstanceId: shop.wabaInstanceId,
        items: [{ productId: "robe1", keyword: "ROBE1", name: "Robe wax", unitPrice: 15000, quantity: 2 }],
        total: 30000,
        currency: "XOF",
        status: "reserved",
        stockHeld: true,
        paymentLink: "https://pay.example.test/CMD",
        createdAt: Timestamp.fromMillis(now),
        expiresAt: Timestamp.fromMillis(now + 10 * 60_000),
        notices: {},
      });
    await open("orders");
    const order = `[data-test=order][data-reference="${reference}"]`;
    await page.waitForSelector(`${order} [data-test=mark-paid]`, { timeout: 20_000 });
    await page.click(`${order} [data-test=mark-paid]`);
    const [thanks] = await wasender.waitForSends(1, {
      timeoutMs: 20_000,
      predicate: (send) => send.to === BUYER && String(send.text).includes(reference),
    });
    expect(thanks!.apiKey).toBe(shop.apiKey);
    expect(thanks!.text).toContain("30 000 FCFA");
    await page.waitForSelector(`${order}[data-status=paid]`, { timeout: 10_000 });
    expect(await textOf(page, "[data-test=paid-amount]")).toContain("30 000");
    await shot("5-orders");
  });

  it("edits a stock, and refuses a duplicate keyword with a clear message", async () => {
    await open("products");
    const product = `[data-test=product][data-id=robe1]`;
    await page.waitForSelector(`${product} [data-test=edit-product]`);
    await page.click(`${product} [data-test=edit-product]`);
    await page.waitForSelector("[data-test=product-form] input[name=stock]");
    await fill("[data-test=product-form] input[name=stock]", "3");
    await page.click("[data-test=product-form] button[type=submit]");
    await waitForText(page, `${product} [data-test=stock]`, "3", { exact: true });
    // The engine's stock: the edit is spread over the shards by onProductWritten.
    await eventually(
      async () => {
        const snap = await db.collection("vendors").doc(shop.vendorId).collection("products").doc("robe1").get();
        return snap.get("stockSync.stock") === 3 ? true : undefined;
      },
      20_000,
      "the stock edit to be spread",
    );

    await page.click("[data-test=add-product]");
    await page.waitForSelector("[data-test=product-form] input[name=keyword]");
    await page.type("[data-test=product-form] input[name=keyword]", "robe 1");
    await page.type("[data-test=product-form] input[name=name]", "Autre robe");
    await page.type("[data-test=product-form] input[name=price]", "1000");
    await page.type("[data-test=product-form] input[name=stock]", "1");
    await page.click("[data-test=product-form] button[type=submit]");
    await page.waitForSelector("[data-test=product-error]");
    const error = await textOf(page, "[data-test=product-error]");
    expect(error).toContain("ROBE1");
    expect(error).toContain("robe1");
    await shot("6-products");
    expect((await db.collection("vendors").doc(shop.vendorId).collection("products").get()).size).toBe(1);
  });

  it("speaks the signed-in person's language, switched on the page, while prices keep the vendor's", async () => {
    // The browser's language first (this Chromium's), then the person's choice, kept on the device.
    const browserLanguage = await page.evaluate("navigator.language");
    const english = String(browserLanguage).toLowerCase().startsWith("en");
    await page.select("select[name=language]", "en");
    await waitForText(page, "nav a[data-page=products]", "Products", { exact: true });
    expect(await page.evaluate("document.documentElement.lang")).toBe("en");
    // The shop sells in French: its price reads as its bot writes it, in the vendor's language.
    const price = `[data-test=product][data-id=robe1] [lang=fr]`;
    await waitForText(page, price, "15 000 FCFA", { exact: true });
    await shot("6-products-en");
    await page.select("select[name=language]", "fr");
    await waitForText(page, "nav a[data-page=products]", "Produits", { exact: true });
    expect(await page.evaluate("document.documentElement.lang")).toBe("fr");
    expect(await textOf(page, "[data-test=add-product]")).toBe("Ajouter un produit");
    await shot("6-products-fr");
    // A server error in the person's language, by its code, with what it names.
    await page.click("[data-test=product-form] .actions button[type=button]");
    await waitForGone(page, "[data-test=product-form]");
    await page.click("[data-test=add-product]");
    await page.type("[data-test=product-form] input[name=keyword]", "ROBE1");
    await page.type("[data-test=product-form] input[name=name]", "Encore une robe");
    await page.type("[data-test=product-form] input[name=price]", "1000");
    await page.type("[data-test=product-form] input[name=stock]", "1");
    await page.click("[data-test=product-form] button[type=submit]");
    await waitForText(page, "[data-test=product-error]", "Le mot-clé « ROBE1 » est déjà celui de « Robe wax »");
    await page.reload({ waitUntil: "networkidle0" });
    await page.waitForSelector("[data-test=who]");
    expect(await textOf(page, "nav a[data-page=products]")).toBe("Produits");
    // Back to the browser's language for what follows.
    await page.select("select[name=language]", english ? "en" : "fr");
  });

  it("lists a failed message with its reason and sends it again", async () => {
    const failedId = uniqueId("out_failed");
    await outboundOf(db, shop.vendorId, BUYER)
      .doc(failedId)
      .set({
        direction: "outbound",
        vendorId: shop.vendorId,
        wabaInstanceId: shop.wabaInstanceId,
        to: BUYER,
        text: "Votre colis part demain.",
        origin: "api",
        status: "failed",
        attempts: 3,
        failedAt: Timestamp.now(),
        delivery: {
          provider: "wasender",
          lastError: { code: "server_error", message: "Wasender answered 500 three times" },
        },
        error: { code: "server_error", message: "Wasender answered 500 three times", retryable: false },
      });
    await open("failed");
    await page.waitForSelector("[data-test=failed] [data-test=redrive]", { timeout: 20_000 });
    expect(await bodyText()).toContain("Wasender answered 500 three times");
    await shot("7-failed");
    // A double tap on a phone: the button is disabled while its request runs, and one request leaves.
    const button = "[data-test=failed] [data-test=redrive]";
    let redrives = 0;
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const hold = (request: HTTPRequest) => {
      if (request.method() === "POST" && request.url().includes("/failed-messages/redrive")) {
        redrives += 1;
        void held.then(() => request.continue());
      } else void request.continue();
    };
    await page.setRequestInterception(true);
    page.on("request", hold);
    await page.click(button);
    await page.waitForFunction(`document.querySelector(${JSON.stringify(button)})?.disabled === true`);
    await page.click(button);
    release();
    await page.waitForSelector("[data-test=failed] .ok");
    page.off("request", hold);
    await page.setRequestInterception(false);
    expect(redrives).toBe(1);
    await wasender.waitForSends(1, {
      timeoutMs: 20_000,
      predicate: (send) => send.text === "Votre colis part demain." && send.to === BUYER,
    });
    expect((await outboundOf(db, shop.vendorId, BUYER).doc(failedId).get()).get("redrivenAs")).toMatch(/^redrive_/);
    // Read again, the list says it was sent again instead of offering it twice.
    await page.reload({ waitUntil: "networkidle0" });
    await page.waitForSelector("[data-test=failed] [data-test=redriven]");
  });

  it("shows a vendor's staff only their own vendor, never another's", async () => {
    await signOut();
    await setLocalStorage(page, "console.vendor", shop.vendorId);
    await signIn(users.rivalStaff);
    const vendors = await valuesOf(page, "select[name=vendor] option");
    expect(vendors).toEqual([rival.vendorId]);
    await page.waitForSelector(`[data-test=number][data-id=${rival.wabaInstanceId}]`);
    for (const name of ["numbers", "handoffs", "orders", "products", "failed"]) {
      await open(name);
      await waitForLoaded(page);
      const text = await bodyText();
      for (const secretOfShop of [shop.vendorId, shop.phoneNumber, BUYER, "ROBE1", "Awa Test Couture"])
        expect(text, name).not.toContain(secretOfShop);
    }
    await open("numbers");
    await page.waitForSelector(`[data-test=number][data-id=${rival.wabaInstanceId}]`);
    await shot("8-rival-staff");
    // And the API behind it refuses every one of the shop's resources to this account.
    const token = await idTokenWithClaims({ vendorId: rival.vendorId });
    for (const path of [
      "numbers",
      "handoffs",
      "orders",
      "products",
      "failed-messages",
      `conversations/${encodeURIComponent(BUYER)}/messages`,
    ]) {
      const res = await adminCall(`/vendors/${shop.vendorId}/${path}`, { method: "GET", token });
      expect(res.status, path).toBe(403);
    }
    const write = await adminCall(`/vendors/${shop.vendorId}/products/robe1`, {
      method: "PUT",
      token,
      body: { keyword: "X", name: "x", price: 1, stock: 1, active: true },
    });
    expect(write.status).toBe(403);
  });
});

describe("the console's API refuses what a console edit must not do", () => {
  let token: string;
  beforeAll(async () => {
    token = await idTokenWithClaims({ vendorId: shop.vendorId });
  });

  it("never writes over another vendor's number, and never returns a secret", async () => {
    const res = await adminCall(`/vendors/${shop.vendorId}/numbers/${rival.wabaInstanceId}`, {
      method: "PUT",
      token,
      body: { phoneNumber: "+221770000000" },
    });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("instance_of_another_vendor");
    expect((await db.collection("waba_instances").doc(rival.wabaInstanceId).get()).get("vendorId")).toBe(
      rival.vendorId,
    );
    const list = await adminCall(`/vendors/${shop.vendorId}/numbers`, { method: "GET", token });
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(shop.apiKey);
    expect(list.text).not.toContain(shop.secret);
    expect(list.json.numbers[0].secretsSet).toMatchObject({
      wasenderApiKey: true,
      wasenderWebhookSecret: true,
      wasenderAccessToken: true,
    });
  });

  it("refuses text that is not valid Unicode (a lone surrogate) with a 400, and writes nothing", async () => {
    const before = (await db.collection("vendors").doc(shop.vendorId).collection("products").doc("robe1").get()).data();
    const res = await adminCall(`/vendors/${shop.vendorId}/products/robe1`, {
      method: "PUT",
      token,
      body: { keyword: "ROBE1", name: "Robe \ud800", price: 15000, stock: 5, active: true },
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_json");
    const after = (await db.collection("vendors").doc(shop.vendorId).collection("products").doc("robe1").get()).data();
    expect(after).toEqual(before);
  });

  it("refuses a product the engine could not use, naming each problem", async () => {
    const res = await adminCall(`/vendors/${shop.vendorId}/products`, {
      method: "POST",
      token,
      body: { keyword: "JUPE1", name: "", price: -5, stock: 1.5, active: true },
    });
    expect(res.status).toBe(400);
    expect((res.json.error.problems as string[]).map((problem) => problem.split(":")[0])).toEqual(
      expect.arrayContaining(["name", "price", "stock"]),
    );
  });

  it("changes only a reserved order, and sends again only a failed message", async () => {
    const paid = await adminCall(`/vendors/${shop.vendorId}/orders/CMD-NOPE22/status`, {
      token,
      body: { status: "paid" },
    });
    expect(paid.status).toBe(404);
    const orders = await db
      .collection("vendors")
      .doc(shop.vendorId)
      .collection("orders")
      .where("status", "==", "paid")
      .limit(1)
      .get();
    const again = await adminCall(`/vendors/${shop.vendorId}/orders/${orders.docs[0]!.id}/status`, {
      token,
      body: { status: "cancelled" },
    });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe("not_reserved");
    const sent = await outboundOf(db, shop.vendorId, BUYER).where("status", "==", "sent").limit(1).get();
    const redrive = await adminCall(`/vendors/${shop.vendorId}/failed-messages/redrive`, {
      token,
      body: { path: sent.docs[0]!.ref.path },
    });
    expect(redrive.status).toBe(409);
    const foreign = await adminCall(`/vendors/${shop.vendorId}/failed-messages/redrive`, {
      token,
      body: { path: `vendors/${rival.vendorId}/conversations/${BUYER}/messages/x` },
    });
    expect(foreign.status).toBe(404);
  });
});
