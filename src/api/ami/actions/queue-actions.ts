/**
 * AMI `QueueStatus` and `QueueSummary` (no write class needed, as in app_queue): lists built from
 * the queues module's run-time state. QueueStatus answers QueueParams, then QueueMember and
 * QueueEntry per queue (filtered by `Queue` and `Member`); QueueSummary one QueueSummary per
 * queue. Field names as Asterisk documents them; the service level figures are 0 (servicelevel
 * is not implemented).
 */
import type { DeviceState } from "../../../pbx/events.js";
import type { QueueRuntime } from "../../../pbx/queues/queue-state.js";
import { listReply, type AmiAction, type AmiFields } from "../ami-action.js";

/** ast_device_state's numbers, which QueueMember's Status carries. */
const DEVICE_STATE_NUMBER: Readonly<Record<DeviceState, number>> = { UNKNOWN: 0, NOT_INUSE: 1, INUSE: 2, BUSY: 3, INVALID: 4, UNAVAILABLE: 5, RINGING: 6, RINGINUSE: 7, ONHOLD: 8 };

export interface QueueActionDeps {
  queues(): QueueRuntime[];
  deviceState(device: string): DeviceState;
  /** The caller's channel fields for QueueEntry, once it is known. */
  caller(channel: string): { uniqueid: string; num: string; name: string; connectedNum: string; connectedName: string } | undefined;
  now(): number;
}

const secs = (ms: number): number => Math.max(0, Math.floor(ms / 1000));

export function queueActions(d: QueueActionDeps): AmiAction[] {
  const wanted = (name: string | undefined) => d.queues().filter((q) => name === undefined || name === "" || q.name === name).sort((a, b) => a.name.localeCompare(b.name));
  return [
    {
      name: "QueueStatus",
      privilege: [],
      synopsis: "Show queue status.",
      handle: (req) => {
        const member = req.get("Member");
        const items: AmiFields[] = [];
        const now = d.now();
        for (const q of wanted(req.get("Queue"))) {
          items.push([["Event", "QueueParams"], ["Queue", q.name], ["Max", q.def.maxlen], ["Strategy", q.def.strategy], ["Calls", q.callers.length], ["Holdtime", q.holdtime()], ["TalkTime", q.talktime()], ["Completed", q.completed], ["Abandoned", q.abandoned], ["ServiceLevel", 0], ["ServicelevelPerf", "0.0"], ["ServicelevelPerf2", "0.0"], ["Weight", 0]]);
          for (const m of q.members) {
            if (member !== undefined && member !== "" && m.interface !== member && m.membername !== member) continue;
            items.push([["Event", "QueueMember"], ["Queue", q.name], ["Name", m.membername], ["Location", m.interface], ["StateInterface", m.stateInterface], ["Membership", m.dynamic ? "dynamic" : "static"], ["Penalty", m.penalty], ["CallsTaken", m.calls], ["LastCall", secs(m.lastCall)], ["LastPause", 0], ["LoginTime", secs(m.since)], ["InCall", m.inCall ? 1 : 0], ["Status", DEVICE_STATE_NUMBER[d.deviceState(m.stateInterface)]], ["Paused", m.paused ? 1 : 0], ["PausedReason", ""], ["Wrapuptime", q.def.wrapuptime]]);
          }
          q.callers.forEach((c, i) => {
            const f = d.caller(c.channel);
            items.push([["Event", "QueueEntry"], ["Queue", q.name], ["Position", i + 1], ["Channel", c.channel], ["Uniqueid", f?.uniqueid ?? ""], ["CallerIDNum", f?.num ?? ""], ["CallerIDName", f?.name ?? ""], ["ConnectedLineNum", f?.connectedNum ?? ""], ["ConnectedLineName", f?.connectedName ?? ""], ["Wait", secs(now - c.joinedAt)], ["Priority", 0]]);
          });
        }
        return listReply("Queue status will follow", items, "QueueStatusComplete");
      },
    },
    {
      name: "QueueSummary",
      privilege: [],
      synopsis: "Show queue summary.",
      handle: (req) => {
        const now = d.now();
        const items: AmiFields[] = wanted(req.get("Queue")).map((q) => {
          const available = q.members.filter((m) => !m.paused && !m.inCall && d.deviceState(m.stateInterface) === "NOT_INUSE").length;
          const longest = q.callers.reduce((max, c) => Math.max(max, secs(now - c.joinedAt)), 0);
          return [["Event", "QueueSummary"], ["Queue", q.name], ["LoggedIn", q.members.length], ["Available", available], ["Callers", q.callers.length], ["HoldTime", q.holdtime()], ["TalkTime", q.talktime()], ["LongestHoldTime", longest]];
        });
        return listReply("Queue summary will follow", items, "QueueSummaryComplete");
      },
    },
  ];
}
