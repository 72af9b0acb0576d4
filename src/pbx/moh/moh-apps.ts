/**
 * The dialplan applications of res_musiconhold:
 *
 * - `MusicOnHold([class[,duration]])`: the channel hears the class for `duration` seconds, or
 *   until it hangs up (or is redirected) without one; then the dialplan goes on.
 * - `StartMusicOnHold([class])`: the music starts and the dialplan goes on at once (a Wait(),
 *   a Read() without prompt …); it stops with StopMusicOnHold(), a prompt played over it, the
 *   channel entering a bridge, or the hangup.
 * - `StopMusicOnHold()`.
 *
 * None of them answers the channel: an unanswered SIP channel gets 183 Session Progress and the
 * music as early media, as chan_pjsip sends the first frame written to it.
 */
import type { AppContext, DialplanApp } from "../apps/registry.js";
import { channelMusicClass } from "./music-class.js";
import type { MohLeg } from "./moh-player.js";
import type { MohService } from "./moh-service.js";

export interface MohAppDeps {
  service: () => MohService | undefined;
  /** The media leg of the channel the dialplan runs on, once the call layer runs. */
  legOf: (channelName: string) => MohLeg | undefined;
}

/** The longest single wait (a day): timers take at most 2^31 - 1 ms. */
const MAX_WAIT_SECONDS = 86_400;

async function startOn(ctx: AppContext, d: MohAppDeps, requested: string, app: string): Promise<{ legId: string } | undefined> {
  const ch = ctx.channel;
  const service = d.service();
  const leg = d.legOf(ch.name);
  if (service === undefined || leg === undefined) {
    ctx.log.warn({}, `${app}: ${ch.name} has no media Switchboard can play music to`);
    return undefined;
  }
  if (!ch.answered) await ch.progress();
  if (ch.hungUp()) return undefined;
  const cls = service.choose(channelMusicClass(ch.vars), requested, ch.name);
  return service.start(leg, cls) === undefined ? undefined : { legId: leg.media.legId };
}

export function musicOnHoldApp(d: MohAppDeps): DialplanApp {
  return {
    name: "MusicOnHold",
    synopsis: "Play Music On Hold indefinitely.",
    syntax: "MusicOnHold([class[,duration]])",
    async execute(ctx) {
      const ch = ctx.channel;
      const rawDuration = (ctx.args[1] ?? "").trim();
      let seconds = Infinity;
      if (rawDuration.length > 0) {
        const n = Number(rawDuration);
        if (!Number.isFinite(n) || n < 0) ctx.log.warn({}, `MusicOnHold(${ctx.data}): duration '${rawDuration.slice(0, 20)}' is not a number of seconds; playing until hangup`);
        else if (n > 0) seconds = n;
      }
      const started = await startOn(ctx, d, (ctx.args[0] ?? "").trim(), "MusicOnHold");
      if (started === undefined) return ch.hungUp() ? "hangup" : "continue";
      const player = d.service()?.playing(started.legId);
      // Ends at the duration, the hangup, a redirect, or the music ending for another reason
      // (a wait ends early on the first two; the music's end wins the race).
      let ended = false;
      void player?.done.then(() => (ended = true));
      let left = seconds;
      while (!ended && left > 0 && !ch.hungUp() && ch.redirectPending?.() !== true) {
        const step = Math.min(left, MAX_WAIT_SECONDS);
        await Promise.race([ch.wait(step), ...(player !== undefined ? [player.done] : [])]);
        left -= step;
      }
      d.service()?.stop(started.legId);
      return ch.hungUp() ? "hangup" : "continue";
    },
  };
}

export function startMusicOnHoldApp(d: MohAppDeps): DialplanApp {
  return {
    name: "StartMusicOnHold",
    synopsis: "Play Music On Hold.",
    syntax: "StartMusicOnHold([class])",
    async execute(ctx) {
      await startOn(ctx, d, (ctx.args[0] ?? "").trim(), "StartMusicOnHold");
      return ctx.channel.hungUp() ? "hangup" : "continue";
    },
  };
}

export function stopMusicOnHoldApp(d: MohAppDeps): DialplanApp {
  return {
    name: "StopMusicOnHold",
    synopsis: "Stop playing Music On Hold.",
    syntax: "StopMusicOnHold()",
    execute(ctx) {
      const leg = d.legOf(ctx.channel.name);
      if (leg !== undefined) d.service()?.stop(leg.media.legId);
      return Promise.resolve("continue");
    },
  };
}

/** The applications' names, for `switchboard check`. */
export const MOH_APP_NAMES = ["MusicOnHold", "StartMusicOnHold", "StopMusicOnHold"] as const;
