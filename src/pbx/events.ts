/**
 * The PBX's events, named and shaped as Asterisk's AMI events so that AMI, ARI and CDR can be
 * built on the bus without renaming anything: each payload carries the AMI event's fields under
 * their AMI names (docs.asterisk.org, "AMI Events"; manager_channels.c for the channel
 * snapshot). Values are typed (numbers stay numbers); the AMI writer formats them.
 *
 * Who emits what:
 *   ContactStatus                       pbx/registrar (registrar-module.ts, contact-status.ts)
 *   Newchannel, Newstate, Hangup        the call layer (pbx/channel), one per channel change
 *   DialBegin, DialEnd                  Dial, per outgoing leg
 *   BridgeEnter, BridgeLeave            the bridge, per channel joining or leaving
 *   DeviceStateChange                   the call layer, when an endpoint's aggregate state changes
 *   ChannelReleased (internal)          the call layer, when the dialplan is done with a hung-up channel
 *   Cdr                                 pbx/cdr, per record written (cdr_manager.conf enabled=yes)
 *   ExtensionStatus                     pbx/hints, when a hint's extension state changes
 *   ConfbridgeStart/End/Join/Leave/     pbx/confbridge, per conference and participant
 *   ConfbridgeMute/Unmute
 *   QueueCaller*, Agent*                pbx/queues, as callers join and leave and members are rung
 */
import { EventBus, type EventPort } from "../core/event-bus.js";
import type { DialStatus } from "./dialplan/channel.js";

/** Asterisk's channel states (`AST_STATE_*`) as AMI prints them in `ChannelStateDesc`. */
export const CHANNEL_STATE_DESC = ["Down", "Rsrvd", "OffHook", "Dialing", "Ring", "Ringing", "Up", "Busy", "Dialing Offhook", "Pre-ring"] as const;
export type ChannelStateDesc = (typeof CHANNEL_STATE_DESC)[number] | "Unknown";

/** The numeric `ChannelState` of a state description (Down 0 … Up 6 … Pre-ring 9). */
export function channelStateCode(desc: ChannelStateDesc): number {
  const i = (CHANNEL_STATE_DESC as readonly string[]).indexOf(desc);
  return i < 0 ? CHANNEL_STATE_DESC.length : i;
}

/** The channel snapshot every channel event carries. */
export interface ChannelFields {
  Channel: string;
  ChannelState: number;
  ChannelStateDesc: ChannelStateDesc;
  CallerIDNum: string;
  CallerIDName: string;
  ConnectedLineNum: string;
  ConnectedLineName: string;
  Language: string;
  AccountCode: string;
  Context: string;
  Exten: string;
  Priority: number;
  Uniqueid: string;
  /** Uniqueid of the oldest channel of the call. */
  Linkedid: string;
}

/** The same snapshot with every field prefixed `Dest` (the dialled channel of DialBegin/DialEnd). */
export type DestChannelFields = { [K in keyof ChannelFields as `Dest${K}`]: ChannelFields[K] };

/** What the call layer knows of a channel, in its own words; `channelFields` maps it to AMI's. */
export interface ChannelView {
  name: string;
  state: ChannelStateDesc;
  callerIdNum: string;
  callerIdName: string;
  connectedLineNum?: string;
  connectedLineName?: string;
  language?: string;
  accountCode?: string;
  context: string;
  exten: string;
  priority: number;
  uniqueid: string;
  linkedid: string;
}

export function channelFields(c: ChannelView): ChannelFields {
  return {
    Channel: c.name,
    ChannelState: channelStateCode(c.state),
    ChannelStateDesc: c.state,
    CallerIDNum: c.callerIdNum,
    CallerIDName: c.callerIdName,
    ConnectedLineNum: c.connectedLineNum ?? "",
    ConnectedLineName: c.connectedLineName ?? "",
    Language: c.language ?? "en",
    AccountCode: c.accountCode ?? "",
    Context: c.context,
    Exten: c.exten,
    Priority: c.priority,
    Uniqueid: c.uniqueid,
    Linkedid: c.linkedid,
  };
}

/** A channel snapshot with every field prefixed (Transferer, Transferee … of the transfer events). */
export type PrefixedChannelFields<P extends string> = { [K in keyof ChannelFields as `${P}${K}`]: ChannelFields[K] };

export function prefixedChannelFields<P extends string>(prefix: P, c: ChannelView): PrefixedChannelFields<P> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(channelFields(c))) out[`${prefix}${k}`] = v;
  return out as PrefixedChannelFields<P>;
}

