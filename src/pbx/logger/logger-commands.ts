/**
 * The logger's console commands, in Asterisk's words and layouts: `logger show channels`,
 * `logger reload`, `logger rotate`, `core set verbose` and `core set debug`.
 */
import { CliUsageError, type CommandRegistrar, type CliContext } from "../../core/commands.js";
import type { LoggerConfig } from "../../config/logger/load-logger.js";
import { levelNames } from "../../core/log/levels.js";
import type { LogRouter } from "../../core/log/log-router.js";

export interface LoggerCommandDeps {
  router: LogRouter;
  /** logger.conf, for the `logger_queue_limit` that `logger show channels` starts with. */
  logger(): LoggerConfig;
  /** Reads logger.conf again and applies it; returns extra text to print. */
  reload(): string;
  /** Rotates the files (and runs exec_after_rotate). */
  rotate(): void;
}

/** One column padded and cut to `w` (printf's `%-w.ws`). */
const col = (s: string, w: number): string => s.slice(0, w).padEnd(w, " ");
/** Asterisk's `%-35.35s %-8.8s %-10.10s %-9.9s ` row head. */
const row = (a: string, b: string, c: string, d: string): string => `${col(a, 35)} ${col(b, 8)} ${col(c, 10)} ${col(d, 9)} `;

export function showChannels(router: LogRouter, queueLimit: number): string {
  let out = `Logger queue limit: ${queueLimit}\n\n`;
  out += `${row("Channel", "Type", "Formatter", "Status")}Configuration\n`;
  out += `${row("-------", "----", "---------", "------")}-------------\n`;
  for (const c of router.status()) out += `${row(c.name, c.type, c.formatter, c.enabled ? "Enabled" : "Disabled")} - ${levelNames(c.mask)}\n`;
  return out + "\n";
}

/** Parses `[atleast] <level>` / `off` / `on`; returns the new level or throws the usage. */
function parseLevelArgs(args: string[], current: number): { level: number; silent: boolean } {
  const words = args.map((a) => a.toLowerCase());
  const silent = words.at(-1) === "silent";
  if (silent) words.pop();
  const atLeast = words[0] === "atleast";
  if (atLeast) words.shift();
  if (words.length !== 1) throw new CliUsageError();
  const word = words[0] ?? "";
  let level: number;
  if (word === "off") level = 0;
  else if (word === "on") level = Math.max(current, 1);
  else if (/^\d+$/.test(word)) level = Number(word);
  else throw new CliUsageError();
  return { level: atLeast ? Math.max(level, current) : level, silent };
}

const offOr = (n: number): string => (n === 0 ? "OFF" : String(n));

function setVerbose(deps: LoggerCommandDeps, ctx: CliContext): string {
  // On an interactive console the console's own level changes; from -rx, the system's.
  const target = ctx.console ?? { verbosity: deps.router.verbosity, setVerbosity: (n: number) => deps.router.setSystemVerbosity(n) };
  const { level, silent } = parseLevelArgs(ctx.args, target.verbosity);
  const was = target.setVerbosity(level);
  if (silent) return "";
  return was === level ? `Console verbose is still ${offOr(level)}.\n` : `Console verbose was ${offOr(was)} and is now ${offOr(level)}.\n`;
}

function setDebug(deps: LoggerCommandDeps, ctx: CliContext): string {
  const { level, silent } = parseLevelArgs(ctx.args, deps.router.debug);
  const was = deps.router.setDebugLevel(level);
  if (silent) return "";
  return was === level ? `Core debug is still ${offOr(level)}.\n` : `Core debug was ${offOr(was)} and is now ${offOr(level)}.\n`;
}

const NO_CONSOLE = "Couldn't find remote console.\n";

/** The levels `logger set level` takes, as Asterisk's usage lists them. */
const SETTABLE_LEVELS = ["DEBUG", "TRACE", "NOTICE", "WARNING", "ERROR", "VERBOSE", "DTMF"];

