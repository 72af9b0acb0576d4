/**
 * Music on hold playing to one media leg until stopped: the generated loop for the built-in
 * class, or the class's files one after another, round after round, in its `sort` order. Each
 * file goes to the relay worker as a Playback() prompt does, in the format closest to the leg's
 * codec; while it plays, the worker sends it instead of the bridged partner's audio, so stopping
 * the music gives the partner's audio back at once.
 *
 * A class whose directory has no playable file (the package not installed, a typo) plays the
 * generated music instead, after one WARNING per class and load, so a held caller never hears
 * silence. A file that cannot be read is skipped with a WARNING; a round in which no file played
 * falls back to the generated music too.
 */
import { PbxError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { canTranscode, type MediaEngine, type PlaybackSource, type PlayOptions } from "../../media/index.js";
import type { MohClassConfig } from "../../config/index.js";
import type { MediaSession } from "../media-session/media-session.js";
import { holdMusic } from "./generated-music.js";
import { pathFor, playOrder, type MohFile, type Random } from "./moh-files.js";

/** The leg music is played to: a channel's name and its media session. */
export interface MohLeg {
  readonly name: string;
  readonly media: Pick<MediaSession, "legId" | "codecs" | "ptimeMs" | "remoteFmtpOf">;
}

export interface MohPlayerOptions {
  media: Pick<MediaEngine, "play" | "stopPlayback">;
  log: Logger;
  leg: MohLeg;
  cls: MohClassConfig;
  /** The class's files as last scanned (empty for the generated class). */
  files: readonly MohFile[];
  /** Told once when a class with a directory has nothing to play (the caller warns once per class). */
  noFiles: (cls: MohClassConfig) => void;
  random?: Random;
}

/** What the leg's codec can be sent in: the first codec the workers encode (as LegAudio picks for prompts). */
export function playFormat(media: MohLeg["media"]): PlayOptions | undefined {
  const c = media.codecs.find((x) => canTranscode(x.name));
  if (c === undefined) return undefined;
  const fmtp = media.remoteFmtpOf(c.name) ?? c.fmtp;
  const ptime = media.ptimeMs;
  return { payloadType: c.payloadType, codec: c.name, ...(fmtp !== undefined ? { fmtp } : {}), ...(ptime !== undefined ? { ptimeMs: ptime } : {}) };
}

export class MohPlayer {
  private stopped = false;
  /** Resolves when the music has ended (stopped, the leg released, or nothing could play). */
  readonly done: Promise<void>;

  constructor(private readonly o: MohPlayerOptions) {
    this.done = this.run();
  }

  get className(): string {
    return this.o.cls.name;
  }

  get legId(): string {
    return this.o.leg.media.legId;
  }

  /** Ends the music; the leg hears its partner again. Safe to call twice. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.o.media.stopPlayback(this.legId);
  }

  private async run(): Promise<void> {
    const { leg, cls, log } = this.o;
    const format = playFormat(leg.media);
    if (format === undefined) {
      log.warn({}, `${leg.name}: cannot play music on hold class '${cls.name}': no codec of the call is one Switchboard encodes (negotiated ${leg.media.codecs.map((c) => c.name).join("|")})`);
      return;
    }
    if (!cls.generated && this.o.files.length > 0 && (await this.playFiles(format))) return;
    if (this.stopped) return;
    if (!cls.generated) this.o.noFiles(cls);
    await this.playSource({ kind: "samples", samples: holdMusic(), loop: true }, format);
  }

  /** Plays the files round after round; false when a whole round played nothing (fall back). */
  private async playFiles(format: PlayOptions): Promise<boolean> {
    const { leg, cls, log } = this.o;
    for (let round = 0; !this.stopped; round++) {
      let played = 0;
      for (const f of playOrder(this.o.files, cls.sort, round, this.o.random)) {
        if (this.stopped) return true;
        const path = pathFor(f, format.codec);
        if (log.wants("verbose", 3)) log.verbose(3, {}, `${leg.name}: music on hold class '${cls.name}' plays '${path}'`);
        const r = await this.playSource({ kind: "file", path }, format);
        if (r === "failed") continue;
        played++;
        if (r === "stopped") return true;
      }
      if (played === 0) return false;
    }
    return true;
  }

  private async playSource(source: PlaybackSource, format: PlayOptions): Promise<"done" | "stopped" | "failed"> {
    try {
      const r = await this.o.media.play(this.legId, source, format);
      // Anything else that stopped the player (the leg released, a prompt played over it) ends the music too.
      if (r === "stopped") this.stopped = true;
      return r;
    } catch (err) {
      // An unreadable file is skipped; anything else (the leg released meanwhile) ends the music.
      if (this.stopped || !(err instanceof PbxError && err.code === "MEDIA_FILE")) {
        this.stopped = true;
        return "stopped";
      }
      this.o.log.warn({}, `${this.o.leg.name}: music on hold class '${this.o.cls.name}': ${err instanceof Error ? err.message : String(err)}`);
      return "failed";
    }
  }
}
