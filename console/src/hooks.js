import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { startPolling } from "./poller.js";

/**
 * Data read now and again every `everyMs` while the page is shown (live lists: sessions, QR codes,
 * orders, threads), one request at a time. `load` is read again when it changes (wrap it in
 * useCallback with what it reads); `reload` reads at once, e.g. after a change.
 * @template T
 * @param {(signal: AbortSignal) => Promise<T>} load
 * @param {number} [everyMs]
 * @returns {{ data: T | undefined; error: unknown; reload: () => Promise<void> }}
 */
export function usePolled(load, everyMs = 3000) {
  const [state, setState] = useState(
    /** @type {{ data: T | undefined; error: unknown }} */ ({ data: undefined, error: undefined }),
  );
  const pollingRef = useRef(/** @type {ReturnType<typeof startPolling> | null} */ (null));
  useEffect(() => {
    const started = startPolling({
      load,
      everyMs,
      onData: (data) => setState({ data, error: undefined }),
      onError: (error) => setState((previous) => ({ data: previous.data, error })),
    });
    pollingRef.current = started;
    return () => started.stop();
  }, [load, everyMs]);
  const reload = useCallback(async () => pollingRef.current?.reload(), []);
  return { ...state, reload };
}

/**
 * One write at a time per key (a button, a form): `run(key, fn)` does nothing while that key's request
 * runs, and `busy(key)` says so, for `disabled`. A double tap on a phone sends once.
 */
export function useBusy() {
  const [running, setRunning] = useState(() => new Set());
  const inFlightRef = useRef(/** @type {Set<string>} */ (new Set()));
  const run = useCallback(
    /**
     * @param {string} key
     * @param {() => Promise<void>} work
     */
    async (key, work) => {
      const keys = inFlightRef.current;
      if (keys.has(key)) return;
      keys.add(key);
      setRunning(new Set(keys));
      try {
        await work();
      } finally {
        keys.delete(key);
        setRunning(new Set(keys));
      }
    },
    [],
  );
  return { run, busy: (/** @type {string} */ key) => running.has(key) };
}
