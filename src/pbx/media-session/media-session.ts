/**
 * The media side of one call leg (RFC 3264 offer/answer over RFC 4566 descriptions): the only
 * place that parses the peer's SDP and writes ours for that leg — the answer to an initial offer,
 * our initial offer (to a callee, or to a caller whose INVITE had none), answers to re-offers
 * (hold, unhold, address change) and our re-offers — and the one that points the leg's relay
 * socket at what the peer described. The SIP side never looks inside a body; it hands strings
 * to this class and sends the strings it returns.
 *
 *          takeOffer()                                 offer()
 *   new ──────────────► active ◄──takeAnswer() ok── offering ◄── new
 *                        │  ▲                           ▲
 *        answerReoffer() │  └──── takeAnswer() ok ──────┤
 *        (new version)   └──────── reoffer() ───────────┘
 *
 * Each description we send after the first carries a higher o= session version (RFC 3264 §8:
 * "the version number MUST be incremented by one"). Nothing is transcoded, so the codecs a leg
 * may use are narrowed to those the other leg accepted (`restrictCodecs`) until our description
 * first goes out.
 *
 * SDES-SRTP (RFC 4568) is negotiated here too: our a=crypto keys are fresh per leg and per
 * change of suite, the peer's key comes from its offer or answer, and the pair goes to the relay
 * leg (`setSrtp`), which encrypts and decrypts in the media worker. The other leg of the call may
 * be plain RTP: each leg has its own keys or none.
 *
 * DTLS-SRTP (RFC 5763) likewise: our a=fingerprint, a=setup and a=connection go in the SDP, the
 * peer's fingerprint and the role the two a=setup values give (media/dtls/setup-role.ts) go to
 * the relay leg (`setDtls`), whose worker runs the handshake and keys SRTP from it.
 */
import type { EndpointConfig } from "../../config/index.js";
import { canTranscode, type IceRole, type LegFormat, type LegIceLocal, type MediaEngine } from "../../media/index.js";
import { defaultCandidate } from "./ice-sdp.js";
import { dtmfMethodOf, offersTelephoneEvent } from "./dtmf-method.js";
import { legDtlsFor, ourFingerprint } from "./dtls-params.js";
import { roleOf, type CertificateFingerprint, type DtlsRole } from "../../media/dtls/index.js";
import {
  answeredCrypto,
  buildSdp,
  codecByName,
  freshCrypto,
  negotiate,
  offerCodecs,
  offerKeys,
  offerProfile,
  parseAudioSdp,
  toMediaCodec,
  type AudioOffer,
  type EndpointMediaPolicy,
  type MediaCodec,
  type MediaDirection,
  type MediaLineLayout,
  type SdesCrypto,
  type TelephoneEvent,
} from "../../media/sdp/index.js";

/** The part of the media engine a media session drives. */
export type MediaSessionEngine = Pick<MediaEngine, "setRemote" | "setOptions" | "setSrtp" | "setDtls" | "setIceRemote" | "iceSelected">;

export type MediaSessionState = "new" | "offering" | "active";

export interface MediaSessionOptions {
  media: MediaSessionEngine;
  /** The relay leg this session's RTP goes through. */
  legId: string;
  localPort: number;
  /** Our address in c= and o= (media-address.ts decides it per flow). */
  address: string;
  endpoint: EndpointConfig;
  /** o= sess-id; any number unique enough per leg (RFC 4566 §5.2 suggests an NTP timestamp). */
  sessionId: string;
  /** ICE (endpoint ice_support=yes): the credentials and candidates the relay leg gathered. */
  ice?: LegIceLocal;
}

/** A peer's offer checked against an endpoint's policy, before any RTP port is allocated. */
export type CheckedOffer =
  | {
      ok: true;
      offer: AudioOffer;
      codecs: MediaCodec[];
      telephoneEvent: TelephoneEvent | undefined;
      ptime: number | undefined;
      profile: string;
      direction: MediaDirection;
      /** The offer's SDES key we take, when the answer is SRTP. */
      crypto: SdesCrypto | undefined;
      /** Our a=setup when the answer is DTLS-SRTP. */
      dtls: { setup: "active" | "passive" } | undefined;
    }
  /** `warning` is a ready Warning header value (RFC 3261 §20.43); `detail` the log line. */
  | { ok: false; warning: string; detail: string };

