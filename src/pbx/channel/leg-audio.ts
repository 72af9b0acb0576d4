/**
 * What a channel the dialplan drives does with its own audio and keys, whatever its SIP side
 * (the incoming leg of a call, or a call the PBX originated): prompts found by name in its
 * language and sent in its codec, stopped by a key or the hangup; recordings of what its phone
 * says; keys queued for the applications that read them; waits that end early on hangup.
 *
 * The owner does what depends on its SIP side first (an incoming leg answers or sends early
 * media), then hands over here. A redirect (pending-redirect.ts) ends them as the hangup does,
 * without ending the call.
 */
import { ASTERISK_SOURCE, type Logger } from "../../core/logger.js";
import { canTranscode, transcodableCodecs, type MixMonitorResult, type MixMonitorSpec, type PlaybackSource } from "../../media/index.js";
import type { MediaCodec } from "../../media/sdp/index.js";
import type { PlayOutcome, RecordOutcome, RecordRequest } from "../dialplan/channel.js";
import type { MediaSession } from "../media-session/media-session.js";
import type { CallContext } from "./call-context.js";
import { DigitQueue, type DigitWait } from "./digit-queue.js";
import { PendingRedirect } from "./pending-redirect.js";

export interface LegAudioOwner {
  readonly name: string;
  readonly mediaLegId: string;
  readonly codecs: MediaCodec[];
  readonly media: MediaSession;
  readonly endpoint: { readonly id: string };
  readonly log: Logger;
  readonly language: string;
  hungUp(): boolean;
  whenEnded(): Promise<void>;
}

/** A prompt found and the format it is sent in. */
export interface PreparedPrompt {
  source: PlaybackSource;
  format: { payloadType: number; codec: string; fmtp?: string; ptimeMs?: number };
}

export class LegAudio {
  readonly digits: DigitQueue;
  /** A redirect asked for and not yet taken by the dialplan: what the channel does ends at once. */
  readonly redirect = new PendingRedirect();

  constructor(
    private readonly ctx: CallContext,
    private readonly owner: LegAudioOwner,
  ) {
    this.digits = new DigitQueue(ctx.clock);
  }

  /** True once the call ended, or while a redirect waits: nothing new starts. */
  stopped(): boolean {
    return this.owner.hungUp() || this.redirect.pending;
  }

  /** Resolves when the call ends or is redirected, whichever comes first. */
  whenStopped(): Promise<void> {
    return Promise.race([this.owner.whenEnded(), this.redirect.whenRequested()]);
  }

  /** The next key within `timeoutMs`; undefined on timeout, hangup or redirect. */
  async readDigit(timeoutMs: number): Promise<string | undefined> {
    if (this.redirect.pending) return undefined;
    const w = this.digits.wait(timeoutMs);
    void this.redirect.whenRequested().then(() => w.cancel());
    return w.digit;
  }

  /** What playback sends: the first of the leg's codecs the media workers can encode. */
  private format(): PreparedPrompt["format"] | undefined {
    const c = this.owner.codecs.find((x) => canTranscode(x.name));
    if (c === undefined) return undefined;
    const fmtp = this.owner.media.remoteFmtpOf(c.name) ?? c.fmtp;
    const ptime = this.owner.media.ptimeMs;
    return { payloadType: c.payloadType, codec: c.name, ...(fmtp !== undefined ? { fmtp } : {}), ...(ptime !== undefined ? { ptimeMs: ptime } : {}) };
  }

  /** Finds `what` in the leg's language and codec; undefined (with a WARNING when no codec fits) when it cannot be played. */
  prepare(what: string): PreparedPrompt | undefined {
    const o = this.owner;
    const format = this.format();
    const source = this.ctx.sounds.find(what, o.language, format?.codec);
    if (!source) return undefined;
    // file.c's line for each file played, with the file found (Asterisk names it without the directory).
    if (source.kind === "file" && o.log.wants("verbose", 3)) o.log.verbose(3, { [ASTERISK_SOURCE]: "file.c" }, `<${o.name}> Playing '${source.path}' (language '${o.language}')`);
    if (!format) {
      o.log.warn({}, `${o.name}: Playback cannot encode any codec of the call (negotiated ${o.codecs.map((c) => c.name).join("|")}; Switchboard encodes ${transcodableCodecs().join(", ")}): allow one of those for endpoint '${o.endpoint.id}'`);
      return undefined;
    }
    return { source, format };
  }