/** A successful AttendedTransfer: the transferor's two channels (one when it consulted on the same one), then the two it joined in bridge `bridgeId`. */
export function attendedTransferFields(p: { orig: ChannelView; second: ChannelView; transferee: ChannelView; target: ChannelView }, bridgeId: string): PbxEvents["AttendedTransfer"] {
  return {
    Result: "Success",
    ...prefixedChannelFields("OrigTransferer", p.orig),
    ...prefixedChannelFields("SecondTransferer", p.second),
    ...prefixedChannelFields("Transferee", p.transferee),
    ...prefixedChannelFields("TransferTarget", p.target),
    IsExternal: "No",
    DestType: "Bridge",
    DestBridgeUniqueid: bridgeId,
  };
}

export function destChannelFields(c: ChannelView): DestChannelFields {
  const f = channelFields(c);
  return {
    DestChannel: f.Channel,
    DestChannelState: f.ChannelState,
    DestChannelStateDesc: f.ChannelStateDesc,
    DestCallerIDNum: f.CallerIDNum,
    DestCallerIDName: f.CallerIDName,
    DestConnectedLineNum: f.ConnectedLineNum,
    DestConnectedLineName: f.ConnectedLineName,
    DestLanguage: f.Language,
    DestAccountCode: f.AccountCode,
    DestContext: f.Context,
    DestExten: f.Exten,
    DestPriority: f.Priority,
    DestUniqueid: f.Uniqueid,
    DestLinkedid: f.Linkedid,
  };
}

/** The bridge snapshot of BridgeEnter/BridgeLeave. */
export interface BridgeFields {
  BridgeUniqueid: string;
  /** `basic` for a two-party call bridged by Dial. */
  BridgeType: string;
  /** `simple_bridge` for two channels (our media is joined in the relay worker, which is that). */
  BridgeTechnology: string;
  BridgeCreator: string;
  BridgeName: string;
  BridgeNumChannels: number;
  BridgeVideoSourceMode: "none" | "talker" | "single";
  BridgeVideoSource?: string;
}

/** What the bridge knows of itself; `bridgeFields` maps it to AMI's. */
export interface BridgeView {
  id: string;
  numChannels: number;
  type?: string;
  technology?: string;
  creator?: string;
  name?: string;
}

export function bridgeFields(b: BridgeView): BridgeFields {
  return {
    BridgeUniqueid: b.id,
    BridgeType: b.type ?? "basic",
    BridgeTechnology: b.technology ?? "simple_bridge",
    BridgeCreator: b.creator ?? "<unknown>",
    BridgeName: b.name ?? "<unknown>",
    BridgeNumChannels: b.numChannels,
    BridgeVideoSourceMode: "none",
  };
}

/** Q.850 cause texts as Asterisk prints them in `Cause-txt`. */
const CAUSE_TEXT: Readonly<Record<number, string>> = {
  1: "Unallocated (unassigned) number",
  16: "Normal Clearing",
  17: "User busy",
  18: "No user responding",
  19: "User alerting, no answer",
  20: "Subscriber absent",
  21: "Call Rejected",
  31: "Normal, unspecified",
  34: "Circuit/channel congestion",
  41: "Temporary failure",
  58: "Bearer capability not available",
  127: "Interworking, unspecified",
};

export function causeText(cause: number): string {
  return CAUSE_TEXT[cause] ?? "Unknown";
}

/** The Hangup payload of a channel ended with a Q.850 cause. */
export function hangupFields(c: ChannelView, cause: number): PbxEvents["Hangup"] {
  return { ...channelFields(c), Cause: cause, "Cause-txt": causeText(cause) };
}

/** The DialBegin payload: the calling channel, the dialled one, and what followed `PJSIP/`. */
export function dialBeginFields(caller: ChannelView, dest: ChannelView, dialString: string): PbxEvents["DialBegin"] {
  return { ...channelFields(caller), ...destChannelFields(dest), DialString: dialString };
}

export function dialEndFields(caller: ChannelView, dest: ChannelView, status: DialStatus): PbxEvents["DialEnd"] {
  return { ...channelFields(caller), ...destChannelFields(dest), DialStatus: status };
}

/** ContactStatus values: the qualify outcome, or what happened to the binding. */
export type ContactStatusValue = "Created" | "Updated" | "Removed" | "Reachable" | "Unreachable" | "Unknown" | "Unqualified";

/** Device states as AMI and `DEVICE_STATE()` write them. */
export type DeviceState = "UNKNOWN" | "NOT_INUSE" | "INUSE" | "BUSY" | "INVALID" | "UNAVAILABLE" | "RINGING" | "RINGINUSE" | "ONHOLD";

