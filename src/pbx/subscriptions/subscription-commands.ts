/**
 * `pjsip list subscriptions inbound` and `pjsip show subscriptions inbound`: the subscriptions
 * phones hold with us (MWI, dialog, presence). Outbound subscriptions do not exist in Switchboard,
 * so `… outbound` lists none.
 */
import { CliUsageError, type CommandRegistrar } from "../../core/commands.js";
import type { Subscription } from "./subscription-server.js";

const cut = (s: string, w: number): string => s.slice(0, w).padEnd(w);

function secondsLeft(s: Subscription, now: number): number {
  return Math.max(0, Math.round((s.expiresAt - now) / 1000));
}

/** One line per subscription: endpoint, event, resource, seconds left, Call-ID. */
export function listSubscriptions(subs: readonly Subscription[], now: number): string {
  let out = `${cut("Endpoint", 20)} ${cut("Event", 16)} ${cut("Resource", 24)} ${"Expiry".padStart(6)} Call-ID\n`;
  for (const s of subs) out += `${cut(s.endpoint.id, 20)} ${cut(s.event, 16)} ${cut(s.resource, 24)} ${String(secondsLeft(s, now)).padStart(6)} ${s.dialog.state.callId}\n`;
  return out + `\nObjects found: ${subs.length}\n`;
}

/** A block per subscription with its dialog. */
export function showSubscriptions(subs: readonly Subscription[], now: number): string {
  if (subs.length === 0) return "No objects found.\n";
  let out = "";
  for (const s of subs) {
    out +=
      `\nEndpoint: ${s.endpoint.id}\n` +
      ` Event: ${s.event}\n` +
      ` Resource: ${s.resource}\n` +
      ` Request-URI: ${s.uri}\n` +
      ` Call-ID: ${s.dialog.state.callId}\n` +
      ` Contact: ${s.dialog.state.remoteTarget}\n` +
      ` Expires in: ${secondsLeft(s, now)} s\n` +
      ` NOTIFYs sent: ${s.notifies}\n`;
  }
  return out + `\nObjects found: ${subs.length}\n`;
}

export function registerSubscriptionCommands(commands: CommandRegistrar, o: { list: () => readonly Subscription[]; now: () => number }): Array<() => void> {
  const direction = (args: readonly string[]): "inbound" | "outbound" => {
    if (args.length !== 1 || (args[0] !== "inbound" && args[0] !== "outbound")) throw new CliUsageError();
    return args[0];
  };
  return [
    commands.register({
      command: "pjsip list subscriptions",
      summary: "List active inbound/outbound subscriptions",
      usage: "Usage: pjsip list subscriptions {inbound|outbound}\n       One line per subscription: endpoint, event, resource, seconds left, Call-ID.\n",
      complete: ({ args }) => (args.length === 0 ? ["inbound", "outbound"] : []),
      handler: ({ args }) => listSubscriptions(direction(args) === "inbound" ? o.list() : [], o.now()),
    }),
    commands.register({
      command: "pjsip show subscriptions",
      summary: "Show active inbound/outbound subscriptions",
      usage: "Usage: pjsip show subscriptions {inbound|outbound}\n       Each subscription with its event, resource, dialog and expiry.\n",
      complete: ({ args }) => (args.length === 0 ? ["inbound", "outbound"] : []),
      handler: ({ args }) => showSubscriptions(direction(args) === "inbound" ? o.list() : [], o.now()),
    }),
  ];
}
