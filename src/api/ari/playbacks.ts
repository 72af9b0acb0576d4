/**
 * ARI playbacks (`POST /channels/{id}/play`): each is queued on its channel, plays through the
 * channel's prompt player (sound: by name in the channel's language, tone: built-in tones),
 * and reports PlaybackStarted and PlaybackFinished. A finished playback is forgotten, so
 * `GET /playbacks/{id}` answers 404 for it, as in Asterisk.
 */
import { randomUUID } from "node:crypto";
import type { DialplanChannel } from "../../pbx/dialplan/channel.js";
import type { AriApplications } from "./ari-applications.js";
import { AriError } from "./ari-resource.js";

export type PlaybackState = "queued" | "playing" | "done" | "failed";

export interface AriPlayback {
  id: string;
  media_uri: string;
  target_uri: string;
  language: string;
  state: PlaybackState;
}

/** `sound:hello-world` or `tone:ring` → what the channel's player is asked to play. */
export function mediaTarget(uri: string): { kind: "sound" | "tone"; name: string } {
  const m = /^(sound|tone):(.+)$/.exec(uri);
  if (m?.[1] === undefined || m[2] === undefined) throw new AriError(400, `Invalid media URI: ${uri.slice(0, 80)} (sound:<name> and tone:<name> are supported)`);
  return { kind: m[1] as "sound" | "tone", name: m[2] };
}

export class Playbacks {
  private readonly live = new Map<string, AriPlayback>();
  /** The end of each channel's queue. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly apps: AriApplications) {}

  get(id: string): AriPlayback | undefined {
    return this.live.get(id);
  }

  start(channelId: string, ch: DialplanChannel, mediaUri: string, language: string, playbackId: string | undefined): AriPlayback {
    const media = mediaTarget(mediaUri);
    const id = playbackId !== undefined && playbackId !== "" ? playbackId : randomUUID();
    if (this.live.has(id)) throw new AriError(409, `Playback ${id} already exists`);
    const pb: AriPlayback = { id, media_uri: mediaUri, target_uri: `channel:${channelId}`, language, state: "queued" };
    this.live.set(id, pb);
    const scope = { channelIds: [channelId] };
    const run = async (): Promise<void> => {
      if (ch.hungUp()) {
        pb.state = "failed";
        return;
      }
      pb.state = "playing";
      this.apps.dispatch({ type: "PlaybackStarted", playback: { ...pb } }, scope);
      let ok: boolean;
      if (media.kind === "tone") ok = (await ch.playback(`tone:${media.name}`)) === "ok";
      else if (ch.play !== undefined) ok = (await ch.play(media.name, "")).status !== "failed";
      else ok = (await ch.playback(media.name)) === "ok";
      pb.state = ok ? "done" : "failed";
    };
    const prev = this.queues.get(channelId) ?? Promise.resolve();
    const next = prev
      .then(run)
      .catch(() => {
        pb.state = "failed";
      })
      .finally(() => {
        this.live.delete(id);
        this.apps.dispatch({ type: "PlaybackFinished", playback: { ...pb } }, scope);
        if (this.queues.get(channelId) === next) this.queues.delete(channelId);
      });
    this.queues.set(channelId, next);
    return { ...pb };
  }
}
