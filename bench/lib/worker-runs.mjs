// Loaded with `--import` into the Functions emulator's workers, like worker-writes.mjs: appends one
// line per run of a function the worker serves ("<start ms> <end ms> <function>", ms since epoch with
// fractions) to the file WORKER_RUNS_LOG names. A worker serves one function and gets each run as an
// HTTP request from the emulator; the run is that request, from its arrival to its answer. This shows
// what the emulator does between runs: how many run at once, and how long it waits in between.
import http from "node:http";
import { closeSync, openSync, writeSync } from "node:fs";
import { performance } from "node:perf_hooks";

const log = process.env.WORKER_RUNS_LOG;
const isFunctionsWorker = /functionsEmulatorRuntime/.test(process.argv[1] ?? "");

if (log && isFunctionsWorker) {
  const fd = openSync(log, "a");
  process.on("exit", () => closeSync(fd));
  const target = process.env.FUNCTION_TARGET ?? "unknown";
  const now = () => performance.timeOrigin + performance.now();
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function emitTimed(event, request, response) {
    if (event === "request" && request?.method === "POST") {
      const start = now();
      response.on("finish", () => writeSync(fd, `${start.toFixed(2)} ${now().toFixed(2)} ${target}\n`));
    }
    return emit.apply(this, arguments);
  };
}
