/**
 * Who a hinted device is talking to, for the identities of a dialog-info `<dialog>`: the live
 * channels, followed from the call layer's channel events (Newchannel, Newstate,
 * NewConnectedLine, NewCallerid, Hangup). A channel that another one's call created (a Dial leg:
 * its Linkedid names the caller's channel) is a call the device receives; its remote party is
 * the caller's caller ID. A channel that began the call is one the device placed; its remote
 * party is the connected line once known, else the number it dialled.
 */
import type { ChannelFields, ChannelStateDesc } from "../events.js";

export interface DeviceCall {
  readonly direction: "initiator" | "recipient";
  readonly state: ChannelStateDesc;
  readonly remote: { readonly num: string; readonly name: string };
}

export class DeviceCalls {
  private readonly channels = new Map<string, ChannelFields>();

  /** A channel event: the channel as it is now. */
  update(c: ChannelFields): void {
    this.channels.set(c.Uniqueid, c);
  }

  hangup(c: ChannelFields): void {
    this.channels.delete(c.Uniqueid);
  }

  /**
   * The call of one of `devices` (`PJSIP/2002`) that best shows the extension's state: a ringing
   * one when `ringing`, else an answered one, else any; undefined when none has a channel.
   */
  callOf(devices: readonly string[], ringing: boolean): DeviceCall | undefined {
    const prefixes = devices.map((d) => `${d.toLowerCase()}-`);
    // `PJSIP/2002-0000000a` is a channel of PJSIP/2002; `PJSIP/2002-desk-00000001` is not.
    const ofDevice = (name: string): boolean => prefixes.some((p) => name.startsWith(p) && /^[0-9a-f]+$/.test(name.slice(p.length)));
    const mine = [...this.channels.values()].filter((c) => ofDevice(c.Channel.toLowerCase()));
    const pick = (ringing ? mine.find((c) => c.ChannelStateDesc === "Ringing") : undefined) ?? mine.find((c) => c.ChannelStateDesc === "Up") ?? mine[0];
    if (pick === undefined) return undefined;
    const first = pick.Linkedid !== pick.Uniqueid ? this.channels.get(pick.Linkedid) : undefined;
    if (pick.Linkedid !== pick.Uniqueid) {
      return { direction: "recipient", state: pick.ChannelStateDesc, remote: { num: first?.CallerIDNum ?? pick.ConnectedLineNum, name: first?.CallerIDName ?? pick.ConnectedLineName }};
    }
    return { direction: "initiator", state: pick.ChannelStateDesc, remote: { num: pick.ConnectedLineNum || pick.Exten, name: pick.ConnectedLineName }};
  }

  clear(): void {
    this.channels.clear();
  }
}
