// Crashes at await points, for the delivery simulator: a run given a crash point dies at its n-th
// Firestore operation or provider request, before it or after it took effect, as an instance that is
// stopped there. Nothing of that run takes effect any more (that operation and every later one of the
// run fail without reaching Firestore or the provider), a transaction it was inside is rolled back, and
// whoever delivered it learns at once that it died. The operations fail rather than never answer: a
// promise the run shared with others of this process (a cache's read in flight) must not hang them.
import { AsyncLocalStorage } from "node:async_hooks";

const runs = new AsyncLocalStorage();

/** What every operation of a dead run fails with (inside a transaction: it rolls back, nothing commits). */
export class RunDied extends Error {}

/**
 * Runs `work` as one function run. `crash`: `{ at, after }` (die at the `at`-th operation, before it or
 * once it took effect) or undefined. Resolves `{ died: true }` as soon as it dies, else with `{ died:
 * false }` once `work` ends; rejects with what `work` threw. What a dead run's code does afterwards
 * is ignored (none of it reaches Firestore or the provider). `handle.kill()` (set here) stops the run
 * from outside at whatever point it is (its whole instance died): an operation already sent takes
 * effect, nothing after it does. `handle.kind` names the run for what it counts (`currentRun()`).
 */
export function runMortal(work, crash, handle = {}) {
  let died;
  const death = new Promise((resolve) => (died = resolve));
  const run = { ops: 0, crash, dead: false, kind: handle.kind, die: () => ((run.dead = true), died({ died: true })) };
  handle.kill = () => run.dead || run.die();
  const finished = runs.run(run, async () => {
    try {
      await work();
      return { died: false };
    } catch (error) {
      if (run.dead) return { died: true };
      throw error;
    }
  });
  return Promise.race([finished, death]);
}

/** The run the caller is part of (undefined outside `runMortal`). */
export function currentRun() {
  return runs.getStore();
}

/** What the calling run does at this operation: "go", or dies "before" it or "after" it. */
function step(run) {
  run.ops += 1;
  if (!run.crash || run.ops !== run.crash.at) return "go";
  return run.crash.after ? "after" : "before";
}

/** Makes every call of `owner[name]` (an async method) an await point of the run calling it. */
function mortal(owner, name) {
  const original = owner[name];
  if (!original || original.mortal) return;
  const dead = () => Promise.reject(new RunDied("the run died"));
  const wrapped = function (...args) {
    const run = runs.getStore();
    if (!run) return original.apply(this, args);
    if (run.dead) return dead();
    const what = step(run);
    if (what === "before") {
      run.die();
      return dead();
    }
    const result = Promise.resolve(original.apply(this, args));
    return result.then(
      (value) => {
        if (what === "after") run.die();
        return run.dead ? dead() : value;
      },
      (error) => (run.dead ? dead() : Promise.reject(error)),
    );
  };
  wrapped.mortal = true;
  owner[name] = wrapped;
}

/**
 * Installs the crash points on the Admin SDK's Firestore classes (once per process): document and query
 * reads and writes, batches, transactions and their reads. Runs outside `runMortal` are untouched.
 */
export function installCrashPoints(firestoreModule) {
  const { DocumentReference, Query, WriteBatch, Transaction, Firestore } = firestoreModule;
  for (const name of ["get", "create", "set", "update", "delete"]) mortal(DocumentReference.prototype, name);
  mortal(Query.prototype, "get");
  mortal(WriteBatch.prototype, "commit");
  mortal(Firestore.prototype, "getAll");
  mortal(Firestore.prototype, "runTransaction");
  for (const name of ["get", "getAll"]) mortal(Transaction.prototype, name);
}

/** A provider whose requests are await points too (a send that died after Wasender accepted it). */
export function mortalProviders(registry) {
  const forInstance = registry.forInstance.bind(registry);
  registry.forInstance = (...args) => {
    const provider = forInstance(...args);
    if (!provider || provider.mortal) return provider;
    for (const name of ["send", "lookupMessageId"]) mortal(provider, name);
    provider.mortal = true;
    return provider;
  };
  return registry;
}
