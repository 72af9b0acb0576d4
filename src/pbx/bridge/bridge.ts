/**
 * A two-party bridge: joins the media of two channels in the media engine (the relay worker
 * forwards each leg's RTP to the other) and reports each channel entering and leaving it as
 * BridgeEnter/BridgeLeave, the way Asterisk's basic bridge does for a call Dial() connected.
 *
 *   new ──join(a, b)──► joined ──close()──► closed
 *    │                                        ▲
 *    └──earlyMedia(a, b)── (media only) ──────┘
 *
 * Early media (a callee's 183 before it answers) is relayed through the same bridge without
 * BridgeEnter: in Asterisk the channels are not bridged until the answer either. `close()`
 * unbridges the media and is safe to call twice.
 */
import { randomUUID } from "node:crypto";
import type { EventSink } from "../../core/event-bus.js";
import { ASTERISK_SOURCE, type Logger } from "../../core/logger.js";
import { bridgeFields, channelFields, type ChannelView, type PbxEvents } from "../events.js";

/** The part of the media engine a bridge drives. */
export interface BridgeMedia {
  bridge(a: string, b: string): void;
  /** With `from`: only while `from` is still the leg's partner. */
  unbridge(id: string, from?: string): void;
}

/** A channel as the bridge sees it: its media leg and its event snapshot. */
export interface BridgeMember {
  readonly name: string;
  readonly mediaLegId: string;
  view(): ChannelView;
}

export interface BridgeOptions {
  media: BridgeMedia;
  events: EventSink<PbxEvents>;
  /** Epoch milliseconds, for dump(). */
  now: () => number;
  /** For BridgeCreator (`Dial` for the bridges Dial makes). */
  creator?: string;
  /** The call's logger: `Channel … joined 'simple_bridge' basic-bridge <id>`, as Asterisk's bridge.c says it. */
  log?: Logger;
}

const BRIDGE_C = { [ASTERISK_SOURCE]: "bridge.c" };

export type BridgeState = "new" | "early" | "joined" | "closed";

export interface BridgeDump {
  id: string;
  state: BridgeState;
  channels: string[];
  createdAt: number;
  joinedAt: number | undefined;
}

export class Bridge {
  /** BridgeUniqueid: a UUID, as Asterisk's bridge ids are. */
  readonly id = randomUUID();
  private members: BridgeMember[] = [];
  /** Members a BridgeEnter was reported for; only they get a BridgeLeave. */
  private entered: BridgeMember[] = [];
  private stateValue: BridgeState = "new";
  private readonly createdAt: number;
  private joinedAt: number | undefined;

  constructor(private readonly o: BridgeOptions) {
    this.createdAt = o.now();
  }

  get state(): BridgeState {
    return this.stateValue;
  }

  /** Relays early media between `a` and `b` (replacing an earlier pair); no bridge events. */
  earlyMedia(a: BridgeMember, b: BridgeMember): void {
    if (this.stateValue === "closed" || this.stateValue === "joined") return;
    this.connect(a, b);
    this.stateValue = "early";
  }

  /** Joins `a` and `b`: their media flows both ways and each one's BridgeEnter is reported. */
  join(a: BridgeMember, b: BridgeMember): void {
    if (this.stateValue === "closed" || this.stateValue === "joined") return;
    this.connect(a, b);
    this.stateValue = "joined";
    this.joinedAt = this.o.now();
    // Asterisk creates the bridge before the first channel enters it, and destroys it after the last left.
    if (this.o.events.wants("BridgeCreate")) this.o.events.emit("BridgeCreate", this.fields(0));
    for (const m of [a, b]) {
      this.entered.push(m);
      if (this.o.log?.wants("verbose", 3)) this.o.log.verbose(3, BRIDGE_C, `Channel ${m.name} joined 'simple_bridge' basic-bridge <${this.id}>`);
      if (this.o.events.wants("BridgeEnter")) this.o.events.emit("BridgeEnter", { ...this.fields(this.entered.length), ...channelFields(m.view()) });
    }
  }

  /** Unjoins the media and reports each channel leaving; safe to call twice. */
  close(): void {
    if (this.stateValue === "closed") return;
    this.stateValue = "closed";
    // Only the pair this bridge made: a member joined elsewhere since (picked up, transferred) keeps its new partner.
    const [a, b] = this.members;
    if (a !== undefined && b !== undefined) {
      this.o.media.unbridge(a.mediaLegId, b.mediaLegId);
      this.o.media.unbridge(b.mediaLegId, a.mediaLegId);
    } else for (const m of this.members) this.o.media.unbridge(m.mediaLegId);
    const leaving = this.entered;
    this.entered = [];
    for (let i = 0; i < leaving.length; i++) {
      const m = leaving[i] as BridgeMember;
      if (this.o.log?.wants("verbose", 3)) this.o.log.verbose(3, BRIDGE_C, `Channel ${m.name} left 'simple_bridge' basic-bridge <${this.id}>`);
      if (this.o.events.wants("BridgeLeave")) this.o.events.emit("BridgeLeave", { ...this.fields(leaving.length - i - 1), ...channelFields(m.view()) });
    }
    if (leaving.length > 0 && this.o.events.wants("BridgeDestroy")) this.o.events.emit("BridgeDestroy", this.fields(0));
  }

  /** True when `name` is one of the bridged channels (for the console's bridge id column). */
  has(name: string): boolean {
    return this.stateValue === "joined" && this.members.some((m) => m.name === name);
  }

  dump(): BridgeDump {
    return { id: this.id, state: this.stateValue, channels: this.members.map((m) => m.name), createdAt: this.createdAt, joinedAt: this.joinedAt };
  }

  private connect(a: BridgeMember, b: BridgeMember): void {
    this.members = [a, b];
    this.o.media.bridge(a.mediaLegId, b.mediaLegId);
  }

  private fields(numChannels: number) {
    return bridgeFields({ id: this.id, numChannels, ...(this.o.creator ? { creator: this.o.creator } : {}) });
  }
}
