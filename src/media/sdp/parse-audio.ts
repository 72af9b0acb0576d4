/**
 * Reads the audio stream out of a peer's session description (RFC 4566) with sdp-transform.
 * The body is untrusted: this never throws, it answers `{ ok: false, reason }` instead, and it
 * checks the shape of everything sdp-transform hands back (its output follows the input).
 */
import { parse, parsePayloads } from "sdp-transform";
import type { MediaAttributes, MediaDescription, SessionDescription } from "sdp-transform";
import { defaultClockRate, nameForEncoding, staticPayload } from "./codec-table.js";
import { parseCandidate, type IceCandidate, type IceParameters } from "../ice/candidate.js";
import type { AudioOffer, MediaCodec, MediaDirection, MediaLineLayout, TelephoneEvent } from "./types.js";
import { parseFingerprint } from "../dtls/fingerprint.js";
import { parseSetup } from "../dtls/setup-role.js";

export type ParseAudioResult = { ok: true; audio: AudioOffer; raw: unknown } | { ok: false; reason: string };

/** Bodies above this many characters are not SDP a phone would send; refusing them bounds the work. */
const MAX_SDP_BYTES = 64 * 1024;

const DIRECTIONS: readonly string[] = ["sendrecv", "sendonly", "recvonly", "inactive"];

