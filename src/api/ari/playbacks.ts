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
    return this.startOn(`channel:${channelId}`, { channelIds: [channelId] }, [{ id: channelId, ch }], mediaUri, language, playbackId);
  }

  /**
   * `POST /bridges/{id}/play`: the same media played to every channel of the bridge at once
   * (each hears it instead of the other party while it plays); one playback, done when all are.
   */
  startOnBridge(bridgeId: string, members: ReadonlyArray<{ id: string; ch: DialplanChannel }>, mediaUri: string, language: string, playbackId: string | undefined): AriPlayback {
    return this.startOn(`bridge:${bridgeId}`, { channelIds: members.map((m) => m.id), bridgeIds: [bridgeId] }, members, mediaUri, language, playbackId);
  }

  private startOn(targetUri: string, scope: { channelIds: string[]; bridgeIds?: string[] }, targets: ReadonlyArray<{ id: string; ch: DialplanChannel }>, mediaUri: string, language: string, playbackId: string | undefined): AriPlayback {
    const media = mediaTarget(mediaUri);
    const id = playbackId !== undefined && playbackId !== "" ? playbackId : randomUUID();
    if (this.live.has(id)) throw new AriError(409, `Playback ${id} already exists`);
    const pb: AriPlayback = { id, media_uri: mediaUri, target_uri: targetUri, language, state: "queued" };
    this.live.set(id, pb);
    const playOne = async (ch: DialplanChannel): Promise<boolean> => {
      if (ch.hungUp()) return false;
      if (media.kind === "tone") return (await ch.playback(`tone:${media.name}`)) === "ok";
      if (ch.play !== undefined) return (await ch.play(media.name, "")).status !== "failed";
      return (await ch.playback(media.name)) === "ok";
    };
    const run = async (): Promise<void> => {
      if (targets.every((t) => t.ch.hungUp())) {
        pb.state = "failed";
        return;
      }
      pb.state = "playing";
      this.apps.dispatch({ type: "PlaybackStarted", playback: { ...pb } }, scope);
      const results = await Promise.all(targets.map((t) => playOne(t.ch)));
      pb.state = results.some((ok) => ok) ? "done" : "failed";
    };
    // One queue per target: a playback waits for the ones queued before it on any of its channels.
    const keys = targets.map((t) => t.id);
    const prev = Promise.all(keys.map((k) => this.queues.get(k) ?? Promise.resolve()));
    const next = prev
      .then(run)
      .catch(() => {
        pb.state = "failed";
      })
      .finally(() => {
        this.live.delete(id);
        this.apps.dispatch({ type: "PlaybackFinished", playback: { ...pb } }, scope);
        for (const k of keys) if (this.queues.get(k) === next) this.queues.delete(k);
      });
    for (const k of keys) this.queues.set(k, next);
    return { ...pb };
  }
}
