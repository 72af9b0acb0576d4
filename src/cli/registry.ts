/**
 * The console command registry. Each feature module registers the commands it owns (the registrar
 * registers `pjsip show contacts`) and removes them again on unload through the function
 * `register()` returns; nothing central knows the full list (STYLE.md §1).
 *
 * A line is split into words (double quotes group), and the command whose fixed words are the
 * longest case-insensitive prefix of the line runs with the remaining words as arguments. Handler
 * failures never escape: a usage error prints the command's usage, anything else prints
 * "Command '…' failed: …", both as `ok: false`.
 */
import { PbxError } from "../core/errors.js";
import { column, commandWords, splitWords } from "./words.js";

export type { CliCommand, CliCompletionContext, CliContext } from "../core/commands.js";
import type { CliCommand, CliCompletionContext, CliConsole, CliContext } from "../core/commands.js";

export type CliResult = { ok: true; output: string } | { ok: false; output: string };

export { CliFailure, CliUsageError } from "../core/commands.js";
import { CliFailure, CliUsageError } from "../core/commands.js";
import type { CommandRegistrar } from "../core/commands.js";

interface Entry {
  cmd: CliCommand;
  words: string[];
}

const HELP_USAGE =
  "Usage: core show help [topic]\n" +
  "       When called with a topic as an argument, displays usage\n" +
  "       information on the given command. If called without a\n" +
  "       topic, it provides a list of commands.\n";

