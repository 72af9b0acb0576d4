/**
 * The live channels as the AMI actions see them: each call's incoming channel and the outgoing
 * legs it is ringing or bridged to, with what Status and CoreShowChannels print of them, and
 * the one thing the actions do to a channel, hang it up (only that channel, as Asterisk's
 * Hangup action does: a hung-up callee returns its caller to the dialplan after Dial).
 */
import type { CallManager } from "../../pbx/channel/call-manager.js";
import type { Channel } from "../../pbx/channel/channel.js";

export interface LiveChannel {
  readonly channel: Channel;
  /** The bridge the channel is in, "" when none. */
  readonly bridgeId: string;
  /** The channel it is bridged to or dialling from, "" when none. */
  readonly peerName: string;
  /** The endpoint whose device it is. */
  readonly endpointId: string;
  hangup(cause: number): void;
}

export interface ChannelAccess {
  list(): LiveChannel[];
  find(name: string): LiveChannel | undefined;
}

export function callManagerChannels(calls: () => CallManager | undefined): ChannelAccess {
  const list = (): LiveChannel[] => {
    const m = calls();
    if (m === undefined) return [];
    const out: LiveChannel[] = [];
    for (const c of m.calls) {
      const bridgeId = c.bridge?.has(c.name) === true ? c.bridge.id : "";
      out.push({ channel: c.channel, bridgeId, peerName: c.peer?.name ?? "", endpointId: c.endpoint.id, hangup: (cause) => {
          c.channel.requestHangup("soft", cause);
          void c.hangup(cause);
        } });
      const legs = c.peer !== undefined ? [c.peer, ...[...c.ringing_].filter((l) => l !== c.peer)] : [...c.ringing_];
      for (const l of legs) {
        const bridged = l === c.peer && bridgeId.length > 0;
        out.push({ channel: l.channel, bridgeId: bridged ? bridgeId : "", peerName: c.name, endpointId: l.endpoint.id, hangup: (cause) => {
          l.channel.requestHangup("soft", cause);
          l.hangup();
        } });
      }
    }
    for (const c of m.originated) {
      const bridgeId = c.bridge?.has(c.name) === true ? c.bridge.id : "";
      out.push({ channel: c.channel, bridgeId, peerName: c.peer?.name ?? "", endpointId: c.endpoint.id, hangup: (cause) => {
          c.channel.requestHangup("soft", cause);
          void c.hangup(cause);
        } });
      const legs = c.peer !== undefined ? [c.peer, ...[...c.ringing_].filter((l) => l !== c.peer)] : [...c.ringing_];
      for (const l of legs) {
        out.push({ channel: l.channel, bridgeId: l === c.peer ? bridgeId : "", peerName: c.name, endpointId: l.endpoint.id, hangup: (cause) => {
            l.channel.requestHangup("soft", cause);
            l.hangup();
          } });
      }
    }
    return out;
  };
  return {
    list,
    find: (name) => list().find((l) => l.channel.name === name || l.channel.uniqueId === name),
  };
}
