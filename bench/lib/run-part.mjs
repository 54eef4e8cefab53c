// Runs one benchmark part in this (fresh) process and hands its rows to the runner.
const name = process.argv[2];
const { run } = await import(`../parts/${name}.mjs`);
const result = await run();
process.send({ rows: result.rows, details: result.details ?? "" }, () => process.exit(0));
