/**
 * Which permission class each event belongs to (manager.h's EVENT_FLAG_*), and the `Privilege:`
 * header AMI writes with it: the event's classes then `all` (`Privilege: call,all`). A session
 * receives an event when its user's read= and its own event mask both hold the class.
 */
import type { ManagerClass } from "../../config/index.js";

const EVENT_CLASS: Readonly<Record<string, ManagerClass>> = {
  Newchannel: "call",
  Newstate: "call",
  Hangup: "call",
  HangupRequest: "call",
  SoftHangupRequest: "call",
  NewCallerid: "call",
  NewConnectedLine: "call",
  DialBegin: "call",
  DialEnd: "call",
  DialState: "call",
  BridgeCreate: "call",
  BridgeEnter: "call",
  BridgeLeave: "call",
  BridgeDestroy: "call",
  ConfbridgeStart: "call",
  ConfbridgeEnd: "call",
  ConfbridgeJoin: "call",
  ConfbridgeLeave: "call",
  ConfbridgeMute: "call",
  ConfbridgeUnmute: "call",
  Hold: "call",
  BlindTransfer: "call",
  AttendedTransfer: "call",
  Unhold: "call",
  MessageWaiting: "call",
  OriginateResponse: "call",
  DeviceStateChange: "call",
  ExtensionStatus: "call",
  Newexten: "dialplan",
  VarSet: "dialplan",
  DTMFBegin: "dtmf",
  DTMFEnd: "dtmf",
  ContactStatus: "system",
  PeerStatus: "system",
  Registry: "system",
  FullyBooted: "system",
  Reload: "system",
  Shutdown: "system",
  Cdr: "cdr",
  QueueCallerJoin: "agent",
  QueueCallerLeave: "agent",
  QueueCallerAbandon: "agent",
  AgentCalled: "agent",
  AgentConnect: "agent",
  AgentRingNoAnswer: "agent",
  AgentComplete: "agent",
};

/** The class of an event; security events (ChallengeSent …) are class security, the unknown call. */
export function eventClass(name: string, security = false): ManagerClass {
  if (security) return "security";
  return EVENT_CLASS[name] ?? "call";
}

export function privilegeText(cls: ManagerClass): string {
  return `${cls},all`;
}

/**
 * The classes a session asked for with `Events:` (Login or the Events action): `on` (or yes,
 * all) is everything, `off` (or no, none) nothing, else a comma list of class names.
 * Returns undefined for a value that names no class.
 */
export function parseEventMask(value: string, classes: readonly ManagerClass[]): Set<ManagerClass> | undefined {
  const v = value.trim().toLowerCase();
  if (v === "on" || v === "yes" || v === "all" || v === "true" || v === "1") return new Set(classes);
  if (v === "off" || v === "no" || v === "none" || v === "false" || v === "0") return new Set();
  const out = new Set<ManagerClass>();
  for (const item of v.split(",").map((s) => s.trim()).filter((s) => s.length > 0)) {
    if (item === "all") return new Set(classes);
    const found = classes.find((c) => c === item);
    if (found === undefined) return undefined;
    out.add(found);
  }
  return out;
}
