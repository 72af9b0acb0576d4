/**
 * `pjsip set logger` and `pjsip set history`: full SIP messages with direction, transport and
 * peer, in Asterisk's layout, printed to the log (and so to attached consoles), plus an
 * in-memory history that `pjsip show history` lists.
 */
import type { CommandRegistrar } from "../../core/commands.js";
import { CliUsageError, completeFrom } from "../../core/commands.js";
import { ASTERISK_SOURCE, type Logger } from "../../core/logger.js";
import type { Clock } from "../../core/clock.js";
import type { MessageTrace, TransactionLayer } from "../../sip/transaction/transaction-layer.js";
import { formatHostPort } from "../../sip/transport/types.js";
import { TraceFilter, methodOf } from "./trace-filter.js";

const PJSIP_LOGGER_C = { [ASTERISK_SOURCE]: "res_pjsip_logger.c" };

interface HistoryEntry {
  n: number;
  time: number;
  direction: "in" | "out";
  peer: string;
  firstLine: string;
  text: string;
}

const MAX_HISTORY = 10_000;

export interface SipTraceOptions {
  transactions: TransactionLayer;
  commands: CommandRegistrar;
  log: Logger;
  clock: Clock;
}

export class SipTraceModule {
  readonly filter = new TraceFilter();
  private historyOn = false;
  private history: HistoryEntry[] = [];
  private seq = 0;
  private readonly unregister: Array<() => void> = [];

  constructor(private readonly opts: SipTraceOptions) {
    this.unregister.push(opts.transactions.on("trace", (t) => this.onTrace(t)));
    this.registerCommands();
  }

  private syncTracing(): void {
    this.opts.transactions.tracing = this.filter.enabled || this.historyOn;
  }

  private onTrace(t: MessageTrace): void {
    const method = methodOf(t.data);
    const text = t.data.toString("utf8");
    const isResponse = text.startsWith("SIP/");
    const peer = formatHostPort(t.flow.remoteAddress, t.flow.remotePort);
    if (this.filter.matches(t.flow.remoteAddress, method)) {
      const kind = isResponse ? "response" : "request";
      const proto = t.flow.transport.protocol.toUpperCase();
      const head =
        t.direction === "in"
          ? `<--- Received SIP ${kind} (${t.data.length} bytes) from ${proto}:${peer} --->`
          : `<--- Transmitting SIP ${kind} (${t.data.length} bytes) to ${proto}:${peer} --->`;
      // Asterisk prints these with ast_verbose (level 0): every console shows them, whatever its verbosity.
      this.opts.log.verbose(0, PJSIP_LOGGER_C, `${head}\n${text}`);
    }
    if (this.historyOn) {
      const nl = text.indexOf("\r\n");
      this.history.push({
        n: this.seq++,
        time: Math.floor(this.opts.clock.now() / 1000),
        direction: t.direction,
        peer,
        firstLine: nl >= 0 ? text.slice(0, nl) : text.slice(0, 80),
        text,
      });
      if (this.history.length > MAX_HISTORY) this.history.shift();
    }
  }

  private registerCommands(): void {
    const c = this.opts.commands;
    this.unregister.push(
      c.register({
        command: "pjsip set logger",
        summary: "Enable/Disable PJSIP Logger Output",
        usage:
          "Usage: pjsip set logger {on|off|host <name/subnet>|add <name/subnet>|method <method>|methodadd <method>}\n" +
          "       Enables or disables logging of SIP packets, optionally only for some hosts or methods.\n",
        complete: ({ args, word }) => (args.length === 0 ? completeFrom(["on", "off", "host", "add", "method", "methodadd"], word) : []),
        handler: ({ args }) => this.setLogger(args),
      }),
      c.register({
        command: "pjsip set history",
        summary: "Enable/Disable PJSIP History",
        usage: "Usage: pjsip set history {on|off|clear}\n       Enables, disables, or clears the PJSIP history.\n",
        complete: ({ args, word }) => (args.length === 0 ? completeFrom(["on", "off", "clear"], word) : []),
        handler: ({ args }) => this.setHistory(args),
      }),
      c.register({
        command: "pjsip show history",
        summary: "Display PJSIP history",
        usage: "Usage: pjsip show history [entry <num>]\n       Displays the currently collected history or an entry within the history.\n",
        handler: ({ args }) => this.showHistory(args),
      }),
    );
  }

  private setLogger(args: string[]): string {
    const [verb, ...rest] = args;
    const f = this.filter;
    switch (verb?.toLowerCase()) {
      case "on":
        f.reset();
        f.enabled = true;
        this.syncTracing();
        return "PJSIP Logging enabled\n";
      case "off":
        f.reset();
        f.enabled = false;
        this.syncTracing();
        return "PJSIP Logging disabled\n";
      case "host":
      case "add": {
        if (rest.length === 0) throw new CliUsageError();
        if (verb.toLowerCase() === "host") f.reset();
        for (const h of rest) if (!f.addHost(h)) return `Unable to parse host '${h}': use an IP address or subnet\n`;
        f.enabled = true;
        this.syncTracing();
        return verb.toLowerCase() === "host" ? `PJSIP Logging Enabled for host: ${rest.join(" ")}\n` : `PJSIP Logging Enabled for hosts: ${f.describe()}\n`;
      }
      case "method":
      case "methodadd": {
        const methods = rest.join(",").split(",").map((m) => m.trim()).filter(Boolean);
        if (methods.length === 0) throw new CliUsageError();
        if (verb.toLowerCase() === "method") f.setMethods(methods);
        else f.addMethods(methods);
        f.enabled = true;
        this.syncTracing();
        return `PJSIP Logging Enabled for SIP Methods: ${methods.map((m) => m.toUpperCase()).join(",")}\n`;
      }
      default:
        throw new CliUsageError();
    }
  }

  private setHistory(args: string[]): string {
    switch (args[0]?.toLowerCase()) {
      case "on":
        this.historyOn = true;
        this.syncTracing();
        return "PJSIP History enabled\n";
      case "off":
        this.historyOn = false;
        this.syncTracing();
        return "PJSIP History disabled\n";
      case "clear":
        this.history = [];
        return "PJSIP History cleared\n";
      default:
        throw new CliUsageError();
    }
  }

  private showHistory(args: string[]): string {
    if (args[0]?.toLowerCase() === "entry") {
      const raw = args[1] ?? "";
      if (!/^\d+$/.test(raw)) return `'${raw}' is not a valid entry number\n`;
      const n = Number(raw);
      const e = this.history.find((h) => h.n === n);
      if (!e) return `Entry '${n}' does not exist\n`;
      const dir = e.direction === "out" ? "Sent to" : "Received from";
      return `<--- History Entry ${e.n} ${dir} ${e.peer} at ${e.time} --->\n${e.text}\n`;
    }
    if (args.length) throw new CliUsageError();
    const lines = [
      "No.   Timestamp  (Dir) Address                  SIP Message                        ",
      "===== ========== ============================== ===================================",
    ];
    for (const e of this.history) {
      const dir = e.direction === "out" ? "* ==>" : "* <==";
      lines.push(`${String(e.n).padStart(5, "0")} ${String(e.time).padEnd(10).slice(0, 10)} ${dir} ${e.peer.padEnd(24).slice(0, 24)} ${e.firstLine}`);
    }
    return lines.join("\n") + "\n";
  }

  close(): void {
    for (const u of this.unregister.splice(0)) u();
    this.filter.enabled = false;
    this.historyOn = false;
    this.syncTracing();
  }
}
