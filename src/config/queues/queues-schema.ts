/**
 * queues.conf: call queues (app_queue). `[general]` holds settings for every queue; each other
 * section is a queue with its strategy, its static members (`member =>` lines) and how callers
 * wait. Defaults are Asterisk's.
 */
import { bool, list, oneOf, str, uint } from "../schema/options.js";
import type { ObjectSchema, SchemaValues } from "../schema/types.js";

const NOT_YET = { implemented: false } as const;

/** The strategies Switchboard rings members by (all of Asterisk's). */
export const QUEUE_STRATEGIES = ["ringall", "leastrecent", "fewestcalls", "random", "rrmemory", "linear", "wrandom", "rrordered"] as const;
export type QueueStrategy = (typeof QUEUE_STRATEGIES)[number];

const queueOptions = [
  oneOf("strategy", QUEUE_STRATEGIES, "ringall", "How members are rung: ringall (all at once), leastrecent (the one whose last call ended longest ago), fewestcalls (the one with the fewest completed calls), random, wrandom (random weighted by penalty), rrmemory/rrordered (round robin remembering where it left off), linear (in the order listed, for each caller from the first)."),
  list("member", "A static member: `member => PJSIP/2001[,penalty[,membername[,state_interface]]]` (one line each; lower penalties are rung first).", { repeat: "append", separator: /\n/ }),
  uint("timeout", 15, "Seconds a member rings before the attempt ends (0: until the caller's Queue() timeout)."),
  uint("retry", 5, "Seconds to wait before ringing members again after an attempt."),
  uint("wrapuptime", 0, "Seconds after a member's call ends before the queue rings that member again."),
  uint("maxlen", 0, "Most callers waiting at once (0: no limit); a caller beyond it gets QUEUESTATUS=FULL."),
  bool("announce-position", true, "Tell the caller its position when announcing (announce-frequency).", { key: "announcePosition" }),
  uint("announce-frequency", 0, "Seconds between position/hold time announcements while waiting (0: never).", { key: "announceFrequency" }),
  oneOf("announce-holdtime", ["no", "yes", "once"] as const, "no", "Also announce the estimated hold time (yes: each time, once: the first time).", { key: "announceHoldtime" }),
  str("musicclass", "", "Music on hold class callers hear while waiting (empty: the channel's, else default)."),
  str("joinempty", "yes", "When a caller may not join: yes (always joins), no/strict (no member usable), loose, or a list of paused, penalty, inuse, ringing, unavailable, invalid, unknown, wrapup."),
  str("leavewhenempty", "no", "When a waiting caller leaves: no (never), yes/strict, loose, or a list like joinempty."),
  bool("ringinuse", true, "no: skip members whose device is in use or ringing."),
  bool("autofill", true, "yes: callers behind the first ring members as long as members are free.", { unimplementedValues: [false] }),
  str("queue-youarenext", "queue-youarenext", "Prompt: you are now first in line.", { key: "queueYouarenext" }),
  str("queue-thereare", "queue-thereare", "Prompt: there are (position).", { key: "queueThereare" }),
  str("queue-callswaiting", "queue-callswaiting", "Prompt: calls waiting.", { key: "queueCallswaiting" }),
  str("queue-holdtime", "queue-holdtime", "Prompt: the estimated hold time is.", { key: "queueHoldtime" }),
  str("queue-minutes", "queue-minutes", "Prompt: minutes.", { key: "queueMinutes" }),
  str("queue-thankyou", "queue-thankyou", "Prompt: thank you for your patience.", { key: "queueThankyou" }),
  str("announce", "", "Prompt played to the member who answers, before the call is connected.", NOT_YET),
  str("context", "", "Context a caller goes to when it dials a one-digit extension while waiting.", NOT_YET),
  uint("servicelevel", 0, "Seconds within which a call should be answered, for statistics.", NOT_YET),
  uint("weight", 0, "Priority of this queue over others sharing members.", NOT_YET),
  str("periodic-announce", "", "Prompts played every periodic-announce-frequency seconds.", { ...NOT_YET, key: "periodicAnnounce" }),
  uint("periodic-announce-frequency", 0, "Seconds between periodic announcements.", { ...NOT_YET, key: "periodicAnnounceFrequency" }),
  uint("memberdelay", 0, "Seconds of silence for the member before the call is connected.", NOT_YET),
  bool("timeoutrestart", false, "Restart a member's timeout on a BUSY or CONGESTION.", NOT_YET),
  oneOf("timeoutpriority", ["app", "conf"] as const, "app", "Whether Queue()'s timeout or the member timeout wins when they conflict.", { unimplementedValues: ["conf"] }),
  bool("setinterfacevar", false, "Set MEMBERINTERFACE and friends on the caller when a member answers.", NOT_YET),
  bool("setqueuevar", false, "Set QUEUENAME, QUEUEMAX and friends on the caller.", NOT_YET),
  bool("setqueueentryvar", false, "Set QEHOLDTIME and QEORIGINALPOS on the caller.", NOT_YET),
  bool("reportholdtime", false, "Tell the member how long the caller waited.", NOT_YET),
  oneOf("autopause", ["no", "yes", "all"] as const, "no", "Pause a member who does not answer.", { unimplementedValues: ["yes", "all"] }),
  str("monitor-format", "", "Record queue calls in this format.", { ...NOT_YET, key: "monitorFormat" }),
  str("defaultrule", "", "queuerules.conf rule for penalty changes over time.", NOT_YET),
] as const;

export type QueueValues = SchemaValues<typeof queueOptions>;

export const queueSchema: ObjectSchema<typeof queueOptions> = {
  type: "queue",
  synopsis: "queues.conf: a call queue (any section but [general]).",
  options: queueOptions,
};

const generalOptions = [
  bool("persistentmembers", false, "Keep dynamic members (AddQueueMember) across restarts. Asterisk's default is yes; Switchboard does not store them yet, so they are gone after a restart (a reload keeps them).", NOT_YET),
  bool("autofill", true, "Default autofill for every queue.", { unimplementedValues: [false] }),
  bool("shared_lastcall", true, "A member of several queues: wrapuptime counts from its last call in any of them.", NOT_YET),
  bool("updatecdr", false, "Put the member's name in the caller's CDR.", NOT_YET),
  bool("log_membername_as_agent", false, "queue_log: the member's name instead of its interface.", NOT_YET),
  bool("negative_penalty_invalid", false, "Members with a negative penalty are invalid.", NOT_YET),
  bool("keepstats", false, "Keep queue statistics across reloads.", NOT_YET),
] as const;

export type QueuesGeneral = SchemaValues<typeof generalOptions>;

export const queuesGeneralSchema: ObjectSchema<typeof generalOptions> = {
  type: "general",
  synopsis: "queues.conf [general].",
  options: generalOptions,
};
