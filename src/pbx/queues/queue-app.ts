/**
 * Queue(queuename[,options[,URL[,announceoverride[,timeout]]]]): the caller joins the queue,
 * hears music on hold (option r: ringing) while members are rung by the queue's strategy, each
 * attempt for `timeout` seconds with `retry` seconds between attempts, and is connected to the
 * first member who answers (Dial's bridge). Unanswered, it leaves with QUEUESTATUS (TIMEOUT,
 * FULL, JOINEMPTY, JOINUNAVAIL, LEAVEEMPTY, LEAVEUNAVAIL) and the dialplan goes on.
 */
import type { AppContext, DialplanApp } from "../apps/index.js";
import type { DialplanChannel } from "../dialplan/channel.js";
import type { DeviceState } from "../events.js";
import { numberFiles } from "../ivr/say.js";
import { playPrompts } from "../ivr/prompts.js";
import { emptiness, memberFree, type QueueMember, type QueueRuntime } from "./queue-state.js";
import { chooseMembers } from "./queue-strategy.js";
import type { QueueEvents } from "./queue-events.js";

/** What the queue module gives the application. */
export interface QueueAppDeps {
  runtime(name: string): QueueRuntime | undefined;
  deviceState(device: string): DeviceState;
  now(): number;
  /** Starts what the waiting caller hears (music on hold, or ringing with `ringing`); stop() ends it. */
  startWaiting(channel: DialplanChannel, musicClass: string, ringing: boolean): void;
  stopWaiting(channel: DialplanChannel): void;
  events: QueueEvents;
}

interface QueueOptions {
  /** n: no retries after the first attempt. */
  noRetry: boolean;
  /** r: ringing instead of music on hold. */
  ringing: boolean;
}

/** Queue()'s options: n and r; the others are named as not implemented. */
export function queueOptions(text: string, warn: (m: string) => void): QueueOptions {
  const o: QueueOptions = { noRetry: false, ringing: false };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (text[i + 1] === "(") {
      const end = text.indexOf(")", i + 2);
      i = end < 0 ? text.length : end;
    }
    if (c === "n") o.noRetry = true;
    else if (c === "r") o.ringing = true;
    else if (c !== " ") warn(`Queue option '${c}' is not implemented (n and r are); ignored`);
  }
  return o;
}

export function queueApp(d: QueueAppDeps): DialplanApp {
  return {
    name: "Queue",
    synopsis: "Queue a call for a call queue",
    syntax: "Queue(queuename[,options[,URL[,announceoverride[,timeout[,AGI[,gosub[,rule[,position]]]]]]]])",
    execute: async (a) => {
      const [name = "", options = "", url = "", announce = "", timeoutArg = ""] = a.args;
      const q = d.runtime(name.trim());
      if (q === undefined) {
        a.log.warn({}, `${a.channel.name}: Queue(): there is no queue '${name}' in queues.conf; going on`);
        return "continue";
      }
      const o = queueOptions(options, (m) => a.log.warn({}, m));
      if (url !== "") a.log.warn({}, "Queue(): the URL argument is not implemented; ignored");
      if (announce !== "") a.log.warn({}, "Queue(): the announceoverride argument is not implemented; ignored");
      for (const [i, n] of [[5, "AGI"], [6, "gosub"], [7, "rule"], [8, "position"]] as const) if ((a.args[i] ?? "") !== "") a.log.warn({}, `Queue(): the ${n} argument is not implemented; ignored`);
      const timeoutSec = /^\d+$/.test(timeoutArg.trim()) ? Number(timeoutArg.trim()) : 0;
      const status = await waitInQueue(d, a, q, o, timeoutSec);
      if (status === "ANSWERED") return "hangup";
      if (status !== undefined) a.setVar("QUEUESTATUS", status);
      return a.channel.hungUp() ? "hangup" : "continue";
    },
  };
}

type Outcome = "ANSWERED" | "TIMEOUT" | "FULL" | "JOINEMPTY" | "JOINUNAVAIL" | "LEAVEEMPTY" | "LEAVEUNAVAIL" | undefined;

