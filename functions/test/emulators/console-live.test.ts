import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bodyText,
  launchBrowser,
  setLocalStorage,
  textOf,
  type Browser,
  type Page,
} from "../../../console/test/browser.mjs";
import { ensureConsoleUsers } from "../../../scripts/lib/console-users.mjs";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { dakarDay } from "../../src/orders/orders-csv";
import { countOrderChange } from "../../src/orders/live-counting";
import { readLiveCounters } from "../../src/store/live-counters";
import { messagesReceived } from "../support/payloads";
import {
  adminCall,
  adminDb,
  createVendor,
  eventually,
  HOSTING_URL,
  idTokenWithClaims,
  postWebhook,
  sleep,
  uniqueId,
  type TestVendor,
} from "../support/emulators";

// The live page: its API (counters kept by the order trigger, counts of lines and handoffs) after real
// buyers' messages, then the page itself in a real headless Chromium on a phone-sized screen.
const db = adminDb();
const SCREENSHOTS = join(__dirname, "..", "..", "..", ".cache", "console-screenshots");
const DOWNLOADS = join(__dirname, "..", "..", "..", ".cache", "console-downloads");
const BUYERS = ["+221770003301", "+221770003302", "+221770003303"] as const;
let wasender: FakeWasender;
let shop: TestVendor;
let rival: TestVendor;
let browser: Browser;
let page: Page;
const staff = { email: `${uniqueId("live")}@livepay.test`, password: "live-staff-1" };

type Live = {
  products: Array<{ productId: string; left: number | null; reserved: number; paid: number; waiting: number }>;
  amounts: { reserved: { count: number; amount: number }; paid: { count: number; amount: number } };
  perMinute: Array<{ at: string; orders: number }>;
  funnel: { keyword: number; oui: number; paid: number };
  handoffs: number;
};

/** The live view once `ready` says so (asked every half second: each ask reads some forty documents). */
async function liveOnce(token: string, ready: (view: Live) => boolean, what: string): Promise<Live> {
  return eventually(
    async () => {
      const view = await live(token);
      if (ready(view)) return view;
      await sleep(400);
      return undefined;
    },
    20_000,
    what,
  );
}

async function live(token: string): Promise<Live> {
  const { status, json } = await adminCall(`/vendors/${shop.vendorId}/live`, { method: "GET", token });
  expect(status).toBe(200);
  return json as Live;
}

/** What the page callbacks below read of an element (the tests are type-checked without the DOM's types). */
type Attributed = { getAttribute(name: string): string | null };

const product = (view: Live, id: string) => view.products.find((p) => p.productId === id);
const say = (buyer: string, text: string) => postWebhook(shop, messagesReceived({ phone: buyer.slice(1), text }));

beforeAll(async () => {
  wasender = await startFakeWasender({ sessions: {} });
  shop = await createVendor(db, {
    apiUrl: wasender.apiUrl,
    config: { businessName: "Awa Live Couture", liveMode: true },
    products: {
      robe1: { keyword: "ROBE1", name: "Robe wax", price: 15000, stock: 5, active: true },
      sac2: { keyword: "SAC2", name: "Sac en cuir", price: 8000, stock: 0, active: true },
    },
  });
  rival = await createVendor(db);
  await ensureConsoleUsers([{ ...staff, role: "staff", claims: { vendorId: shop.vendorId } }]);
  // The waitlist's contract: buyers in line for the sold-out bag (one already served).
  const line = db.collection("vendors").doc(shop.vendorId).collection("waitlist");
  await Promise.all(
    ["waiting", "waiting", "waiting", "served"].map((status, index) =>
      line.doc(`entry_${index}`).set({
        productId: "sac2",
        status,
        quantity: 1,
        customer: `+22177000990${index}`,
        joinedAt: new Date(),
      }),
    ),
  );
  mkdirSync(SCREENSHOTS, { recursive: true });
  rmSync(DOWNLOADS, { recursive: true, force: true });
  mkdirSync(DOWNLOADS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await wasender?.close();
});

describe("the live page's API", () => {
  let reference = "";

  it("follows buyers from keyword to reservation to payment, with lines and handoffs", async () => {
    const token = await idTokenWithClaims({ vendorId: shop.vendorId });
    // One buyer reserves two dresses; another only asks; a third asks for a person.
    expect((await say(BUYERS[0], "ROBE1 2")).status).toBe(200);
    expect((await say(BUYERS[1], "ROBE1")).status).toBe(200);
    expect((await say(BUYERS[2], "HUMAIN")).status).toBe(200);
    await wasender.waitForSends(3, { timeoutMs: 20_000 });
    expect((await say(BUYERS[0], "OUI")).status).toBe(200);
    const reserved = await liveOnce(
      token,
      (view) => product(view, "robe1")?.reserved === 2 && product(view, "robe1")?.left === 3,
      "the reservation in the live counters",
    );
    expect(product(reserved, "sac2")).toMatchObject({ left: 0, reserved: 0, paid: 0, waiting: 3 });
    expect(reserved.funnel).toEqual({ keyword: 2, oui: 1, paid: 0 });
    expect(reserved.amounts.reserved).toEqual({ count: 1, amount: 30000 });
    expect(reserved.handoffs).toBe(1);
    expect(reserved.perMinute).toHaveLength(60);
    expect(reserved.perMinute.reduce((sum, m) => sum + m.orders, 0)).toBe(1);
    expect(reserved.perMinute.slice(-2).some((m) => m.orders === 1)).toBe(true);

    const orders = await db.collection("vendors").doc(shop.vendorId).collection("orders").get();
    reference = orders.docs[0]!.id;
    const paid = await adminCall(`/vendors/${shop.vendorId}/orders/${reference}/status`, {
      token,
      body: { status: "paid" },
    });
    expect(paid.status).toBe(200);
    const after = await liveOnce(token, (view) => view.funnel.paid === 1, "the payment in the live counters");
    expect(product(after, "robe1")).toMatchObject({ reserved: 0, paid: 2, left: 3 });
    expect(after.amounts).toEqual({ reserved: { count: 0, amount: 0 }, paid: { count: 1, amount: 30000 } });
  });

  it("counts an order change once however often its event is delivered, and skips changes it does not count", async () => {
    const vendorId = uniqueId("vendor_count");
    const createdAt = new Date();
    const order = {
      status: "reserved",
      total: 8000,
      createdAt: { toDate: () => createdAt },
      items: [{ productId: "sac2", quantity: 1 }],
    };
    expect(await countOrderChange(vendorId, "event-1", undefined, order)).toBe(true);
    expect(await countOrderChange(vendorId, "event-1", undefined, order)).toBe(false);
    // A notice recorded on the order changes no count: nothing is written.
    expect(await countOrderChange(vendorId, "event-2", order, { ...order, notices: { x: "y" } })).toBe(false);
    const docs = (await readLiveCounters(vendorId, [dakarDay(createdAt)])).filter(Boolean);
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ orders: 1, products: { sac2: { reserved: 1 } } });
  });

  it("shows a vendor's live to its staff only", async () => {
    const rivalStaff = await idTokenWithClaims({ vendorId: rival.vendorId });
    const refused = await adminCall(`/vendors/${shop.vendorId}/live`, { method: "GET", token: rivalStaff });
    expect(refused.status).toBe(403);
    expect((await adminCall(`/vendors/${shop.vendorId}/live`, { method: "GET" })).status).toBe(401);
    expect((await adminCall(`/vendors/${shop.vendorId}/live`, { method: "POST", token: rivalStaff })).status).toBe(405);
  });
});

