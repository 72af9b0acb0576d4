/**
 * The aggregate state of each device (`PJSIP/<endpoint>`) from the states of its channels, and a
 * DeviceStateChange whenever that aggregate changes. A channel counts as Asterisk's
 * `ast_state_chan2dev` counts it: Ringing rings the device, Ring (a call it is placing) and Up
 * keep it in use, Down does not count; a device with both ringing and busy channels is RINGINUSE.
 */
import type { EventSink } from "../../core/event-bus.js";
import type { ChannelStateDesc, DeviceState, PbxEvents } from "../events.js";

type Usage = "ringing" | "inuse" | "idle";

function usageOf(state: ChannelStateDesc): Usage {
  if (state === "Ringing") return "ringing";
  if (state === "Ring" || state === "Up" || state === "Dialing" || state === "Busy") return "inuse";
  return "idle";
}

export class DeviceStates {
  /** Channel name → its endpoint and usage. */
  private readonly channels = new Map<string, { endpoint: string; usage: Usage }>();
  /** Endpoint → the last state reported (absent means NOT_INUSE). */
  private readonly reported = new Map<string, DeviceState>();

  constructor(private readonly events: EventSink<PbxEvents>) {}

  /** A channel of `endpoint` is now in `state` (created or changed). */
  set(channel: string, endpoint: string, state: ChannelStateDesc): void {
    this.channels.set(channel, { endpoint, usage: usageOf(state) });
    this.update(endpoint);
  }

  /** The channel hung up. */
  remove(channel: string): void {
    const c = this.channels.get(channel);
    if (!c) return;
    this.channels.delete(channel);
    this.update(c.endpoint);
  }

  /** The device state of `endpoint` now. */
  stateOf(endpoint: string): DeviceState {
    let ringing = false;
    let inuse = false;
    for (const c of this.channels.values()) {
      if (c.endpoint !== endpoint) continue;
      if (c.usage === "ringing") ringing = true;
      else if (c.usage === "inuse") inuse = true;
    }
    return ringing && inuse ? "RINGINUSE" : ringing ? "RINGING" : inuse ? "INUSE" : "NOT_INUSE";
  }

  private update(endpoint: string): void {
    const now = this.stateOf(endpoint);
    const before = this.reported.get(endpoint) ?? "NOT_INUSE";
    if (now === before) return;
    // An idle device is forgotten, so the table holds only endpoints with channels.
    if (now === "NOT_INUSE") this.reported.delete(endpoint);
    else this.reported.set(endpoint, now);
    this.events.emit("DeviceStateChange", { Device: `PJSIP/${endpoint}`, State: now });
  }
}