async function waitInQueue(d: QueueAppDeps, a: AppContext, q: QueueRuntime, o: QueueOptions, timeoutSec: number): Promise<Outcome> {
  const ch = a.channel;
  const def = () => q.def;
  const stateOf = (m: QueueMember) => d.deviceState(m.stateInterface);
  if (def().maxlen > 0 && q.callers.length >= def().maxlen) {
    a.log.notice({}, `${ch.name}: queue '${q.name}' is full (maxlen ${def().maxlen})`);
    return "FULL";
  }
  const refused = def().joinEmptyConditions.size > 0 || q.members.length === 0 ? emptiness(q, def().joinEmptyConditions, stateOf, d.now()) : undefined;
  if (refused !== undefined && def().joinEmptyConditions.size > 0) {
    a.log.notice({}, `${ch.name}: not joining queue '${q.name}': ${refused === "empty" ? "it has no members" : "no member can take a call"} (joinempty=${def().joinempty})`);
    return refused === "empty" ? "JOINEMPTY" : "JOINUNAVAIL";
  }
  const me = { channel: ch.name, joinedAt: d.now() };
  q.callers.push(me);
  const originalPosition = q.callers.length;
  d.events.caller("QueueCallerJoin", ch.name, q.name, originalPosition, q.callers.length);
  if (a.log.wants("verbose", 3)) a.log.verbose(3, {}, `${ch.name} joined queue '${q.name}' at position ${q.callers.indexOf(me) + 1} (${q.def.strategy})`);
  const deadline = timeoutSec > 0 ? d.now() + timeoutSec * 1000 : Infinity;
  const memory = { rrpos: q.rrpos, linpos: 0 };
  let lastAnnounce = 0;
  let announcedHold = false;
  let outcome: Outcome;
  const waiting = () => d.startWaiting(ch, def().musicclass, o.ringing);
  let left = false;
  const leave = (): void => {
    if (left) return;
    left = true;
    const i = q.callers.indexOf(me);
    if (i >= 0) q.callers.splice(i, 1);
    if (outcome === undefined && ch.hungUp()) d.events.abandon(ch.name, q.name, i + 1, originalPosition, Math.round((d.now() - me.joinedAt) / 1000));
    d.events.caller("QueueCallerLeave", ch.name, q.name, i + 1, q.callers.length);
  };
  waiting();
  try {
    for (;;) {
      if (ch.hungUp() || ch.redirectPending?.() === true) break;
      const now = d.now();
      if (now >= deadline) {
        outcome = "TIMEOUT";
        break;
      }
      if (def().leaveEmptyConditions.size > 0) {
        const gone = emptiness(q, def().leaveEmptyConditions, stateOf, now);
        if (gone !== undefined) {
          outcome = gone === "empty" ? "LEAVEEMPTY" : "LEAVEUNAVAIL";
          break;
        }
      }
      if (def().announceFrequency > 0 && now - lastAnnounce >= def().announceFrequency * 1000) {
        lastAnnounce = now;
        const sayHold: boolean = def().announceHoldtime === "yes" || (def().announceHoldtime === "once" && !announcedHold);
        announcedHold ||= sayHold;
        await announce(a, q, q.callers.indexOf(me) + 1, sayHold);
        if (ch.hungUp()) break;
        waiting();
      }
      const free = q.members.filter((m) => memberFree(q, m, stateOf(m), d.now()));
      // autofill: the callers ahead of this one ring first, one free member each.
      const position = q.callers.indexOf(me);
      if (free.length === 0 || position >= Math.max(1, free.length)) {
        await ch.wait(Math.min(1, (deadline - d.now()) / 1000));
        continue;
      }
      memory.rrpos = q.rrpos;
      const choice = chooseMembers(def().strategy, q.members, free, memory);
      if (def().strategy === "rrmemory" || def().strategy === "rrordered") q.rrpos = choice.memory.rrpos;
      memory.linpos = choice.memory.linpos;
      const ringSec = Math.min(def().timeout > 0 ? def().timeout : Infinity, (deadline - d.now()) / 1000);
      for (const m of choice.ring) m.ringing = true;
      const rung = choice.ring;
      if (a.log.wants("verbose", 3)) a.log.verbose(3, {}, `${ch.name}: queue '${q.name}' rings ${rung.map((m) => m.interface).join(", ")}${Number.isFinite(ringSec) ? ` for ${Math.ceil(ringSec)} s` : ""}`);
      const startedAt = d.now();
      // A member answered: the caller leaves the queue, so the next one moves up while they talk.
      const attemptDone = d.events.attempt(ch.name, q.name, rung, me.joinedAt, () => leave());
      const result = await ch
        .dial(
          rung.map((m) => m.interface),
          Number.isFinite(ringSec) ? Math.max(1, Math.ceil(ringSec)) : undefined,
          "",
        )
        .finally(() => {
          for (const m of rung) {
            m.ringing = false;
            m.inCall = false;
          }
          attemptDone();
        });
      if (result.status === "ANSWER") {
        const who = rung.find((m) => result.answeredBy !== undefined && result.answeredBy.toLowerCase().startsWith(`${m.interface.toLowerCase()}-`)) ?? rung[0];
        if (who !== undefined) {
          who.calls++;
          who.lastCall = d.now();
        }
        q.completed++;
        q.holdSeconds += Math.round((startedAt - me.joinedAt) / 1000);
        q.talkSeconds += Math.round((d.now() - startedAt) / 1000);
        outcome = "ANSWERED";
        break;
      }
      if (ch.hungUp() || result.status === "CANCEL") break;
      if (o.noRetry) {
        outcome = "TIMEOUT";
        break;
      }
      const rest = (deadline - d.now()) / 1000;
      if (rest <= 0) continue;
      await ch.wait(Math.min(def().retry, rest));
    }
  } finally {
    d.stopWaiting(ch);
    leave();
  }
  if (outcome === undefined && ch.hungUp()) {
    q.abandoned++;
    a.setVar("ABANDONED", "TRUE");
  }
  return outcome;
}

/** "You are next" or "there are N calls waiting", the hold time, "thank you" (prompt names from queues.conf). */
async function announce(a: AppContext, q: QueueRuntime, position: number, sayHold: boolean): Promise<void> {
  const def = q.def;
  const files: string[] = [];
  if (def.announcePosition) files.push(...(position <= 1 ? [def.queueYouarenext] : [def.queueThereare, ...numberFiles(position), def.queueCallswaiting]));
  const minutes = Math.round(q.holdtime() / 60);
  if (sayHold && minutes > 0) files.push(def.queueHoldtime, ...numberFiles(minutes), def.queueMinutes);
  if (files.length === 0) return;
  files.push(def.queueThankyou);
  await playPrompts(a, files, "");
}
