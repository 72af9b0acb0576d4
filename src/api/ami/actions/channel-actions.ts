/**
 * Channel actions: CoreShowChannels and Status (list responses with Asterisk's field names),
 * Hangup (a name or a /regex/), Getvar and Setvar (a channel's variables, or the dialplan's
 * globals without Channel), Redirect (one channel, or two with ExtraChannel, to a dialplan place).
 */
import { channelFields } from "../../../pbx/events.js";
import { failure, listReply, success, type AmiAction, type AmiFields } from "../ami-action.js";
import type { ChannelAccess, LiveChannel, RedirectAccess } from "../channel-access.js";

export interface ChannelActionServices {
  channels: ChannelAccess;
  redirects: RedirectAccess;
  globals: () => Map<string, string> | undefined;
  now: () => number;
}

function hms(sec: number): string {
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}`;
}

/** The snapshot every channel event and list item starts with. */
export function snapshotFields(c: LiveChannel): AmiFields {
  return Object.entries(channelFields(c.channel.view()));
}

function seconds(c: LiveChannel, now: number): number {
  return Math.max(0, Math.floor((now - c.channel.createdAt) / 1000));
}

/** `/regex/` in a Channel: header names every channel it matches (Asterisk's Hangup). */
function matcher(spec: string): ((name: string) => boolean) | undefined {
  if (spec.length > 2 && spec.startsWith("/") && spec.endsWith("/")) {
    try {
      const re = new RegExp(spec.slice(1, -1));
      return (n) => re.test(n);
    } catch {
      return undefined;
    }
  }
  return (n) => n === spec;
}

export function channelActions(s: ChannelActionServices): AmiAction[] {
  return [
    {
      name: "CoreShowChannels",
      privilege: ["system", "reporting"],
      synopsis: "List currently active channels.",
      handle() {
        const now = s.now();
        const items = s.channels.list().map((c): AmiFields => [
          ["Event", "CoreShowChannel"],
          ...snapshotFields(c),
          ["BridgeId", c.bridgeId],
          ["Application", c.channel.application],
          ["ApplicationData", c.channel.appData],
          ["Duration", hms(seconds(c, now))],
        ]);
        return listReply("Channels will follow", items, "CoreShowChannelsComplete");
      },
    },
    {
      name: "Status",
      privilege: ["system", "call", "reporting"],
      synopsis: "List channel status.",
      handle(req) {
        const now = s.now();
        const name = req.get("Channel");
        const all = s.channels.list();
        const chosen = name === undefined || name.length === 0 ? all : all.filter((c) => c.channel.name === name);
        if (name !== undefined && name.length > 0 && chosen.length === 0) return failure("No such channel");
        const items = chosen.map((c): AmiFields => [
          ["Event", "Status"],
          ...snapshotFields(c),
          ["Type", "PJSIP"],
          ["DNID", ""],
          ["EffectiveConnectedLineNum", c.channel.connectedLine?.num ?? ""],
          ["EffectiveConnectedLineName", c.channel.connectedLine?.name ?? ""],
          ["TimeToHangup", 0],
          ["BridgeID", c.bridgeId],
          ["Application", c.channel.application],
          ["Data", c.channel.appData],
          ["Seconds", seconds(c, now)],
        ]);
        return listReply("Channel status will follow", items, "StatusComplete", [["Items", items.length]]);
      },
    },
    {
      name: "Hangup",
      privilege: ["system", "call"],
      synopsis: "Hangup channel.",
      handle(req) {
        const spec = req.get("Channel");
        if (spec === undefined || spec.length === 0) return failure("No channel specified");
        const causeText = req.get("Cause");
        const cause = causeText !== undefined && /^\d+$/.test(causeText) ? Number(causeText) : 16;
        const match = matcher(spec);
        if (match === undefined) return failure("Regex compile failed on: " + spec);
        const hit = s.channels.list().filter((c) => match(c.channel.name));
        if (hit.length === 0) return failure("No such channel");
        for (const c of hit) c.hangup(cause);
        const regex = spec.startsWith("/") && spec.endsWith("/") && spec.length > 2;
        return regex ? success(`${hit.length} channels hung up.`) : success("Channel Hungup");
      },
    },
    {
      name: "Redirect",
      privilege: ["call"],
      synopsis: "Redirect (transfer) a call.",
      handle(req) {
        const name = req.get("Channel");
        if (name === undefined || name.length === 0) return failure("Channel not specified");
        const extra = req.get("ExtraChannel");
        const dual = extra !== undefined && extra.length > 0;
        if (!s.redirects.exists(name)) return failure(`Channel does not exist: ${name}`);
        if (dual && !s.redirects.exists(extra)) return failure(`ExtraChannel does not exist: ${extra}`);
        const main = { context: req.get("Context"), exten: req.get("Exten"), priority: req.get("Priority") ?? "" };
        // The second channel goes where the first does unless its own Extra* headers say otherwise.
        const pick = (own: string | undefined, fallback: string | undefined) => (own !== undefined && own.length > 0 ? own : fallback);
        const second = { context: pick(req.get("ExtraContext"), main.context), exten: pick(req.get("ExtraExten"), main.exten), priority: pick(req.get("ExtraPriority"), main.priority) ?? "" };
        const checked = s.redirects.check(name, main);
        if (checked === "invalid-priority") return failure("Invalid priority");
        if (dual) {
          const checkedExtra = s.redirects.check(extra, second);
          if (checkedExtra === "invalid-priority") return failure("Invalid priority");
          if (checked !== "ok" || checkedExtra !== "ok") return failure("Redirect failed");
          if (!s.redirects.redirect(name, main) || !s.redirects.redirect(extra, second)) return failure("Redirect failed");
          return success("Dual Redirect successful");
        }
        if (checked !== "ok" || !s.redirects.redirect(name, main)) return failure("Redirect failed");
        return success("Redirect successful");
      },
    },
    {
      name: "Getvar",
      privilege: ["system", "call", "reporting"],
      synopsis: "Gets a channel variable or function value.",
      handle(req) {
        const variable = req.get("Variable");
        if (variable === undefined || variable.length === 0) return failure("No variable specified");
        const name = req.get("Channel");
        let value: string | undefined;
        if (name !== undefined && name.length > 0) {
          const c = s.channels.find(name);
          if (c === undefined) return failure("No such channel");
          value = c.channel.vars.get(variable);
        } else value = s.globals()?.get(variable);
        return { response: "Success", fields: [["Variable", variable], ["Value", value ?? ""]] };
      },
    },
    {
      name: "Setvar",
      privilege: ["call"],
      synopsis: "Sets a channel variable or function value.",
      handle(req) {
        const variable = req.get("Variable");
        if (variable === undefined || variable.length === 0) return failure("No variable specified");
        const value = req.get("Value") ?? "";
        const name = req.get("Channel");
        if (name !== undefined && name.length > 0) {
          const c = s.channels.find(name);
          if (c === undefined) return failure("No such channel");
          c.channel.vars.set(variable, value);
        } else {
          const g = s.globals();
          if (g === undefined) return failure("No dialplan is loaded");
          g.set(variable, value);
        }
        return success("Variable Set");
      },
    },
  ];
}
