/**
 * DTMF between the two legs of a call, whatever each endpoint's `dtmf_mode` (Asterisk's values):
 * - rfc4733: RFC 4733 telephone-events in the RTP stream (when the SDP negotiated them);
 * - inband: the keys' tones in the audio itself;
 * - info: SIP INFO requests (application/dtmf-relay, application/dtmf);
 * - auto: rfc4733 when negotiated, else inband; auto_info: rfc4733 when negotiated, else info;
 * - none: no DTMF.
 * A digit arrives from the media workers (events, or tones they detected) or as an INFO; it goes
 * to the bridged partner in the partner's method; a leg bridged to nothing (in the dialplan) keeps
 * it for the apps that read digits. RFC 4733 events between two rfc4733 legs, and tones between
 * two inband legs, already cross in the relayed media and are not sent again.
 *
 * A leg whose keys are watched for feature codes (pbx/features) has an interceptor: its digits
 * go to it instead of the partner, its RFC 4733 events are held in the worker, and the
 * interceptor passes on (passOn) the keys that turn out to be no feature code.
 */
import type { EndpointConfig } from "../../config/index.js";
import type { Logger } from "../../core/logger.js";
import type { EventSink } from "../../core/event-bus.js";
import { channelFields, type ChannelView, type PbxEvents } from "../events.js";
import type { MediaEngine } from "../../media/index.js";
import type { SipRequest } from "../../sip/message/message.js";
import { DEFAULT_DTMF_MS, dtmfMethodOf, type DtmfMethod } from "../media-session/dtmf-method.js";
import type { InviteSession } from "../../sip/session/index.js";
import type { MediaSession } from "../media-session/media-session.js";

export type DtmfSource = "rfc4733" | "inband" | "info";

/** A human dials at most about ten digits a second. */
const MAX_INFO_DIGITS_PER_SECOND = 12;

