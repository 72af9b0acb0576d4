/**
 * Finds the file behind a sound name (`vm-intro`, `digits/5`, `custom/welcome`) as Asterisk
 * does: `<sounds>/<language>/<name>.<ext>`, the channel's language first (`en_GB`, then `en`,
 * then `en` as the last resort), and among the formats present the one in the leg's codec first,
 * so a µ-law phone gets a `.ulaw` file without any conversion. The sound roots, in order: the
 * Asterisk sound directory the admin configured (asterisk.conf `astdatadir`, whose `sounds/`
 * Debian's asterisk-core-sounds-en-wav fills as `sounds/en_US_f_Allison`), then the prompts
 * Switchboard ships (sounds/en in the package). Names that are paths keep working as before:
 * absolute, or relative to the config directory, the data directory or the working directory.
 *
 * A prompt found nowhere is one WARNING per name (until reload), naming where it looked and
 * the package that has Asterisk's prompts.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "../../core/logger.js";
import { BUILTIN_TONES, preferredExtensions, UNSUPPORTED_SOUND_FORMATS, type PlaybackSource } from "../../media/index.js";

/** The prompts shipped with Switchboard: `<package>/sounds`. */
export const SHIPPED_SOUNDS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "sounds");

export interface SoundLibraryOptions {
  /** Sound roots holding `<language>/` directories, searched in order (the shipped set last). */
  roots: () => string[];
  /** Directories a name may be relative to, as a path (the config and data directories …). */
  plainDirs: () => string[];
  log: Logger;
}

const SILENCE = /^silence\/(\d{1,2})$/;

export class SoundLibrary {
  private warned = new Set<string>();
  /** `<root>/<language>` → the directory holding it (`en` may be `en_US_f_Allison`), cached. */
  private readonly langDirs = new Map<string, string[]>();

  constructor(private readonly o: SoundLibraryOptions) {}

  /** Forgets the warnings and the directory cache (reload). */
  reset(): void {
    this.warned = new Set();
    this.langDirs.clear();
  }

  /** The source to play for `name` to a leg in `codec`, or undefined (after one WARNING) when there is none. */
  find(name: string, language: string, codec?: string): PlaybackSource | undefined {
    const builtin = BUILTIN_TONES[name];
    if (builtin) return builtin;
    const path = this.findFile(name, language, codec);
    if (path !== undefined) return { kind: "file", path };
    const silence = SILENCE.exec(name);
    if (silence !== null) return { kind: "silence", durationMs: Number(silence[1]) * 1000 };
    this.warnMissing(name, language);
    return undefined;
  }

  /** True when `name` exists in some format (for apps that check before they play). */
  exists(name: string, language: string): boolean {
    return BUILTIN_TONES[name] !== undefined || SILENCE.test(name) || this.findFile(name, language, undefined) !== undefined;
  }

  /** The file for `name`, or undefined. */
  findFile(name: string, language: string, codec: string | undefined): string | undefined {
    const exts = preferredExtensions(codec);
    const hasExt = /\.[A-Za-z0-9]+$/.test(name);
    const candidates = (base: string): string[] => [...exts.map((e) => `${base}.${e}`), ...(hasExt ? [base] : [])];
    if (isAbsolute(name)) return candidates(name).find((p) => isFile(p));
    for (const root of this.o.roots()) {
      for (const dir of this.languageDirs(root, language)) {
        const hit = candidates(join(dir, name)).find((p) => isFile(p));
        if (hit !== undefined) return hit;
      }
    }
    for (const dir of this.o.plainDirs()) {
      const hit = candidates(join(dir, name)).find((p) => isFile(p));
      if (hit !== undefined) return hit;
    }
    return undefined;
  }

  /** Where `<root>` keeps `language`: `en_GB`, then `en`, then `en`'s voices (`en_US_f_Allison`). */
  private languageDirs(root: string, language: string): string[] {
    const key = `${root}\0${language}`;
    const known = this.langDirs.get(key);
    if (known !== undefined) return known;
    const wanted = [language, language.split(/[_-]/)[0] ?? "", "en"].filter((l, i, a) => l.length > 0 && a.indexOf(l) === i);
    const out: string[] = [];
    let entries: string[] = [];
    try {
      entries = readdirSync(root);
    } catch {
      entries = [];
    }
    for (const lang of wanted) {
      if (entries.includes(lang)) out.push(join(root, lang));
      for (const e of entries.filter((x) => x.startsWith(`${lang}_`)).sort()) out.push(join(root, e));
    }
    this.langDirs.set(key, out);
    return out;
  }

  private warnMissing(name: string, language: string): void {
    if (this.warned.has(name)) return;
    this.warned.add(name);
    const unsupported = this.unsupportedVariant(name, language);
    if (unsupported !== undefined) {
      this.o.log.warn({ file: name }, `Sound '${name}' exists only as ${unsupported}, a format Switchboard cannot play; convert it: sox ${unsupported} -r 8000 -c 1 ${unsupported.replace(/\.[^.]+$/, ".wav")}`);
      return;
    }
    const looked = [...this.o.roots().map((r) => join(r, language)), ...this.o.plainDirs()].join(", ");
    this.o.log.warn({ file: name }, `Sound '${name}' (language ${language}) not found in ${looked}; Asterisk's prompts are in Debian's asterisk-core-sounds-en-wav (set astdatadir => /usr/share/asterisk in asterisk.conf [directories] to use them), or put ${name}.wav in one of those directories`);
  }

  private unsupportedVariant(name: string, language: string): string | undefined {
    for (const root of this.o.roots()) {
      for (const dir of this.languageDirs(root, language)) {
        for (const ext of UNSUPPORTED_SOUND_FORMATS) {
          const p = join(dir, `${name}.${ext}`);
          if (existsSync(p)) return p;
        }
      }
    }
    return undefined;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}