export type AnswerOutcome = { ok: true; direction: MediaDirection } | { ok: false; reason: string };

export type ReofferOutcome = { ok: true; sdp: string; direction: MediaDirection } | { ok: false; notice: string | undefined };

/** The endpoint options that decide what media we accept and offer. */
export function mediaPolicyOf(ep: EndpointConfig): EndpointMediaPolicy {
  return {
    codecs: ep.allow,
    mediaEncryption: ep.mediaEncryption,
    useAvpf: ep.useAvpf,
    forceAvp: ep.forceAvp,
    mediaEncryptionOptimistic: ep.mediaEncryptionOptimistic,
    endpointId: ep.id,
    srtpTag32: ep.srtpTag32,
    dtmf: offersTelephoneEvent(ep),
    dtlsSetup: ep.dtlsSetup,
  };
}

/**
 * The callee's offer: first the caller's codecs its allow= permits, in the callee's order, with
 * the caller's payload types, so RTP passes untouched when the callee takes one of them; then,
 * when the caller's codec can be transcoded, the callee's other allowed codecs the media workers
 * can transcode, with payload types of their own (static, else dynamic ones not already used).
 * Empty when the two share nothing and nothing can be transcoded.
 */
export function codecsForCallee(caller: readonly MediaCodec[], callee: EndpointConfig, telephoneEvent?: TelephoneEvent): MediaCodec[] {
  const out: MediaCodec[] = [];
  for (const pref of callee.allow) {
    const c = caller.find((x) => x.name === pref.name);
    if (c && !out.includes(c)) out.push(c);
  }
  const spoken = caller[0];
  if (spoken === undefined || !canTranscode(spoken.name)) return out;
  const used = new Set([...caller.map((c) => c.payloadType), ...(telephoneEvent ? [telephoneEvent.payloadType] : [])]);
  let next = 96;
  for (const pref of callee.allow) {
    const d = codecByName(pref.name);
    if (d === undefined || !canTranscode(d.name) || out.some((c) => c.name === d.name)) continue;
    let pt = d.staticPayloadType;
    if (pt === undefined || used.has(pt)) {
      while (used.has(next) && next <= 127) next++;
      if (next > 127) continue;
      pt = next;
    }
    used.add(pt);
    out.push(toMediaCodec(d, pt));
  }
  return out;
}

/** The phone's own direction lets it receive (sendrecv, recvonly): not on hold from its side. */
function receives(direction: MediaDirection): boolean {
  return direction === "sendrecv" || direction === "recvonly";
}

/** media_encryption=dtls without the optimistic fallback: our offers are DTLS-SRTP. */
function offersDtls(ep: EndpointConfig): boolean {
  return ep.mediaEncryption === "dtls" && !ep.mediaEncryptionOptimistic;
}

/** Why the endpoint's DTLS certificate cannot be used (logged with the 488), or undefined. */
function certificateProblem(ep: EndpointConfig): string | undefined {
  try {
    ourFingerprint(ep);
    return undefined;
  } catch (err) {
    return `endpoint '${ep.id}' has media_encryption=dtls but ${err instanceof Error ? err.message : String(err)}`;
  }
}

function sameFingerprints(a: readonly CertificateFingerprint[], b: readonly CertificateFingerprint[]): boolean {
  return a.length === b.length && a.every((f, i) => f.hash === b[i]?.hash && f.value === b[i]?.value);
}


/**
 * The caller's telephone-event as offered to a callee: at the clock rate of the first codec
 * offered (RFC 4733 §2.1: events use the audio's RTP clock). A browser's Opus call brings a
 * 48 kHz telephone-event; a callee offered only G.711 would decline it, and no key would reach it.
 */
