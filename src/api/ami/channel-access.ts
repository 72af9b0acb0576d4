/**
 * The live channels as the AMI actions see them: each call's incoming channel and the outgoing
 * legs it is ringing or bridged to, with what Status and CoreShowChannels print of them, and
 * the one thing the actions do to a channel, hang it up (only that channel, as Asterisk's
 * Hangup action does: a hung-up callee returns its caller to the dialplan after Dial).
 */
import type { CallManager } from "../../pbx/channel/call-manager.js";
import type { DialplanChannel } from "../../pbx/dialplan/channel.js";
import type { Channel } from "../../pbx/channel/channel.js";
import type { OutboundLeg } from "../../pbx/channel/outbound-leg.js";

export interface LiveChannel {
  readonly channel: Channel;
  /** The bridge the channel is in, "" when none. */
  readonly bridgeId: string;
  /** The channel it is bridged to or dialling from, "" when none. */
  readonly peerName: string;
  /** The endpoint whose device it is. */
  readonly endpointId: string;
  /** The channel as the dialplan drives it (a call's incoming leg, an originated call); absent for outgoing legs. */
  readonly dialplan?: DialplanChannel;
  hangup(cause: number): void;
}

/** Where AMI Redirect sends a channel (call-manager.ts RedirectRequest). */
export interface RedirectPlace {
  context?: string | undefined;
  exten?: string | undefined;
  priority: string;
}

/** AMI Redirect's view of the call manager: check both channels first, then move them. */
export interface RedirectAccess {
  /** True when `name` is a live channel (by name or Uniqueid), whether or not it can be redirected. */
  exists(name: string): boolean;
  /** Whether `name` can go to `to`: "ok", a priority that is neither a number nor a label there, or a channel that cannot be moved. */
  check(name: string, to: RedirectPlace): "ok" | "invalid-priority" | "failed";
  redirect(name: string, to: RedirectPlace): boolean;
}

export interface ChannelAccess {
  list(): LiveChannel[];
  find(name: string): LiveChannel | undefined;
}

/** A channel that runs the dialplan (a call's incoming leg, an originated call) and its outgoing legs. */
interface DialplanSide {
  readonly channel: Channel;
  readonly name: string;
  readonly endpoint: { readonly id: string };
  readonly bridge: { has(name: string): boolean; readonly id: string } | undefined;
  readonly peer: OutboundLeg | undefined;
  readonly ringing_: ReadonlySet<OutboundLeg>;
  hangup(cause?: number): Promise<void>;
}

function sideChannels(c: DialplanSide & DialplanChannel): LiveChannel[] {
  const bridgeId = c.bridge?.has(c.name) === true ? c.bridge.id : "";
  const out: LiveChannel[] = [
    {
      channel: c.channel,
      dialplan: c,
      bridgeId,
      peerName: c.peer?.name ?? "",
      endpointId: c.endpoint.id,
      hangup: (cause) => {
        c.channel.requestHangup("soft", cause);
        void c.hangup(cause);
      },
    },
  ];
  const legs = c.peer !== undefined ? [c.peer, ...[...c.ringing_].filter((l) => l !== c.peer)] : [...c.ringing_];
  for (const l of legs) {
    out.push({
      channel: l.channel,
      bridgeId: l === c.peer ? bridgeId : "",
      peerName: c.name,
      endpointId: l.endpoint.id,
      hangup: (cause) => {
        l.channel.requestHangup("soft", cause);
        l.hangup();
      },
    });
  }
  return out;
}

export function callManagerChannels(calls: () => CallManager | undefined): ChannelAccess {
  const list = (): LiveChannel[] => {
    const m = calls();
    if (m === undefined) return [];
    return [...m.calls, ...m.originated].flatMap(sideChannels);
  };
  return {
    list,
    find: (name) => list().find((l) => l.channel.name === name || l.channel.uniqueId === name),
  };
}

export function callManagerRedirects(calls: () => CallManager | undefined): RedirectAccess {
  return {
    exists: (name) => calls()?.hasChannel(name) === true,
    check: (name, to) => {
      const plan = calls()?.planRedirect(name, to);
      if (plan === undefined) return "failed";
      return plan.ok ? "ok" : plan.reason === "invalid-priority" ? "invalid-priority" : "failed";
    },
    redirect: (name, to) => calls()?.redirect(name, to).ok === true,
  };
}