function withNewline(text: string): string {
  return text.length === 0 || text.endsWith("\n") ? text : text + "\n";
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class CommandRegistry implements CommandRegistrar {
  private readonly entries: Entry[] = [];

  constructor() {
    const helpHandler = (ctx: CliContext): string => this.help(ctx.args);
    const helpComplete = (ctx: CliCompletionContext): Promise<string[]> => this.completeWords(ctx.args, ctx.word);
    this.register({ command: "core show help", usage: HELP_USAGE, summary: "Display help list, or specific help on a command", handler: helpHandler, complete: helpComplete });
    this.register({ command: "help", usage: HELP_USAGE.replace("core show help", "help"), summary: "Display help list, or specific help on a command", handler: helpHandler, complete: helpComplete });
  }

  /**
   * Adds a command and returns the function that removes it. Registering the same fixed words
   * twice is a programming error: two modules would be fighting over one command.
   */
  register(cmd: CliCommand): () => void {
    const words = commandWords(cmd.command);
    if (words.length === 0) throw new PbxError("INVALID_ARGUMENT", "CLI command has no words");
    if (cmd.usage.trim().length === 0) throw new PbxError("INVALID_ARGUMENT", `CLI command '${cmd.command}' has no usage text`);
    const key = words.join(" ");
    if (this.entries.some((e) => e.words.join(" ") === key)) {
      throw new PbxError("INVALID_ARGUMENT", `CLI command '${key}' is already registered`);
    }
    const entry: Entry = { cmd, words };
    this.entries.push(entry);
    return () => {
      const i = this.entries.indexOf(entry);
      if (i >= 0) this.entries.splice(i, 1);
    };
  }

  /** All commands, sorted by their words. */
  list(): CliCommand[] {
    return this.sorted().map((e) => e.cmd);
  }

  /** Runs one console line. Never rejects. */
  async execute(line: string, from: { console?: CliConsole } = {}): Promise<CliResult> {
    const { words } = splitWords(line);
    const trimmed = line.trim();
    if (words.length === 0) return { ok: true, output: "" };
    const entry = this.match(words);
    if (!entry) {
      return {
        ok: false,
        output: `No such command '${trimmed}' (type 'core show help ${this.bestPrefix(words)}' for other possible commands)\n`,
      };
    }
    const chunks: string[] = [];
    const ctx: CliContext = { args: words.slice(entry.words.length), line: trimmed, write: (s) => void chunks.push(s), ...(from.console !== undefined ? { console: from.console } : {}) };
    try {
      const out = await entry.cmd.handler(ctx);
      return { ok: true, output: chunks.join("") + out };
    } catch (err) {
      if (err instanceof CliUsageError) {
        const msg = err.message ? withNewline(err.message) : "";
        return { ok: false, output: chunks.join("") + msg + withNewline(entry.cmd.usage) };
      }
      if (err instanceof CliFailure) return { ok: false, output: chunks.join("") + err.output + `Command '${trimmed}' failed.\n` };
      return { ok: false, output: chunks.join("") + `Command '${trimmed}' failed: ${errorMessage(err)}\n` };
    }
  }

  /**
   * Candidates for the word under the cursor: the next fixed word of every command the line is
   * a prefix of, or, once the fixed words are complete, what the command's `complete()` offers.
   */
  async complete(line: string): Promise<string[]> {
    const { words, trailingSpace } = splitWords(line);
    const typed = trailingSpace ? words : words.slice(0, -1);
    const word = trailingSpace ? "" : (words[words.length - 1] ?? "");
    return this.completeWords(typed, word);
  }

  private async completeWords(typed: string[], word: string): Promise<string[]> {
    const lowerTyped = typed.map((w) => w.toLowerCase());
    const lowerWord = word.toLowerCase();
    const out = new Set<string>();
    for (const e of this.entries) {
      if (lowerTyped.length < e.words.length) {
        if (lowerTyped.every((w, i) => e.words[i] === w)) {
          const next = e.words[lowerTyped.length] as string;
          if (next.startsWith(lowerWord)) out.add(next);
        }
        continue;
      }
      if (!e.cmd.complete || !e.words.every((w, i) => lowerTyped[i] === w)) continue;
      // The longest matching command owns the arguments, as in execute().
      if (this.match(typed) !== e) continue;
      try {
        const items = await e.cmd.complete({ args: typed.slice(e.words.length), word });
        for (const item of items) if (item.toLowerCase().startsWith(lowerWord)) out.add(item);
      } catch {
        // A failing completer offers nothing rather than breaking the console.
      }
    }
    return [...out].sort();
  }

  /** The entry whose fixed words are the longest prefix of `words`. */
  private match(words: string[]): Entry | undefined {
    const lower = words.map((w) => w.toLowerCase());
    let best: Entry | undefined;
    for (const e of this.entries) {
      if (e.words.length > lower.length) continue;
      if (!e.words.every((w, i) => lower[i] === w)) continue;
      if (!best || e.words.length > best.words.length) best = e;
    }
    return best;
  }

  /**
   * The topic the "No such command" hint offers to `core show help`, chosen the way Asterisk's
   * console chooses it: the typed words are taken one at a time for as long as some command has
   * exactly that many words and agrees with all of them but the newest one. So the hint ends with
   * the first word no command of that length continues: `foo` → `foo`, `sip show peers` (no sip
   * module) → `sip show`, `core show nothing` → `core show nothing`.
   */
  private bestPrefix(words: string[]): string {
    const lower = words.map((w) => w.toLowerCase());
    let n = 0;
    while (n < lower.length) {
      n++;
      const fits = this.entries.some((e) => e.words.length === n && e.words.slice(0, n - 1).every((w, i) => w === lower[i]));
      if (!fits) break;
    }
    // Spelled as typed, as Asterisk echoes it.
    return words.slice(0, n).join(" ");
  }

  private sorted(): Entry[] {
    return [...this.entries].sort((a, b) => a.words.join(" ").localeCompare(b.words.join(" ")));
  }

  /** `help` with no words lists everything; with a command's words prints its usage. */
  private help(args: string[]): string {
    if (args.length > 0) {
      const entry = this.match(args);
      if (entry && entry.words.length === args.length) return withNewline(entry.cmd.usage);
    }
    const prefix = args.map((w) => w.toLowerCase()).join(" ");
    const rows = this.sorted().filter((e) => e.words.join(" ").startsWith(prefix));
    if (rows.length === 0) return `No such command '${args.join(" ")}'.\n`;
    return rows.map((e) => `${column(e.cmd.command, 30)} -- ${e.cmd.summary}\n`).join("");
  }
}