export function registerLoggerCommands(commands: CommandRegistrar, deps: LoggerCommandDeps): void {
  commands.register({
    command: "logger mute",
    summary: "Toggle logging output to a console",
    usage: "Usage: logger mute\n       Disables logging output to the current console, making it possible to\n       gather information without being disturbed by scrolling lines.",
    handler: (ctx) => {
      const silent = ctx.args.length === 1 && ctx.args[0]?.toLowerCase() === "silent";
      if (ctx.args.length > 0 && !silent) throw new CliUsageError();
      if (ctx.console === undefined) return NO_CONSOLE;
      const muted = !ctx.console.muted;
      ctx.console.setMuted(muted);
      if (silent) return "";
      return muted ? "Console is muted.\n" : "Console is not muted anymore.\n";
    },
    complete: () => ["silent"],
  });
  commands.register({
    command: "logger set level",
    summary: "Enables/Disables a specific logging level for this console",
    usage: "Usage: logger set level {DEBUG|TRACE|NOTICE|WARNING|ERROR|VERBOSE|DTMF} {on|off}\n       Set a specific log level to enabled/disabled for this console.",
    handler: (ctx) => {
      const [level, state] = ctx.args;
      const upper = level?.toUpperCase() ?? "";
      const on = state?.toLowerCase() === "on";
      if (ctx.args.length !== 2 || !SETTABLE_LEVELS.includes(upper) || (!on && state?.toLowerCase() !== "off")) throw new CliUsageError();
      if (ctx.console === undefined) return NO_CONSOLE;
      ctx.console.showLevel(upper, on);
      return `Logger status for '${upper}' has been set to '${on ? "on" : "off"}'.\n`;
    },
    complete: (c) => (c.args.length === 0 ? SETTABLE_LEVELS : c.args.length === 1 ? ["on", "off"] : []),
  });
  commands.register({
    command: "logger show channels",
    summary: "List configured log channels",
    usage: "Usage: logger show channels\n       List configured logger channels.",
    handler: (ctx) => {
      if (ctx.args.length > 0) throw new CliUsageError();
      return showChannels(deps.router, deps.logger().loggerQueueLimit);
    },
  });
  commands.register({
    command: "logger reload",
    summary: "Reopens the log files",
    usage: "Usage: logger reload\n       Reloads the logger subsystem state (logger.conf). Use after an outside\n       rotation of log files (logrotate) to reopen them.",
    handler: (ctx) => {
      if (ctx.args.length > 0) throw new CliUsageError("Switchboard reads logger.conf from its configuration directory only");
      deps.router.reopen();
      return deps.reload();
    },
  });
  commands.register({
    command: "logger rotate",
    summary: "Rotates and reopens the log files",
    usage: "Usage: logger rotate\n       Rotates and Reopens the log files (logger.conf rotatestrategy).",
    handler: (ctx) => {
      if (ctx.args.length > 0) throw new CliUsageError();
      deps.rotate();
      return "";
    },
  });
  commands.register({
    command: "core set verbose",
    summary: "Set level of verbose chattiness",
    usage:
      "Usage: core set verbose [atleast] <level> [silent]\n       core set verbose off\n\n       Sets level of verbose messages to be displayed.\n       0 or off means no verbose messages should be displayed.\n       The silent option means the command does not report what\n       happened to the verbose level.\n       Equivalent to -v[v[...]] on startup",
    handler: (ctx) => setVerbose(deps, ctx),
    complete: () => ["atleast", "off", "0", "1", "2", "3", "4", "5"],
  });
  commands.register({
    command: "core set debug",
    summary: "Set level of debug chattiness",
    usage: "Usage: core set debug [atleast] <level>\n       core set debug off\n\n       Sets level of debug messages to be displayed.\n       0 or off means no messages should be displayed.\n       Equivalent to -d[d[...]] on startup",
    handler: (ctx) => setDebug(deps, ctx),
    complete: () => ["atleast", "off", "1", "2", "3", "4", "5"],
  });
}
