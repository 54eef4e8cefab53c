import type { Browser } from "puppeteer-core";

export function chromiumPath(): string | undefined;
export function ensureChromium(): void;
export function launchBrowser(): Promise<Browser>;
export type { Browser, HTTPRequest, Page } from "puppeteer-core";

type AnyPage = import("puppeteer-core").Page;
export function bodyText(page: AnyPage): Promise<string>;
export function textOf(page: AnyPage, selector: string): Promise<string | null>;
export function propertyOf(page: AnyPage, selector: string, name: string): Promise<unknown>;
export function valuesOf(page: AnyPage, selector: string): Promise<string[]>;
export function waitForText(
  page: AnyPage,
  selector: string,
  text: string,
  options?: { exact?: boolean; timeout?: number },
): Promise<unknown>;
export function waitForGone(page: AnyPage, selector: string, timeout?: number): Promise<unknown>;
export function waitForLoaded(page: AnyPage): Promise<unknown>;
export function clearInput(page: AnyPage, selector: string): Promise<void>;
export function setLocalStorage(page: AnyPage, key: string, value: string): Promise<void>;
