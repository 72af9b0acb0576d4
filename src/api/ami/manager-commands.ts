/**
 * The `manager …` console commands: `manager show settings`, `manager show users`,
 * `manager show user <name>`, `manager show connected` and `manager show commands`, in the
 * layouts of Asterisk's manager.c.
 */
import { CliUsageError, completeFrom, type CommandRegistrar } from "../../core/commands.js";
import type { ManagerConfig } from "../../config/index.js";
import type { AmiActionRegistry } from "./ami-action.js";
import type { AmiServer } from "./ami-server.js";

export interface ManagerCommandDeps {
  config: () => ManagerConfig;
  server: () => AmiServer | undefined;
  actions: AmiActionRegistry;
  /** What the listeners are bound to, "" when AMI is not listening. */
  listening: () => string;
}

const cut = (s: string, w: number): string => s.slice(0, w).padEnd(w);
const yesNo = (b: boolean): string => (b ? "Yes" : "No");

export function registerManagerCommands(registry: CommandRegistrar, d: ManagerCommandDeps): Array<() => void> {
  return [
    registry.register({
      command: "manager show settings",
      summary: "Show manager global settings",
      usage: "Usage: manager show settings\n       Provides detailed list of the configuration of the Manager.\n",
      handler() {
        const g = d.config().general;
        const row = (k: string, v: string): string => `  ${k.padEnd(30)} ${v}\n`;
        return (
          "\nGlobal Settings:\n----------------\n" +
          row("Manager (AMI):", yesNo(g.enabled)) +
          row("Web Manager (AMI/HTTP):", "No") +
          row("TCP Bindaddress:", g.enabled ? `${g.bindaddr}:${g.port}` : "Disabled") +
          row("HTTP Timeout (seconds):", String(g.httptimeout)) +
          row("TLS Enable:", yesNo(g.tlsenable)) +
          row("TLS Bindaddress:", g.tlsenable ? g.tlsbindaddr : "Disabled") +
          row("TLS Certfile:", g.tlscertfile) +
          row("TLS Privatekey:", g.tlsprivatekey) +
          row("TLS Cipher:", g.tlscipher) +
          row("Allow multiple login:", yesNo(g.allowmultiplelogin)) +
          row("Display connects:", yesNo(g.displayconnects)) +
          row("Timestamp events:", yesNo(g.timestampevents)) +
          row("Channel vars:", g.channelvars.join(",")) +
          row("Debug:", "No") +
          row("Listening:", d.listening().length > 0 ? "Yes" : "No") +
          "\n"
        );
      },
    }),
    registry.register({
      command: "manager show users",
      summary: "List configured manager users",
      usage: "Usage: manager show users\n       Prints a listing of all managers that are currently configured on that\n system.\n",
      handler() {
        const users = [...d.config().users.keys()];
        if (users.length === 0) return "There are no manager users.\n";
        return `\nusername\n--------\n${users.map((u) => `${u}\n`).join("")}-------------------\n${users.length} manager users configured.\n`;
      },
    }),
    registry.register({
      command: "manager show user",
      summary: "Display information on a specific manager user",
      usage: "Usage: manager show user <user>\n        Display all information related to the manager user specified.\n",
      complete: (c) => (c.args.length === 0 ? completeFrom(d.config().users.keys(), c.word) : []),
      handler(ctx) {
        const name = ctx.args[0];
        if (name === undefined) throw new CliUsageError("");
        const u = d.config().users.get(name);
        if (u === undefined) return `There is no manager called ${name}\n`;
        const acl = u.rules.map((r) => `${r.sense}=${r.network.address}/${r.network.prefixLength}`).join(", ");
        return (
          `\n          username: ${u.name}\n` +
          `            secret: ${u.secret.length > 0 ? "<Set>" : "(none)"}\n` +
          `               ACL: ${acl.length > 0 ? "yes" : "no"}${acl.length > 0 ? ` (${acl})` : ""}\n` +
          `         read perm: ${[...u.read].join(",")}\n` +
          `        write perm: ${[...u.write].join(",")}\n` +
          `   displayconnects: ${u.displayConnects ? "yes" : "no"}\n` +
          `allowmultiplelogin: ${u.allowMultipleLogin ? "yes" : "no"}\n` +
          `      eventfilters: ${u.eventFilters.map((f) => f.text).join(", ")}\n` +
          `         variables: ${u.setvar.join(", ")}\n\n`
        );
      },
    }),
    registry.register({
      command: "manager show connected",
      summary: "List connected manager interface users",
      usage: "Usage: manager show connected\n  Prints a listing of the users that are currently connected to the\nAsterisk manager interface.\n",
      handler() {
        const fmt = (cols: string[]): string => `  ${cut(cols[0]!, 15)}  ${cut(cols[1]!, 55)}  ${cut(cols[2]!, 10)}  ${cut(cols[3]!, 10)}  ${cut(cols[4]!, 8)}  ${cut(cols[5]!, 8)}  ${cut(cols[6]!, 10)}  ${cut(cols[7]!, 10)}`.trimEnd() + "\n";
        const now = Date.now();
        const sessions = [...(d.server()?.sessions ?? [])].filter((s) => s.user !== undefined);
        let out = fmt(["Username", "IP Address", "Start", "Elapsed", "FileDes", "HttpCnt", "ReadPerms", "WritePerms"]);
        for (const s of sessions) {
          const start = Math.floor(s.connectedAt / 1000);
          out += fmt([s.user!.name, s.remoteAddress, String(start), String(Math.floor(now / 1000) - start), String(s.id), "0", String(s.user!.read.size), String(s.user!.write.size)]);
        }
        return out + `${sessions.length} users connected.\n`;
      },
    }),
    registry.register({
      command: "manager show commands",
      summary: "List manager interface commands",
      usage: "Usage: manager show commands\n\tPrints a listing of all the available Asterisk manager interface commands.\n",
      handler() {
        const rows = d.actions.list();
        const w = Math.max(6, ...rows.map((a) => a.name.length));
        let out = `  ${"Action".padEnd(w)}  ${"Privilege".padEnd(20)}  Synopsis\n  ${"------".padEnd(w)}  ${"---------".padEnd(20)}  --------\n`;
        for (const a of rows) out += `  ${a.name.padEnd(w)}  ${(a.privilege.length > 0 ? a.privilege.join(",") : "<none>").padEnd(20)}  ${a.synopsis}\n`;
        return out;
      },
    }),
  ];
}
