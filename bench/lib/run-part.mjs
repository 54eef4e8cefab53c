// Runs one benchmark part in this (fresh) process and hands its rows to the runner.
const name = process.argv[2];
// A Firestore project of its own per part: what one part stored never slows another's queries.
process.env.BENCH_PROJECT = `demo-livepay-bench-${name}`;
const { run } = await import(`../parts/${name}.mjs`);
const result = await run();
process.send({ rows: result.rows, details: result.details ?? "" }, () => process.exit(0));
