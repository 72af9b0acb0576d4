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

/** How many channels of one device ring and how many are in use. */
interface Counts {
  ringing: number;
  inuse: number;
}

export class DeviceStates {
  /** Channel name → its endpoint and usage. */
  private readonly channels = new Map<string, { endpoint: string; usage: Usage }>();
  /** Endpoint → its channel counts, kept as channels change, so a change costs O(1), not a scan of every channel. */
  private readonly counts = new Map<string, Counts>();
  /** Endpoint → the last state reported (absent means NOT_INUSE). */
  private readonly reported = new Map<string, DeviceState>();

  constructor(private readonly events: EventSink<PbxEvents>) {}

  /** A channel of `endpoint` is now in `state` (created or changed). */
  set(channel: string, endpoint: string, state: ChannelStateDesc): void {
    const old = this.channels.get(channel);
    if (old) this.count(old.endpoint, old.usage, -1);
    const usage = usageOf(state);
    this.channels.set(channel, { endpoint, usage });
    this.count(endpoint, usage, 1);
    if (old && old.endpoint !== endpoint) this.update(old.endpoint);
    this.update(endpoint);
  }

  /** The channel hung up. */
  remove(channel: string): void {
    const c = this.channels.get(channel);
    if (!c) return;
    this.channels.delete(channel);
    this.count(c.endpoint, c.usage, -1);
    this.update(c.endpoint);
  }

  /** The device state of `endpoint` now. */
  stateOf(endpoint: string): DeviceState {
    const c = this.counts.get(endpoint);
    const ringing = c !== undefined && c.ringing > 0;
    const inuse = c !== undefined && c.inuse > 0;
    return ringing && inuse ? "RINGINUSE" : ringing ? "RINGING" : inuse ? "INUSE" : "NOT_INUSE";
  }

  private count(endpoint: string, usage: Usage, delta: 1 | -1): void {
    if (usage === "idle") return;
    let c = this.counts.get(endpoint);
    if (c === undefined) {
      c = { ringing: 0, inuse: 0 };
      this.counts.set(endpoint, c);
    }
    c[usage] += delta;
    if (c.ringing === 0 && c.inuse === 0) this.counts.delete(endpoint);
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