function eventAtRateOf(event: TelephoneEvent | undefined, codecs: readonly MediaCodec[]): TelephoneEvent | undefined {
  const first = codecs[0];
  if (event === undefined || first === undefined || first.clockRate === event.clockRate) return event;
  const taken = new Set(codecs.map((c) => c.payloadType));
  let pt = event.payloadType;
  for (let p = 101; taken.has(pt) && p < 128; p++) pt = p;
  return { ...event, payloadType: pt, clockRate: first.clockRate };
}

/** RFC 3261 §20.43: `warn-code SP warn-agent SP warn-text`, the text quoted. */
function warningHeader(code: number, text: string): string {
  return `${code} switchboard "${text.replace(/["\\]/g, "'")}"`;
}

export class MediaSession {
  private stateValue: MediaSessionState = "new";
  private codecList: MediaCodec[] = [];
  private event: TelephoneEvent | undefined;
  private ptime: number | undefined;
  private profile = "RTP/AVP";
  /** The initial offer's m= lines, so every answer declines the same other streams (RFC 3264 §6). */
  private layout: MediaLineLayout | undefined;
  private version = 1;
  /** Our description has gone out at least once: the codec list is fixed from then on. */
  private sent = false;
  private remoteDirection: MediaDirection | undefined;
  private localDirection: MediaDirection = "sendrecv";
  private remoteAddress: string | undefined;
  /**
   * The a=crypto lines of our description at its current version: one per suite in our offer,
   * the one we answer with. They change only with the version (RFC 3264 §8), so a 2xx repeats
   * what a reliable 183 carried and a refresh re-INVITE repeats the offer it refreshes.
   */
  private sentKeys: SdesCrypto[] = [];
  /** Our key the relay encrypts with (one of sentKeys), and the peer's it decrypts with. */
  private localKey: SdesCrypto | undefined;
  private remoteKey: SdesCrypto | undefined;
  /** The suite the relay leg encrypts with, once both keys are known; undefined for plain RTP. */
  private srtpSuite: string | undefined;
  /**
   * DTLS-SRTP: the a=setup and a=connection of our description at its current version, the role
   * the negotiation gave us, the peer's fingerprints, and the association number the worker keys
   * its handshake by (a new role or fingerprint starts a new one).
   */
  private localDtls: { setup: "active" | "passive" | "actpass"; connection: "new" | "existing" } | undefined;
  private dtlsRole: DtlsRole | undefined;
  private dtlsRemote: CertificateFingerprint[] = [];
  private dtlsAssociation = 0;
  /** a=rtcp-mux in our description, and whether the peer's agreed it (RFC 5761). */
  private rtcpMuxOffered = false;
  private rtcpMuxAgreed = false;
  /** The a=ptime of the peer's answer to our offer: what we send it. */
  private remotePtime: number | undefined;
  /** False once the peer's answer left telephone-event out. */
  private eventAgreed = true;
  /** The fmtp the peer gave each format in its answer (what it wants to receive), by name. */
  private readonly remoteFmtp = new Map<string, string>();
  /** The last format given to the relay leg (JSON), so an unchanged one is not sent again. */
  private formatSent: string | undefined;
  /** Why the last answer could not be used (for the log line of whoever ends the call). */
  answerProblem: string | undefined;
  /** Our ICE role while ICE is in use on this leg (RFC 8445 §6.1.1: the offerer controls). */
  private iceRole: IceRole | undefined;
  /** Our description carries ICE attributes: always in our offers, in answers only to an ICE offer (RFC 8839 §4.2). */
  private iceInSdp = false;

  /**
   * Checks a peer's initial offer: it parses, and the endpoint's policy finds a joint codec and an
   * acceptable transport. Pure, so the caller can answer 488 before allocating anything.
   */
  static checkOffer(sdp: string, endpoint: EndpointConfig): CheckedOffer {
    const parsed = parseAudioSdp(sdp);
    if (!parsed.ok) {
      return { ok: false, warning: `399 switchboard "${parsed.reason.replace(/"/g, "'").slice(0, 100)}"`, detail: `SDP offer from endpoint '${endpoint.id}' is unusable: ${parsed.reason}` };
    }
    const result = negotiate(parsed.audio, mediaPolicyOf(endpoint));
    if (!result.ok) return { ok: false, warning: warningHeader(result.warnCode, result.warning), detail: result.notice };
    if (result.dtls !== undefined) {
      const problem = certificateProblem(endpoint);
      if (problem !== undefined) return { ok: false, warning: warningHeader(399, "DTLS certificate not usable"), detail: problem };
    }
    return {
      ok: true,
      offer: parsed.audio,
      codecs: result.codecs,
      telephoneEvent: result.telephoneEvent,
      ptime: result.ptime,
      profile: result.profile,
      direction: result.direction,
      crypto: result.crypto,
      dtls: result.dtls,
    };
  }

