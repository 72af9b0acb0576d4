/**
 * One call leg inside a relay worker: an RTP socket on an even port and an RTCP socket on the
 * next, the remote address from SDP, strict source learning, symmetric latching, counters, and
 * the per-packet relay to the bridged partner leg.
 *
 * The hot path (`onRtp`) forwards the Buffer dgram handed us, unchanged, from the partner's
 * socket: no copy, no allocation, SSRC/sequence/timestamp preserved (only Echo rewrites the SSRC,
 * see `onRtp`).
 */
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { fastLookup } from "../../core/fast-lookup.js";
import { isIPv4, isIPv6 } from "node:net";
import { randomInt } from "node:crypto";
import { isRtcpPayloadType, looksLikeRtp, parseRtpHeader, RTP_HEADER_SIZE, writeRtpHeader } from "../rtp/rtp-header.js";
import type { OwnStream, RtpPlayer } from "../playback/rtp-player.js";
import type { Recorder } from "../record/recorder.js";
import type { MixTap, TapLeg } from "../record/mix-tap.js";
import { SourceLearner } from "./source-learning.js";
import type { LegSnapshot, WorkerConfig } from "./protocol.js";
import { DEFAULT_LEG_OPTIONS, type LegOptions, type LegSrtp, type LegStats, type RemoteAddress } from "./types.js";
import { SrtpContext } from "../srtp/srtp.js";
import { sameFormat } from "../transcode/leg-format.js";
import { Transcoder } from "../transcode/transcoder.js";
import { createCodec, type AudioCodec } from "../codec/audio-codec.js";
import { Resampler } from "../codec/resampler.js";
import { DtmfDetector } from "../dtmf/dtmf-detector.js";
import { eventDigit } from "../dtmf/dtmf-tones.js";
import type { ConferenceTap } from "../conference/conference-rooms.js";
import { datagramKind } from "../rtp/demux.js";
import { LegDtlsLink } from "../dtls/leg-dtls-link.js";
import type { DtlsLegState, LegDtls } from "../dtls/types.js";
import type { LegIce, LegIceHost } from "../ice/leg-ice.js";
import type { IceCandidate } from "../ice/candidate.js";

/** Digits a leg may report per second; a human dials at most about ten. */
const MAX_DIGITS_PER_SECOND = 12;
/** RFC 4733 events shorter than this are not digits. */
const MIN_EVENT_MS = 40;

/** RFC 3389 comfort noise, static payload type 13 (RFC 3551 §6). */
const PT_CN = 13;
/** CN noise level byte: -127 dBov, i.e. silence. */
const CN_SILENT = 127;

export interface LegEvents {
  timeout(leg: RelayLeg): void;
  /** `relayed`: the key went on to the partner in the media (its events relayed, its tones in the audio). */
  dtmf(leg: RelayLeg, digit: string, durationMs: number, source: "rfc4733" | "inband", relayed: boolean): void;
  noMedia(leg: RelayLeg): void;
  error(leg: RelayLeg, err: Error): void;
  /** The leg's DTLS association changed state (handshake done, failed). */
  dtls(leg: RelayLeg, state: DtlsLegState): void;
  iceSelected?(leg: RelayLeg, component: number, local: IceCandidate): void;
  /** A notice from the leg's ICE for the log (the checklist limit dropped pairs). */
  iceNotice?(leg: RelayLeg, message: string): void;
}


/** Binds a UDP socket; resolves when listening, rejects with the bind error (EADDRINUSE…). */
function bindSocket(type: "udp4" | "udp6", port: number, address: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket({ type, reuseAddr: false, ipv6Only: false, lookup: fastLookup });
    const onError = (err: Error) => {
      s.close();
      reject(err);
    };
    s.once("error", onError);
    s.bind(port, address, () => {
      s.off("error", onError);
      resolve(s);
    });
  });
}

