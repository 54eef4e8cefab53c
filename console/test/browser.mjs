/* global document -- the callbacks passed to page.evaluate run in the browser page */
// A real headless Chromium for the console's tests: Debian's `chromium` package, driven with
// puppeteer-core (which downloads no browser of its own).
import { spawnSync } from "node:child_process";
import puppeteer from "puppeteer-core";

const CANDIDATES = ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome"];
const INSTALL_COMMAND = "apt-get install -y chromium";

/** The browser's executable path, or undefined when none is on PATH (CHROMIUM_PATH overrides). */
export function chromiumPath() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of CANDIDATES) {
    const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return undefined;
}

/**
 * Makes sure a Chromium is installed before any test runs, the way `redis-server` is: Debian's
 * package when this process may (root with apt-get; `apt-get update` first only if the first try
 * fails), otherwise a stop with the exact command to run.
 */
export function ensureChromium() {
  if (chromiumPath()) return;
  const hasApt = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!hasApt)
    throw new Error(
      "chromium is not installed: install Chromium (or set CHROMIUM_PATH to a Chrome executable), then npm test again",
    );
  if (!isRoot) throw new Error(`chromium is not installed: run \`sudo ${INSTALL_COMMAND}\`, then npm test again`);
  console.log(`[setup] chromium is not installed: ${INSTALL_COMMAND}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () =>
    spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], { stdio: "inherit", env }).status ===
    0;
  if (!install()) {
    console.log("[setup] apt-get install failed: apt-get update, then once more");
    spawnSync("apt-get", ["update"], { stdio: "inherit", env });
    install();
  }
  if (!chromiumPath())
    throw new Error(
      `chromium is still not installed: run \`${INSTALL_COMMAND}\` (after \`apt-get update\`), then npm test again`,
    );
}

/** Headless Chromium; a phone-sized page by default (vendors mostly use the console on a phone). */
export async function launchBrowser() {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error(`chromium is not installed: run \`${INSTALL_COMMAND}\``);
  return puppeteer.launch({
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run"],
  });
}

// Small page helpers, so the tests (type-checked without the DOM's types) never hold browser code.

/** The page's visible text. */
export const bodyText = (page) => page.evaluate(() => document.body.innerText);

/** The text of the first element matching `selector`. */
export const textOf = (page, selector) => page.$eval(selector, (element) => element.textContent);

/** A property of the first element matching `selector` (value, placeholder, src, naturalWidth…). */
export const propertyOf = (page, selector, name) => page.$eval(selector, (element, key) => element[key], name);

/** The values of every element matching `selector` (a select's options). */
export const valuesOf = (page, selector) =>
  page.$$eval(selector, (elements) => elements.map((element) => element.value));

/** Waits until an element matching `selector` contains `text` (or equals it with `exact`). */
export const waitForText = (page, selector, text, { exact = false, timeout = 20_000 } = {}) =>
  page.waitForFunction(
    (css, wanted, whole) =>
      [...document.querySelectorAll(css)].some((element) =>
        whole ? element.textContent === wanted : element.textContent?.includes(wanted),
      ),
    { timeout },
    selector,
    text,
    exact,
  );

/** Waits until nothing matches `selector`. */
export const waitForGone = (page, selector, timeout = 20_000) =>
  page.waitForFunction((css) => !document.querySelector(css), { timeout }, selector);

/** Waits until no page says it is loading. */
export const waitForLoaded = (page) =>
  page.waitForFunction(() => !/Loading…|Chargement…/.test(document.body.innerText));

/** Empties an input before typing into it. */
export const clearInput = (page, selector) =>
  page.$eval(selector, (element) => {
    element.value = "";
  });

export const setLocalStorage = (page, key, value) => page.evaluate((k, v) => localStorage.setItem(k, v), key, value);