  /** True when the endpoint's allow= list has an audio codec we can name in an offer of our own. */
  static canOffer(endpoint: EndpointConfig): boolean {
    return offerCodecs(mediaPolicyOf(endpoint), false).codecs.length > 0 && (!offersDtls(endpoint) || certificateProblem(endpoint) === undefined);
  }

  constructor(private readonly o: MediaSessionOptions) {
    const ep = o.endpoint;
    o.media.setOptions(o.legId, {
      symmetric: ep.rtpSymmetric,
      timeoutSec: ep.rtpTimeout,
      timeoutHoldSec: ep.rtpTimeoutHold,
      keepaliveSec: ep.rtpKeepalive,
      srtpRequired: (ep.mediaEncryption === "sdes" || ep.mediaEncryption === "dtls") && !ep.mediaEncryptionOptimistic,
    });
  }

  get state(): MediaSessionState {
    return this.stateValue;
  }

  get legId(): string {
    return this.o.legId;
  }

  /** The codecs of our description (the joint ones once an answer or offer narrowed them). */
  get codecs(): MediaCodec[] {
    return this.codecList;
  }

  get telephoneEvent(): TelephoneEvent | undefined {
    return this.event;
  }

  /** telephone-event when both sides agreed it (ours, and the answer or offer named it too). */
  get agreedTelephoneEvent(): TelephoneEvent | undefined {
    return this.eventAgreed ? this.event : undefined;
  }

  /** The a=ptime this leg's phone receives, when one was agreed. */
  get ptimeMs(): number | undefined {
    return this.remotePtime ?? this.ptime;
  }

  /** The fmtp the peer's answer gave a format (what it wants to receive), if any. */
  remoteFmtpOf(name: string): string | undefined {
    return this.remoteFmtp.get(name);
  }

  /** The SRTP suite of this leg (AES_CM_128_HMAC_SHA1_80 …), or undefined when it is plain RTP. */
  get srtp(): string | undefined {
    return this.srtpSuite;
  }

  /** DTLS-SRTP on this leg: our role in the handshake (client = a=setup:active), or undefined. */
  get dtls(): DtlsRole | undefined {
    return this.dtlsRole;
  }

  /** True while our offer awaits its answer. */
  get awaitingAnswer(): boolean {
    return this.stateValue === "offering";
  }

  /** Takes a checked initial offer: the relay sends where it says; `description()` is our answer. */
  takeOffer(checked: CheckedOffer & { ok: true }): void {
    this.codecList = checked.codecs;
    this.event = checked.telephoneEvent;
    this.ptime = checked.ptime;
    this.profile = checked.profile;
    this.layout = checked.offer.layout;
    this.localDirection = checked.direction;
    this.answerKeys(checked.crypto);
    this.answerMux(checked.offer);
    this.applyRemote(checked.offer);
    this.answerDtls(checked.dtls, checked.offer);
    this.takeIce(checked.offer, "controlled");
    this.stateValue = "active";
  }

