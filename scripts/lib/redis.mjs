// A real Redis for the tests, and a small Upstash-compatible REST bridge in front of it, so that the
// real @upstash/redis client (which speaks Upstash's REST protocol) talks to it unchanged.
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { FUNCTIONS_DIR } from "./paths.mjs";

export function redisServerAvailable() {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

const INSTALL_COMMAND = "apt-get install -y redis-server";

/**
 * Makes sure `redis-server` is on PATH before any test runs. Installed with Debian's package when this
 * process may (root on a machine with apt-get; `apt-get update` first only if the first try fails, since
 * a fresh image often has no package lists yet); otherwise stops with the exact command to run.
 */
export function ensureRedisServer() {
  if (redisServerAvailable()) return;
  const hasApt = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!hasApt) {
    throw new Error(
      "redis-server is not installed: install Redis 6 or later so that `redis-server` is on PATH, then run npm test again",
    );
  }
  if (!isRoot) {
    throw new Error(`redis-server is not installed: run \`sudo ${INSTALL_COMMAND}\`, then npm test again`);
  }
  console.log(`[setup] redis-server is not installed: ${INSTALL_COMMAND}`);
  // Non-interactive: no prompt may wait for a keyboard. The tests start their own server on their own port.
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = () =>
    spawnSync("apt-get", ["install", "-y", "--no-install-recommends", "redis-server"], { stdio: "inherit", env })
      .status === 0;
  if (!install()) {
    console.log("[setup] apt-get install failed: apt-get update, then once more");
    spawnSync("apt-get", ["update"], { stdio: "inherit", env });
    install();
  }
  if (!redisServerAvailable()) {
    throw new Error(
      `redis-server is still not installed: run \`${INSTALL_COMMAND}\` (after \`apt-get update\`) and read its errors, then npm test again`,
    );
  }
}

/** Starts a throwaway redis-server on loopback (no persistence); resolves once it answers PING. */
export async function startRedisServer(port) {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: "ignore",
    },
  );
  const client = await connect(`redis://127.0.0.1:${port}`, 50);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    /** Stops whichever server holds the port: a test may have restarted Redis under us. */
    async stop() {
      await client.sendCommand(["SHUTDOWN", "NOSAVE"]).catch(() => {});
      await client.destroy?.();
      child.kill("SIGTERM");
    },
  };
}

async function connect(url, attempts = 1) {
  const require = createRequire(join(FUNCTIONS_DIR, "package.json"));
  const { createClient } = require("redis");
  for (let i = 0; ; i++) {
    // No offline queue: while Redis is down, commands fail at once (as Upstash's REST API would answer
    // an error) instead of waiting for a reconnection.
    const client = createClient({
      url,
      disableOfflineQueue: true,
      socket: { reconnectStrategy: (retries) => Math.min(retries * 50, 500) },
    });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.ping();
      return client;
    } catch (error) {
      await client.destroy?.();
      if (i + 1 >= attempts) throw error;
      await sleep(100);
    }
  }
}

const UPSTASH_SHEBANG = /^#!lua[^\n]*\n/;

/** Upstash-only script flags that Redis 7.0 rejects: dropped (EVALSHA then misses and the client falls back to EVAL). */
function normalizeCommand(command) {
  const name = String(command[0]).toUpperCase();
  const args = command.map((part) => (typeof part === "string" ? part : JSON.stringify(part)));
  if (name === "EVAL" || (name === "SCRIPT" && String(command[1]).toUpperCase() === "LOAD")) {
    const index = name === "EVAL" ? 1 : 2;
    args[index] = args[index].replace(UPSTASH_SHEBANG, "");
  }
  return args;
}

function encodeBase64(value) {
  if (typeof value === "string") return value === "OK" ? value : Buffer.from(value, "utf8").toString("base64");
  if (Array.isArray(value)) return value.map(encodeBase64);
  return value;
}

/**
 * POST / (one command as a JSON array), /pipeline and /multi-exec (arrays of commands), with
 * `Authorization: Bearer <token>` and, when asked, `Upstash-Encoding: base64` results.
 */
export async function startRedisRestBridge({ redisUrl, port = 0, token }) {
  const client = await connect(redisUrl);
  const run = async (command) => {
    try {
      return { result: await client.sendCommand(normalizeCommand(command)) };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  };
  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const reply = (status, body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return reply(401, { error: "Unauthorized" });
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return reply(400, { error: "ERR the body is not JSON" });
    }
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const encode = (item) => (base64 && "result" in item ? { result: encodeBase64(item.result) } : item);
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path === "/pipeline" || path === "/multi-exec") {
      if (!Array.isArray(body) || !body.every(Array.isArray))
        return reply(400, { error: "ERR expected an array of commands" });
      if (path === "/multi-exec") {
        const multi = client.multi();
        for (const command of body) multi.addCommand(normalizeCommand(command));
        try {
          const results = await multi.exec();
          return reply(
            200,
            results.map((result) => encode(result instanceof Error ? { error: result.message } : { result })),
          );
        } catch (error) {
          return reply(400, { error: error instanceof Error ? error.message : String(error) });
        }
      }
      const results = [];
      for (const command of body) results.push(encode(await run(command)));
      return reply(200, results);
    }
    if (!Array.isArray(body)) return reply(400, { error: "ERR expected a command array" });
    const result = await run(body);
    return reply("error" in result ? 400 : 200, encode(result));
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${address.port}`,
    token,
    async close() {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
      await client.quit().catch(() => {});
    },
  };
}

/**
 * The Functions emulator reads secrets from functions/.secret.local (and asks Secret Manager for any
 * it lacks, which a demo project cannot). Written by `npm start` and `npm test`, never committed.
 */
export function writeLocalSecrets({ redisUrl, redisToken, cacheKey = "none" }) {
  writeFileSync(
    join(FUNCTIONS_DIR, ".secret.local"),
    `UPSTASH_REDIS_REST_URL=${redisUrl}\nUPSTASH_REDIS_REST_TOKEN=${redisToken}\nCONFIG_CACHE_KEY=${cacheKey}\n`,
  );
}
