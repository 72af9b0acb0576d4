/**
 * A call the PBX places itself (AMI Originate, `channel originate`): an outgoing leg to a device
 * that, once it answers, is the channel the dialplan drives — from context/exten/priority, or one
 * application — as Asterisk's originated channels are. Its dialplan may Dial() another phone, and
 * the two are bridged as any caller and callee.
 *
 *   ringing ──answered──► in the dialplan (Playback, Echo, Dial …) ──hangup / far end BYE──► ended
 *      └── busy / no answer (timeout) / failed ──► ended, the outcome says which
 */
import type { Logger } from "../../core/logger.js";
import type { MixMonitorResult, MixMonitorSpec } from "../../media/index.js";
import type { MediaCodec, TelephoneEvent } from "../../media/sdp/index.js";
import type { Flow } from "../../sip/transport/types.js";
import type { Bridge } from "../bridge/bridge.js";
import type { DialplanChannel, RedirectTarget, DialResult, PlayOutcome, RecordOutcome, RecordRequest } from "../dialplan/channel.js";
import type { ChannelView } from "../events.js";
import type { CallContext } from "./call-context.js";
import type { CallerId } from "./channel.js";
import type { DialCaller } from "./dial-caller.js";
import { nextCallId } from "./channel-name.js";
import { LegAudio } from "./leg-audio.js";
import { CAUSE } from "./hangup-cause.js";
import type { OutboundLeg } from "./outbound-leg.js";

export type OriginateOutcome = "answered" | "busy" | "no-answer" | "congestion" | "failed";

export interface OriginatedCallOptions {
  ctx: CallContext;
  leg: OutboundLeg;
  log: Logger;
  dial: (call: OriginatedCall, targets: string[], timeoutSec: number | undefined, options: string) => Promise<DialResult>;
  onEnd: (call: OriginatedCall) => void;
}

export class OriginatedCall implements DialplanChannel, DialCaller {
  readonly log: Logger;
  readonly leg: OutboundLeg;
  readonly ringing_ = new Set<OutboundLeg>();
  dialCause: number | undefined;
  readonly admission = "auth" as const;
  /** Asterisk's call id (`C-0000000a`) for this call's log lines. */
  readonly callid = nextCallId();
  private peerLeg: OutboundLeg | undefined;
  private bridgeValue: Bridge | undefined;
  private ended = false;
  private readonly endingHooks: Array<() => void> = [];
  private readonly endWaiters: Array<() => void> = [];
  /** Prompts, recordings, keys and waits on the channel's own audio. */
  private readonly audio: LegAudio;
  language: string;

  constructor(private readonly o: OriginatedCallOptions) {
    this.leg = o.leg;
    this.log = o.log;
    this.audio = new LegAudio(o.ctx, this);
    this.language = o.leg.endpoint.language.length > 0 ? o.leg.endpoint.language : o.ctx.config().asterisk?.options.defaultlanguage || "en";
    o.leg.on("remoteHangup", () => {
      this.o.leg.channel.requestHangup("remote", CAUSE.NORMAL_CLEARING);
      this.finish(CAUSE.NORMAL_CLEARING);
    });
  }

  get name(): string {
    return this.leg.name;
  }
  get uniqueId(): string {
    return this.leg.uniqueId;
  }
  get callId(): string {
    return this.leg.callId;
  }
  get mediaLegId(): string {
    return this.leg.mediaLegId;
  }
  get endpoint() {
    return this.leg.endpoint;
  }
  get flow(): Flow {
    return this.leg.flow;
  }
  get media() {
    return this.leg.media;
  }
  get session() {
    return this.leg.session;
  }
  get channel() {
    return this.leg.channel;
  }
  get vars(): Map<string, string> {
    return this.leg.channel.vars;
  }
  get callerId(): CallerId {
    return this.leg.channel.callerId;
  }
  set callerId(v: CallerId) {
    this.leg.channel.callerId = v;
  }
  get codecs(): MediaCodec[] {
    return this.leg.media.codecs;
  }
  get telephoneEvent(): TelephoneEvent | undefined {
    return this.leg.media.agreedTelephoneEvent;
  }
  get answered(): boolean {
    return true;
  }
  get peer(): OutboundLeg | undefined {
    return this.peerLeg;
  }
  get bridge(): Bridge | undefined {
    return this.bridgeValue;
  }

  view(): ChannelView {
    return this.leg.view();
  }

  connect(leg: OutboundLeg, bridge: Bridge): void {
    this.peerLeg = leg;
    this.bridgeValue = bridge;
    this.leg.channel.connectedLine = { num: leg.endpoint.id, name: "" };
  }