  /**
   * Our initial offer. Toward a callee: the caller's codecs its allow= permits (codecsForCallee)
   * with the caller's telephone-event, so RTP passes byte for byte. Toward a caller that sent no
   * offer (RFC 3261 §13.2.1 late offer): without `codecs`, the endpoint's allow= list with payload
   * types assigned (RFC 3551) and telephone-event. Either way in the endpoint's profile
   * (offerProfile: AVPF with use_avpf=yes, SAVP with media_encryption=sdes) and, with
   * media_encryption=sdes, fresh keys for both suites.
   */
  offer(codecs?: { codecs: MediaCodec[]; telephoneEvent: TelephoneEvent | undefined }): void {
    const policy = mediaPolicyOf(this.o.endpoint);
    if (codecs) {
      this.codecList = codecs.codecs;
      this.event = eventAtRateOf(codecs.telephoneEvent, codecs.codecs);
    } else {
      const offered = offerCodecs(policy, policy.dtmf !== false);
      this.codecList = offered.codecs;
      this.event = offered.telephoneEvent;
      this.ptime = offered.ptime;
    }
    this.profile = offerProfile(policy);
    this.eventAgreed = true;
    this.sentKeys = policy.mediaEncryption === "sdes" ? offerKeys(policy.srtpTag32) : [];
    this.localDtls = offersDtls(this.o.endpoint) ? { setup: this.o.endpoint.dtlsSetup, connection: "new" } : undefined;
    this.rtcpMuxOffered = this.o.endpoint.rtcpMux;
    this.localDirection = "sendrecv";
    this.iceInSdp = this.o.ice !== undefined;
    this.stateValue = "offering";
  }

  /**
   * The peer's ICE parameters start the leg's checks (RFC 8445 §6): we are controlled when we
   * answer and controlling when we offered; a peer without ICE leaves the leg as it was (plain
   * RTP to c=, §4.2 of RFC 8839: an answer to an offer without ICE carries none).
   */
  private takeIce(a: AudioOffer, role: IceRole): void {
    if (this.o.ice === undefined) return;
    const remote = a.iceParams;
    if (remote === undefined) {
      this.iceInSdp = false;
      this.iceRole = undefined;
      return;
    }
    this.iceInSdp = true;
    this.iceRole ??= role;
    this.o.media.setIceRemote(this.o.legId, remote, this.iceRole);
  }

  /** Our description at its current version (the answer in a 183 and the 200, or our offer). */
  description(): string {
    this.sent = true;
    const ice = this.iceInSdp ? this.o.ice : undefined;
    // RFC 8839 §4.2.1.1: c= and m= carry the default candidate, one of ours; once ICE selected a
    // pair, the local candidate of that pair (RFC 8445 §12: later offers and answers name it).
    const selected = ice !== undefined ? [this.o.media.iceSelected(this.o.legId, 1), this.o.media.iceSelected(this.o.legId, 2)] : [];
    const def = ice !== undefined ? defaultCandidate(ice.candidates, this.o.address, this.o.localPort, selected[0], selected[1]) : undefined;
    return buildSdp({
      origin: { sessionId: this.o.sessionId, sessionVersion: this.version, address: this.o.address },
      address: def?.address ?? this.o.address,
      port: def?.port ?? this.o.localPort,
      ...(def?.rtcpPort !== undefined ? { rtcpPort: def.rtcpPort } : {}),
      ...(ice !== undefined ? { ice: { ufrag: ice.ufrag, pwd: ice.pwd, candidates: ice.candidates } } : {}),
      codecs: this.codecList,
      ...(this.event ? { telephoneEvent: this.event } : {}),
      ...(this.ptime ? { ptime: this.ptime } : {}),
      profile: this.profile,
      ...(this.layout ? { layout: this.layout } : {}),
      ...(this.sentKeys.length > 0 ? { crypto: this.sentKeys } : {}),
      ...(this.localDtls !== undefined ? { dtls: { ...this.localDtls, fingerprint: ourFingerprint(this.o.endpoint) } } : {}),
      ...(this.rtcpMuxOffered ? { rtcpMux: true } : {}),
      direction: this.localDirection,
    });
  }

  /**
   * Nothing is transcoded, so this leg must use what the other leg accepted: keep only those
   * payload types (until our description has gone out; it cannot change under the peer after).
   */
  restrictCodecs(payloadTypes: readonly number[]): void {
    if (this.sent) return;
    const kept = this.codecList.filter((c) => payloadTypes.includes(c.payloadType));
    if (kept.length > 0) this.codecList = kept;
    if (this.remoteAddress !== undefined) this.pushFormat();
  }

