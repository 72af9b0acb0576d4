/**
 * `ConfBridge(conference[,bridge_profile[,user_profile[,menu]]])`: puts the channel into a
 * conference, mixed in the media workers, until it hangs up, is kicked, its marked participant
 * leaves (end_marked) or its user profile's timeout runs out. Empty profile arguments mean
 * `default_bridge` and `default_user`. `${CONFBRIDGE_RESULT}`: FAILED (could not enter: unknown
 * profile, wrong PIN, conference full), HANGUP, KICKED, ENDMARKED or TIMEOUT. After anything but
 * a hangup the dialplan goes on at the next priority.
 */
import { DEFAULT_BRIDGE_PROFILE, DEFAULT_USER_PROFILE, type ConfbridgeConfig, type ConfbridgeUserValues } from "../../config/index.js";
import type { AppContext, DialplanApp } from "../apps/registry.js";
import type { DialplanChannel } from "../dialplan/channel.js";
import type { ChannelView } from "../events.js";
import type { Conferences, LeaveReason } from "./conference.js";
import { askPin } from "./pin.js";

/** A dialplan channel whose media the conference can take: the call layer's channels are. */
export interface ConferenceChannel extends DialplanChannel {
  readonly mediaLegId: string;
  view(): ChannelView;
}

function conferenceCapable(ch: DialplanChannel): ch is ConferenceChannel {
  const c = ch as Partial<ConferenceChannel>;
  return typeof c.mediaLegId === "string" && typeof c.view === "function";
}

export interface ConfBridgeDeps {
  readonly config: () => ConfbridgeConfig;
  readonly conferences: Conferences;
}

/** How long one wait lasts before the loop looks again (timers cannot wait for ever). */
const WAIT_SLICE_SEC = 3600;

async function say(ch: DialplanChannel, sound: string): Promise<void> {
  if (sound.length === 0 || ch.hungUp()) return;
  await ch.playback(sound);
}

export function confBridgeApp(d: ConfBridgeDeps): DialplanApp {
  return {
    name: "ConfBridge",
    synopsis: "Conference bridge application.",
    syntax: "ConfBridge(conference[,bridge_profile[,user_profile[,menu]]])",
    execute: (ctx) => run(ctx, d),
  };
}

async function run(ctx: AppContext, d: ConfBridgeDeps): Promise<"continue" | "hangup"> {
  const ch = ctx.channel;
  const failed = (why: string): "continue" | "hangup" => {
    ctx.log.warn({}, why);
    ctx.setVar("CONFBRIDGE_RESULT", "FAILED");
    return "hangup";
  };
  const name = (ctx.args[0] ?? "").trim();
  if (name.length === 0) return failed("ConfBridge requires an argument (conference name[,options])");
  if (!conferenceCapable(ch)) return failed(`ConfBridge: channel ${ch.name} has no media the conference can mix`);
  const config = d.config();
  const bridgeName = (ctx.args[1] ?? "").trim() || DEFAULT_BRIDGE_PROFILE;
  const userName = (ctx.args[2] ?? "").trim() || DEFAULT_USER_PROFILE;
  const menu = (ctx.args[3] ?? "").trim();
  const bridge = config.bridges.get(bridgeName);
  if (bridge === undefined) return failed(`Conference bridge profile ${bridgeName} does not exist`);
  const user: ConfbridgeUserValues | undefined = config.users.get(userName);
  if (user === undefined) return failed(`Conference user profile ${userName} does not exist`);
  if (menu.length > 0) ctx.log.notice({}, `ConfBridge: menu '${menu}' is not implemented (confbridge.conf type=menu); the participant has no DTMF menu`);

  if (!ch.answered) {
    if (user.answerChannel) await ch.answer();
    else await ch.progress();
  }
  if (ch.hungUp()) {
    ctx.setVar("CONFBRIDGE_RESULT", "HANGUP");
    return "hangup";
  }
  if (user.pin.length > 0) {
    const ok = await askPin(ch, user.pin, bridge.soundGetPin, bridge.soundInvalidPin);
    if (!ok) {
      if (ch.hungUp()) {
        ctx.setVar("CONFBRIDGE_RESULT", "HANGUP");
        return "hangup";
      }
      return failed(`ConfBridge: ${ch.name} did not enter the PIN of conference ${name}`);
    }
  }

  let reason: LeaveReason | undefined;
  let wake: () => void = () => {};
  const sentOut = new Promise<void>((r) => (wake = r));
  const out = (why: LeaveReason): void => {
    reason ??= why;
    wake();
  };
  const conference = d.conferences.open(name, bridge, bridgeName);
  const alone = conference.participants.length === 0;
  const joined = conference.join({
    name: ch.name,
    mediaLegId: ch.mediaLegId,
    view: () => ch.view(),
    user,
    userProfile: userName,
    bridgeProfile: bridgeName,
    menu,
    sendOut: out,
  });
  if (joined === "full") {
    await say(ch, bridge.soundLocked);
    return failed(`Conference '${name}' is full (max_members=${bridge.maxMembers}); ${ch.name} cannot join`);
  }
  if (ctx.log.wants("verbose", 3)) ctx.log.verbose(3, {}, `${ch.name} joined conference '${name}' (bridge profile ${bridgeName}, user profile ${userName})`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (user.timeout > 0) timer = setTimeout(() => out("TIMEOUT"), user.timeout * 1000);
  try {
    if (!user.quiet) {
      if (joined.waiting) await say(ch, bridge.soundWaitForLeader);
      else if (alone && user.announceOnlyUser) await say(ch, bridge.soundOnlyPerson);
    }
    while (reason === undefined && !ch.hungUp() && ch.redirectPending?.() !== true) {
      await Promise.race([ch.wait(WAIT_SLICE_SEC), sentOut]);
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    conference.leave(joined);
  }
  if (ch.hungUp()) {
    ctx.setVar("CONFBRIDGE_RESULT", "HANGUP");
    return "hangup";
  }
  const result = reason ?? "HANGUP";
  ctx.setVar("CONFBRIDGE_RESULT", result);
  // Said once the participant is out of the mix, before the dialplan goes on.
  if (result === "KICKED") await say(ch, bridge.soundKicked);
  if (result === "ENDMARKED" && !user.quiet) await say(ch, bridge.soundLeaderHasLeft);
  if (ctx.log.wants("verbose", 3)) ctx.log.verbose(3, {}, `${ch.name} left conference '${name}' (${result})`);
  return ch.hungUp() ? "hangup" : "continue";
}