export class RelayLeg {
  private rtp!: Socket;
  private rtcp!: Socket;
  private ipv6 = false;
  options: LegOptions = { ...DEFAULT_LEG_OPTIONS };
  remote: RemoteAddress | undefined;
  private readonly learner: SourceLearner;
  private rtcpSrcAddress: string | undefined;
  private rtcpSrcPort = 0;
  // Where we send, recomputed when the remote, the options or the learned source change.
  private dstAddress = "";
  private dstPort = 0;
  private dstRtcpAddress = "";
  private dstRtcpPort = 0;
  peer: RelayLeg | undefined;
  echo = false;
  /** While echoing: our timestamp minus the phone's, fixed per phone SSRC. */
  private echoTsOffset: number | undefined;
  private echoSsrc = -1;
  player: RtpPlayer | undefined;
  /** Counts play and stopPlay requests: a play whose file was still being read when a newer request came is dropped. */
  playEpoch = 0;
  /** Record(), VoiceMail(): what this leg's phone sends, decoded. */
  recorder: Recorder | undefined;
  /** MixMonitor(): taps on both directions of this leg, with the request each answers when it ends. */
  readonly taps = new Map<MixTap, number>();
  /** What a tap asks of this leg: the formats to decode by, and whether it is bridged (option b). */
  readonly tapLeg: TapLeg = {
    formats: () => [this.options.format, this.peer?.options.format],
    bridged: () => this.peer !== undefined,
  };
  /** ConfBridge(): this leg's audio goes to a conference room, and it hears the room's mix. */
  conference: ConferenceTap | undefined;
  /** Payload types renumbered toward the partner (same codec, another number in its SDP). */
  private ptRewrite: Map<number, number> | undefined;
  /** Decodes what this leg's phone sends and encodes it for the partner's, when their formats differ. */
  private transcoder: Transcoder | undefined;
  /** Inband DTMF detection on what this leg's phone sends (dtmfDetect: "inband"), with its decoders by payload type. */
  private inband: { detector: DtmfDetector; decoders: Map<number, { codec: AudioCodec; resampler: Resampler } | undefined> } | undefined;
  /** When the digits of the last second were reported. */
  private readonly digitTimes: number[] = [];
  /** The timestamp of the last RFC 4733 event reported, so its three end packets count once. */
  private lastEventTs = -1;
  /**
   * The partner's stream as relayed untouched to this leg's phone (its SSRC, the last sequence
   * number and timestamp sent, when), and how many packets of ours were inserted into it: events
   * toward a phone that hears a relayed stream go into that stream, so it sees one source, and
   * the relayed packets' sequence numbers move up by as many.
   */
  private relayed = { ssrc: -1, seq: 0, origSeq: 0, ts: 0, at: 0, from: "" };
  /** Packets of our own (a prompt, music) went to this leg's phone since the relayed source last changed. */
  private ownSent = false;
  private relayShift = 0;
  /** What relayed timestamps move by, so that a new source continues the stream the phone heard. */
  private tsShift = 0;
  /** The last RTP packet sent to this leg's phone, whatever its origin: its number, timestamp and when. */
  private readonly lastOut = { sent: false, seq: 0, ts: 0, at: 0 };
  /** The original sequence number of the relayed packet after which our last packet went in. */
  private shiftBase = 0;
  /** SRTP toward and from this leg's phone (undefined: plain RTP). */
  private srtp: { keys: LegSrtp; in: SrtpContext; out: SrtpContext } | undefined;
  /** Of `dropped`, SRTP packets that failed authentication or replay checks. */
  srtpRefused = 0;
  /** A datagram's handling threw once already (reported once per leg). */
  private reportedThrow = false;
  /** DTLS-SRTP (RFC 5764) on this leg's RTP port: the handshake whose keys `srtp` then uses. */
  private readonly dtlsLink = new LegDtlsLink({
    send: (record, to) => {
      if (this.closed || this.ice?.sendRelayed(1, record) === true) return;
      // With ICE, to the pair in use; else to whoever spoke DTLS to us, else the SDP's address.
      const dest = this.ice?.target(1) ?? to;
      const port = dest?.port ?? this.dstPort;
      if (port === 0) return;
      this.rtp.send(record, port, dest !== undefined ? this.mapped(dest.address) : this.dstAddress);
    },
    keys: (keys) => this.setSrtp(keys),
    changed: (state) => this.events.dtls(this, state),
  });
  /**
   * RFC 5764 §4.1: without RTCP multiplexing, the RTCP port runs a DTLS association of its own,
   * whose keys protect SRTCP there; `rtcpSrtp` holds them (SDES legs use `srtp` on both ports).
   */
  private readonly rtcpDtlsLink = new LegDtlsLink({
    send: (record, to) => {
      if (this.closed || this.ice?.sendRelayed(2, record) === true) return;
      const dest = this.ice?.target(2) ?? to;
      const port = dest?.port ?? this.dstRtcpPort;
      if (port === 0) return;
      this.rtcp.send(record, port, dest !== undefined ? this.mapped(dest.address) : this.dstRtcpAddress);
    },
    keys: (keys) => {
      this.rtcpSrtp = { keys: { ...keys }, in: SrtpContext.fromInlineKey(keys.suite, keys.remoteKey, undefined, this.config.srtpReplayProtection), out: SrtpContext.fromInlineKey(keys.suite, keys.localKey) };
    },
    // The RTP port's association is the one reported; RTCP is not needed for audio.
    changed: () => {},
  });
  private rtcpSrtp: { keys: LegSrtp; in: SrtpContext; out: SrtpContext } | undefined;
  readonly own: OwnStream = { ssrc: randomInt(0x7fffffff), seq: randomInt(0xffff), ts: randomInt(0x7fffffff) };
  private keepalive = Buffer.alloc(RTP_HEADER_SIZE + 1);
  // Counters.
  packetsIn = 0;
  bytesIn = 0;
  packetsOut = 0;
  bytesOut = 0;
  rtcpIn = 0;
  rtcpOut = 0;
  dropped = 0;
  malformed = 0;
  payloadType = -1;
  ssrc = -1;
  lastRtpAt = 0;
  lastSentAt = 0;
  // Timers for rtp_timeout and the no-media report.
  private timeoutBase: number;
  private timeoutReported = false;
  private bridgedAt = 0;
  private packetsAtBridge = 0;
  private noMediaReported = false;
  closed = false;
  /** ICE (RFC 8445) on this leg's sockets, when its endpoint has ice_support=yes. */
  ice: LegIce | undefined;

  constructor(
    readonly id: string,
    readonly port: number,
    readonly startedAt: number,
    private readonly config: WorkerConfig,
    private readonly events: LegEvents,
  ) {
    this.learner = new SourceLearner(config.strictRtp, config.probation);
    this.timeoutBase = performance.now();
  }

  /** Binds RTP on `port` and RTCP on `port + 1`; on failure nothing stays bound. */
  async open(bindAddress: string): Promise<void> {
    const type = isIPv6(bindAddress) ? "udp6" : "udp4";
    this.ipv6 = type === "udp6";
    this.rtp = await bindSocket(type, this.port, bindAddress);
    try {
      this.rtcp = await bindSocket(type, this.port + 1, bindAddress);
    } catch (err) {
      this.rtp.close();
      throw err;
    }
    this.rtp.on("message", (msg, rinfo) => {
      try {
        this.onRtp(msg, rinfo);
      } catch (err) {
        this.threw(err);
      }
    });
    this.rtcp.on("message", (msg, rinfo) => {
      try {
        this.onRtcp(msg, rinfo);
      } catch (err) {
        this.threw(err);
      }
    });
    this.rtp.on("error", (err) => this.events.error(this, err));
    this.rtcp.on("error", (err) => this.events.error(this, err));
  }

