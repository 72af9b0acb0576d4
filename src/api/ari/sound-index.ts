/**
 * The prompts ARI lists (`GET /ari/sounds`): every file in a format Switchboard plays, under each
 * sound root's language directories (`<root>/<language>/digits/1.wav` is sound `digits/1` in
 * that language and format), the roots searched in the order playback searches them. The
 * listing is cached for a few seconds: a sound directory may hold thousands of files.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { SOUND_EXTENSIONS } from "../../media/index.js";

export interface AriSound {
  id: string;
  formats: Array<{ language: string; format: string }>;
}

const CACHE_MS = 5000;
/** Directories below a language directory are walked at most this deep. */
const MAX_DEPTH = 4;

function walk(dir: string, prefix: string, depth: number, out: Array<{ id: string; format: string }>): void {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e);
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      continue;
    }
    if (isDir) {
      if (depth < MAX_DEPTH) walk(p, `${prefix}${e}/`, depth + 1, out);
      continue;
    }
    const dot = e.lastIndexOf(".");
    const ext = dot > 0 ? e.slice(dot + 1) : "";
    if (SOUND_EXTENSIONS[ext] !== undefined) out.push({ id: `${prefix}${e.slice(0, dot)}`, format: ext });
  }
}

export class SoundIndex {
  private cached: { at: number; sounds: Map<string, AriSound> } | undefined;

  constructor(
    private readonly roots: () => readonly string[],
    private readonly now: () => number,
  ) {}

  all(): Map<string, AriSound> {
    const now = this.now();
    if (this.cached !== undefined && now - this.cached.at < CACHE_MS) return this.cached.sounds;
    const sounds = new Map<string, AriSound>();
    for (const root of this.roots()) {
      let langs: string[];
      try {
        langs = readdirSync(root).sort();
      } catch {
        continue;
      }
      for (const language of langs) {
        const files: Array<{ id: string; format: string }> = [];
        walk(join(root, language), "", 0, files);
        for (const f of files) {
          const s = sounds.get(f.id) ?? { id: f.id, formats: [] };
          if (!s.formats.some((x) => x.language === language && x.format === f.format)) s.formats.push({ language, format: f.format });
          sounds.set(f.id, s);
        }
      }
    }
    this.cached = { at: now, sounds };
    return sounds;
  }

  /** Sounds with a file in `lang` and/or `format` when given. */
  list(lang: string | undefined, format: string | undefined): AriSound[] {
    const out: AriSound[] = [];
    for (const s of this.all().values()) {
      const formats = s.formats.filter((f) => (lang === undefined || f.language === lang) && (format === undefined || f.format === format));
      if (formats.length > 0) out.push({ id: s.id, formats });
    }
    return out.sort((a, b) => a.id.localeCompare(b.id));
  }
}
