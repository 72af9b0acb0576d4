/**
 * One leg of a call as the PBX sees it, whatever its SIP side: Asterisk's channel. It carries the
 * channel's name (`PJSIP/<endpoint>-<seq>`), Uniqueid and Linkedid, its state in Asterisk's words,
 * caller ID and connected line, channel variables, dialplan location and hangup cause, and it is
 * the one place that reports the channel's life on the event bus and to the device states:
 *
 *   new ──► Newchannel ──setState()──► Newstate (Ring → Ringing → Up) ──hangup()──► Hangup
 *
 * The incoming leg (inbound-call.ts) and each outgoing leg (outbound-leg.ts) hold one, so both
 * report the same events in the same way. `hangup()` is safe to call twice: the first cause wins.
 */
import type { EventSink } from "../../core/event-bus.js";
import { channelFields, hangupFields, type ChannelView, type PbxEvents } from "../events.js";
import type { DeviceStates } from "./device-states.js";

/**
 * The states a SIP channel goes through (Asterisk's `AST_STATE_*`): an incoming channel is born
 * Ring, an outgoing one Down until its callee rings; both are Up once answered.
 */
export type ChannelState = "Down" | "Ring" | "Ringing" | "Up";

export interface CallerId {
  num: string;
  name: string;
  /** Presentation restricted (callerid_privacy=prohib*, a trusted `Privacy: id`): hidden from untrusted endpoints. */
  restricted?: boolean;
}

export interface ChannelOptions {
  events: EventSink<PbxEvents>;
  devices: DeviceStates;
  /** `PJSIP/<endpoint>-<8 hex digits>` (channel-name.ts). */
  name: string;
  /** The endpoint whose device this channel counts for (DeviceStateChange). */
  endpointId: string;
  uniqueId: string;
  /** The Uniqueid of the oldest channel of the call (the caller's for an outgoing leg). */
  linkedId: string;
  state: ChannelState;
  callerId: CallerId;
  connectedLine?: CallerId | undefined;
  context: string;
  exten: string;
  priority?: number;
  /** Epoch milliseconds. */
  now: number;
}

export interface ChannelDump {
  name: string;
  uniqueId: string;
  linkedId: string;
  state: ChannelState;
  callerId: CallerId;
  connectedLine: CallerId | undefined;
  location: string;
  application: string;
  hangupCause: number | undefined;
  variables: Record<string, string>;
}

export class Channel {
  readonly name: string;
  readonly uniqueId: string;
  readonly linkedId: string;
  readonly endpointId: string;
  readonly createdAt: number;
  /** Channel variables (`DIALSTATUS`, `HANGUPCAUSE`, values from `Set()` …). */
  readonly vars = new Map<string, string>();
  callerId: CallerId;
  /** The other party, once known (Asterisk's connected line). */
  connectedLine: CallerId | undefined;
  context: string;
  exten: string;
  priority: number;
  application = "";
  appData = "";
  hangupCause: number | undefined;
  private stateValue: ChannelState;
  private ended = false;

  constructor(private readonly o: ChannelOptions) {
    this.name = o.name;
    this.uniqueId = o.uniqueId;
    this.linkedId = o.linkedId;
    this.endpointId = o.endpointId;
    this.createdAt = o.now;
    this.stateValue = o.state;
    this.callerId = o.callerId;
    this.connectedLine = o.connectedLine;
    this.context = o.context;
    this.exten = o.exten;
    this.priority = o.priority ?? 1;
    this.vars.set("UNIQUEID", o.uniqueId);
    if (o.events.wants("Newchannel")) o.events.emit("Newchannel", channelFields(this.view()));
    o.devices.set(this.name, this.endpointId, this.stateValue);
  }

  get state(): ChannelState {
    return this.stateValue;
  }

  get hungUp(): boolean {
    return this.ended;
  }

  /** A state change, reported as Newstate and to the device states (Down is reported by hangup()). */
  setState(state: ChannelState): void {
    if (this.ended || this.stateValue === state) return;
    this.stateValue = state;
    if (state === "Down") return;
    if (this.o.events.wants("Newstate")) this.o.events.emit("Newstate", channelFields(this.view()));
    this.o.devices.set(this.name, this.endpointId, state);
  }

  /**
   * The channel is gone: one Hangup with the state it was in and the Q.850 cause, then the device
   * no longer counts it. Returns false when it had already hung up (the first cause stays).
   */
  hangup(cause: number): boolean {
    if (this.ended) return false;
    this.ended = true;
    this.hangupCause = cause;
    this.vars.set("HANGUPCAUSE", String(cause));
    if (this.o.events.wants("Hangup")) this.o.events.emit("Hangup", hangupFields(this.view(), cause));
    this.stateValue = "Down";
    this.o.devices.remove(this.name);
    return true;
  }

  /** Where the dialplan is, told before each application runs. */
  setLocation(where: { context: string; exten: string; priority: number; app: string; data: string }): void {
    this.context = where.context;
    this.exten = where.exten;
    this.priority = where.priority;
    this.application = where.app;
    this.appData = where.data;
  }

  /** The snapshot channel events carry (pbx/events.ts). */
  view(): ChannelView {
    return {
      name: this.name,
      state: this.stateValue,
      callerIdNum: this.callerId.num,
      callerIdName: this.callerId.name,
      ...(this.connectedLine ? { connectedLineNum: this.connectedLine.num, connectedLineName: this.connectedLine.name } : {}),
      context: this.context,
      exten: this.exten,
      priority: this.priority,
      uniqueid: this.uniqueId,
      linkedid: this.linkedId,
    };
  }

  dump(): ChannelDump {
    return {
      name: this.name,
      uniqueId: this.uniqueId,
      linkedId: this.linkedId,
      state: this.stateValue,
      callerId: { ...this.callerId },
      connectedLine: this.connectedLine ? { ...this.connectedLine } : undefined,
      location: `${this.exten}@${this.context}:${this.priority}`,
      application: this.application,
      hangupCause: this.hangupCause,
      variables: Object.fromEntries(this.vars),
    };
  }
}
