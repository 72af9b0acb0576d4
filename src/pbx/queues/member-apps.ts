/**
 * Dynamic queue members from the dialplan, as app_queue has them:
 *
 *   AddQueueMember(queue[,interface[,penalty[,options[,membername[,stateinterface]]]]])
 *                                         AQMSTATUS: ADDED, MEMBERALREADY, NOSUCHQUEUE
 *   RemoveQueueMember(queue[,interface])  RQMSTATUS: REMOVED, NOTINQUEUE, NOSUCHQUEUE, NOTDYNAMIC
 *   PauseQueueMember([queue],interface)   PQMSTATUS: PAUSED, NOTFOUND (no queue: every queue)
 *   UnpauseQueueMember([queue],interface) UPQMSTATUS: UNPAUSED, NOTFOUND
 *
 * Without an interface the calling channel's device is meant (`PJSIP/2001-0000000a` → `PJSIP/2001`).
 */
import type { DialplanApp } from "../apps/index.js";
import type { QueueRuntime } from "./queue-state.js";

export interface MemberAppDeps {
  runtime(name: string): QueueRuntime | undefined;
  all(): QueueRuntime[];
  now(): number;
}

/** `PJSIP/2001-0000000a` → `PJSIP/2001`. */
export function deviceOfChannel(channel: string): string {
  return channel.replace(/-[0-9a-f]+$/, "");
}

export function addQueueMemberApp(d: MemberAppDeps): DialplanApp {
  return {
    name: "AddQueueMember",
    synopsis: "Dynamically adds queue members",
    syntax: "AddQueueMember(queuename[,interface[,penalty[,options[,membername[,stateinterface]]]]])",
    execute: (a) => {
      const [name = "", ifaceArg = "", penaltyArg = "", options = "", membername = "", stateArg = ""] = a.args.map((s) => s.trim());
      const q = d.runtime(name);
      if (q === undefined) {
        a.log.warn({}, `AddQueueMember: there is no queue '${name}'`);
        a.setVar("AQMSTATUS", "NOSUCHQUEUE");
        return Promise.resolve("continue");
      }
      if (options !== "") a.log.warn({}, `AddQueueMember: options '${options}' are not implemented; ignored`);
      const iface = ifaceArg || deviceOfChannel(a.channel.name);
      const penalty = /^\d+$/.test(penaltyArg) ? Number(penaltyArg) : 0;
      const added = q.add({ interface: iface, penalty, membername: membername || iface, stateInterface: stateArg || iface, paused: false }, d.now());
      a.setVar("AQMSTATUS", added ? "ADDED" : "MEMBERALREADY");
      if (added && a.log.wants("verbose", 3)) a.log.verbose(3, {}, `Added interface '${iface}' to queue '${q.name}'`);
      return Promise.resolve("continue");
    },
  };
}

export function removeQueueMemberApp(d: MemberAppDeps): DialplanApp {
  return {
    name: "RemoveQueueMember",
    synopsis: "Dynamically removes queue members",
    syntax: "RemoveQueueMember(queuename[,interface])",
    execute: (a) => {
      const [name = "", ifaceArg = ""] = a.args.map((s) => s.trim());
      const q = d.runtime(name);
      if (q === undefined) {
        a.setVar("RQMSTATUS", "NOSUCHQUEUE");
        return Promise.resolve("continue");
      }
      const iface = ifaceArg || deviceOfChannel(a.channel.name);
      const r = q.remove(iface);
      a.setVar("RQMSTATUS", r === "removed" ? "REMOVED" : r === "static" ? "NOTDYNAMIC" : "NOTINQUEUE");
      if (r === "removed" && a.log.wants("verbose", 3)) a.log.verbose(3, {}, `Removed interface '${iface}' from queue '${q.name}'`);
      return Promise.resolve("continue");
    },
  };
}

function pauseApp(d: MemberAppDeps, paused: boolean): DialplanApp {
  const name = paused ? "PauseQueueMember" : "UnpauseQueueMember";
  const variable = paused ? "PQMSTATUS" : "UPQMSTATUS";
  return {
    name,
    synopsis: paused ? "Pauses a queue member" : "Unpauses a queue member",
    syntax: `${name}([queuename],interface[,options[,reason]])`,
    execute: (a) => {
      const [queue = "", ifaceArg = ""] = a.args.map((s) => s.trim());
      const iface = ifaceArg || deviceOfChannel(a.channel.name);
      const queues = queue === "" ? d.all() : [d.runtime(queue)].filter((q): q is QueueRuntime => q !== undefined);
      let found = false;
      for (const q of queues) {
        const m = q.member(iface);
        if (m === undefined) continue;
        m.paused = paused;
        found = true;
      }
      a.setVar(variable, found ? (paused ? "PAUSED" : "UNPAUSED") : "NOTFOUND");
      return Promise.resolve("continue");
    },
  };
}

export const pauseQueueMemberApp = (d: MemberAppDeps): DialplanApp => pauseApp(d, true);
export const unpauseQueueMemberApp = (d: MemberAppDeps): DialplanApp => pauseApp(d, false);