  /**
   * The answer to our offer (in a 18x, the 2xx, or the ACK for a 2xx that offered). RFC 3264 §6:
   * the answer keeps the offer's transport, and a stream it accepts names at least one format we
   * offered. An unusable answer changes nothing and says why.
   */
  takeAnswer(sdp: string): AnswerOutcome {
    const outcome = this.checkAnswer(sdp);
    this.answerProblem = outcome.ok ? undefined : outcome.reason;
    return outcome;
  }

  private checkAnswer(sdp: string): AnswerOutcome {
    const parsed = parseAudioSdp(sdp);
    if (!parsed.ok) return { ok: false, reason: parsed.reason };
    const a = parsed.audio;
    if (a.port === 0) return { ok: false, reason: "the answer declines the audio stream (m=audio port 0)" };
    // An SRTP answer needs keys we offered; AVP and AVPF answers are both taken, since feedback
    // messages are relayed untouched.
    const offeredKeys = this.sentKeys.length > 0;
    const dtls = this.localDtls;
    let role: DtlsRole | undefined;
    if (dtls !== undefined) {
      // RFC 5763 §5: the answer names its certificate, and its a=setup completes ours.
      if (!/SAVP/i.test(a.profile)) return { ok: false, reason: `the answer uses transport ${a.profile} for our DTLS-SRTP ${this.profile} offer` };
      if ((a.fingerprints ?? []).length === 0) return { ok: false, reason: "the answer to our DTLS-SRTP offer has no a=fingerprint we can read" };
      role = roleOf(dtls.setup, a.setup);
      if (role === undefined) return { ok: false, reason: `the answer's a=setup:${a.setup ?? "(none)"} does not fit our a=setup:${dtls.setup} (RFC 5763 §5: one side active, the other passive)` };
    } else if (/TLS/i.test(a.profile) || (/SAVP/i.test(a.profile) && !offeredKeys)) return { ok: false, reason: `the answer uses transport ${a.profile} for our ${this.profile} offer` };
    const keys = this.keysOfAnswer(a);
    if ("reason" in keys) return { ok: false, reason: keys.reason };
    // In the answerer's order (RFC 3264 lists formats by preference, the first preferred), so our
    // own playback and the other leg follow its choice.
    const joint: MediaCodec[] = [];
    for (const x of a.codecs) {
      const ours = this.codecList.find((c) => c.name === x.name);
      if (ours && !joint.includes(ours)) joint.push(ours);
      if (ours && x.fmtp !== undefined) this.remoteFmtp.set(x.name, x.fmtp);
    }
    // The answerer's a=ptime is how it wants to receive (RFC 4566 §6); our description keeps its own.
    if (a.ptime !== undefined) this.remotePtime = a.ptime;
    if (joint.length === 0) {
      return { ok: false, reason: `the answer names none of the codecs we offered (offered ${this.codecList.map((c) => c.name).join("|")}, answered ${a.codecs.map((c) => c.name).join("|") || "none"})` };
    }
    if (!this.sent || this.stateValue === "offering") this.codecList = joint;
    // An answer without telephone-event declines it (RFC 3264 §6.1); our description keeps its
    // lines until its version changes (§8), so only what is agreed changes.
    this.eventAgreed = a.telephoneEvent !== undefined;
    if (offeredKeys) this.useKeys(keys.local, keys.remote);
    this.rtcpMuxAgreed = this.rtcpMuxOffered && a.rtcpMux;
    this.applyRemote(a);
    if (role !== undefined) this.useDtls(role, a.fingerprints ?? []);
    if (this.iceInSdp) this.takeIce(a, "controlling");
    this.stateValue = "active";
    return { ok: true, direction: a.direction };
  }

  /**
   * A re-offer from the peer (re-INVITE or UPDATE: hold, unhold, new address). The answer mirrors
   * the direction (RFC 3264 §6.1) and carries the next session version; a 488 leaves everything
   * as it was (RFC 3264 §8: "the old session description remains in effect").
   */
  answerReoffer(sdp: string): ReofferOutcome {
    const parsed = parseAudioSdp(sdp);
    if (!parsed.ok) return { ok: false, notice: undefined };
    const result = negotiate(parsed.audio, mediaPolicyOf(this.o.endpoint));
    if (!result.ok) return { ok: false, notice: result.notice };
    if (result.dtls !== undefined) {
      const problem = certificateProblem(this.o.endpoint);
      if (problem !== undefined) return { ok: false, notice: problem };
    }
    this.profile = result.profile;
    this.answerKeys(result.crypto);
    this.answerMux(parsed.audio);
    this.applyRemote(parsed.audio);
    this.answerDtls(result.dtls, parsed.audio);
    this.takeIce(parsed.audio, "controlled");
    this.localDirection = result.direction;
    this.version++;
    this.stateValue = "active";
    return { ok: true, sdp: this.description(), direction: result.direction };
  }

