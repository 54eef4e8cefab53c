/**
 * @template T
 * @typedef {object} PollingOptions
 * @property {(signal: AbortSignal) => Promise<T>} load one read; `signal` aborts it
 * @property {number} everyMs the pause between the end of a read and the next one
 * @property {(data: T) => void} onData
 * @property {(error: unknown) => void} onError
 * @property {Pick<Document, "hidden" | "addEventListener" | "removeEventListener">} [page] the page whose visibility pauses the polling
 * @property {{ setTimeout: (run: () => void, ms: number) => unknown; clearTimeout: (timer: any) => void }} [clock] the timers (tests drive their own)
 */

/**
 * Reads now, then again `everyMs` after each read ends: never two reads at once. A read asked while
 * another runs (`reload`, after a change) aborts the older one, whose answer is dropped. While the page
 * is hidden nothing is read (a phone in a pocket costs no reads); shown again, it reads at once.
 * @template T
 * @param {PollingOptions<T>} options
 */
export function startPolling({ load, everyMs, onData, onError, page = document, clock = globalThis }) {
  /** @type {AbortController | undefined} */
  let controller;
  /** @type {unknown} */
  let timer;
  let stopped = false;
  const read = async () => {
    if (stopped) return;
    clock.clearTimeout(timer);
    controller?.abort();
    const current = new AbortController();
    controller = current;
    try {
      const data = await load(current.signal);
      if (!current.signal.aborted) onData(data);
    } catch (error) {
      if (!current.signal.aborted) onError(error);
    }
    if (current.signal.aborted || stopped || page.hidden) return;
    timer = clock.setTimeout(() => void read(), everyMs);
  };
  const onVisibility = () => {
    if (!page.hidden) return void read();
    clock.clearTimeout(timer);
    controller?.abort();
  };
  page.addEventListener("visibilitychange", onVisibility);
  if (!page.hidden) void read();
  return {
    /** Reads at once, aborting a read under way. */
    reload: read,
    stop() {
      stopped = true;
      clock.clearTimeout(timer);
      controller?.abort();
      page.removeEventListener("visibilitychange", onVisibility);
    },
  };
}