  restore(s: LegSnapshot): void {
    this.options = { ...s.options };
    this.refreshInband();
    if (s.remote) this.setRemote(s.remote);
    Object.assign(this, s.counters);
    this.echo = s.echo;
    this.setSrtp(s.srtp);
    if (s.dtls !== undefined) this.dtlsLink.restore(s.dtls);
    if (s.rtcpDtls !== undefined) this.rtcpDtlsLink.restore(s.rtcpDtls.link);
    if (s.rtcpDtls?.keys !== undefined) {
      const k = s.rtcpDtls.keys;
      this.rtcpSrtp = { keys: k, in: SrtpContext.fromInlineKey(k.suite, k.remoteKey, undefined, this.config.srtpReplayProtection), out: SrtpContext.fromInlineKey(k.suite, k.localKey) };
      if (s.rtcpDtls.state !== undefined) {
        this.rtcpSrtp.in.restoreState(s.rtcpDtls.state.in);
        this.rtcpSrtp.out.restoreState(s.rtcpDtls.state.out);
      }
    }
    if (this.srtp !== undefined && s.srtpState !== undefined) {
      this.srtp.in.restoreState(s.srtpState.in);
      this.srtp.out.restoreState(s.srtpState.out);
    }
    this.updateTargets();
  }

  snapshot(): LegSnapshot {
    const { packetsIn, bytesIn, packetsOut, bytesOut, rtcpIn, rtcpOut, dropped, malformed } = this;
    const snap: LegSnapshot = { options: { ...this.options }, counters: { packetsIn, bytesIn, packetsOut, bytesOut, rtcpIn, rtcpOut, dropped, malformed }, echo: this.echo };
    if (this.remote) snap.remote = { ...this.remote };
    if (this.ice) snap.ice = this.ice.snapshot();
    if (this.srtp) {
      snap.srtp = { ...this.srtp.keys };
      snap.srtpState = { in: this.srtp.in.state(), out: this.srtp.out.state() };
    }
    const dtls = this.dtlsLink.snapshot();
    if (dtls !== undefined) snap.dtls = dtls;
    const rtcpDtls = this.rtcpDtlsLink.snapshot();
    if (rtcpDtls !== undefined) {
      snap.rtcpDtls = { link: rtcpDtls };
      if (this.rtcpSrtp !== undefined) {
        snap.rtcpDtls.keys = { ...this.rtcpSrtp.keys };
        snap.rtcpDtls.state = { in: this.rtcpSrtp.in.state(), out: this.rtcpSrtp.out.state() };
      }
    }
    return snap;
  }

  /** Keys for SRTP with this leg's phone (new ones on a re-key), or undefined for plain RTP. */
  setSrtp(keys: LegSrtp | undefined): void {
    if (keys === undefined) {
      this.srtp = undefined;
      return;
    }
    // A re-INVITE that repeats a key keeps its context: the rollover counter and the replay
    // window carry on (RFC 3711 §3.3.1); a changed key starts a new one.
    const old = this.srtp;
    const same = old !== undefined && old.keys.suite === keys.suite;
    const sameIn = same && old.keys.remoteKey === keys.remoteKey && old.keys.remoteMki?.value === keys.remoteMki?.value && old.keys.remoteMki?.length === keys.remoteMki?.length;
    this.srtp = {
      keys: { ...keys },
      in: sameIn ? old.in : SrtpContext.fromInlineKey(keys.suite, keys.remoteKey, keys.remoteMki, this.config.srtpReplayProtection),
      out: same && old.keys.localKey === keys.localKey ? old.out : SrtpContext.fromInlineKey(keys.suite, keys.localKey),
    };
  }

  /** DTLS-SRTP parameters from the SDP (undefined: none); a new association number starts a new handshake. */
  setDtls(params: LegDtls | undefined): void {
    this.dtlsLink.set(params);
    this.rtcpDtlsLink.set(params !== undefined && this.options.rtcpMux !== true ? params : undefined);
    if (params === undefined || this.options.rtcpMux === true) this.rtcpSrtp = undefined;
  }

  /** The SRTP context of the RTCP port: its own DTLS association's, else the leg's (SDES, or RTCP muxed). */
  private srtpOf(rtcpPort: boolean): { in: SrtpContext; out: SrtpContext } | undefined {
    return rtcpPort && this.rtcpDtlsLink.active ? this.rtcpSrtp : this.srtp;
  }

  /** What leaves toward this leg's phone: encrypted when the leg has SRTP; nothing while it must and has no keys yet. */
  private wire(msg: Buffer, rtcp: boolean, rtcpPort = false): Buffer | undefined {
    const s = this.srtpOf(rtcpPort);
    if (s === undefined) return this.options.srtpRequired === true ? undefined : msg;
    return rtcp ? s.out.protectRtcp(msg) : s.out.protect(msg);
  }