export interface PbxEvents {
  /** A channel was created. */
  Newchannel: ChannelFields;
  /** A channel's state changed (Ring → Ringing → Up). */
  Newstate: ChannelFields;
  /** A channel was hung up; Cause is Q.850 (16 normal clearing, 17 busy …). */
  Hangup: ChannelFields & { Cause: number; "Cause-txt": string };
  /** The far end asked for the channel to end (BYE, CANCEL); Cause is Q.850. */
  HangupRequest: ChannelFields & { Cause: number };
  /** Our side ended the channel (AMI Hangup, the bridged peer hung up). */
  SoftHangupRequest: ChannelFields & { Cause: number };
  /** The dialplan moved to another priority and runs Application(AppData) there. */
  Newexten: ChannelFields & { Extension: string; Application: string; AppData: string };
  /** A channel variable was set. */
  VarSet: ChannelFields & { Variable: string; Value: string };
  /** The channel's caller ID changed. */
  NewCallerid: ChannelFields & { CID_CallingPres: string };
  /** The channel's connected line (the other party) became known or changed. */
  NewConnectedLine: ChannelFields;
  /** Dial started calling one destination; DialString is what followed `PJSIP/`. */
  DialBegin: ChannelFields & DestChannelFields & { DialString: string };
  /** Dial ended for one destination. */
  DialEnd: ChannelFields & DestChannelFields & { DialStatus: DialStatus; Forward?: string };
  /** A dialled destination moved on before answering: RINGING (180) or PROGRESS (183 with early media). */
  DialState: ChannelFields & DestChannelFields & { DialStatus: "RINGING" | "PROGRESS" | "PROCEEDING" };
  /** A bridge was made, before its first channel entered. */
  BridgeCreate: BridgeFields;
  /** A bridge was taken down, after its last channel left. */
  BridgeDestroy: BridgeFields;
  /** A key started (Direction Received: from the channel's phone; Sent: to it). */
  DTMFBegin: ChannelFields & { Digit: string; Direction: "Received" | "Sent" };
  /** A key ended, DurationMs long. */
  DTMFEnd: ChannelFields & { Digit: string; DurationMs: number; Direction: "Received" | "Sent" };
  /** The channel's phone put the call on hold (its re-INVITE/UPDATE said sendonly or inactive). */
  Hold: ChannelFields & { MusicClass?: string };
  /** The channel's phone took the call off hold. */
  Unhold: ChannelFields;
  /** A channel joined a bridge; SwapUniqueid names a channel it replaced, if any. */
  BridgeEnter: BridgeFields & ChannelFields & { SwapUniqueid?: string };
  BridgeLeave: BridgeFields & ChannelFields;
  /**
   * A contact's state changed. RoundtripUsec is the last qualify's round trip (0 when none
   * was measured); UserAgent, RegExpire (epoch seconds), ViaAddress and CallID come from the
   * REGISTER that made the binding.
   */
  ContactStatus: {
    URI: string;
    ContactStatus: ContactStatusValue;
    AOR: string;
    EndpointName: string;
    RoundtripUsec: number;
    UserAgent?: string;
    RegExpire?: number;
    ViaAddress?: string;
    CallID?: string;
  };
  /** An outbound registration (pjsip.conf type=registration) changed state. */
  Registry: { ChannelType: "PJSIP"; Username: string; Domain: string; Status: "Registered" | "Unregistered" | "Rejected"; Cause?: string };
  /** An endpoint became reachable (a contact registered or answered qualify) or unreachable. */
  PeerStatus: { ChannelType: "PJSIP"; Peer: string; PeerStatus: "Reachable" | "Unreachable" };
  /** MixMonitor() started recording the channel (pbx/mixmonitor). */
  MixMonitorStart: ChannelFields;
  /** A MixMonitor recording of the channel ended (StopMixMonitor, the hangup), its files closed. */
  MixMonitorStop: ChannelFields;
  /** A mailbox (`box@context`) changed: Waiting 1 while it holds new messages. */
  MessageWaiting: { Mailbox: string; Waiting: number; New: number; Old: number };
  /** A device's (e.g. `PJSIP/1001`) aggregate state changed. */
  DeviceStateChange: { Device: string; State: DeviceState };
  /** A hint's extension state changed (Status: 0 Idle, 1 InUse, 2 Busy, 4 Unavailable, 8 Ringing, 9 InUse&Ringing, 16 Hold). */
  ExtensionStatus: { Exten: string; Context: string; Hint: string; Status: number; StatusText: string };
  /**
   * A blind transfer (REFER, AMI BlindTransfer): Transferer* is the channel that transferred,
   * Transferee* the one sent to Extension@Context.
   */
  BlindTransfer: { Result: "Success" | "Fail" | "Invalid" | "Not Permitted" } & PrefixedChannelFields<"Transferer"> &
    PrefixedChannelFields<"Transferee"> & { IsExternal: "Yes" | "No"; Context: string; Extension: string };
  /**
   * An attended transfer (REFER with Replaces): OrigTransferer* is the transferor's channel in
   * the first call, SecondTransferer* in the second; Transferee* and TransferTarget* are joined
   * in the bridge DestBridgeUniqueid.
   */
  AttendedTransfer: { Result: "Success" | "Fail" | "Invalid" | "Not Permitted" } & PrefixedChannelFields<"OrigTransferer"> &
    PrefixedChannelFields<"SecondTransferer"> &
    PrefixedChannelFields<"Transferee"> &
    PrefixedChannelFields<"TransferTarget"> & { IsExternal: "Yes" | "No"; DestType: "Bridge"; DestBridgeUniqueid: string };
  /** A conference started (its first participant is joining); bridge fields of its softmix bridge. */
  ConfbridgeStart: BridgeFields & { Conference: string };
  /** A conference ended (its last participant left). */
  ConfbridgeEnd: BridgeFields & { Conference: string };
  /** A participant joined a conference. */
  ConfbridgeJoin: BridgeFields & ChannelFields & { Conference: string; Admin: "Yes" | "No"; Muted: "Yes" | "No" };
  /** A participant left a conference. */
  ConfbridgeLeave: BridgeFields & ChannelFields & { Conference: string; Admin: "Yes" | "No" };
  /** A participant was muted (console, startmuted does not report one). */
  ConfbridgeMute: BridgeFields & ChannelFields & { Conference: string; Admin: "Yes" | "No" };
  ConfbridgeUnmute: BridgeFields & ChannelFields & { Conference: string; Admin: "Yes" | "No" };
  /** A call detail record was written (cdr_manager.conf enabled=yes); times are local `YYYY-MM-DD HH:MM:SS`. */
  Cdr: CdrFields;
  /** pbx/queues: a caller joined a queue (Position 1-based, Count callers now waiting). */
  QueueCallerJoin: ChannelFields & { Queue: string; Position: number; Count: number };
  /** pbx/queues: a caller left a queue (answered, timed out, refused or gone). */
  QueueCallerLeave: ChannelFields & { Queue: string; Position: number; Count: number };
  /** pbx/queues: a caller hung up while waiting. */
  QueueCallerAbandon: ChannelFields & { Queue: string; Position: number; OriginalPosition: number; HoldTime: number };
  /** pbx/queues: a member is rung for a caller (Dest…: the member's channel). */
  AgentCalled: ChannelFields & DestChannelFields & { Queue: string; Interface: string; MemberName: string };
  /** pbx/queues: a member answered a queue call. */
  AgentConnect: ChannelFields & DestChannelFields & { Queue: string; Interface: string; MemberName: string; HoldTime: number; RingTime: number };
  /** pbx/queues: a member did not answer within the attempt. */
  AgentRingNoAnswer: ChannelFields & DestChannelFields & { Queue: string; Interface: string; MemberName: string; RingTime: number };
  /** pbx/queues: a connected queue call ended (Reason: who hung up). */
  AgentComplete: ChannelFields & DestChannelFields & { Queue: string; Interface: string; MemberName: string; HoldTime: number; TalkTime: number; Reason: "caller" | "agent" | "transfer" };
  /**
   * Internal, not an AMI event: the dialplan (its h extension included) is done with a channel
   * that hung up, so nothing will change its call detail record any more. A channel that never
   * ran the dialplan is done at its Hangup and gets none.
   */
  ChannelReleased: { Channel: string; Uniqueid: string };
}

/** The fields of the Cdr event, as cdr_manager writes them. */
export interface CdrFields {
  AccountCode: string;
  Source: string;
  Destination: string;
  DestinationContext: string;
  CallerID: string;
  Channel: string;
  DestinationChannel: string;
  LastApplication: string;
  LastData: string;
  StartTime: string;
  AnswerTime: string;
  EndTime: string;
  Duration: number;
  BillableSeconds: number;
  Disposition: string;
  AMAFlags: string;
  UniqueID: string;
  UserField: string;
}

/** Events the bus carries between modules that AMI and ARI do not send. */
export const INTERNAL_EVENTS: ReadonlySet<string> = new Set(["ChannelReleased"]);

export type PbxEventName = Extract<keyof PbxEvents, string>;
export type PbxEventPort = EventPort<PbxEvents>;

export function createPbxEventBus(): EventBus<PbxEvents> {
  return new EventBus<PbxEvents>();
}
