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