  disconnect(leg: OutboundLeg): void {
    if (this.peerLeg !== leg) return;
    this.peerLeg = undefined;
    this.bridgeValue = undefined;
  }

  /** Sends the channel to `target` in the dialplan (see InboundCall.redirect); false once it ended. */
  redirect(target: RedirectTarget): boolean {
    if (this.ended) return false;
    this.audio.redirect.request(target);
    return true;
  }

  takeRedirect(): RedirectTarget | undefined {
    return this.audio.redirect.take();
  }

  redirectPending(): boolean {
    return this.audio.redirect.pending;
  }

  whenStopped(): Promise<void> {
    return this.audio.whenStopped();
  }

  hungUp(): boolean {
    return this.ended;
  }

  onEnding(fn: () => void): void {
    if (this.ended) fn();
    else this.endingHooks.push(fn);
  }

  whenEnded(): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((r) => this.endWaiters.push(r));
  }

  // The originated channel is answered before the dialplan sees it: nothing to signal.
  answer(): Promise<void> {
    return Promise.resolve();
  }
  ringing(): Promise<void> {
    return Promise.resolve();
  }
  progress(): Promise<void> {
    return Promise.resolve();
  }

  hangup(cause: number = CAUSE.NORMAL_CLEARING): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.leg.hangup();
    this.finish(cause);
    return Promise.resolve();
  }

  private finish(cause: number): void {
    if (this.ended) return;
    this.ended = true;
    this.audio.digits.end();
    for (const fn of this.endingHooks.splice(0)) fn();
    this.bridgeValue?.close();
    for (const l of [...this.ringing_]) l.cancel();
    this.ringing_.clear();
    this.peerLeg?.hangup();
    if (!this.leg.channel.hungUp) this.leg.channel.hangup(cause);
    for (const w of this.endWaiters.splice(0)) w();
    this.o.onEnd(this);
  }

  async playback(what: string): Promise<"ok" | "failed"> {
    return (await this.play(what, "")).status === "ok" ? "ok" : "failed";
  }

  async play(what: string, interruptKeys: string): Promise<PlayOutcome> {
    if (this.audio.stopped()) return { status: "failed" };
    const prompt = this.audio.prepare(what);
    return prompt === undefined ? { status: "failed" } : this.audio.play(prompt, interruptKeys);
  }

  record(o: RecordRequest): Promise<RecordOutcome> {
    return this.audio.record(o);
  }

  stopRecording(): void {
    this.audio.stopRecording();
  }

  mixMonitor(spec: MixMonitorSpec): Promise<MixMonitorResult> {
    return this.audio.mixMonitor(spec);
  }

  stopMixMonitor(tapId: string): void {
    this.audio.stopMixMonitor(tapId);
  }

  async echo(): Promise<void> {
    if (this.audio.stopped()) return;
    this.o.ctx.media.echo(this.mediaLegId, true);
    await this.audio.whenStopped();
    if (!this.ended) this.o.ctx.media.echo(this.mediaLegId, false);
  }

  wait(seconds: number): Promise<void> {
    return this.audio.wait(seconds);
  }

  dial(targets: string[], timeoutSec: number | undefined, options: string): Promise<DialResult> {
    return this.o.dial(this, targets, timeoutSec, options);
  }

  async busy(timeoutSec?: number): Promise<void> {
    await this.tone("tone:busy", timeoutSec);
  }

  async congestion(timeoutSec?: number): Promise<void> {
    await this.tone("tone:congestion", timeoutSec);
  }

  private tone(name: string, timeoutSec?: number): Promise<void> {
    return this.audio.tone(this.playback(name), timeoutSec);
  }

  heardDigit(digit: string): void {
    this.audio.digits.heard(digit);
  }

  readDigit(timeoutMs: number): Promise<string | undefined> {
    return this.audio.readDigit(timeoutMs);
  }

  clearDigits(): void {
    this.audio.digits.clear();
  }

  sendDtmf(digit: string, durationMs: number): boolean {
    if (this.ended) return false;
    return this.o.ctx.dtmf.send(this, digit, durationMs);
  }

  setLocation(where: { context: string; exten: string; priority: number; app: string; data: string }): void {
    this.leg.channel.setLocation(where);
  }

  get signalling(): { transport: string; localAddress: string; localPort: number; remoteAddress: string; remotePort: number } {
    const f = this.flow;
    return { transport: f.transport.protocol.toUpperCase(), localAddress: f.transport.localAddress, localPort: f.transport.localPort, remoteAddress: f.remoteAddress, remotePort: f.remotePort };
  }
}