  /** Sends on the RTP socket toward this leg's phone what `wire` lets out; false when nothing went. */
  private sendRtp(msg: Buffer, rtcp: boolean): boolean {
    if (!rtcp && this.taps.size > 0) {
      const now = performance.now();
      for (const t of this.taps.keys()) t.pushSent(msg, now);
    }
    const out = this.wire(msg, rtcp);
    if (out === undefined) return false;
    if (this.ice?.sendRelayed(1, out) !== true) this.rtp.send(out, this.dstPort, this.dstAddress);
    if (!rtcp) {
      const o = this.lastOut;
      o.sent = true;
      o.seq = msg.readUInt16BE(2);
      o.ts = msg.readUInt32BE(4);
      o.at = performance.now();
    }
    return true;
  }

  /** The RTP clock of what this leg's phone receives (its telephone-event's rate, else its first codec's). */
  private clockRate(): number {
    const f = this.options.format;
    if (f?.event !== undefined) return f.event.clockRate;
    return f?.codecs[0]?.name === "opus" ? 48000 : 8000;
  }

  /** Sends RTCP toward this leg's phone: on the RTP port when it multiplexes (RFC 5761), else on the RTCP port. */
  private sendRtcp(msg: Buffer): boolean {
    if (this.dstRtcpPort === 0 || this.closed) return false;
    const muxed = this.options.rtcpMux === true;
    const out = this.wire(msg, true, !muxed);
    if (out === undefined) return false;
    // Through the TURN relay when ICE selected a relayed pair.
    if (this.ice?.sendRelayed(muxed ? 1 : 2, out) === true) return true;
    (muxed ? this.rtp : this.rtcp).send(out, this.dstRtcpPort, this.dstRtcpAddress);
    return true;
  }

  /** What ICE needs of the leg: raw sends on a component's socket, relayed data fed back, new targets. */
  readonly iceHost: LegIceHost = {
    sendRaw: (component, buf, to) => {
      if (this.closed) return;
      (component === 1 ? this.rtp : this.rtcp).send(buf, to.port, this.mapped(to.address));
    },
    deliver: (component, buf, from) => {
      const rinfo: RemoteInfo = { address: this.mapped(from.address), port: from.port, family: isIPv4(from.address) ? "IPv4" : "IPv6", size: buf.length };
      if (component === 1) this.onRtp(buf, rinfo);
      else this.onRtcp(buf, rinfo);
    },
    selectedChanged: (component) => {
      this.updateTargets();
      const local = this.ice?.selectedLocal(component);
      if (local !== undefined) this.events.iceSelected?.(this, component, local);
    },
    notice: (message) => this.events.iceNotice?.(this, message),
  };

  /** What came from this leg's phone, decrypted; undefined (counted) when SRTP refuses it. */
  private clear(msg: Buffer, rtcp: boolean, rtcpPort = false): Buffer | undefined {
    const s = this.srtpOf(rtcpPort);
    if (s === undefined) {
      if (this.options.srtpRequired !== true) return msg;
      this.dropped++;
      return undefined;
    }
    const r = rtcp ? s.in.unprotectRtcp(msg) : s.in.unprotect(msg);
    if (Buffer.isBuffer(r)) return r;
    this.dropped++;
    this.srtpRefused++;
    return undefined;
  }

  /** New SDP address (offer/answer or re-INVITE): relearn the source. */
  setRemote(remote: RemoteAddress): void {
    this.remote = { ...remote };
    this.learner.reset();
    this.rtcpSrcAddress = undefined;
    this.updateTargets();
  }

  setOptions(o: Partial<LegOptions>): void {
    const holdChanged = o.onHold !== undefined && o.onHold !== this.options.onHold;
    for (const [k, v] of Object.entries(o)) if (v !== undefined) (this.options as unknown as Record<string, unknown>)[k] = v;
    if (holdChanged || o.timeoutSec !== undefined || o.timeoutHoldSec !== undefined) {
      this.timeoutBase = performance.now();
      this.timeoutReported = false;
    }
    this.updateTargets();
    if (o.dtmfDetect !== undefined || o.format !== undefined) this.refreshInband();
    if (o.format !== undefined) {
      this.conference?.formatChanged(this.id);
      this.refreshTranscoder();
      if (this.peer?.peer === this) this.peer.refreshTranscoder();
    }
  }

  /** The bridge is gone: what was set up for the partner goes with it. */
  unbridge(): void {
    if (this.peer !== undefined && this.peer.peer === this) {
      this.peer.peer = undefined;
      this.peer.refreshTranscoder();
    }
    this.peer = undefined;
    this.refreshTranscoder();
  }

  bridgeTo(peer: RelayLeg): void {
    this.conference?.leave(this.id);
    this.peer = peer;
    this.learner.reset();
    this.bridgedAt = performance.now();
    this.packetsAtBridge = this.packetsIn;
    this.updateTargets();
    this.refreshTranscoder();
  }

  /**
   * Transcoding toward the partner when the two legs' formats differ; none when they match (or a
   * leg has no format), so packets pass untouched. A transcoder whose two formats are unchanged is
   * kept, with its codec state and timestamps.
   */
  refreshTranscoder(): void {
    const peer = this.peer;
    const from = this.options.format;
    const to = peer?.options.format;
    const current = this.transcoder;
    this.ptRewrite = undefined;
    if (peer === undefined || from === undefined || to === undefined || sameFormat(from, to)) {
      current?.close();
      this.transcoder = undefined;
      // The same codec under another payload type number in the partner's SDP: renumber it.
      const a = from?.codecs[0];
      const b = to?.codecs[0];
      const rewrite = new Map<number, number>();
      if (a !== undefined && b !== undefined && a.payloadType !== b.payloadType) rewrite.set(a.payloadType, b.payloadType);
      if (from?.event !== undefined && to?.event !== undefined && from.event.payloadType !== to.event.payloadType) rewrite.set(from.event.payloadType, to.event.payloadType);
      if (rewrite.size > 0) this.ptRewrite = rewrite;
      return;
    }
    if (current !== undefined && current.sink === peer && JSON.stringify([current.from, current.to]) === JSON.stringify([from, to])) return;
    current?.close();
    try {
      this.transcoder = new Transcoder(from, to, peer.own, peer);
    } catch (err) {
      this.transcoder = undefined;
      this.events.error(this, err as Error);
    }
  }

