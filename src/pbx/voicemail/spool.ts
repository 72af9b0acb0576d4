/**
 * Messages on disk as Asterisk keeps them: `<spool>/voicemail/<context>/<box>/<Folder>/msgNNNN.<fmt>`
 * with `msgNNNN.txt` beside it (the envelope, Asterisk's `[message]` fields), greetings as
 * `unavail.<fmt>`, `busy.<fmt>`, `greet.<fmt>` (the name) and `temp.<fmt>` in the mailbox
 * directory. A message is written audio first, then its `.txt`, each atomically; a message is
 * listed only when both are there, so a crash while recording leaves nothing half-listed, and
 * `repair()` at start removes what such a crash left. Message numbers stay contiguous: deleting
 * one renumbers those after it, as Asterisk does.
 */
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { removeTempFiles, writeFileAtomic } from "../ivr/recording-file.js";

/** Folders by the number VoiceMailMain's keys give them. */
export const FOLDERS = ["INBOX", "Old", "Work", "Family", "Friends"] as const;
export type Folder = (typeof FOLDERS)[number];
const EXTRA_FOLDERS = ["Urgent", "tmp"];

export interface MessageInfo {
  readonly folder: Folder;
  /** 0-based message number (msg0000 is 0). */
  readonly index: number;
  readonly audio: string;
  readonly fields: ReadonlyMap<string, string>;
}

export type Greeting = "unavail" | "busy" | "greet" | "temp";

export const msgName = (n: number): string => `msg${String(n).padStart(4, "0")}`;

/** The `.txt` of a message, in Asterisk's layout. */
export function renderMessageTxt(fields: ReadonlyArray<[string, string]>): string {
  // A caller ID or extension from the network never adds a line (or a field) of its own.
  // eslint-disable-next-line no-control-regex
  const clean = (v: string): string => v.replace(/[\x00-\x1f\x7f]/g, " ");
  return [";", "; Message Information file", ";", "[message]", ...fields.map(([k, v]) => `${k}=${clean(v)}`), ""].join("\n");
}

export function parseMessageTxt(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith(";") || line.startsWith("[")) continue;
    const eq = line.indexOf("=");
    if (eq > 0) out.set(line.slice(0, eq).trim(), line.slice(eq + 1));
  }
  return out;
}

/**
 * Moves the files of message `stem` in `fromDir` to `toStem` in `toDir` so that a crash at any
 * point leaves the message whole somewhere: every file is first linked under its new name (the
 * audio before the .txt, so the new message is listed only once complete), then the old names
 * are removed, the .txt first. A crash in between leaves a duplicate, never a half.
 */
function relink(fromDir: string, stem: string, toDir: string, toStem: string): void {
  const files = readdirSync(fromDir).filter((x) => x.startsWith(`${stem}.`));
  const txtLast = (a: string, b: string): number => Number(a.endsWith(".txt")) - Number(b.endsWith(".txt"));
  for (const name of [...files].sort(txtLast)) {
    const to = join(toDir, `${toStem}${name.slice(stem.length)}`);
    rmSync(to, { force: true });
    linkSync(join(fromDir, name), to);
  }
  for (const name of [...files].sort(txtLast).reverse()) unlinkSync(join(fromDir, name));
}

export class MailboxSpool {
  constructor(
    /** `<spool>/voicemail/<context>/<box>` */
    readonly dir: string,
    /** The formats messages may be in, the one written first. */
    private readonly formats: readonly string[],
  ) {}

  private folderDir(folder: Folder): string {
    return join(this.dir, folder);
  }

  /** Removes what a crash left: temporary files, audio without its `.txt`, a `.txt` without audio. Returns how many. */
  repair(): number {
    let n = removeTempFiles(this.dir);
    for (const folder of [...FOLDERS, ...EXTRA_FOLDERS]) {
      const dir = join(this.dir, folder);
      if (!existsSync(dir)) continue;
      n += removeTempFiles(dir);
      const names = readdirSync(dir);
      const stems = new Map<string, string[]>();
      for (const name of names) {
        const m = /^(msg\d{4})\.(.+)$/.exec(name);
        if (!m) continue;
        const list = stems.get(m[1]!) ?? [];
        list.push(m[2]!);
        stems.set(m[1]!, list);
      }
      for (const [stem, exts] of stems) {
        const hasTxt = exts.includes("txt");
        const audio = exts.filter((e) => e !== "txt");
        if (hasTxt && audio.length > 0) continue;
        for (const e of exts) rmSync(join(dir, `${stem}.${e}`), { force: true });
        n++;
      }
      if (FOLDERS.includes(folder as Folder)) n += this.renumber(folder as Folder) ? 1 : 0;
    }
    return n;
  }

