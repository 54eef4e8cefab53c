import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * Every Firestore query in functions/src, read from the sources, checked against firestore.indexes.json
 * with Firestore's rules: the emulator serves any query, production refuses one without its index.
 * - A collection query on one field (filters and order) uses the automatic single-field index; several
 *   equality filters alone are served by merging those.
 * - Anything that orders or ranges on a field besides another filtered field needs a composite index:
 *   the equality fields first (in any order), then the orderBy fields with their directions, then the
 *   range fields not ordered explicitly (ascending, by name).
 * - A collection-group query has no automatic single-field index: one field needs a field override with
 *   COLLECTION_GROUP scope; several need a composite index with that scope (or an override for each
 *   field, for equality filters alone).
 * A query the reader cannot resolve (a field or collection name it cannot follow) fails too: keep
 * query chains in the simple forms below (literals, constants, a function or const returning a query).
 */
const SRC = resolve(__dirname, "../../src");
const INDEXES = resolve(__dirname, "../../../firestore.indexes.json");

type Direction = "ASCENDING" | "DESCENDING";
interface Filter {
  field: string;
  op: string;
}
interface Query {
  where: string;
  scope: "COLLECTION" | "COLLECTION_GROUP";
  collection: string;
  filters: Filter[];
  orders: Array<{ field: string; direction: Direction }>;
}
interface IndexField {
  fieldPath: string;
  order?: Direction;
  arrayConfig?: "CONTAINS";
}
interface IndexFile {
  indexes: Array<{ collectionGroup: string; queryScope: string; fields: IndexField[] }>;
  fieldOverrides?: Array<{
    collectionGroup: string;
    fieldPath: string;
    indexes: Array<{ queryScope: string; order?: Direction; arrayConfig?: string }>;
  }>;
}

const QUERY_METHODS = new Set([
  "where",
  "orderBy",
  "limit",
  "limitToLast",
  "offset",
  "startAt",
  "startAfter",
  "endAt",
  "endBefore",
  "select",
  "count",
  "get",
]);
const EQUALITY = new Set(["==", "in", "array-contains", "array-contains-any"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

const parsed = new Map<string, ts.SourceFile>();
function sourceOf(file: string): ts.SourceFile {
  let source = parsed.get(file);
  if (!source) {
    source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.ES2022, true);
    parsed.set(file, source);
  }
  return source;
}

/** A top-level `const NAME = …` or `function NAME` of a file, following one relative import. */
function declarationOf(source: ts.SourceFile, name: string): ts.Expression | undefined {
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name) && declaration.name.text === name && declaration.initializer)
          return declaration.initializer;
      }
    }
    if (ts.isFunctionDeclaration(statement) && statement.name?.text === name && statement.body) {
      const returned = statement.body.statements.find(ts.isReturnStatement);
      if (returned?.expression) return returned.expression;
    }
    if (
      ts.isImportDeclaration(statement) &&
      ts.isStringLiteral(statement.moduleSpecifier) &&
      statement.moduleSpecifier.text.startsWith(".")
    ) {
      const bindings = statement.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings) && bindings.elements.some((element) => element.name.text === name)) {
        const imported = sourceOf(`${resolve(dirname(source.fileName), statement.moduleSpecifier.text)}.ts`);
        return declarationOf(imported, name);
      }
    }
  }
  return undefined;
}

/** A string the code spells as a literal or a constant. */
function stringOf(node: ts.Node | undefined, source: ts.SourceFile): string | undefined {
  if (!node) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isAsExpression(node)) return stringOf(node.expression, source);
  if (ts.isIdentifier(node)) {
    const value = declarationOf(source, node.text);
    return value ? stringOf(value, value.getSourceFile()) : undefined;
  }
  return undefined;
}

class Unresolved extends Error {}

/** The query a chain builds: its collection, then each filter and order in turn. */
function queryOf(node: ts.Expression, source: ts.SourceFile): Omit<Query, "where"> {
  if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node)) return queryOf(node.expression, source);
  if (ts.isIdentifier(node)) {
    const value = declarationOf(source, node.text) ?? localConst(node);
    if (!value) throw new Unresolved(`query "${node.text}"`);
    return queryOf(value, value.getSourceFile());
  }
  if (!ts.isCallExpression(node)) throw new Unresolved(node.getText());
  if (ts.isIdentifier(node.expression)) {
    const body = declarationOf(source, node.expression.text);
    if (!body) throw new Unresolved(`function "${node.expression.text}"`);
    return queryOf(body, body.getSourceFile());
  }
  if (!ts.isPropertyAccessExpression(node.expression)) throw new Unresolved(node.getText());
  const method = node.expression.name.text;
  const [first, second] = node.arguments;
  if (method === "collection" || method === "collectionGroup") {
    const path = stringOf(first, source);
    if (!path) throw new Unresolved(`collection ${first?.getText()}`);
    const collection = path.split("/").at(-1)!; // a collection path's last segment names the collection
    return { scope: method === "collection" ? "COLLECTION" : "COLLECTION_GROUP", collection, filters: [], orders: [] };
  }
  const base = queryOf(node.expression.expression, source);
  if (method === "where") {
    const field = stringOf(first, source);
    const op = stringOf(second, source);
    if (!field || !op) throw new Unresolved(node.getText());
    return { ...base, filters: [...base.filters, { field, op }] };
  }
  if (method === "orderBy") {
    const field = stringOf(first, source);
    if (!field) throw new Unresolved(node.getText());
    const direction: Direction = stringOf(second, source) === "desc" ? "DESCENDING" : "ASCENDING";
    return { ...base, orders: [...base.orders, { field, direction }] };
  }
  return base;
}

