/**
 * A node:test reporter for scripts/test.sh: it counts what the human-readable spec reporter only
 * prints, and writes one JSON object when the run ends, so the runner can fail on skips as well
 * as on failures. Used as a second reporter next to `spec`:
 *
 *   node --test --test-reporter=spec --test-reporter-destination=stdout \
 *               --test-reporter=./scripts/test-count-reporter.mjs --test-reporter-destination=counts.json …
 *
 * Outcomes follow node's own summary: a test marked skip (or calling t.skip()) is skipped, one
 * marked todo is todo whatever it did, one failed with failureType "cancelledByParent" is
 * cancelled, and suites (describe) are not tests. A file that fails outside any test (a syntax
 * error, a failing root `after` hook) arrives as a failed test named after the file.
 */
import { relative } from "node:path";

/** Repository-relative path of a test file, as the allow-list names it. */
function fileOf(data) {
  return data.file === undefined ? "(unknown file)" : relative(process.cwd(), data.file);
}

function reasonOf(value) {
  return typeof value === "string" ? value : "";
}

export default async function* countReporter(source) {
  const counts = { passed: 0, failed: 0, skipped: 0, todo: 0, cancelled: 0 };
  const lists = { failed: [], skipped: [], todo: [], cancelled: [] };
  const files = new Set();
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const data = event.data;
    if (data.details?.type === "suite") continue;
    const entry = { file: fileOf(data), name: data.name };
    files.add(entry.file);
    if (data.skip !== undefined && data.skip !== false) {
      counts.skipped++;
      lists.skipped.push({ ...entry, reason: reasonOf(data.skip) });
    } else if (data.todo !== undefined && data.todo !== false) {
      counts.todo++;
      lists.todo.push({ ...entry, reason: reasonOf(data.todo) });
    } else if (event.type === "test:pass") {
      counts.passed++;
    } else if (data.details?.error?.failureType === "cancelledByParent") {
      counts.cancelled++;
      lists.cancelled.push(entry);
    } else {
      counts.failed++;
      lists.failed.push(entry);
    }
  }
  yield JSON.stringify({ counts, ...lists, files: [...files].sort() }) + "\n";
}
