// Summaries of timing samples.
import { performance } from "node:perf_hooks";

/** The q-quantile (0..1) of the samples, nearest rank. */
export function quantile(samples, q) {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export const p50 = (samples) => quantile(samples, 0.5);
export const p99 = (samples) => quantile(samples, 0.99);
export const median = p50;

/** Runs `work` and returns how long it took in ms, and its result. */
export async function timed(work) {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}

/** "12.3 ms", "1.23 s" */
export function ms(value) {
  if (!Number.isFinite(value)) return "n/a";
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  return value >= 100 ? `${value.toFixed(0)} ms` : value >= 1 ? `${value.toFixed(1)} ms` : `${value.toFixed(3)} ms`;
}

export function mb(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