/** Parses an SDP body and describes its first usable audio stream (RFC 4566 §5, RFC 3264 §5). */
export function parseAudioSdp(text: string): ParseAudioResult {
  if (typeof text !== "string" || text.length === 0) return { ok: false, reason: "empty SDP body" };
  if (text.length > MAX_SDP_BYTES) return { ok: false, reason: `SDP body of ${text.length} bytes is too large` };
  let session: SessionDescription;
  try {
    session = parse(text);
  } catch (err) {
    return { ok: false, reason: `SDP does not parse: ${err instanceof Error ? err.message : String(err)}` };
  }
  try {
    return readAudio(text, session);
  } catch (err) {
    // A shape we did not foresee must still not escape into the request path.
    return { ok: false, reason: `SDP is malformed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function readAudio(text: string, session: SessionDescription): ParseAudioResult {
  if (!/^v=0[ \t]*$/m.test(text)) return { ok: false, reason: "SDP has no 'v=0' line" };
  const media: unknown[] = Array.isArray(session.media) ? session.media : [];
  const lines: MediaLineLayout["lines"] = [];
  let audioIndex = -1;
  media.forEach((m, i) => {
    const d = m as Partial<MediaDescription>;
    const type = typeof d.type === "string" ? d.type : "";
    lines.push({ type, protocol: typeof d.protocol === "string" ? d.protocol : "", formats: payloadText(d.payloads) });
    // Use the first audio stream that is not declined, else the first audio stream at all.
    const current = audioIndex >= 0 ? (media[audioIndex] as Partial<MediaDescription>) : undefined;
    if (type === "audio" && (audioIndex < 0 || (current?.port === 0 && d.port !== 0))) audioIndex = i;
  });
  if (audioIndex < 0) return { ok: false, reason: "SDP has no m=audio line" };
  const m = media[audioIndex] as Partial<MediaDescription>;

  const port = m.port;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) return { ok: false, reason: "m=audio line has no valid port" };
  const profile = typeof m.protocol === "string" ? m.protocol : "";
  if (profile.length === 0) return { ok: false, reason: "m=audio line has no transport profile" };
  const payloads = payloadText(m.payloads);
  if (payloads.trim().length === 0) return { ok: false, reason: "m=audio line lists no formats" };

  // RFC 4566 §5.7: a session-level c= applies to every media without its own.
  const connection = validConnection(m.connection) ?? validConnection(session.connection);
  if (connection === undefined && port !== 0) return { ok: false, reason: "SDP has no c= line for the audio stream" };
  const address = connection?.ip ?? "0.0.0.0";

  const { codecs, telephoneEvents } = formats(m, payloads);
  let direction = directionOf(m.direction) ?? directionOf(session.direction) ?? "sendrecv";
  const ice = typeof m.iceUfrag === "string" || typeof session.iceUfrag === "string" || (Array.isArray(m.candidates) && m.candidates.length > 0);
  // RFC 3264 §8.4: holding by setting c= to 0.0.0.0 is the RFC 2543 way; it means "do not send to
  // me", so we treat it as the sendonly/inactive it stands for. ICE agents (browsers) also write
  // 0.0.0.0 and port 9 while their candidates carry the real addresses (JSEP, RFC 8829 §5.2.1): no hold.
  const nullAddressHold = !ice && (address === "0.0.0.0" || address === "::");
  if (nullAddressHold && port !== 0) {
    if (direction === "sendrecv") direction = "sendonly";
    else if (direction === "recvonly") direction = "inactive";
  }

  const audio: AudioOffer = {
    address,
    port,
    profile,
    codecs,
    direction,
    crypto: Array.isArray(m.crypto) && m.crypto.length > 0,
    cryptoLines: cryptoLines(m.crypto),
    fingerprint: isObject(m.fingerprint) || isObject(session.fingerprint),
    ice,
    rtcpMux: m.rtcpMux !== undefined,
    ...origin(text),
    layout: { audioIndex, lines },
  };
  if (nullAddressHold && port !== 0) audio.nullAddressHold = true;
  readDtls(audio, m, session);
  const iceParams = iceParameters(m, session);
  if (iceParams !== undefined) audio.iceParams = iceParams;
  const rtcpPort = m.rtcp?.port;
  if (typeof rtcpPort === "number" && Number.isInteger(rtcpPort) && rtcpPort > 0 && rtcpPort <= 65535) audio.rtcpPort = rtcpPort;
  const preferred = telephoneEvents.find((e) => e.clockRate === 8000) ?? telephoneEvents[0];
  if (preferred !== undefined) {
    audio.telephoneEvent = preferred;
    audio.telephoneEvents = telephoneEvents;
  }
  const ptime = positive(m.ptime);
  if (ptime !== undefined) audio.ptime = ptime;
  const maxptime = positive(m.maxptime);
  if (maxptime !== undefined) audio.maxptime = maxptime;
  return { ok: true, audio, raw: session };
}

/**
 * The stream's ICE parameters (RFC 8839 §5.4: a=ice-ufrag and a=ice-pwd at media or session
 * level, a=candidate per candidate, a=ice-lite at session level); undefined without both
 * credentials. Candidates that do not parse or are not UDP are skipped.
 */
function iceParameters(m: Partial<MediaDescription>, session: SessionDescription): IceParameters | undefined {
  const ufrag = typeof m.iceUfrag === "string" ? m.iceUfrag : typeof session.iceUfrag === "string" ? session.iceUfrag : undefined;
  const pwd = typeof m.icePwd === "string" ? m.icePwd : typeof session.icePwd === "string" ? session.icePwd : undefined;
  // RFC 8839 §5.4: ufrag 4-256 and password 22-256 ice-chars.
  if (ufrag === undefined || pwd === undefined || !/^[A-Za-z0-9+/]{4,256}$/.test(ufrag) || !/^[A-Za-z0-9+/]{22,256}$/.test(pwd)) return undefined;
  const candidates: IceCandidate[] = [];
  const raw: unknown[] = Array.isArray(m.candidates) ? m.candidates : [];
  for (const c of raw.slice(0, 64)) {
    if (!isObject(c)) continue;
    const x = c as Record<string, unknown>;
    const related = typeof x.raddr === "string" ? ` raddr ${x.raddr} rport ${typeof x.rport === "number" ? x.rport : 0}` : "";
    const parsed = parseCandidate(`${String(x.foundation)} ${String(x.component)} ${String(x.transport)} ${String(x.priority)} ${String(x.ip)} ${String(x.port)} typ ${String(x.type)}${related}`);
    if (parsed !== undefined) candidates.push(parsed);
  }
  const params: IceParameters = { ufrag, pwd, candidates };
  if ((session as { icelite?: unknown }).icelite !== undefined) params.lite = true;
  return params;
}

/**
 * Lists the formats of the m= line in the peer's order. RFC 3264 §5.1: the formats are listed in
 * order of preference. A dynamic payload type means nothing without its rtpmap, so it is skipped;
 * comfort noise (RFC 3389) is not a codec to choose and is skipped too.
 */
function formats(m: Partial<MediaDescription>, payloads: string): { codecs: MediaCodec[]; telephoneEvents: TelephoneEvent[] } {
  const rtpmaps: unknown[] = Array.isArray(m.rtp) ? m.rtp : [];
  const fmtps: unknown[] = Array.isArray(m.fmtp) ? m.fmtp : [];
  const codecs: MediaCodec[] = [];
  const telephoneEvents: TelephoneEvent[] = [];
  const seen = new Set<number>();
  for (const pt of parsePayloads(payloads)) {
    if (!Number.isInteger(pt) || pt < 0 || pt > 127 || seen.has(pt)) continue;
    seen.add(pt);
    const map = rtpmaps.find((r): r is MediaAttributes["rtp"][number] => isObject(r) && (r as { payload?: unknown }).payload === pt);
    let encoding: string;
    let clockRate: number | undefined;
    let channels: number | undefined;
    if (map !== undefined && typeof map.codec === "string" && map.codec.length > 0) {
      encoding = map.codec;
      clockRate = positive(map.rate) ?? defaultClockRate(encoding);
      channels = positive(map.encoding);
    } else {
      const known = staticPayload(pt);
      if (known === undefined) continue;
      ({ encoding, clockRate, channels } = known);
    }
    const fmtpEntry = fmtps.find((f): f is { payload: number; config: string } => isObject(f) && (f as { payload?: unknown }).payload === pt);
    const fmtp = typeof fmtpEntry?.config === "string" && fmtpEntry.config.length > 0 ? fmtpEntry.config : undefined;
    const lower = encoding.toLowerCase();
    if (lower === "cn") continue;
    if (lower === "telephone-event") {
      const event: TelephoneEvent = { payloadType: pt, clockRate: clockRate ?? 8000 };
      if (fmtp !== undefined) event.fmtp = fmtp;
      telephoneEvents.push(event);
      continue;
    }
    if (clockRate === undefined) continue;
    const codec: MediaCodec = { name: nameForEncoding(encoding, clockRate, channels), encoding, payloadType: pt, clockRate };
    if (channels !== undefined) codec.channels = channels;
    if (fmtp !== undefined) codec.fmtp = fmtp;
    codecs.push(codec);
  }
  return { codecs, telephoneEvents };
}

/** DTLS-SRTP attributes (RFC 5763 §5): fingerprint and setup, media level before session level. */
function readDtls(audio: AudioOffer, m: Partial<MediaDescription>, session: SessionDescription): void {
  const fp = (f: unknown) => (isObject(f) ? parseFingerprint((f as { type?: unknown }).type, (f as { hash?: unknown }).hash) : undefined);
  const fingerprint = fp(m.fingerprint) ?? fp(session.fingerprint);
  if (fingerprint !== undefined) audio.fingerprints = [fingerprint];
  const setup = parseSetup(m.setup) ?? parseSetup((session as { setup?: unknown }).setup);
  if (setup !== undefined) audio.setup = setup;
  const connection = (m as { connectionType?: unknown }).connectionType ?? (session as { connectionType?: unknown }).connectionType;
  if (connection === "new" || connection === "existing") audio.connectionType = connection;
}

/** The a=crypto values (RFC 4568 §9.1) as written, for sdes.ts to read and choose from. */
function cryptoLines(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const out: string[] = [];
  for (const c of value as unknown[]) {
    if (!isObject(c)) continue;
    const { id, suite, config, sessionConfig } = c as { id?: unknown; suite?: unknown; config?: unknown; sessionConfig?: unknown };
    if ((typeof id !== "number" && typeof id !== "string") || typeof suite !== "string" || typeof config !== "string") continue;
    out.push(`${String(id)} ${suite} ${config}${typeof sessionConfig === "string" && sessionConfig.length > 0 ? ` ${sessionConfig}` : ""}`);
  }
  return out;
}

/** Reads o= ourselves: sdp-transform turns short ids into numbers, and long ones must stay exact. */
function origin(text: string): { sessionId: string; sessionVersion: string } {
  const o = /^o=\S*[ \t]+(\S+)[ \t]+(\S+)/m.exec(text);
  return { sessionId: o?.[1] ?? "", sessionVersion: o?.[2] ?? "" };
}

/** sdp-transform turns a lone format such as "0" into the number 0. */
function payloadText(value: unknown): string {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" ? value : "";
}

function validConnection(c: unknown): { ip: string } | undefined {
  if (!isObject(c)) return undefined;
  const ip = (c as { ip?: unknown }).ip;
  if (typeof ip !== "string" || ip.length === 0) return undefined;
  // A multicast c= may carry "/ttl"; we only keep the address.
  return { ip: ip.split("/")[0] ?? ip };
}

function directionOf(value: unknown): MediaDirection | undefined {
  return typeof value === "string" && DIRECTIONS.includes(value) ? (value as MediaDirection) : undefined;
}

function positive(value: unknown): number | undefined {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim().length > 0 ? Number(value) : NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function isObject(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}