  /** Starts or stops inband DTMF detection as the options say; a format change drops the decoders. */
  private refreshInband(): void {
    if (this.options.dtmfDetect !== "inband") {
      this.closeInband();
      return;
    }
    if (this.inband === undefined) {
      this.inband = { detector: new DtmfDetector((digit, ms) => this.reportDigit(digit, ms, "inband", this.passesTones())), decoders: new Map() };
      return;
    }
    for (const d of this.inband.decoders.values()) d?.codec.close?.();
    this.inband.decoders.clear();
  }

  private closeInband(): void {
    for (const d of this.inband?.decoders.values() ?? []) d?.codec.close?.();
    this.inband = undefined;
  }

  /** Decodes one packet of this leg's phone to 8 kHz for the detector. */
  private detectInband(msg: Buffer): void {
    const inband = this.inband;
    if (inband === undefined) return;
    const pt = this.payloadType;
    let d = inband.decoders.get(pt);
    if (d === undefined && !inband.decoders.has(pt)) {
      const name = this.options.format?.codecs.find((c) => c.payloadType === pt)?.name ?? (pt === 0 ? "ulaw" : pt === 8 ? "alaw" : undefined);
      const codec = name === undefined ? undefined : createCodec(name, { rate: 8000 });
      d = codec === undefined ? undefined : { codec, resampler: new Resampler(codec.sampleRate, 8000) };
      inband.decoders.set(pt, d);
    }
    if (d === undefined) return;
    const h = parseRtpHeader(msg);
    if (h === undefined || h.payloadLength === 0) return;
    inband.detector.push(d.resampler.process(d.codec.decode(msg.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength))));
  }

  /** Reports a digit unless this leg already reported MAX_DIGITS_PER_SECOND in the last second (a flood). */
  private reportDigit(digit: string, ms: number, source: "rfc4733" | "inband", relayed: boolean): void {
    const now = performance.now();
    while (this.digitTimes.length > 0 && now - (this.digitTimes[0] as number) > 1000) this.digitTimes.shift();
    if (this.digitTimes.length >= MAX_DIGITS_PER_SECOND) return;
    this.digitTimes.push(now);
    this.events.dtmf(this, digit, ms, source, relayed);
  }

  /** An RFC 4733 event from this leg's phone: reported once, at its end. */
  private onEvent(msg: Buffer): void {
    const h = parseRtpHeader(msg);
    if (h === undefined || h.payloadLength < 4) return;
    const at = h.payloadOffset;
    if ((msg[at + 1]! & 0x80) === 0 || h.timestamp === this.lastEventTs) return;
    this.lastEventTs = h.timestamp;
    const digit = eventDigit(msg[at]!);
    const clock = this.options.format?.event?.clockRate ?? 8000;
    const ms = Math.round((msg.readUInt16BE(at + 2) * 1000) / clock);
    // Shorter than any key press (ITU-T Q.24 asks for 40 ms): noise or a flood, not a digit.
    if (digit !== undefined && ms >= MIN_EVENT_MS) this.reportDigit(digit, ms, "rfc4733", this.passesEvents());
  }

  /** True when what this leg's phone sends reaches a bridged partner's phone now (see onRtp). */
  private passesAudio(): boolean {
    const peer = this.peer;
    return this.conference === undefined && !this.echo && peer !== undefined && peer.dstPort !== 0 && peer.player === undefined && peer.options.remoteReceives !== false;
  }

  /** True when this leg's phone's audio (and the tones of its keys) reaches the partner's phone now. */
  private passesTones(): boolean {
    return this.passesAudio() && this.options.muteIn !== true && this.peer?.options.muteOut !== true;
  }

  /** True when this leg's RFC 4733 events go on to the partner (not held for feature codes, taken by its phone). */
  private passesEvents(): boolean {
    return this.passesAudio() && this.peer?.options.dtmfEvents !== false && this.options.holdEvents !== true;
  }

  /**
   * Where RFC 4733 events toward this leg's phone go: into the partner's relayed stream while one
   * is flowing (within the last second), else our own stream.
   */
  eventTarget(): { own: OwnStream; sendOwn: (b: Buffer) => void; readonly closed: boolean } {
    if (this.relayed.ssrc < 0 || performance.now() - this.relayed.at > 1000) return this;
    const r = this.relayed;
    const stream: OwnStream = {
      ssrc: r.ssrc,
      get seq() {
        return (r.seq + 1) & 0xffff;
      },
      set seq(_: number) {},
      ts: r.ts,
    };
    return {
      own: stream,
      closed: this.closed,
      sendOwn: (b: Buffer) => {
        r.seq = (r.seq + 1) & 0xffff;
        this.relayShift = (this.relayShift + 1) & 0xffff;
        this.shiftBase = r.origSeq;
        // In the relayed stream: not packets of our own stream, which a relayed source must follow.
        this.sendOwn(b, false);
      },
    };
  }

  /** The partner's transcoder output goes out as our own packets. */
  private readonly sendOwnPacket = (buf: Buffer): void => this.sendOwn(buf, false);

  /** IPv4 targets must be written as v4-mapped IPv6 on a dual-stack socket. */
  private mapped(address: string): string {
    return this.ipv6 && isIPv4(address) ? `::ffff:${address}` : address;
  }

  private updateTargets(): void {
    const r = this.remote;
    const usable = r !== undefined && r.port > 0 && r.address !== "0.0.0.0" && r.address !== "::";
    const learned = this.learner.address;
    if (this.options.symmetric && learned !== undefined) {
      this.dstAddress = learned;
      this.dstPort = this.learner.port;
    } else if (usable) {
      this.dstAddress = this.mapped(r.address);
      this.dstPort = r.port;
    } else {
      this.dstPort = 0;
    }
    if (this.options.rtcpMux === true) {
      // RFC 5761: RTCP goes where RTP goes.
      this.dstRtcpAddress = this.dstAddress;
      this.dstRtcpPort = this.dstPort;
    } else if (this.options.symmetric && this.rtcpSrcAddress !== undefined) {
      this.dstRtcpAddress = this.rtcpSrcAddress;
      this.dstRtcpPort = this.rtcpSrcPort;
    } else if (usable) {
      this.dstRtcpAddress = this.mapped(r.address);
      this.dstRtcpPort = r.rtcpPort ?? r.port + 1;
    } else if (this.options.symmetric && learned !== undefined) {
      this.dstRtcpAddress = learned;
      this.dstRtcpPort = this.learner.port + 1;
    } else {
      this.dstRtcpPort = 0;
    }
    // RFC 8445 §12.1: once ICE selected a pair, media goes to its remote candidate.
    const ice1 = this.ice?.target(1);
    if (ice1 !== undefined) {
      this.dstAddress = this.mapped(ice1.address);
      this.dstPort = ice1.port;
    }
    const ice2 = this.options.rtcpMux === true ? undefined : this.ice?.target(2);
    if (this.options.rtcpMux === true) {
      // Muxed RTCP follows RTP, also to the pair ICE chose.
      this.dstRtcpAddress = this.dstAddress;
      this.dstRtcpPort = this.dstPort;
    } else if (ice2 !== undefined) {
      this.dstRtcpAddress = this.mapped(ice2.address);
      this.dstRtcpPort = ice2.port;
    }
  }

  get latched(): boolean {
    return this.options.symmetric && this.learner.address !== undefined;
  }

  /** Sends a packet of ours (playback, keepalive, echo; `ours` false: the partner's transcoded audio) to this leg's remote. */
  sendOwn(buf: Buffer, ours = true): void {
    if (this.dstPort === 0 || this.closed) return;
    if (ours) this.ownSent = true;
    if (!this.sendRtp(buf, false)) return;
    this.packetsOut++;
    this.bytesOut += buf.length;
    this.lastSentAt = performance.now();
  }

  /**
   * DTLS is taken only from the phone, so no one else can start or take over the handshake whose
   * keys the leg then uses: with ICE, from one of the peer's candidates (signalled, or learned by an
   * authenticated check); without, from the SDP's address or the latched source — or from anyone
   * while a symmetric leg has latched nothing yet (as its RTP is).
   */
  private dtlsPeer(rinfo: RemoteInfo, component: 1 | 2): boolean {
    const from = { address: this.display(rinfo.address), port: rinfo.port };
    if (this.ice?.hasRemote === true) return this.ice.knows(component, from);
    const [address, port] = component === 1 ? [this.dstAddress, this.dstPort] : [this.dstRtcpAddress, this.dstRtcpPort];
    if (port === rinfo.port && this.display(address) === from.address) return true;
    if (this.learner.address !== undefined) return this.display(this.learner.address) === from.address && (component === 2 || this.learner.port === rinfo.port);
    return this.options.symmetric;
  }

  /**
   * Whatever a datagram from the network made a protocol path throw: that packet is dropped
   * (counted as malformed, reported once per leg), never the worker and every call on it.
   */
  private threw(err: unknown): void {
    this.dropped++;
    this.malformed++;
    if (this.reportedThrow) return;
    this.reportedThrow = true;
    this.events.error(this, err instanceof Error ? err : new Error(String(err)));
  }

  /**
   * RFC 7983: a datagram on one of the leg's ports that is not RTP or RTCP goes to its protocol's
   * handler — STUN and TURN channel data to ICE, DTLS to the component's association; true when
   * it was one (handled there, or dropped).
   */
  private demux(received: Buffer, rinfo: RemoteInfo, component: 1 | 2): boolean {
    switch (datagramKind(received)) {
      case "rtp":
        return false;
      case "stun":
      case "turn-channel":
        if (this.ice?.receive(component, received, { address: this.display(rinfo.address), port: rinfo.port }, received[0]! >= 64) === true) return true;
        break;
      case "dtls":
        if (this.dtlsPeer(rinfo, component) && (component === 1 ? this.dtlsLink : this.rtcpDtlsLink).receive(received, rinfo)) return true;
        break;
      default:
        break;
    }
    this.dropped++;
    this.malformed++;
    return true;
  }

  private onRtp(received: Buffer, rinfo: RemoteInfo): void {
    if (this.demux(received, rinfo, 1)) return;
    if (!looksLikeRtp(received)) {
      this.dropped++;
      this.malformed++;
      return;
    }
    const peer = this.peer;
    if (isRtcpPayloadType(received)) {
      // RTCP multiplexed on the RTP port (RFC 5761): pass it on the partner's RTP port likewise.
      const report = this.clear(received, true);
      if (report === undefined) return;
      this.rtcpIn++;
      if (peer !== undefined && peer.sendRtcp(report)) peer.rtcpOut++;
      return;
    }
    const msg = this.clear(received, false);
    if (msg === undefined) return;
    const verdict = this.learner.check(rinfo.address, rinfo.port, (msg[2]! << 8) | msg[3]!);
    if (verdict === "drop") {
      this.dropped++;
      return;
    }
    if (verdict === "switch") this.updateTargets();
    const now = performance.now();
    this.packetsIn++;
    this.bytesIn += msg.length;
    this.lastRtpAt = now;
    this.timeoutReported = false;
    this.payloadType = msg[1]! & 0x7f;
    this.ssrc = msg.readUInt32BE(8);
    const event = this.options.format?.event;
    const isEvent = event !== undefined && this.payloadType === event.payloadType;
    if (isEvent) this.onEvent(msg);
    else if (this.inband !== undefined) this.detectInband(msg);
    if (!isEvent) {
      this.recorder?.push(msg, now);
      if (this.taps.size > 0) for (const t of this.taps.keys()) t.pushReceived(msg, now);
    }
    if (this.conference !== undefined) {
      if (!isEvent) this.conference.push(this.id, msg);
      return;
    }
    if (this.echo) {
      if (this.player !== undefined || this.dstPort === 0) return;
      // A phone receiving its own SSRC from elsewhere treats it as an SSRC collision or a loop
      // (RFC 3550 §8.2) and may change SSRC or drop the packets, so echo under our SSRC, and in
      // our sequence and timestamp space: prompts and keepalives use the same SSRC, and one SSRC
      // with two sequence spaces would make the phone's SRTP replay window drop the echo (and
      // reuse SRTP indexes under one key, RFC 3711 §9.1).
      this.echoed(msg);
      if (!this.sendRtp(msg, false)) return;
      this.packetsOut++;
      this.bytesOut += msg.length;
      this.lastSentAt = now;
      return;
    }
    // While the partner plays a prompt, its phone hears the prompt, not us; while the partner's
    // phone holds the call (sendonly/inactive), it receives nothing.
    if (peer === undefined || peer.dstPort === 0 || peer.player !== undefined || peer.options.remoteReceives === false) {
      this.transcoder?.resync();
      return;
    }
    if (isEvent && (peer.options.dtmfEvents === false || this.options.holdEvents === true)) return;
    if (!isEvent && (this.options.muteIn === true || peer.options.muteOut === true)) {
      this.transcoder?.resync();
      return;
    }
    if (this.transcoder !== undefined) {
      try {
        this.transcoder.push(msg, peer.sendOwnPacket, now);
      } catch (err) {
        // A codec that refuses what it was given must not take the worker down: stop transcoding
        // this direction and say so.
        this.transcoder.close();
        this.transcoder = undefined;
        this.events.error(this, err as Error);
      }
      return;
    }
    const r = peer.relayed;
    const origSeq = msg.readUInt16BE(2);
    const origTs = msg.readUInt32BE(4);
    const last = peer.lastOut;
    if (last.sent && (peer.ownSent || (msg.readUInt32BE(8) !== r.ssrc && r.ssrc >= 0 && r.from !== this.id))) {
      // A new source after what the phone heard so far (music or a prompt, then a bridge; one
      // partner, then another): its numbers and timestamps continue that stream, as phones'
      // jitter buffers drop a stream that seems to go back in sequence or in time (by as much as
      // its random start) even when its SSRC changed — or when it is the source the phone heard
      // before our packets. The same partner's new source passes as it is.
      peer.ownSent = false;
      peer.relayShift = (last.seq + 1 - origSeq) & 0xffff;
      peer.shiftBase = (origSeq - 1) & 0xffff;
      const elapsed = Math.max(20, performance.now() - last.at);
      peer.tsShift = (last.ts + Math.round((elapsed * peer.clockRate()) / 1000) - origTs) >>> 0;
    }
    if (peer.relayShift !== 0 || peer.tsShift !== 0) {
      // Packets of ours went into this stream after original number shiftBase: a relayed packet
      // from before that point would now repeat a number already sent (and an SRTP index).
      if (peer.relayShift !== 0 && ((origSeq - peer.shiftBase + 0x8000) & 0xffff) - 0x8000 <= 0 && msg.readUInt32BE(8) === r.ssrc) return;
      msg.writeUInt16BE((origSeq + peer.relayShift) & 0xffff, 2);
      msg.writeUInt32BE((origTs + peer.tsShift) >>> 0, 4);
    }
    if (this.ptRewrite !== undefined) {
      const to = this.ptRewrite.get(this.payloadType);
      if (to !== undefined) msg[1] = (msg[1]! & 0x80) | to;
    }
    r.ssrc = msg.readUInt32BE(8);
    r.from = this.id;
    r.origSeq = origSeq;
    r.seq = msg.readUInt16BE(2);
    r.ts = msg.readUInt32BE(4);
    r.at = now;
    if (!peer.sendRtp(msg, false)) return;
    peer.packetsOut++;
    peer.bytesOut += msg.length;
    peer.lastSentAt = now;
  }

  /** Rewrites an echoed packet into our own stream: SSRC, the next sequence number, our clock. */
  private echoed(msg: Buffer): void {
    const ts = msg.readUInt32BE(4);
    if (this.echoTsOffset === undefined || this.echoSsrc !== msg.readUInt32BE(8)) {
      this.echoSsrc = msg.readUInt32BE(8);
      this.echoTsOffset = (this.own.ts - ts) >>> 0;
    }
    const ours = (ts + this.echoTsOffset) >>> 0;
    msg.writeUInt32BE(this.own.ssrc, 8);
    msg.writeUInt16BE(this.own.seq, 2);
    msg.writeUInt32BE(ours, 4);
    this.own.seq = (this.own.seq + 1) & 0xffff;
    this.own.ts = (ours + 160) >>> 0;
  }

  private onRtcp(received: Buffer, rinfo: RemoteInfo): void {
    if (this.demux(received, rinfo, 2)) return;
    // RTCP: version 2 and at least the 8-byte common header (RFC 3550 §6.4.1).
    if (received.length < 8 || received[0]! >> 6 !== 2) {
      this.dropped++;
      this.malformed++;
      return;
    }
    const msg = this.clear(received, true, true);
    if (msg === undefined) return;
    this.rtcpIn++;
    // Latch RTCP only to the host RTP comes from, so a stray sender cannot redirect reports.
    const learned = this.learner.address;
    if ((learned === undefined || learned === rinfo.address) && (rinfo.port !== this.rtcpSrcPort || rinfo.address !== this.rtcpSrcAddress)) {
      this.rtcpSrcAddress = rinfo.address;
      this.rtcpSrcPort = rinfo.port;
      this.updateTargets();
    }
    const peer = this.peer;
    if (peer !== undefined && peer.sendRtcp(msg)) peer.rtcpOut++;
  }

  /** Periodic housekeeping: keepalives, rtp_timeout, the no-media report, the jitter buffer. */
  tick(now: number): void {
    this.recorder?.tick(now);
    for (const t of this.taps.keys()) t.tick(now);
    if (this.transcoder !== undefined && this.peer !== undefined) {
      try {
        this.transcoder.flush(now, this.peer.sendOwnPacket);
      } catch (err) {
        this.transcoder.close();
        this.transcoder = undefined;
        this.events.error(this, err as Error);
      }
    }
    const o = this.options;
    if (o.keepaliveSec > 0 && this.player === undefined && this.dstPort !== 0 && now - Math.max(this.lastSentAt, this.timeoutBase) >= o.keepaliveSec * 1000) {
      writeRtpHeader(this.keepalive, PT_CN, this.own.seq, this.own.ts, this.own.ssrc);
      this.keepalive[RTP_HEADER_SIZE] = CN_SILENT;
      this.own.seq = (this.own.seq + 1) & 0xffff;
      this.sendOwn(this.keepalive);
    }
    const limit = o.onHold ? o.timeoutHoldSec : o.timeoutSec;
    if (limit > 0 && !this.timeoutReported && now - Math.max(this.lastRtpAt, this.timeoutBase) >= limit * 1000) {
      this.timeoutReported = true;
      this.events.timeout(this);
    }
    if (this.bridgedAt > 0 && !this.noMediaReported && now - this.bridgedAt >= this.config.noMediaMs) {
      this.noMediaReported = true;
      if (this.packetsIn === this.packetsAtBridge) this.events.noMedia(this);
    }
  }

  private display(address: string): string {
    return address.startsWith("::ffff:") && isIPv4(address.slice(7)) ? address.slice(7) : address;
  }

  stats(now: number): LegStats {
    const s: LegStats = {
      id: this.id,
      localPort: this.port,
      latched: this.latched,
      packetsIn: this.packetsIn,
      bytesIn: this.bytesIn,
      packetsOut: this.packetsOut,
      bytesOut: this.bytesOut,
      rtcpIn: this.rtcpIn,
      rtcpOut: this.rtcpOut,
      dropped: this.dropped,
      malformed: this.malformed,
      echo: this.echo,
      playing: this.player !== undefined,
      startedAt: this.startedAt,
    };
    if (this.remote) s.advertised = { ...this.remote };
    if (this.learner.address !== undefined) s.observed = { address: this.display(this.learner.address), port: this.learner.port };
    if (this.lastRtpAt > 0) s.lastPacketAgeMs = Math.round(now - this.lastRtpAt);
    if (this.payloadType >= 0) s.payloadType = this.payloadType;
    if (this.ssrc >= 0) s.ssrc = this.ssrc;
    if (this.peer) s.bridgedTo = this.peer.id;
    if (this.srtp) s.srtp = { suite: this.srtp.keys.suite, refused: this.srtpRefused };
    const dtls = this.dtlsLink.state;
    if (dtls !== undefined) s.dtls = dtls;
    const ice = this.ice?.stats();
    if (ice !== undefined) s.ice = ice;
    const f = this.options.format;
    if (f !== undefined) {
      s.agreed = { codecs: f.codecs.map((c) => ({ name: c.name, payloadType: c.payloadType })) };
      if (f.event !== undefined) s.agreed.eventPayloadType = f.event.payloadType;
    }
    const t = this.transcoder;
    if (t !== undefined && this.peer !== undefined) {
      s.transcoding = { from: this.options.format?.codecs[0]?.name ?? "", to: t.encodes, decoded: t.packetsDecoded, encoded: t.packetsEncoded, undecodable: t.undecodable, concealed: t.concealed };
    }
    return s;
  }

  /** Closes both sockets; resolves when both are closed. Safe twice. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.ice?.close();
    this.closed = true;
    this.recorder?.stop("hangup");
    this.recorder = undefined;
    for (const t of [...this.taps.keys()]) t.stop("hangup");
    this.taps.clear();
    this.transcoder?.close();
    this.transcoder = undefined;
    this.closeInband();
    this.dtlsLink.close();
    this.rtcpDtlsLink.close();
    this.conference?.leave(this.id);
    this.conference = undefined;
    if (this.peer?.peer === this) this.peer.peer = undefined;
    this.peer = undefined;
    const one = (s: Socket) => new Promise<void>((resolve) => s.close(() => resolve()));
    return Promise.all([one(this.rtp), one(this.rtcp)]).then(() => undefined);
  }
}
