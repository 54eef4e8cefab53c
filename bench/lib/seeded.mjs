// Seeded draws for the delivery simulator. Every delivery draws from a generator of its own, made from
// the run's seed and the delivery's name (its event or task, and which time it is delivered): the same
// seed makes the same choices for every delivery, whatever order the runs happen to reach them in.
import { createHash } from "node:crypto";

/** A small fast generator (mulberry32): numbers in [0, 1). */
export function generator(seed32) {
  let state = seed32 >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The generator of one named thing under a seed. */
export function drawsFor(seed, name) {
  return generator(createHash("sha256").update(`${seed}:${name}`).digest().readUInt32LE(0));
}

/** A fresh seed, for a run that was not given one. */
export function newSeed() {
  return Math.floor(Math.random() * 2 ** 31);
}
