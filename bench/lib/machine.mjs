// What the figures were measured on: absolute times depend on it, ratios much less.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { ROOT } from "../../scripts/lib/paths.mjs";

function javaVersion() {
  const result = spawnSync("java", ["-version"], { encoding: "utf8" });
  const line = (result.stderr || result.stdout || "").split("\n")[0] ?? "";
  return line.match(/version "([^"]+)"/)?.[1] ?? "not found";
}

function packageVersion(dir, name) {
  try {
    return JSON.parse(readFileSync(join(dir, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return "?";
  }
}

export function describeMachine() {
  const cores = cpus();
  return {
    cores: cores.length,
    cpu: cores[0]?.model?.replace(/\s+/g, " ").trim() ?? "unknown CPU",
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    java: javaVersion(),
    firebaseTools: packageVersion(ROOT, "firebase-tools"),
  };
}

export function machineLine(m = describeMachine()) {
  return `${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB memory, Node ${m.node}, Java ${m.java}, firebase-tools ${m.firebaseTools}`;
}