  /**
   * Our offer in a 2xx to an offerless re-INVITE (RFC 3261 §14.2), or a fresh one of our own: the
   * next session version, sendrecv; the answer arrives through takeAnswer().
   */
  reoffer(): string {
    this.version++;
    // The agreed key only (an optimistic endpoint that fell back to plain RTP offers none).
    this.sentKeys = this.localKey !== undefined ? [this.localKey] : [];
    // The association stands: our a=setup says the role it has (RFC 5763 §5).
    if (this.dtlsRole !== undefined) this.localDtls = { setup: this.dtlsRole === "client" ? "active" : "passive", connection: "existing" };
    this.rtcpMuxOffered = this.rtcpMuxAgreed;
    this.localDirection = "sendrecv";
    this.stateValue = "offering";
    return this.description();
  }

  /**
   * What an answer to our offer does to the keys: with none offered, nothing; an answer that takes
   * one of the lines we sent (its tag and suite, RFC 4568 §7.1.2) gives the pair; an answer without
   * a=crypto to an RTP/AVP offer (the optimistic one) falls back to plain RTP; anything else is
   * unusable. Matched against every line we sent, so a 200 may take another tag than a 183 did.
   */
  private keysOfAnswer(a: AudioOffer): { local: SdesCrypto | undefined; remote: SdesCrypto | undefined } | { reason: string } {
    if (this.sentKeys.length === 0) return { local: undefined, remote: undefined };
    if (a.cryptoLines.length === 0 && !/SAVP/i.test(a.profile) && !/SAVP/i.test(this.profile)) return { local: undefined, remote: undefined };
    const taken = answeredCrypto(this.sentKeys, a.cryptoLines);
    if ("skip" in taken) return { reason: `the ${a.profile} answer to our SRTP offer cannot be used: ${taken.skip}` };
    const ours = this.sentKeys.find((k) => k.tag === taken.tag && k.suite === taken.suite);
    return ours === undefined ? { reason: "the answer's a=crypto tag matches none of ours" } : { local: ours, remote: taken };
  }

  /**
   * Answering an offer (initial or re-offer) with the peer's chosen key, or with none (plain RTP).
   * Our key stays while the suite does (a re-INVITE that repeats or changes only its own key,
   * RFC 4568 §7.1.4); a new suite gets a fresh key under the peer's tag.
   */
  private answerKeys(remote: SdesCrypto | undefined): void {
    const current = this.localKey;
    const local = remote === undefined ? undefined : current !== undefined && current.suite === remote.suite ? { ...current, tag: remote.tag } : freshCrypto(remote.tag, remote.suite);
    this.sentKeys = local !== undefined ? [local] : [];
    this.useKeys(local, remote);
  }

  /** The relay leg encrypts with `local` and decrypts with `remote`, or goes back to plain RTP. */
  private useKeys(local: SdesCrypto | undefined, remote: SdesCrypto | undefined): void {
    this.localKey = local;
    this.remoteKey = remote;
    if (remote !== undefined && local !== undefined) {
      this.o.media.setSrtp(this.o.legId, { suite: remote.suite, remoteKey: remote.inlineKey, localKey: local.inlineKey, ...(remote.mki ? { remoteMki: { ...remote.mki } } : {}) });
      this.srtpSuite = remote.suite;
    } else if (this.srtpSuite !== undefined) {
      this.o.media.setSrtp(this.o.legId, undefined);
      this.srtpSuite = undefined;
    }
  }