  /**
   * Plays a prepared prompt; a key in `interruptKeys` pressed meanwhile (or typed ahead) stops it
   * and is returned. Other keys are dropped while it plays, as Asterisk's stream-and-wait does.
   */
  async play(p: PreparedPrompt, interruptKeys: string): Promise<PlayOutcome> {
    const o = this.owner;
    if (this.stopped()) return { status: "failed" };
    const done = this.ctx.media.play(o.mediaLegId, p.source, p.format);
    const keys = interruptKeys.length > 0 ? this.keyAmong(interruptKeys) : undefined;
    let r: Awaited<typeof done> | "stopped" | { digit: string | undefined };
    try {
      r = await Promise.race([done, this.whenStopped().then(() => "stopped" as const), ...(keys ? [keys.digit.then((d) => ({ digit: d }))] : [])]);
    } finally {
      keys?.cancel();
    }
    if (typeof r === "object") {
      this.ctx.media.stopPlayback(o.mediaLegId);
      return r.digit === undefined ? { status: "failed" } : { status: "interrupted", digit: r.digit };
    }
    if (r === "stopped") this.ctx.media.stopPlayback(o.mediaLegId);
    return r === "done" ? { status: "ok" } : { status: "failed" };
  }

  /** The next key among `keys` (others are dropped); cancel() stops waiting. */
  keyAmong(keys: string): { digit: Promise<string | undefined>; cancel(): void } {
    let current: DigitWait | undefined;
    let cancelled = false;
    const next = async (): Promise<string | undefined> => {
      for (;;) {
        if (cancelled) return undefined;
        current = this.digits.wait(Infinity);
        const d = await current.digit;
        if (d === undefined || keys.includes(d)) return d;
      }
    };
    return {
      digit: next(),
      cancel: () => {
        cancelled = true;
        current?.cancel();
      },
    };
  }

  /** Records what the phone says until a key in `stopKeys`, the limits in `r`, or the hangup (8 kHz). */
  async record(r: RecordRequest): Promise<RecordOutcome> {
    const o = this.owner;
    if (this.stopped()) return { reason: o.hungUp() ? "hangup" : "stopped", samples: new Int16Array(0), trailingSilenceMs: 0 };
    // Keys pressed before the recording (during the greeting, the beep) do not end it.
    this.digits.clear();
    const rec = this.ctx.media.record(o.mediaLegId, { maxMs: r.maxMs, silenceMs: r.silenceMs, silenceThreshold: r.silenceThreshold });
    const keys = r.stopKeys.length > 0 ? this.keyAmong(r.stopKeys) : undefined;
    let digit: string | undefined;
    void keys?.digit.then((d) => {
      if (d === undefined) return;
      digit = d;
      this.ctx.media.stopRecording(o.mediaLegId);
    });
    void this.whenStopped().then(() => this.ctx.media.stopRecording(o.mediaLegId));
    let out: Awaited<typeof rec>;
    try {
      out = await rec;
    } finally {
      keys?.cancel();
    }
    const reason = digit !== undefined ? "dtmf" : o.hungUp() && out.reason === "stopped" ? "hangup" : out.reason;
    return { ...out, reason, ...(digit !== undefined ? { digit } : {}) };
  }

  /** Ends a recording in progress as if it had run its course (ARI's stop). */
  stopRecording(): void {
    this.ctx.media.stopRecording(this.owner.mediaLegId);
  }

  /** MixMonitor(): a tap on both directions of the leg's audio, written by its media worker (pbx/mixmonitor). */
  mixMonitor(spec: MixMonitorSpec): Promise<MixMonitorResult> {
    if (this.owner.hungUp()) return Promise.resolve({ reason: "hangup", durationMs: 0 });
    return this.ctx.media.mixMonitor(this.owner.mediaLegId, spec);
  }

  stopMixMonitor(tapId: string): void {
    this.ctx.media.stopMixMonitor(this.owner.mediaLegId, tapId);
  }

  /** Resolves after `seconds`, or early on hangup or redirect. */
  wait(seconds: number): Promise<void> {
    if (this.stopped()) return Promise.resolve();
    return new Promise((resolve) => {
      const t = this.ctx.clock.setTimeout(resolve, Math.max(0, seconds * 1000));
      void this.whenStopped().then(() => {
        t.cancel();
        resolve();
      });
    });
  }

  /** A busy or congestion tone for `timeoutSec` (until hangup without one). */
  async tone(played: Promise<unknown>, timeoutSec?: number): Promise<void> {
    if (timeoutSec && timeoutSec > 0) await Promise.race([played, this.wait(timeoutSec)]);
    else await this.whenStopped();
    this.ctx.media.stopPlayback(this.owner.mediaLegId);
  }
}
