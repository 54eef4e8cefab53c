import { compactOfNormalized, normalizeText, wordsOfNormalized } from "./formatting";

/**
 * How much of a buyer's message the engine reads for intents: the first 1,000 characters (UTF-16 code
 * units) after leading whitespace. A WhatsApp text can be 64 KB; commands, keywords and quantities fit
 * in a few words, so reading further only costs time another buyer of the same vendor waits for.
 */
export const INTENT_TEXT_LIMIT = 1_000;

/**
 * The part of a message every intent parser reads: leading whitespace skipped, at most
 * INTENT_TEXT_LIMIT characters, trailing whitespace dropped. The same answer for text already bounded,
 * so parsers can call it on what they are given. A cut never splits a surrogate pair.
 */
export function intentText(text: string): string {
  const start = text.trimStart();
  if (start.length <= INTENT_TEXT_LIMIT) return start.trimEnd();
  let end = INTENT_TEXT_LIMIT;
  if (isHighSurrogate(start.charCodeAt(end - 1)) && isLowSurrogate(start.charCodeAt(end))) end -= 1;
  return start.slice(0, end).trimEnd();
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** A message as the intent parsers read it: its bounded text, normalized, in words, compact. */
export interface Reading {
  /** `intentText(message)`. */
  readonly text: string;
  /** `normalizeText` of it. */
  readonly normalized: string;
  readonly words: readonly string[];
  /** Letters and digits only, as `compactKeyword` makes keywords. */
  readonly compact: string;
}

/**
 * The last message read, kept: the engine asks several parsers about one message, and normalizing a
 * long one (Unicode decomposition, accents, spaces) is most of a decision's cost; it is done once.
 */
let last: { message: string; reading: Reading } | undefined;

/** The reading of a message, made once per message. */
export function readingOf(message: string): Reading {
  if (last?.message === message) return last.reading;
  const text = intentText(message);
  const normalized = normalizeText(text);
  const reading = {
    text,
    normalized,
    words: Object.freeze(wordsOfNormalized(normalized)),
    compact: compactOfNormalized(normalized),
  };
  last = { message, reading };
  return reading;
}