  /** Our answer's a=rtcp-mux: when the endpoint has rtcp_mux=yes and the offer asks for it (RFC 5761 §5.1.1). */
  private answerMux(offer: AudioOffer): void {
    this.rtcpMuxAgreed = this.o.endpoint.rtcpMux && offer.rtcpMux;
    this.rtcpMuxOffered = this.rtcpMuxAgreed;
  }

  /** Answering an offer: our a=setup from the negotiation, the role it gives, the peer's fingerprints to the worker. */
  private answerDtls(answer: { setup: "active" | "passive" } | undefined, offer: AudioOffer): void {
    if (answer === undefined) {
      if (this.dtlsRole !== undefined) this.o.media.setDtls(this.o.legId, undefined);
      this.localDtls = undefined;
      this.dtlsRole = undefined;
      return;
    }
    const role: DtlsRole = answer.setup === "active" ? "client" : "server";
    const keeps = this.dtlsRole === role && sameFingerprints(this.dtlsRemote, offer.fingerprints ?? []);
    this.localDtls = { setup: answer.setup, connection: keeps ? "existing" : "new" };
    this.useDtls(role, offer.fingerprints ?? []);
  }

  /** The relay leg runs the DTLS handshake as `role`; a new role or new fingerprints start a new association. */
  private useDtls(role: DtlsRole, fingerprints: CertificateFingerprint[]): void {
    if (this.dtlsRole !== role || !sameFingerprints(this.dtlsRemote, fingerprints)) this.dtlsAssociation++;
    this.dtlsRole = role;
    this.dtlsRemote = fingerprints.map((f) => ({ ...f }));
    this.o.media.setDtls(this.o.legId, legDtlsFor(this.o.endpoint, role, this.dtlsRemote, this.dtlsAssociation));
  }

  /** Points the relay at the peer's stream and applies its direction (RFC 3264 §8.4 hold). */
  private applyRemote(a: AudioOffer): void {
    this.remoteDirection = a.direction;
    this.remoteAddress = `${a.address}:${a.port}`;
    this.o.media.setRemote(this.o.legId, { address: a.address, port: a.port, ...(a.rtcpPort ? { rtcpPort: a.rtcpPort } : {}) });
    this.o.media.setOptions(this.o.legId, { onHold: a.direction !== "sendrecv", remoteReceives: receives(a.direction), rtcpMux: this.rtcpMuxAgreed });
    this.pushFormat();
  }

  /**
   * Tells the relay leg what its phone speaks (our codecs in order, telephone-event, ptime), so
   * a bridge to a leg speaking another codec is transcoded; sent only when it changed.
   */
  private pushFormat(): void {
    const format: LegFormat = {
      codecs: this.codecList.map((c) => {
        const fmtp = this.remoteFmtp.get(c.name) ?? c.fmtp;
        return fmtp === undefined ? { name: c.name, payloadType: c.payloadType } : { name: c.name, payloadType: c.payloadType, fmtp };
      }),
    };
    const event = this.agreedTelephoneEvent;
    if (event) format.event = { payloadType: event.payloadType, clockRate: event.clockRate };
    const ptime = this.remotePtime ?? this.ptime;
    if (ptime !== undefined) format.ptimeMs = ptime;
    const method = dtmfMethodOf(this.o.endpoint, event !== undefined);
    const dtmf = { dtmfDetect: method === "inband" ? ("inband" as const) : ("off" as const), dtmfEvents: method === "rfc4733" };
    const key = JSON.stringify([format, dtmf]);
    if (key === this.formatSent) return;
    this.formatSent = key;
    this.o.media.setOptions(this.o.legId, { format, ...dtmf });
  }

  dump(): Record<string, unknown> {
    return {
      state: this.stateValue,
      legId: this.o.legId,
      local: `${this.o.address}:${this.o.localPort}`,
      remote: this.remoteAddress,
      codecs: this.codecList.map((c) => `${c.name}/${c.payloadType}`),
      version: this.version,
      localDirection: this.localDirection,
      remoteDirection: this.remoteDirection,
      srtp: this.srtpSuite ?? "no",
      dtls: this.dtlsRole ?? "no",
      ice: this.iceRole ?? "no",
    };
  }
}