describe("the live page in the browser", () => {
  it("shows a phone what sells, what is left, who waits, with the chart drawn", async () => {
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.setViewport({ width: 390, height: 844, deviceScaleFactor: 2 });
    await page.goto(`${HOSTING_URL}/console/`, { waitUntil: "networkidle0" });
    await page.waitForSelector("input[name=email]");
    await setLocalStorage(page, "console.vendor", shop.vendorId);
    // The interface in French whatever this browser's language (the person's choice, kept on the device).
    await setLocalStorage(page, "console.language", "fr");
    await page.reload({ waitUntil: "networkidle0" });
    await page.waitForSelector("input[name=email]");
    await page.type("input[name=email]", staff.email);
    await page.type("input[name=password]", staff.password);
    await page.click("button[type=submit]");
    await page.waitForSelector("[data-test=who]");
    await page.click("nav a[data-page=live]");
    expect(page.url()).toContain("/console/#/live");
    // The chart: one bar for the minute the order came in.
    await page.waitForSelector("[data-test=orders-chart] rect[data-test=bar]", { timeout: 20_000 });
    const bars = await page.$$eval("[data-test=orders-chart] rect[data-test=bar]", (rects: Attributed[]) =>
      rects.map((rect) => ({ orders: rect.getAttribute("data-orders"), height: Number(rect.getAttribute("height")) })),
    );
    expect(bars).toEqual([{ orders: "1", height: expect.any(Number) }]);
    expect(bars[0]!.height).toBeGreaterThan(50);
    const row = (id: string, cell: string) =>
      textOf(page, `[data-test=live-product][data-id=${id}] [data-test=${cell}]`);
    expect(await row("robe1", "paid")).toBe("2");
    expect(await row("robe1", "left")).toBe("3");
    expect(await row("sac2", "left")).toBe("Épuisé");
    expect(await row("sac2", "waiting")).toBe("3");
    expect(await page.$eval("[data-test=funnel-keyword]", (e: Attributed) => e.getAttribute("data-count"))).toBe("2");
    expect(await textOf(page, "[data-test=handoffs] .figure")).toBe("1");
    expect(await bodyText(page)).toContain("30 000 FCFA");
    await page.screenshot({ path: join(SCREENSHOTS, "live-phone.png"), fullPage: true });
  });

  it("downloads the orders of a date range from the Orders page with the signed-in user's token", async () => {
    const cdp = await page.createCDPSession();
    await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: DOWNLOADS });
    await page.click("nav a[data-page=orders]");
    await page.waitForSelector("[data-test=export-csv]");
    await page.screenshot({ path: join(SCREENSHOTS, "orders-export-phone.png") });
    await page.click("[data-test=export-csv]");
    const file = await eventually(
      async () => readdirSync(DOWNLOADS).find((name) => name.endsWith(".csv")),
      20_000,
      "the CSV download",
    );
    const csv = readFileSync(join(DOWNLOADS, file), "utf8");
    expect(csv.split("\r\n")[0]).toContain("reference,status,customer");
    expect(csv).toContain(`,paid,'${BUYERS[0]},`);
  });
});
