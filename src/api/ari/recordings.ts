/**
 * ARI recordings: a live recording (`POST /channels/{id}/record`) records what the channel's
 * phone says into `<spool>/recording/<name>.<format>` until `stop`, a key of `terminateOn`,
 * `maxDurationSeconds`, `maxSilenceSeconds` of silence or the hangup, reporting
 * RecordingStarted and then RecordingFinished (or RecordingFailed); `DELETE` of a live one stops it
 * and keeps no file. Stored recordings are the files of that directory, listed, fetched,
 * copied and deleted by name (a name may hold subdirectories; never `..`).
 */
import { copyFileSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { decodeSoundFile, encodeSoundFile, soundFormatOf, SOUND_EXTENSIONS, type SoundFormat } from "../../media/index.js";
import type { DialplanChannel } from "../../pbx/dialplan/channel.js";
import { writeFileAtomic } from "../../pbx/ivr/recording-file.js";
import { RECORD_SILENCE_THRESHOLD } from "../../pbx/ivr/record.js";
import type { Logger } from "../../core/logger.js";
import type { AriApplications } from "./ari-applications.js";
import { AriError } from "./ari-resource.js";

export type RecordingState = "queued" | "recording" | "done" | "failed" | "canceled";

export interface LiveRecording {
  name: string;
  format: string;
  target_uri: string;
  state: RecordingState;
  duration?: number;
  silence_duration?: number;
  cause?: string;
}

export interface StoredRecording {
  name: string;
  format: string;
}

export interface RecordOptions {
  readonly name: string;
  readonly format: string;
  readonly maxDurationSeconds: number;
  readonly maxSilenceSeconds: number;
  readonly ifExists: "fail" | "overwrite" | "append";
  readonly beep: boolean;
  readonly terminateOn: "none" | "any" | "*" | "#";
}

interface Live {
  readonly rec: LiveRecording;
  readonly channel: DialplanChannel;
  discard: boolean;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = { wav: "audio/wav", ulaw: "audio/basic", alaw: "audio/x-alaw-basic", sln: "audio/L16;rate=8000", sln16: "audio/L16;rate=16000", g722: "audio/G722" };

/** A recording name as a relative path inside the directory: letters, digits and `-_./`, no `..`. */
export function checkName(name: string): string {
  if (name === "" || name.length > 200 || !/^[A-Za-z0-9_\-./]+$/.test(name) || name.split("/").some((p) => p === ".." || p === "." || p === "") || name.startsWith("/")) {
    throw new AriError(400, "Recording name must be letters, digits, '-', '_', '.' and '/' (subdirectories), without '..'");
  }
  return name;
}

export class Recordings {
  private readonly live = new Map<string, Live>();

  constructor(private readonly d: { dir: () => string; apps: AriApplications; log: Logger }) {}

  private path(name: string, ext: string): string {
    return join(this.d.dir(), `${name}.${ext}`);
  }

  getLive(name: string): LiveRecording | undefined {
    const l = this.live.get(name);
    return l === undefined ? undefined : { ...l.rec };
  }

  start(channelId: string, channel: DialplanChannel, o: RecordOptions): LiveRecording {
    const name = checkName(o.name);
    const format: SoundFormat | undefined = soundFormatOf(o.format);
    if (format === undefined) throw new AriError(422, `Recording format not supported: ${o.format} (wav, ulaw, alaw, sln, sln16, g722)`);
    if (this.live.has(name)) throw new AriError(409, "A recording with the same name already in progress");
    if ([...this.live.values()].some((l) => l.channel === channel)) throw new AriError(409, "Channel is already being recorded; recording it twice at once is not implemented");
    const path = this.path(name, o.format);
    if (o.ifExists === "fail" && existsSync(path)) throw new AriError(409, "A recording with the same name already exists on the system");
    if (channel.record === undefined) throw new AriError(409, "Channel cannot be recorded");
    const rec: LiveRecording = { name, format: o.format, target_uri: `channel:${channelId}`, state: "queued" };
    const l: Live = { rec, channel, discard: false };
    this.live.set(name, l);
    const scope = { channelIds: [channelId] };
    const stopKeys = { none: "", any: "0123456789*#ABCD", "*": "*", "#": "#" }[o.terminateOn];
    void (async () => {
      try {
        if (o.beep) await channel.playback("beep");
        rec.state = "recording";
        this.d.apps.dispatch({ type: "RecordingStarted", recording: { ...rec } }, scope);
        const r = await channel.record!({ maxMs: o.maxDurationSeconds * 1000, silenceMs: o.maxSilenceSeconds * 1000, silenceThreshold: RECORD_SILENCE_THRESHOLD, stopKeys });
        if (l.discard) {
          rec.state = "canceled";
        } else {
          let samples = r.samples;
          if (o.ifExists === "append" && existsSync(path)) {
            const before = decodeSoundFile(readFileSync(path), path);
            const joined = new Int16Array(before.length + samples.length);
            joined.set(before);
            joined.set(samples, before.length);
            samples = joined;
          }
          writeFileAtomic(path, encodeSoundFile(samples, format));
          rec.state = "done";
          rec.duration = Math.round(r.samples.length / 8000);
          rec.silence_duration = Math.round(r.trailingSilenceMs / 1000);
        }
        this.d.apps.dispatch({ type: "RecordingFinished", recording: { ...rec } }, scope);
      } catch (err) {
        rec.state = "failed";
        rec.cause = err instanceof Error ? err.message : String(err);
        this.d.log.warn({ recording: name }, `ARI recording ${name} failed: ${rec.cause}`);
        this.d.apps.dispatch({ type: "RecordingFailed", recording: { ...rec } }, scope);
      } finally {
        this.live.delete(name);
      }
    })();
    return { ...rec };
  }

  /** POST /recordings/live/{name}/stop: ends it and keeps the file. */
  stop(name: string): void {
    const l = this.live.get(name);
    if (l === undefined) throw new AriError(404, "Recording not found");
    l.channel.stopRecording?.();
  }

  /** DELETE /recordings/live/{name}: ends it and keeps nothing. */
  cancel(name: string): void {
    const l = this.live.get(name);
    if (l === undefined) throw new AriError(404, "Recording not found");
    l.discard = true;
    l.channel.stopRecording?.();
  }

  stored(): StoredRecording[] {
    const root = this.d.dir();
    const out: StoredRecording[] = [];
    const walk = (dir: string): void => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const n of names.sort()) {
        if (n.startsWith(".")) continue;
        const full = join(dir, n);
        let isDir = false;
        try {
          const st = lstatSync(full);
          // Links are not followed: a link could loop or lead out of the recordings directory.
          if (st.isSymbolicLink()) continue;
          isDir = st.isDirectory();
        } catch {
          continue;
        }
        if (isDir) walk(full);
        else {
          const dot = n.lastIndexOf(".");
          const ext = dot > 0 ? n.slice(dot + 1) : "";
          if (SOUND_EXTENSIONS[ext] === undefined) continue;
          out.push({ name: relative(root, full.slice(0, full.length - ext.length - 1)).split(sep).join("/"), format: ext });
        }
      }
    };
    walk(root);
    return out;
  }

  storedOne(name: string): StoredRecording & { path: string } {
    checkName(name);
    const found = this.stored().find((r) => r.name === name);
    if (found === undefined) throw new AriError(404, "Recording not found");
    return { ...found, path: this.path(found.name, found.format) };
  }

  file(name: string): { contentType: string; data: Buffer } {
    const r = this.storedOne(name);
    return { contentType: CONTENT_TYPES[r.format] ?? "application/octet-stream", data: readFileSync(r.path) };
  }

  remove(name: string): void {
    rmSync(this.storedOne(name).path, { force: true });
  }

  copy(name: string, to: string): StoredRecording {
    const r = this.storedOne(name);
    checkName(to);
    const dest = this.path(to, r.format);
    if (existsSync(dest)) throw new AriError(409, "A recording with the same name already exists on the system");
    mkdirSync(dirname(dest), { recursive: true });
    copyFileSync(r.path, dest);
    return { name: to, format: r.format };
  }
}
