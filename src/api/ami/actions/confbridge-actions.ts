/**
 * The conference AMI actions, as app_confbridge registers them: ConfbridgeListRooms and
 * ConfbridgeList (list responses, class reporting), ConfbridgeKick, ConfbridgeMute and
 * ConfbridgeUnmute (class call). `Channel: all` kicks or mutes everyone, `participants` everyone
 * but the admins, as the console commands do.
 */
import { channelFields } from "../../../pbx/events.js";
import type { Conference, Conferences, Participant } from "../../../pbx/confbridge/conference.js";
import { failure, listReply, success, type AmiAction, type AmiFields } from "../ami-action.js";

const yesNo = (b: boolean): "Yes" | "No" => (b ? "Yes" : "No");

export interface ConfbridgeActionDeps {
  /** The running conferences; undefined while the module is not running. */
  readonly conferences: () => Conferences | undefined;
  readonly now: () => number;
}

function targets(c: Conference, channel: string): Participant[] {
  if (channel === "all") return [...c.participants];
  if (channel === "participants") return c.participants.filter((p) => !p.user.admin);
  return c.participants.filter((p) => p.name === channel);
}

export function confbridgeActions(d: ConfbridgeActionDeps): AmiAction[] {
  const conference = (name: string | undefined): Conference | string => {
    if (name === undefined || name.length === 0) return "No Conference name provided.";
    return d.conferences()?.get(name) ?? "No Conference by that name found.";
  };
  const mute = (muted: boolean): AmiAction => ({
    name: muted ? "ConfbridgeMute" : "ConfbridgeUnmute",
    privilege: ["call"],
    synopsis: muted ? "Mute a Confbridge user." : "Unmute a Confbridge user.",
    handle(req) {
      const c = conference(req.get("Conference"));
      if (typeof c === "string") return failure(c);
      const who = targets(c, req.get("Channel") ?? "");
      if (who.length === 0) return failure("No Channel by that name found in Conference.");
      for (const p of who) c.setMuted(p.name, muted);
      return success(muted ? "User muted" : "User unmuted");
    },
  });
  return [
    {
      name: "ConfbridgeListRooms",
      privilege: ["reporting"],
      synopsis: "List active conferences.",
      handle() {
        const list = d.conferences()?.list() ?? [];
        if (list.length === 0) return failure("No active conferences.");
        const items = list.map((c): AmiFields => [
          ["Event", "ConfbridgeListRooms"],
          ["Conference", c.name],
          ["Parties", c.participants.length],
          ["Marked", c.markedCount],
          ["Locked", yesNo(c.locked)],
          ["Muted", "No"],
        ]);
        return listReply("Confbridge conferences will follow", items, "ConfbridgeListRoomsComplete");
      },
    },
    {
      name: "ConfbridgeList",
      privilege: ["reporting"],
      synopsis: "List participants in a conference.",
      handle(req) {
        const c = conference(req.get("Conference"));
        if (typeof c === "string") return failure(c);
        const now = d.now();
        const items = c.participants.map((p): AmiFields => [
          ["Event", "ConfbridgeList"],
          ["Conference", c.name],
          ...Object.entries(channelFields(p.view())),
          ["Admin", yesNo(p.user.admin)],
          ["MarkedUser", yesNo(p.user.marked)],
          ["WaitMarked", yesNo(p.user.waitMarked)],
          ["EndMarked", yesNo(p.user.endMarked)],
          ["EndMarkedAny", yesNo(p.user.endMarkedAny)],
          ["Waiting", yesNo(p.waiting)],
          ["Muted", yesNo(p.muted)],
          ["Talking", "No"],
          ["AnsweredTime", Math.max(0, Math.floor((now - p.joinedAt) / 1000))],
        ]);
        return listReply("Confbridge user list will follow", items, "ConfbridgeListComplete");
      },
    },
    {
      name: "ConfbridgeKick",
      privilege: ["call"],
      synopsis: "Kick a Confbridge user.",
      handle(req) {
        const c = conference(req.get("Conference"));
        if (typeof c === "string") return failure(c);
        const who = targets(c, req.get("Channel") ?? "");
        if (who.length === 0) return failure("No Channel by that name found in Conference.");
        for (const p of who) p.sendOut("KICKED");
        return success("User kicked");
      },
    },
    mute(true),
    mute(false),
  ];
}