  /** The messages of a folder, in order. */
  list(folder: Folder): MessageInfo[] {
    const dir = this.folderDir(folder);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    const out: MessageInfo[] = [];
    for (const name of names.filter((x) => /^msg\d{4}\.txt$/.test(x)).sort()) {
      const stem = name.slice(0, 7);
      const audioExt = this.formats.find((f) => names.includes(`${stem}.${f}`)) ?? names.find((x) => x.startsWith(`${stem}.`) && !x.endsWith(".txt"))?.slice(8);
      if (audioExt === undefined) continue;
      let fields: Map<string, string>;
      try {
        fields = parseMessageTxt(readFileSync(join(dir, name), "utf8"));
      } catch {
        continue;
      }
      out.push({ folder, index: Number(stem.slice(3)), audio: join(dir, `${stem}.${audioExt}`), fields });
    }
    return out;
  }

  count(folder: Folder): number {
    return this.list(folder).length;
  }

  /** Stores a new message in `folder`; returns its number. */
  add(folder: Folder, audio: Buffer, format: string, fields: ReadonlyArray<[string, string]>): number {
    const dir = this.folderDir(folder);
    mkdirSync(dir, { recursive: true });
    const n = this.list(folder).reduce((m, x) => Math.max(m, x.index + 1), 0);
    writeFileAtomic(join(dir, `${msgName(n)}.${format}`), audio);
    writeFileAtomic(join(dir, `${msgName(n)}.txt`), renderMessageTxt(fields));
    return n;
  }

  /** Removes a message (all its files) and renumbers the rest of the folder. */
  remove(folder: Folder, index: number): void {
    const dir = this.folderDir(folder);
    for (const name of readdirSync(dir)) if (name.startsWith(`${msgName(index)}.`)) rmSync(join(dir, name), { force: true });
    this.renumber(folder);
  }

  /** Moves a message to another folder (at its end); returns its new number. */
  move(from: Folder, index: number, to: Folder): number {
    if (from === to) return index;
    const src = this.folderDir(from);
    const dst = this.folderDir(to);
    mkdirSync(dst, { recursive: true });
    const n = this.list(to).reduce((m, x) => Math.max(m, x.index + 1), 0);
    relink(src, msgName(index), dst, msgName(n));
    this.renumber(from);
    return n;
  }

  /** Closes the gaps in a folder's numbering; true when anything moved. */
  private renumber(folder: Folder): boolean {
    const dir = this.folderDir(folder);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return false;
    }
    const stems = [...new Set(names.filter((x) => /^msg\d{4}\./.test(x)).map((x) => x.slice(0, 7)))].sort();
    let moved = false;
    stems.forEach((stem, i) => {
      if (stem === msgName(i)) return;
      relink(dir, stem, dir, msgName(i));
      moved = true;
    });
    return moved;
  }

  /** The greeting's file, if recorded. */
  greeting(kind: Greeting): string | undefined {
    for (const f of this.formats) {
      const p = join(this.dir, `${kind}.${f}`);
      if (existsSync(p)) return p;
    }
    return undefined;
  }

  saveGreeting(kind: Greeting, audio: Buffer, format: string): void {
    writeFileAtomic(join(this.dir, `${kind}.${format}`), audio);
  }

  removeGreeting(kind: Greeting): void {
    for (const f of this.formats) rmSync(join(this.dir, `${kind}.${f}`), { force: true });
  }

  /** A password the user changed (secret.conf in the mailbox, passwordlocation=spooldir). */
  changedPassword(): string | undefined {
    try {
      const m = /^\s*password\s*=\s*(.*)$/m.exec(readFileSync(join(this.dir, "secret.conf"), "utf8"));
      return m?.[1]?.trim();
    } catch {
      return undefined;
    }
  }

  savePassword(password: string): void {
    writeFileAtomic(join(this.dir, "secret.conf"), `[general]\npassword=${password}\n`);
  }
}
