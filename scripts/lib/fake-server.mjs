// What the provider sandboxes (fake-*.mjs) share: their local HTTP server's start, body and stop, their
// fault queue's controls, and the wait for the sends they record.

/** Answers `body` as JSON. */
export function sendJson(res, status, body, headers = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** The whole request body, as bytes. */
export async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Listens on the loopback interface (`port` 0 picks a free one); resolves with the port. */
export async function listen(server, port) {
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port ?? 0, "127.0.0.1", resolve);
  });
  return server.address().port;
}

/** Stops the server at once: its pending timers cleared (hung answers), its open connections closed. */
export function closeServer(server, timers = new Set()) {
  for (const timer of timers) clearTimeout(timer);
  timers.clear();
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** A sandbox's public fault controls over its queue of faults (each taken `times` times, default 1). */
export function faultControls(faults) {
  return {
    /** The next `times` requests (default 1) answer with this fault instead of normally. */
    injectFault(fault) {
      faults.push({ times: 1, ...fault });
    },
    /** Drops every fault not yet taken. */
    clearFaults() {
      faults.length = 0;
    },
  };
}

/** The waits on a sandbox's recorded `sends`: call `notify()` after each new send. */
export function sendWaiters(sends) {
  const waiters = new Set();
  return {
    notify() {
      for (const waiter of waiters) waiter();
    },
    /** Resolves with the sends matching `predicate` once there are `count` of them. */
    waitForSends(count, { timeoutMs = 15_000, predicate = () => true } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const matching = sends.filter(predicate);
          if (matching.length >= count) {
            cleanup();
            resolve(matching);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`expected ${count} sends within ${timeoutMs} ms, saw ${sends.filter(predicate).length}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}
