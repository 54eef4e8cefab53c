import { useCallback, useEffect, useRef, useState } from "preact/hooks";

/**
 * Data read now and again every `everyMs` while the page is shown (live lists: sessions, QR codes,
 * orders, threads). `reload` reads at once, e.g. after a change.
 */
export function usePolled(load, deps, everyMs = 3000) {
  const [state, setState] = useState({ data: undefined, error: undefined });
  const current = useRef(load);
  current.current = load;
  const reload = useCallback(async () => {
    try {
      setState({ data: await current.current(), error: undefined });
    } catch (error) {
      setState((previous) => ({ data: previous.data, error }));
    }
  }, []);
  useEffect(() => {
    setState({ data: undefined, error: undefined });
    void reload();
    const timer = setInterval(() => void reload(), everyMs);
    return () => clearInterval(timer);
  }, deps);
  return { ...state, reload };
}

/**
 * One write at a time per key (a button, a form): `run(key, fn)` does nothing while that key's request
 * runs, and `busy(key)` says so, for `disabled`. A double tap on a phone sends once.
 */
export function useBusy() {
  const [running, setRunning] = useState(() => new Set());
  const inFlight = useRef(new Set());
  const run = useCallback(async (key, work) => {
    if (inFlight.current.has(key)) return;
    inFlight.current.add(key);
    setRunning(new Set(inFlight.current));
    try {
      await work();
    } finally {
      inFlight.current.delete(key);
      setRunning(new Set(inFlight.current));
    }
  }, []);
  return { run, busy: (key) => running.has(key) };
}
