/**
 * Outbound messages this instance saw sent, by path, so a producer can drop a reply left listed on
 * its outbox without reading it (`Outbox.settle`): a sent message never changes state again. Bounded:
 * the oldest are forgotten, and a forgotten one is read as before.
 */
const LIMIT = 10_000;
const sent = new Set<string>();

export function rememberSent(path: string): void {
  sent.add(path);
  if (sent.size > LIMIT) sent.delete(sent.values().next().value!);
}

export function sentHere(path: string): boolean {
  return sent.has(path);
}

/** Forgets every message (as a fresh instance knows none): the benchmarks measure both cases. */
export function forgetSent(): void {
  sent.clear();
}