/** The digit and duration of a DTMF INFO body (RFC 6086 framework; the de-facto dtmf-relay format). */
export function parseDtmfInfo(contentType: string, body: string): { digit: string; durationMs: number } | undefined {
  const type = contentType.split(";")[0]?.trim().toLowerCase();
  const normal = (s: string): string | undefined => {
    const v = s.trim().toUpperCase();
    if (/^[0-9*#A-D]$/.test(v)) return v;
    return v === "10" ? "*" : v === "11" ? "#" : undefined;
  };
  if (type === "application/dtmf") {
    const digit = normal(body);
    return digit === undefined ? undefined : { digit, durationMs: DEFAULT_DTMF_MS };
  }
  if (type !== "application/dtmf-relay") return undefined;
  const fields = new Map<string, string>();
  for (const line of body.split(/\r?\n/)) {
    const eq = line.indexOf("=");
    if (eq > 0) fields.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  const digit = normal(fields.get("signal") ?? "");
  if (digit === undefined) return undefined;
  const duration = Number(fields.get("duration"));
  return { digit, durationMs: Number.isFinite(duration) && duration > 0 ? Math.min(5000, duration) : DEFAULT_DTMF_MS };
}

/** A leg DTMF can reach (InboundCall, OutboundLeg): its endpoint, media and session. */
export interface DtmfLeg {
  readonly name: string;
  readonly mediaLegId: string;
  readonly endpoint: EndpointConfig;
  readonly media: Pick<MediaSession, "agreedTelephoneEvent">;
  readonly session: InviteSession;
  /** A digit from this leg's phone while it is bridged to nothing (the dialplan's, for apps that read digits). */
  heardDigit?(digit: string): void;
  /** The leg's channel, for the DTMFBegin/DTMFEnd events. */
  readonly channel?: { view(): ChannelView };
}

/** Takes the digits of a bridged leg before its partner does (feature codes). */
export interface DigitInterceptor {
  digit(digit: string, durationMs: number, source: DtmfSource): void;
}

export interface DtmfRelayOptions {
  media: Pick<MediaEngine, "sendDtmf"> & Partial<Pick<MediaEngine, "setOptions">>;
  log: Logger;
  /** DTMFBegin and DTMFEnd, Received on the leg whose phone pressed the key and Sent on the one it reached. */
  events?: EventSink<PbxEvents>;
}

export class DtmfRelay {
  private readonly infoTimes = new Map<string, number[]>();
  /** Pairs of bridged legs, by each one's media leg id. */
  private readonly partners = new Map<string, { self: DtmfLeg; partner: () => DtmfLeg | undefined }>();
  /** Interceptors by media leg id. */
  private readonly interceptors = new Map<string, DigitInterceptor>();

  constructor(private readonly o: DtmfRelayOptions) {}

  /** Follows a leg: its INFO digits, and the media's digits by its relay leg id; `partner` is who hears them. */
  attach(leg: DtmfLeg, partner: () => DtmfLeg | undefined): void {
    this.partners.set(leg.mediaLegId, { self: leg, partner });
    leg.session.on("request", (req) => this.onRequest(leg, req));
    leg.session.on("terminated", () => {
      this.partners.delete(leg.mediaLegId);
      this.infoTimes.delete(leg.mediaLegId);
      this.interceptors.delete(leg.mediaLegId);
    });
  }

  /** From now on the digits of media leg `legId` while it is bridged go to `i`; its RFC 4733 events are held in the worker. */
  intercept(legId: string, i: DigitInterceptor): void {
    this.interceptors.set(legId, i);
    this.o.media.setOptions?.(legId, { holdEvents: true });
  }

  /** Ends `i`'s interception of `legId` (no other interceptor's); the leg's keys cross to its partner again. */
  release(legId: string, i: DigitInterceptor): void {
    if (this.interceptors.get(legId) !== i) return;
    this.interceptors.delete(legId);
    this.o.media.setOptions?.(legId, { holdEvents: false });
  }

  /** A digit an interceptor let go: to the partner of `legId`, in the partner's method (it did not cross in the media, unless as tones between inband legs). */
  passOn(legId: string, digit: string, durationMs: number, source: DtmfSource): void {
    const to = this.partners.get(legId)?.partner();
    if (to === undefined) return;
    if (source === "inband" && this.methodOf(to) === "inband") return;
    this.send(to, digit, durationMs);
  }

  /** The method DTMF reaches this leg's phone with, now. */
  methodOf(leg: DtmfLeg): DtmfMethod {
    return dtmfMethodOf(leg.endpoint, leg.media.agreedTelephoneEvent !== undefined);
  }

  /**
   * The leg is now driven by another channel (a Dial's callee redirected into the dialplan): its
   * digits go to `self` (its applications) or to whoever `partner` names.
   */
  adopt(self: DtmfLeg, partner: () => DtmfLeg | undefined): void {
    this.partners.set(self.mediaLegId, { self, partner });
  }

  /** A digit the media workers saw from the phone of relay leg `legId`. */
  fromMedia(legId: string, digit: string, durationMs: number, source: "rfc4733" | "inband"): void {
    const entry = this.partners.get(legId);
    if (entry === undefined) return;
    const method = this.methodOf(entry.self);
    // Tones detected on a leg that signals another way are its audio, not its keys.
    if (source === "inband" && method !== "inband") return;
    if (source === "rfc4733" && method !== "rfc4733") return;
    this.deliver(entry.self, entry.partner(), digit, durationMs, source);
  }

  private onRequest(leg: DtmfLeg, req: SipRequest): void {
    if (req.method !== "INFO") return;
    const parsed = parseDtmfInfo(req.headers.get("Content-Type") ?? "", req.body.toString("utf8"));
    if (parsed === undefined || this.flooding(leg.mediaLegId)) return;
    const entry = this.partners.get(leg.mediaLegId);
    this.deliver(entry?.self ?? leg, entry?.partner(), parsed.digit, parsed.durationMs, "info");
  }

  /** More than MAX_INFO_DIGITS_PER_SECOND INFO digits from one leg in a second is a flood, not dialling. */
  private flooding(legId: string): boolean {
    const now = Date.now();
    const times = (this.infoTimes.get(legId) ?? []).filter((t) => now - t < 1000);
    const flood = times.length >= MAX_INFO_DIGITS_PER_SECOND;
    if (!flood) times.push(now);
    this.infoTimes.set(legId, times);
    return flood;
  }

  private report(leg: DtmfLeg | undefined, digit: string, durationMs: number, direction: "Received" | "Sent"): void {
    const ev = this.o.events;
    if (ev === undefined || leg?.channel === undefined) return;
    if (ev.wants("DTMFBegin")) ev.emit("DTMFBegin", { ...channelFields(leg.channel.view()), Digit: digit, Direction: direction });
    if (ev.wants("DTMFEnd")) ev.emit("DTMFEnd", { ...channelFields(leg.channel.view()), Digit: digit, DurationMs: durationMs, Direction: direction });
  }

  private deliver(from: DtmfLeg, to: DtmfLeg | undefined, digit: string, durationMs: number, source: DtmfSource): void {
    if (this.o.log.wants("verbose", 4)) this.o.log.verbose(4, {}, `DTMF end '${digit}' received on ${from.name}, duration ${durationMs} ms (${source})`);
    this.report(from, digit, durationMs, "Received");
    if (to === undefined) {
      from.heardDigit?.(digit);
      return;
    }
    const hook = this.interceptors.get(from.mediaLegId);
    if (hook !== undefined) {
      hook.digit(digit, durationMs, source);
      return;
    }
    const method = this.methodOf(to);
    // What already crossed in the relayed (or transcoded) media is not sent twice.
    if (method === source && (source === "rfc4733" || source === "inband")) return;
    this.send(to, digit, durationMs);
  }

  /** Sends a digit to a leg's phone in its method (SendDTMF, and digits from the partner). */
  send(to: DtmfLeg, digit: string, durationMs: number = DEFAULT_DTMF_MS): boolean {
    this.report(to, digit, durationMs, "Sent");
    switch (this.methodOf(to)) {
      case "rfc4733":
        this.o.media.sendDtmf(to.mediaLegId, digit, durationMs, "rfc4733");
        return true;
      case "inband":
        this.o.media.sendDtmf(to.mediaLegId, digit, durationMs, "inband");
        return true;
      case "info":
        return to.session.info({ contentType: "application/dtmf-relay", body: `Signal=${digit}\r\nDuration=${durationMs}\r\n` });
      default:
        return false;
    }
  }
}
