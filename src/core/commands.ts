/**
 * The console command contract. It lives in core so that every feature module (sip, pbx,
 * security) can register its own commands without importing the console itself; `cli/`
 * implements the registry and the console that runs them.
 */
import { PbxError } from "./errors.js";

export interface CliContext {
  /** The words after the command's fixed words, quotes removed, case kept. */
  args: string[];
  /** The whole line as typed. */
  line: string;
  /** Appends text to the command's output ahead of the returned text (for long, incremental output). */
  write?: (s: string) => void;
  /** The interactive console the command was typed on; absent for `-rx` and scripts. */
  console?: CliConsole;
}

/** An interactive console's own settings, for commands such as `core set verbose`. */
export interface CliConsole {
  readonly verbosity: number;
  /** Returns the verbosity it had. */
  setVerbosity(level: number): number;
  /** `logger mute`: log and verbose output stop reaching this console while muted. */
  readonly muted: boolean;
  setMuted(muted: boolean): void;
  /** `logger set level <LEVEL> on|off`: whether this console shows lines of that level (Asterisk's name, upper case). */
  showLevel(level: string, shown: boolean): void;
}

export interface CliCompletionContext {
  /** Complete argument words already typed after the fixed words. */
  args: string[];
  /** The partial word being completed ("" when the cursor follows a space). */
  word: string;
}

export interface CliCommand {
  /** Fixed words, e.g. "pjsip show endpoints". Arguments appear in `usage` only. */
  command: string;
  /** Asterisk-style usage: "Usage: pjsip show endpoint <id>\n       Shows one endpoint." */
  usage: string;
  /** One line for `help`. */
  summary: string;
  /** Returns the output text; throw `CliUsageError` to print the usage instead. */
  handler(ctx: CliContext): string | Promise<string>;
  /** Candidates for the argument word being typed (endpoint ids, on/off …). */
  complete?(ctx: CliCompletionContext): string[] | Promise<string[]>;
}

/** What a feature module needs to add commands: registering returns the matching unregister. */
export interface CommandRegistrar {
  register(cmd: CliCommand): () => void;
}

/**
 * Thrown by a handler that ran but failed (Asterisk's CLI_FAILURE): the registry prints `output`
 * and then Asterisk's "Command '…' failed." line.
 */
export class CliFailure extends PbxError {
  constructor(readonly output: string) {
    super("CLI_FAILURE", output.trim());
    this.name = "CliFailure";
  }
}

/** Thrown by a handler when its arguments are wrong; the registry answers with the usage text. */
export class CliUsageError extends PbxError {
  constructor(message = "") {
    super("CLI_USAGE", message);
    this.name = "CliUsageError";
  }
}

/** Completes `word` against fixed choices. */
export function completeFrom(choices: Iterable<string>, word: string): string[] {
  const w = word.toLowerCase();
  return [...choices].filter((c) => c.toLowerCase().startsWith(w));
}
