/**
 * `queue show [name]`, `queue add member <iface> to <queue> [penalty <n>] [as <name>]
 * [state_interface <device>]`, `queue remove member <iface> from <queue>`, laid out as
 * app_queue prints them (written from its documented layout; not compared with a recording).
 */
import { CliUsageError, type CliCommand } from "../../core/commands.js";
import type { DeviceState } from "../events.js";
import { DEVICE_STATE_TEXT } from "../channel/device-states.js";
import type { QueueRuntime } from "./queue-state.js";

export interface QueueCommandDeps {
  runtime(name: string): QueueRuntime | undefined;
  all(): QueueRuntime[];
  deviceState(device: string): DeviceState;
  now(): number;
}

function secs(ms: number): number {
  return Math.max(0, Math.floor(ms / 1000));
}

export function queueText(q: QueueRuntime, d: Pick<QueueCommandDeps, "deviceState" | "now">): string {
  const def = q.def;
  const now = d.now();
  const max = def.maxlen > 0 ? String(def.maxlen) : "unlimited";
  let out = `${q.name} has ${q.callers.length} calls (max ${max}) in '${def.strategy}' strategy (${q.holdtime()}s holdtime, ${q.talktime()}s talktime), W:0, C:${q.completed}, A:${q.abandoned}, SL:0.0%, SL2:0.0% within 0s\n`;
  if (q.members.length === 0) out += "   No Members\n";
  else {
    out += "   Members: \n";
    for (const m of q.members) {
      let line = `      ${m.membername}`;
      if (m.membername.toLowerCase() !== m.interface.toLowerCase()) line += ` (${m.interface}${m.stateInterface !== m.interface ? ` from ${m.stateInterface}` : ""})`;
      if (m.penalty > 0) line += ` with penalty ${m.penalty}`;
      line += ` (ringinuse ${def.ringinuse ? "enabled" : "disabled"})`;
      if (m.dynamic) line += " (dynamic)";
      if (m.inCall) line += " (in call)";
      if (m.paused) line += " (paused)";
      line += ` (${DEVICE_STATE_TEXT[d.deviceState(m.stateInterface)]})`;
      line += m.calls > 0 ? ` has taken ${m.calls} calls (last was ${secs(now - m.lastCall)} secs ago)` : " has taken no calls yet";
      line += ` (login was ${secs(now - m.since)} secs ago)`;
      out += `${line}\n`;
    }
  }
  if (q.callers.length === 0) out += "   No Callers\n";
  else {
    out += "   Callers: \n";
    q.callers.forEach((c, i) => {
      const w = secs(now - c.joinedAt);
      out += `      ${i + 1}. ${c.channel} (wait: ${Math.floor(w / 60)}:${String(w % 60).padStart(2, "0")}, prio: 0)\n`;
    });
  }
  return out + "\n";
}

export function queueCommands(d: QueueCommandDeps): CliCommand[] {
  return [
    {
      command: "queue show",
      summary: "Show status of a specified queue",
      usage: "Usage: queue show\n       Provides summary information on a specified queue.\n",
      handler: ({ args }) => {
        if (args.length > 1) throw new CliUsageError();
        if (args[0] !== undefined) {
          const q = d.runtime(args[0]);
          return q === undefined ? `No such queue: ${args[0]}.\n` : queueText(q, d);
        }
        const all = d.all().sort((a, b) => a.name.localeCompare(b.name));
        return all.length === 0 ? "No queues.\n" : all.map((q) => queueText(q, d)).join("");
      },
    },
    {
      command: "queue add member",
      summary: "Add a channel to a specified queue",
      usage: "Usage: queue add member <dial string> to <queue> [penalty <penalty> [as <membername> [state_interface <interface>]]]\n",
      handler: ({ args }) => {
        const [iface, to, name, ...rest] = args;
        if (iface === undefined || to !== "to" || name === undefined) throw new CliUsageError();
        let penalty = 0;
        let membername = iface;
        let stateInterface = iface;
        for (let i = 0; i < rest.length; i += 2) {
          const k = rest[i];
          const v = rest[i + 1];
          if (v === undefined) throw new CliUsageError();
          if (k === "penalty" && /^\d+$/.test(v)) penalty = Number(v);
          else if (k === "as") membername = v;
          else if (k === "state_interface") stateInterface = v;
          else throw new CliUsageError();
        }
        const q = d.runtime(name);
        if (q === undefined) return `Unable to add interface to queue '${name}': No such queue\n`;
        if (!q.add({ interface: iface, penalty, membername, stateInterface, paused: false }, d.now())) return `Unable to add interface '${iface}' to queue '${name}': Already there\n`;
        return `Added interface '${iface}' to queue '${name}'\n`;
      },
    },
    {
      command: "queue remove member",
      summary: "Removes a channel from a specified queue",
      usage: "Usage: queue remove member <channel> from <queue>\n",
      handler: ({ args }) => {
        const [iface, from, name] = args;
        if (iface === undefined || from !== "from" || name === undefined || args.length > 3) throw new CliUsageError();
        const q = d.runtime(name);
        if (q === undefined) return `Unable to remove interface from queue '${name}': No such queue\n`;
        const r = q.remove(iface);
        if (r === "missing") return `Unable to remove interface '${iface}' from queue '${name}': Not there\n`;
        if (r === "static") return `Unable to remove interface '${iface}' from queue '${name}': Member is not dynamic\n`;
        return `Removed interface '${iface}' from queue '${name}'\n`;
      },
    },
  ];
}