/** `const query = …` in the enclosing function. */
function localConst(identifier: ts.Identifier): ts.Expression | undefined {
  let scope: ts.Node | undefined = identifier.parent;
  while (scope && !ts.isFunctionLike(scope)) scope = scope.parent;
  let found: ts.Expression | undefined;
  const visit = (node: ts.Node): void => {
    if (
      ts.isVariableDeclaration(node) &&
      ts.isIdentifier(node.name) &&
      node.name.text === identifier.text &&
      node.initializer
    )
      found ??= node.initializer;
    ts.forEachChild(node, visit);
  };
  if (scope) visit(scope);
  return found;
}

/** A query method call; `get(x)` with an argument is a transaction's read of the query `x`, not part of it. */
const isQueryCall = (node: ts.Node): node is ts.CallExpression =>
  ts.isCallExpression(node) &&
  ts.isPropertyAccessExpression(node.expression) &&
  QUERY_METHODS.has(node.expression.name.text) &&
  !(node.expression.name.text === "get" && node.arguments.length > 0);

/** Every outermost query chain that filters or orders, with where it is. */
function queriesIn(file: string): { queries: Query[]; unresolved: string[] } {
  const source = sourceOf(file);
  const queries: Query[] = [];
  const unresolved: string[] = [];
  const visit = (node: ts.Node): void => {
    const outermost =
      isQueryCall(node) && !(ts.isPropertyAccessExpression(node.parent) && isQueryCall(node.parent.parent));
    if (outermost && /\.(where|orderBy)\(/.test(node.getText())) {
      const where = `${relative(SRC, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
      try {
        queries.push({ where, ...queryOf(node, source) });
      } catch (error) {
        unresolved.push(`${where}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { queries, unresolved };
}

/** Why the query cannot run in production with these indexes, or undefined when it can. */
export function missingIndex(query: Query, file: IndexFile): string | undefined {
  const equality = [...new Set(query.filters.filter(({ op }) => EQUALITY.has(op)).map(({ field }) => field))];
  const contains = new Set(query.filters.filter(({ op }) => op.startsWith("array-contains")).map(({ field }) => field));
  const ranges = [...new Set(query.filters.filter(({ op }) => !EQUALITY.has(op)).map(({ field }) => field))].sort();
  const sort = [...query.orders];
  for (const field of ranges)
    if (!sort.some((order) => order.field === field)) sort.push({ field, direction: "ASCENDING" });
  const prefix = equality.filter((field) => !sort.some((order) => order.field === field));
  const fields = new Set([...prefix, ...sort.map(({ field }) => field)]);
  const overridden = (field: string, needed: { order?: Direction; arrayConfig?: string }) =>
    (file.fieldOverrides ?? []).some(
      (override) =>
        override.collectionGroup === query.collection &&
        override.fieldPath === field &&
        override.indexes.some(
          (index) =>
            index.queryScope === query.scope &&
            (needed.arrayConfig
              ? index.arrayConfig === needed.arrayConfig
              : (index.order ?? undefined) === needed.order),
        ),
    );
  const exempted = (field: string) =>
    (file.fieldOverrides ?? []).some(
      (override) => override.collectionGroup === query.collection && override.fieldPath === field,
    );
  const singleFieldOk = (field: string, needed: { order?: Direction; arrayConfig?: string }) =>
    query.scope === "COLLECTION" && !exempted(field) ? true : overridden(field, needed);
  const neededFor = (field: string) =>
    contains.has(field)
      ? { arrayConfig: "CONTAINS" }
      : { order: sort.find((order) => order.field === field)?.direction ?? "ASCENDING" };

  const composite = file.indexes.some((index) => {
    if (index.collectionGroup !== query.collection || index.queryScope !== query.scope) return false;
    if (index.fields.length !== fields.size) return false;
    const head = index.fields.slice(0, prefix.length);
    const tail = index.fields.slice(prefix.length);
    const headOk = head.every(
      (entry) =>
        prefix.includes(entry.fieldPath) &&
        (contains.has(entry.fieldPath) ? entry.arrayConfig === "CONTAINS" : !!entry.order),
    );
    const tailOk = tail.every((entry, i) => entry.fieldPath === sort[i]?.field && entry.order === sort[i]?.direction);
    return headOk && tailOk && new Set(head.map(({ fieldPath }) => fieldPath)).size === prefix.length;
  });
  if (composite) return undefined;
  if (fields.size === 0) return undefined;
  if (fields.size === 1) {
    const [field] = [...fields] as [string];
    if (singleFieldOk(field, neededFor(field))) return undefined;
    return `${query.where}: ${query.collection} (${query.scope}) needs a single-field index override on ${field}`;
  }
  // Equalities alone: merged single-field indexes.
  if (sort.length === 0 && [...fields].every((field) => singleFieldOk(field, neededFor(field)))) return undefined;
  const wanted = [
    ...prefix.map((field) => `${field} ==`),
    ...sort.map(({ field, direction }) => `${field} ${direction}`),
  ].join(", ");
  return `${query.where}: ${query.collection} (${query.scope}) needs a composite index (${wanted})`;
}

const indexFile = JSON.parse(readFileSync(INDEXES, "utf8")) as IndexFile;
const found = sourceFiles(SRC).map(queriesIn);
const queries = found.flatMap(({ queries }) => queries);

describe("Firestore indexes", () => {
  it("finds the queries of the code, every one resolved", () => {
    expect(found.flatMap(({ unresolved }) => unresolved)).toEqual([]);
    // The reader sees what the code does: the collection-group and composite queries are among them.
    expect(queries.some((query) => query.scope === "COLLECTION_GROUP")).toBe(true);
    expect(queries.filter((query) => query.filters.length + query.orders.length > 1).length).toBeGreaterThan(5);
  });

  it("every query has the index production needs", () => {
    expect(queries.map((query) => missingIndex(query, indexFile)).filter(Boolean)).toEqual([]);
  });

  it("the rules refuse what production refuses", () => {
    const q = (scope: Query["scope"], filters: Filter[], orders: Query["orders"] = []): Query => ({
      where: "example",
      scope,
      collection: "c",
      filters,
      orders,
    });
    const none: IndexFile = { indexes: [] };
    // Served by automatic single-field indexes.
    expect(missingIndex(q("COLLECTION", [{ field: "a", op: "==" }]), none)).toBeUndefined();
    expect(
      missingIndex(
        q("COLLECTION", [
          { field: "a", op: "==" },
          { field: "b", op: "==" },
        ]),
        none,
      ),
    ).toBeUndefined();
    expect(
      missingIndex(q("COLLECTION", [{ field: "a", op: "<" }], [{ field: "a", direction: "DESCENDING" }]), none),
    ).toBeUndefined();
    // Need a composite index.
    const eqRange = q("COLLECTION", [
      { field: "a", op: "==" },
      { field: "b", op: ">=" },
    ]);
    expect(missingIndex(eqRange, none)).toMatch(/composite index \(a ==, b ASCENDING\)/);
    expect(
      missingIndex(q("COLLECTION", [{ field: "a", op: "==" }], [{ field: "b", direction: "DESCENDING" }]), none),
    ).toMatch(/composite/);
    expect(
      missingIndex(
        q("COLLECTION", [
          { field: "a", op: ">" },
          { field: "b", op: "<" },
        ]),
        none,
      ),
    ).toMatch(/composite/);
    const withIndex = (direction: Direction): IndexFile => ({
      indexes: [
        {
          collectionGroup: "c",
          queryScope: "COLLECTION",
          fields: [
            { fieldPath: "a", order: "ASCENDING" },
            { fieldPath: "b", order: direction },
          ],
        },
      ],
    });
    expect(missingIndex(eqRange, withIndex("ASCENDING"))).toBeUndefined();
    expect(missingIndex(eqRange, withIndex("DESCENDING"))).toMatch(/composite/);
    // Collection groups: no automatic single-field index.
    const group = q("COLLECTION_GROUP", [{ field: "a", op: "==" }]);
    expect(missingIndex(group, none)).toMatch(/override on a/);
    const override: IndexFile = {
      indexes: [],
      fieldOverrides: [
        { collectionGroup: "c", fieldPath: "a", indexes: [{ queryScope: "COLLECTION_GROUP", order: "ASCENDING" }] },
      ],
    };
    expect(missingIndex(group, override)).toBeUndefined();
    expect(
      missingIndex(
        q("COLLECTION_GROUP", [
          { field: "a", op: "==" },
          { field: "b", op: "==" },
        ]),
        none,
      ),
    ).toMatch(/composite/);
  });
});
