/**
 * Judges one test runner's results for scripts/test.sh from the JSON that
 * scripts/test-count-reporter.mjs wrote: a run passes only when node exited 0, at least one test
 * ran, nothing failed or was cancelled, and every skipped or todo test is on the allow-list.
 *
 *   node scripts/test-verdict.mjs COUNTS.json ALLOWLIST NODE_EXIT_CODE
 *
 * Prints the counts on the first line ("1043 passed, 0 failed, 0 skipped, 0 todo, 0 cancelled"),
 * then the allowed skips and one line per problem, and exits 1 when there is any problem.
 *
 * Allow-list lines read `FILE: TEST NAME | why it may be skipped`; `#` starts a comment line. An
 * entry without a reason is itself a problem: a skip nobody can explain is a hidden failure.
 */
import { existsSync, readFileSync } from "node:fs";

const [countsPath, allowPath, exitText] = process.argv.slice(2);
if (countsPath === undefined || allowPath === undefined || exitText === undefined) {
  console.error("usage: node scripts/test-verdict.mjs COUNTS.json ALLOWLIST NODE_EXIT_CODE");
  process.exit(2);
}

const problems = [];
/** Lines worth seeing that do not fail the run (allowed skips, stale allow-list entries). */
const notes = [];

/** Parses the allow-list into "file: name" keys; malformed lines become problems. */
function readAllowList(path) {
  const allowed = new Map();
  if (!existsSync(path)) return allowed;
  readFileSync(path, "utf8").split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const bar = line.lastIndexOf(" | ");
    const colon = line.indexOf(": ");
    const reason = bar < 0 ? "" : line.slice(bar + 3).trim();
    if (colon < 0 || bar < colon || reason === "") {
      problems.push(`${path}:${i + 1}: expected 'FILE: TEST NAME | reason', got: ${line}`);
      return;
    }
    allowed.set(line.slice(0, bar).trim(), { reason, used: false });
  });
  return allowed;
}

const allowed = readAllowList(allowPath);
let results;
try {
  results = JSON.parse(readFileSync(countsPath, "utf8"));
} catch (err) {
  console.log("no counts (the test runner wrote no results)");
  console.log(`cannot read ${countsPath}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

const c = results.counts;
console.log(`${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped, ${c.todo} todo, ${c.cancelled} cancelled`);

const label = (t) => `${t.file}: ${t.name}`;
for (const t of results.failed) problems.push(`failed: ${label(t)}`);
for (const t of results.cancelled) problems.push(`cancelled: ${label(t)}`);
for (const kind of ["skipped", "todo"]) {
  for (const t of results[kind]) {
    const entry = allowed.get(label(t));
    if (entry !== undefined) {
      entry.used = true;
      notes.push(`allowed ${kind}: ${label(t)} | ${entry.reason}`);
    } else problems.push(`${kind} and not on ${allowPath}: ${label(t)}${t.reason ? ` (${t.reason})` : ""}`);
  }
}
if (c.passed + c.failed + c.cancelled + c.skipped + c.todo === 0) problems.push("no test ran");
if (exitText !== "0" && c.failed === 0 && c.cancelled === 0) problems.push(`node --test exited ${exitText} although no test failed`);
const ranFiles = new Set(results.files ?? []);
for (const [key, entry] of allowed) {
  // Only reported: a stale entry hides nothing. Entries for the other runner's files are left alone.
  if (!entry.used && ranFiles.has(key.slice(0, key.indexOf(": ")))) notes.push(`allow-list entry matched nothing (remove it?): ${key}`);
}

for (const line of [...notes, ...problems]) console.log(line);
process.exit(problems.length === 0 ? 0 : 1);
