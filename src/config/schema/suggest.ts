/** "Did you mean …" suggestions for misspelt option names, by edit distance. */

/** Levenshtein distance between two strings (small inputs only: option names). */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

/**
 * Names close to `input`: within a distance that grows with the length, or sharing a long
 * prefix/suffix (`rtpsymmetric` → `rtp_symmetric`). Best first, at most `limit`.
 */
export function suggestNames(input: string, candidates: readonly string[], limit = 3): string[] {
  const needle = input.toLowerCase();
  const squash = (s: string): string => s.replace(/[_-]/g, "");
  const scored: Array<{ name: string; score: number }> = [];
  for (const name of candidates) {
    const hay = name.toLowerCase();
    let score = editDistance(needle, hay);
    if (squash(needle) === squash(hay)) score = 0.5;
    const max = Math.max(2, Math.floor(hay.length / 3));
    if (score <= max) scored.push({ name, score });
  }
  scored.sort((x, y) => x.score - y.score || x.name.localeCompare(y.name));
  return scored.slice(0, limit).map((s) => s.name);
}
