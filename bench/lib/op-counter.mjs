// Counts the Firestore operations this process bills, where the Admin SDK talks to the server, so
// nothing is estimated: every document a get or a transaction reads (found or not), every document a
// query returns (at least one per query, as Firestore bills an empty result), every document write a
// commit applies (creates, sets, updates, deletes; field transforms ride on their write). Reads of a
// transaction attempt that is retried count again, as Firestore bills them; a commit that fails
// writes nothing. Each operation is tagged with the stage it ran in (see `stage`).
import { AsyncLocalStorage } from "node:async_hooks";

const DOCUMENTS = /^projects\/[^/]+\/databases\/[^/]+\/documents\/?/;

// vendors/v1/conversations/+221…/messages/in_3EB0… -> vendors/*/conversations/*/messages/in_*
export function pathPattern(path) {
  return path
    .split("/")
    .map((segment, index) =>
      index % 2 === 0 ? segment : segment.replace(/^((?:in|out|order|api)_)?.*$/, (_, prefix) => `${prefix ?? ""}*`),
    )
    .join("/");
}

export class OpCounter {
  /** `onOp`: handed each operation as it happens, instead of keeping it (a long-lived process). */
  constructor({ onOp } = {}) {
    this.ops = [];
    this.onOp = onOp;
    this.context = new AsyncLocalStorage();
  }

  /** Patches the Admin SDK's Firestore client (its prototypes: every instance in this process). */
  install({ Firestore, Query }) {
    const counter = this;
    const request = Firestore.prototype.request;
    Firestore.prototype.request = async function countedRequest(method, req, ...rest) {
      const stage = counter.context.getStore();
      const result = await request.call(this, method, req, ...rest);
      if (method === "commit" || method === "batchWrite") {
        for (const write of req.writes ?? [])
          counter.record(stage, "write", writeKind(write), write.delete ?? write.update?.name ?? "");
      }
      return result;
    };
    const requestStream = Firestore.prototype.requestStream;
    Firestore.prototype.requestStream = function countedStream(method, bidirectional, req, ...rest) {
      if (method === "batchGetDocuments") {
        const stage = counter.context.getStore();
        for (const name of req.documents ?? []) counter.record(stage, "read", "get", name);
      }
      return requestStream.call(this, method, bidirectional, req, ...rest);
    };
    const get = Query.prototype._get;
    Query.prototype._get = async function countedQuery(...args) {
      const stage = counter.context.getStore();
      const response = await get.apply(this, args);
      const path = this._queryOptions?.parentPath?.append?.(this._queryOptions.collectionId)?.relativeName ?? "query";
      for (let i = 0; i < Math.max(1, response.result.size); i++) counter.record(stage, "read", "query", path);
      return response;
    };
    return this;
  }

  record(stage, kind, op, name) {
    const document = String(name).replace(DOCUMENTS, "");
    const entry = { stage: stage ?? "unattributed", kind, op, path: pathPattern(document), document };
    if (this.onOp) this.onOp(entry);
    else this.ops.push(entry);
  }

  /** Runs `work` with every operation it starts tagged `name`. */
  stage(name, work) {
    return this.context.run(name, work);
  }

  /** The operations recorded since `mark` (an index from `mark()`), optionally of one stage. */
  since(mark, stage) {
    return this.ops.slice(mark).filter((op) => stage === undefined || op.stage === stage);
  }

  mark() {
    return this.ops.length;
  }
}

function writeKind(write) {
  if (write.delete) return "delete";
  if (write.currentDocument?.exists === false) return "create";
  if (write.currentDocument?.exists === true) return "update";
  return write.updateMask ? "merge" : "set";
}

/** { reads, writes, total } of a list of operations. */
export function tally(ops) {
  const reads = ops.filter((op) => op.kind === "read").length;
  const writes = ops.length - reads;
  return { reads, writes, total: reads + writes };
}

// One line per distinct operation, with its count: "read get vendors/*/conversations/* ×2".
export function describeOps(ops) {
  const counts = new Map();
  for (const op of ops) {
    const key = `${op.kind} ${op.op} ${op.path}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => (count > 1 ? `${key} ×${count}` : key));
}
