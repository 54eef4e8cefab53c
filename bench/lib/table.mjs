// The benchmark table: one row per figure, with its target, what was measured, the ratio to the
// baseline of the same run when there is one, and the verdict.

/**
 * A row. `pass`: true (met), false (missed), undefined (reported, no target). `skipped`: why the figure
 * is not measured in this run.
 */
export function row({ figure, target = "—", measured = "—", ratio, pass, skipped }) {
  const result = skipped ? "skipped" : pass === true ? "pass" : pass === false ? "MISS" : "report";
  return {
    figure,
    target,
    measured: skipped ? skipped : measured,
    ratio: ratio === undefined ? "" : `${ratio.toFixed(2)}x`,
    result,
  };
}

/** A row judged by its ratio: at most `limit` passes (at least, with `atLeast`). */
export function ratioRow({ figure, limit, measured, ratio, atLeast = false }) {
  return row({
    figure,
    target: `${atLeast ? "≥" : "≤"} ${limit}x`,
    measured,
    ratio,
    pass: atLeast ? ratio >= limit : ratio <= limit,
  });
}

const COLUMNS = [
  ["#", (r) => r.part],
  ["figure", (r) => r.figure],
  ["target", (r) => r.target],
  ["measured", (r) => r.measured],
  ["ratio", (r) => r.ratio],
  ["result", (r) => r.result],
];

/** Plain text, columns padded, for the terminal. */
export function textTable(rows) {
  const cells = rows.map((r) => COLUMNS.map(([, get]) => String(get(r))));
  const widths = COLUMNS.map(([title], i) => Math.max(title.length, ...cells.map((c) => c[i].length)));
  const line = (values) =>
    values
      .map((v, i) => v.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(COLUMNS.map(([title]) => title)), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}

export function markdownTable(rows) {
  const escape = (value) => String(value).replace(/\|/g, "\\|");
  return [
    `| ${COLUMNS.map(([title]) => title).join(" | ")} |`,
    `|${COLUMNS.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${COLUMNS.map(([, get]) => escape(get(r))).join(" | ")} |`),
  ].join("\n");
}
