/** `cdr show status`: whether records are kept, how, and which backends write them (cdr.c's layout). */
import type { CommandRegistrar } from "../../core/commands.js";
import type { CdrConfig } from "../../config/index.js";

export interface CdrCommandDeps {
  readonly config: () => CdrConfig;
  /** Names of the backends that write records, in registration order. */
  readonly backends: () => string[];
}

const yesNo = (b: boolean): string => (b ? "Yes" : "No");

export function cdrStatusText(g: CdrConfig["general"], backends: readonly string[]): string {
  const row = (k: string, v: string): string => `  ${k.padEnd(28)}${v}\n`;
  let out = "\nCall Detail Record (CDR) settings\n----------------------------------\n";
  out += row("Logging:", g.enable ? "Enabled" : "Disabled");
  out += row("Mode:", "Simple");
  if (g.enable) {
    out += row("Log calls by default:", yesNo(g.channeldefaultenabled));
    out += row("Log unanswered calls:", yesNo(g.unanswered));
    out += row("Log congestion:", yesNo(g.congestion));
    out += "\n* Registered Backends\n  -------------------\n";
    out += backends.length === 0 ? "    (none)\n" : backends.map((b) => `    ${b}\n`).join("");
  }
  return out + "\n";
}

export function registerCdrCommands(registry: CommandRegistrar, d: CdrCommandDeps): Array<() => void> {
  return [
    registry.register({
      command: "cdr show status",
      summary: "Display the CDR status",
      usage: "Usage: cdr show status\n\tDisplays the Call Detail Record engine system status.\n",
      handler: () => cdrStatusText(d.config().general, d.backends()),
    }),
  ];
}
