/**
 * The files of a `mode=files` class: a directory's sound files, each named once without its
 * extension however many formats it is present in (`macroform-cold_day.wav` and
 * `macroform-cold_day.ulaw` are one file), as Asterisk lists them. Hidden files and formats
 * Switchboard cannot decode are skipped. At play time the format closest to the call's codec is
 * picked (`pathFor`), as Playback() does.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { preferredExtensions, SOUND_EXTENSIONS } from "../../media/index.js";
import type { MohSort } from "../../config/index.js";

export interface MohFile {
  /** The path without extension (what `moh show files` prints). */
  readonly base: string;
  /** The extensions present, e.g. `["ulaw", "wav"]`. */
  readonly extensions: readonly string[];
}

/** The playable files of `dir`, alphabetical by name; empty when the directory is missing. */
export function listMohFiles(dir: string): MohFile[] {
  if (dir.length === 0 || !existsSync(dir)) return [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const byBase = new Map<string, string[]>();
  for (const name of names) {
    if (name.startsWith(".")) continue;
    const dot = name.lastIndexOf(".");
    if (dot <= 0) continue;
    const ext = name.slice(dot + 1);
    if (SOUND_EXTENSIONS[ext] === undefined) continue;
    try {
      if (!statSync(join(dir, name)).isFile()) continue;
    } catch {
      continue;
    }
    const base = name.slice(0, dot);
    const list = byBase.get(base) ?? [];
    list.push(ext);
    byBase.set(base, list);
  }
  return [...byBase.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([base, extensions]) => ({ base: join(dir, base), extensions: extensions.sort() }));
}

/** The file to play of `f` to a leg in `codec`: the leg's own format first, then the others. */
export function pathFor(f: MohFile, codec: string | undefined): string {
  const ext = preferredExtensions(codec).find((e) => f.extensions.includes(e)) ?? f.extensions[0] ?? "wav";
  return `${f.base}.${ext}`;
}

/** A random number in [0, 1); injectable so tests can pin the order. */
export type Random = () => number;

/**
 * The order one round of the class plays its files in: alphabetical (`alpha`), shuffled
 * (`random`, Fisher–Yates), or alphabetical starting from a random file (`randstart`, which
 * Asterisk applies to the first round only).
 */
export function playOrder(files: readonly MohFile[], sort: MohSort, round: number, random: Random = Math.random): MohFile[] {
  const list = [...files];
  if (list.length < 2) return list;
  if (sort === "random") {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    return list;
  }
  if (sort === "randstart" && round === 0) {
    const start = Math.floor(random() * list.length);
    return [...list.slice(start), ...list.slice(0, start)];
  }
  return list;
}
