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

/** Channel variables whose every set is reported as a VarSet event (class dialplan). */
class ChannelVars extends Map<string, string> {
  constructor(
    private readonly owner: Channel,
    private readonly events: EventSink<PbxEvents> | undefined,
  ) {
    super();
  }

  override set(name: string, value: string): this {
    // The same value set again (Dial and the CANCEL both write DIALSTATUS) is one VarSet.
    const same = super.get(name) === value;
    super.set(name, value);
    if (same) return this;
    // Map's constructor calls set() before the fields exist; nothing is reported then.
    if (this.events?.wants("VarSet") === true && !this.owner.hungUp) this.events.emit("VarSet", { ...channelFields(this.owner.view()), Variable: name, Value: value });
    return this;
  }
}

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
  /** The account code (AMI Originate's Account): AccountCode in every event of the channel. */
  accountCode?: string | undefined;
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
  /** Channel variables (`DIALSTATUS`, `HANGUPCAUSE`, values from `Set()` …); each set is a VarSet event. */
  readonly vars: Map<string, string>;
  private callerIdValue: CallerId;
  private connectedLineValue: CallerId | undefined;
  context: string;
  exten: string;
  priority: number;
  application = "";
  appData = "";
  readonly accountCode: string;
  hangupCause: number | undefined;
  private stateValue: ChannelState;
  private ended = false;
  private released = false;

  constructor(private readonly o: ChannelOptions) {
    this.name = o.name;
    this.uniqueId = o.uniqueId;
    this.linkedId = o.linkedId;
    this.endpointId = o.endpointId;
    this.createdAt = o.now;
    this.stateValue = o.state;
    this.accountCode = o.accountCode ?? "";
    this.callerIdValue = o.callerId;
    this.connectedLineValue = o.connectedLine;
    this.context = o.context;
    this.exten = o.exten;
    this.priority = o.priority ?? 1;
    this.vars = new ChannelVars(this, o.events);
    // Asterisk reports no VarSet for the variables a channel is born with.
    Map.prototype.set.call(this.vars, "UNIQUEID", o.uniqueId);
    if (o.events.wants("Newchannel")) o.events.emit("Newchannel", channelFields(this.view()));
    o.devices.set(this.name, this.endpointId, this.stateValue);
  }

  get state(): ChannelState {
    return this.stateValue;
  }

  /** The caller ID; a change is a NewCallerid event (CALLERID() in the dialplan, a trusted PAI). */
  get callerId(): CallerId {
    return this.callerIdValue;
  }

  set callerId(v: CallerId) {
    const before = this.callerIdValue;
    this.callerIdValue = v;
    if (before.num === v.num && before.name === v.name) return;
    if (!this.ended && this.o.events.wants("NewCallerid")) this.o.events.emit("NewCallerid", { ...channelFields(this.view()), CID_CallingPres: v.restricted === true ? "32 (Presentation Restricted)" : "0 (Presentation Allowed, Not Screened)" });
  }

  /** The other party, once known (Asterisk's connected line); a change is a NewConnectedLine event. */
  get connectedLine(): CallerId | undefined {
    return this.connectedLineValue;
  }

  set connectedLine(v: CallerId | undefined) {
    const before = this.connectedLineValue;
    this.connectedLineValue = v;
    if (v === undefined || (before?.num === v.num && before.name === v.name)) return;
    if (!this.ended && this.o.events.wants("NewConnectedLine")) this.o.events.emit("NewConnectedLine", channelFields(this.view()));
  }

  /**
   * Someone asked for this channel to end: the far end (BYE, CANCEL) is a HangupRequest, our own
   * side (AMI Hangup, the bridged peer going away) a SoftHangupRequest, as Asterisk reports them.
   */
  requestHangup(from: "remote" | "soft", cause: number): void {
    if (this.ended) return;
    const name = from === "remote" ? "HangupRequest" : "SoftHangupRequest";
    if (this.o.events.wants(name)) this.o.events.emit(name, { ...channelFields(this.view()), Cause: cause });
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
    if (this.released) this.reportReleased();
    return true;
  }

  /**
   * The dialplan (its h extension included) is done with this channel: one ChannelReleased
   * once it has hung up too (at once, or right after its Hangup), which call detail records
   * wait for. Safe to call twice.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.ended) this.reportReleased();
  }

  private reportReleased(): void {
    if (this.o.events.wants("ChannelReleased")) this.o.events.emit("ChannelReleased", { Channel: this.name, Uniqueid: this.uniqueId });
  }

  /** Where the dialplan is, told before each application runs. */
  setLocation(where: { context: string; exten: string; priority: number; app: string; data: string }): void {
    this.context = where.context;
    this.exten = where.exten;
    this.priority = where.priority;
    this.application = where.app;
    this.appData = where.data;
    if (!this.ended && this.o.events.wants("Newexten")) this.o.events.emit("Newexten", { ...channelFields(this.view()), Extension: where.exten, Application: where.app, AppData: where.data });
  }

  /** The snapshot channel events carry (pbx/events.ts). */
  view(): ChannelView {
    return {
      name: this.name,
      state: this.stateValue,
      callerIdNum: this.callerId.num,
      callerIdName: this.callerId.name,
      ...(this.connectedLine ? { connectedLineNum: this.connectedLine.num, connectedLineName: this.connectedLine.name } : {}),
      ...(this.accountCode.length > 0 ? { accountCode: this.accountCode } : {}),
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
