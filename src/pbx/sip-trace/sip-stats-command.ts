/**
 * `pjsip show stats`: what reached the SIP front door since start, per transport (packets or
 * framed messages received, sent, dropped) and at the parser (parsed, malformed and answered
 * 400/505, malformed and dropped). Asterisk has no such command; it exists so that an operator
 * (and the fuzz test) can tell "the guard dropped it" from "the parser rejected it" from "it was
 * answered", which the log cannot show once malformed-message NOTICEs are throttled.
 */
import type { CommandRegistrar } from "../../core/commands.js";
import type { TransactionLayer } from "../../sip/transaction/transaction-layer.js";
import type { TransportSet } from "../../sip/transport/transport-set.js";

export interface SipStatsCommandOptions {
  transactions: TransactionLayer;
  transports: TransportSet;
}

const USAGE =
  "Usage: pjsip show stats\n" +
  "       Counters since start. Per transport: datagrams (UDP) or framed messages (TCP) received,\n" +
  "       messages sent, and what was dropped before parsing (banned or over the guard's packet\n" +
  "       rate; for TCP also connections closed because their stream could not be framed).\n" +
  "       Then what the parser made of the messages: parsed, malformed but answered (400/505),\n" +
  "       malformed and dropped without an answer.\n";

/** Registers the command; returns its unregister. */
export function registerSipStatsCommand(registry: CommandRegistrar, opts: SipStatsCommandOptions): () => void {
  return registry.register({
    command: "pjsip show stats",
    summary: "Show SIP packet and parser counters since start",
    usage: USAGE,
    handler: () => {
      const head = `${"Transport".padEnd(24)} ${"Received".padStart(10)} ${"Sent".padStart(10)} ${"Dropped".padStart(10)} ${"Connections".padStart(11)}`;
      const rule = `${"=".repeat(24)} ${"=".repeat(10)} ${"=".repeat(10)} ${"=".repeat(10)} ${"=".repeat(11)}`;
      const lines = ["", head, rule];
      for (const t of opts.transports.all()) {
        const d = t.dump();
        lines.push(`${d.id.padEnd(24)} ${String(d.received).padStart(10)} ${String(d.sent).padStart(10)} ${String(d.dropped).padStart(10)} ${(d.connections === undefined ? "-" : String(d.connections)).padStart(11)}`);
      }
      const s = opts.transactions.stats;
      const row = (label: string, n: number): string => `${label.padEnd(40)} ${String(n).padStart(10)}`;
      lines.push(
        "",
        row("Messages to the parser:", s.received),
        row("  parsed:", s.received - s.parseErrors),
        row("  malformed, answered (400/505):", s.parseErrorsAnswered),
        row("  malformed, dropped:", s.parseErrors - s.parseErrorsAnswered),
        row("Retransmissions absorbed:", s.retransmissionsAbsorbed),
        row("Stray responses:", s.strayResponses),
        "",
      );
      return lines.join("\n");
    },
  });
}
