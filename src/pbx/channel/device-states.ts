/**
 * The aggregate state of each device (`PJSIP/<endpoint>`) from the states of its channels, and a
 * DeviceStateChange whenever that aggregate changes. A channel counts as Asterisk's
 * `ast_state_chan2dev` counts it: Ringing rings the device, Ring (a call it is placing) and Up
 * keep it in use, Down does not count; a device with both ringing and busy channels is RINGINUSE.
 *
 * pjsip.conf's `device_state_busy_at` (chan_pjsip's rule): when an endpoint has exactly that many
 * channels that are Up, Ring or Busy, its device state is BUSY instead of the aggregate. It only
 * changes the state reported (hints, DEVICE_STATE(), `pjsip show endpoints`); it does not refuse
 * calls — a limit is written in the dialplan with GROUP_COUNT() (docs/groups.md).
 */
import type { EventSink } from "../../core/event-bus.js";
import type { ChannelStateDesc, DeviceState, PbxEvents } from "../events.js";

type Usage = "ringing" | "inuse" | "idle";

/** Asterisk's ast_devstate_str texts (`pjsip show endpoints`, AMI's DeviceState). */
export const DEVICE_STATE_TEXT: Readonly<Record<DeviceState, string>> = {
  UNKNOWN: "Unknown",
  NOT_INUSE: "Not in use",
  INUSE: "In use",
  BUSY: "Busy",
  INVALID: "Invalid",
  UNAVAILABLE: "Unavailable",
  RINGING: "Ringing",
  RINGINUSE: "Ring+Inuse",
  ONHOLD: "On Hold",
};

function usageOf(state: ChannelStateDesc): Usage {
  if (state === "Ringing") return "ringing";
  if (state === "Ring" || state === "Up" || state === "Dialing" || state === "Busy") return "inuse";
  return "idle";
}

/** The channels of one device: how many ring, are in use, count towards device_state_busy_at, exist at all. */
interface Counts {
  ringing: number;
  inuse: number;
  /** Up, Ring or Busy: the channels chan_pjsip compares with device_state_busy_at. */
  busy: number;
  all: number;
}

const countsBusy = (state: ChannelStateDesc): boolean => state === "Up" || state === "Ring" || state === "Busy";

export interface DeviceStatesOptions {
  /** The endpoint's `device_state_busy_at` (0: off). */
  busyAt?: (endpoint: string) => number;
}

export class DeviceStates {
  /** Channel name → its endpoint and usage. */
  private readonly channels = new Map<string, { endpoint: string; usage: Usage; busy: boolean }>();
  /** Endpoint → its channel counts, kept as channels change, so a change costs O(1), not a scan of every channel. */
  private readonly counts = new Map<string, Counts>();
  /** Endpoint → the last state reported (absent means NOT_INUSE). */
  private readonly reported = new Map<string, DeviceState>();

  constructor(
    private readonly events: EventSink<PbxEvents>,
    private readonly o: DeviceStatesOptions = {},
  ) {}

  /** A channel of `endpoint` is now in `state` (created or changed). */
  set(channel: string, endpoint: string, state: ChannelStateDesc): void {
    const old = this.channels.get(channel);
    if (old) this.count(old.endpoint, old.usage, old.busy, -1);
    const entry = { endpoint, usage: usageOf(state), busy: countsBusy(state) };
    this.channels.set(channel, entry);
    this.count(endpoint, entry.usage, entry.busy, 1);
    if (old && old.endpoint !== endpoint) this.update(old.endpoint);
    this.update(endpoint);
  }

  /** The channel hung up. */
  remove(channel: string): void {
    const c = this.channels.get(channel);
    if (!c) return;
    this.channels.delete(channel);
    this.count(c.endpoint, c.usage, c.busy, -1);
    this.update(c.endpoint);
  }

  /** The device state of `endpoint` now. */
  stateOf(endpoint: string): DeviceState {
    const c = this.counts.get(endpoint);
    const busyAt = this.o.busyAt?.(endpoint) ?? 0;
    // chan_pjsip compares for equality: with more channels than the limit the state is the aggregate again.
    if (busyAt > 0 && c !== undefined && c.busy === busyAt) return "BUSY";
    const ringing = c !== undefined && c.ringing > 0;
    const inuse = c !== undefined && c.inuse > 0;
    return ringing && inuse ? "RINGINUSE" : ringing ? "RINGING" : inuse ? "INUSE" : "NOT_INUSE";
  }

  /** How many channels `endpoint` has now, in any state (`pjsip show endpoints`' "N of M"). */
  channelsOf(endpoint: string): number {
    return this.counts.get(endpoint)?.all ?? 0;
  }

  /** device_state_busy_at may have changed (a reload): reports the endpoints whose state did. */
  recheck(): void {
    for (const endpoint of new Set([...this.counts.keys(), ...this.reported.keys()])) this.update(endpoint);
  }

  private count(endpoint: string, usage: Usage, busy: boolean, delta: 1 | -1): void {
    let c = this.counts.get(endpoint);
    if (c === undefined) {
      c = { ringing: 0, inuse: 0, busy: 0, all: 0 };
      this.counts.set(endpoint, c);
    }
    if (usage !== "idle") c[usage] += delta;
    if (busy) c.busy += delta;
    c.all += delta;
    if (c.all === 0) this.counts.delete(endpoint);
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
