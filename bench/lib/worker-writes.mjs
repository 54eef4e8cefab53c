// Loaded with `--import` into every Node process the benchmarks' emulators start (through NODE_OPTIONS,
// which the Functions emulator passes on to its workers); active only in the Functions emulator's
// workers, where the functions write. There it installs the op counter on the Admin SDK's Firestore
// client as soon as the client is loaded, and appends one line per document write ("<ms since epoch>
// <create|set|merge|update|delete> <document path>") to the file WORKER_WRITES_LOG names: every write
// a commit applies, counted where it is sent, so the busiest document is counted, not sampled.
import Module from "node:module";
import { closeSync, openSync, writeSync } from "node:fs";
import { OpCounter } from "./op-counter.mjs";

const log = process.env.WORKER_WRITES_LOG;
const isFunctionsWorker = /functionsEmulatorRuntime/.test(process.argv[1] ?? "");

if (log && isFunctionsWorker) {
  // Appends are single writes of one short line, on a file opened for appending: lines from many
  // workers never interleave. Written at once, so a worker the emulator ends loses nothing.
  const fd = openSync(log, "a");
  process.on("exit", () => closeSync(fd));
  const counter = new OpCounter({
    onOp: (op) => {
      if (op.kind === "write") writeSync(fd, `${Date.now()} ${op.op} ${op.document}\n`);
    },
  });
  const load = Module._load;
  let installed = false;
  Module._load = function loadAndCount(request, ...rest) {
    const exports = load.call(this, request, ...rest);
    if (!installed && request === "@google-cloud/firestore" && exports?.Firestore && exports?.Query) {
      installed = true;
      counter.install(exports);
    }
    return exports;
  };
}
