/**
 * Bridges an ARI application creates (`POST /bridges`) and fills (`addChannel`): a mixing
 * bridge joins the media of its two channels in the relay, each hearing the other; a holding
 * bridge keeps its channels without joining them. Each change is reported on the bus as the
 * call layer's bridges are (BridgeCreate, BridgeEnter, BridgeLeave, BridgeDestroy), so AMI and
 * ARI events, `GET /bridges` and the console see them alike. A channel that hangs up or leaves
 * Stasis leaves its bridge; an empty bridge lives on until it is destroyed, as in Asterisk.
 *
 * Mixing more than two channels is a conference (issue 15): a third channel is refused.
 */
import { randomUUID } from "node:crypto";
import type { EventSink } from "../../core/event-bus.js";
import type { BridgeMember } from "../../pbx/bridge/bridge.js";
import { bridgeFields, channelFields, type PbxEvents } from "../../pbx/events.js";
import { AriError } from "./ari-resource.js";

export type AriBridgeType = "mixing" | "holding";

interface Member {
  readonly id: string;
  readonly m: BridgeMember;
}

interface StasisBridge {
  readonly id: string;
  readonly type: AriBridgeType;
  readonly name: string;
  members: Member[];
  joined: boolean;
}

export interface AriBridgesDeps {
  readonly events: EventSink<PbxEvents>;
  /** The media join of the call layer (CallManager.joinMedia/unjoinMedia). */
  readonly media: () => { joinMedia(a: BridgeMember, b: BridgeMember): void; unjoinMedia(m: BridgeMember): void } | undefined;
  /** A channel in Stasis, as a bridge member; undefined when it is not in Stasis. */
  readonly member: (channelId: string) => BridgeMember | undefined;
  /** Told when a channel entered a bridge (its application then hears of the bridge too). */
  readonly entered: (channelId: string, bridgeId: string) => void;
}

/** Mixing two channels is what the relay does; more would be a conference. */
const MIXING_LIMIT = 2;

export class AriBridges {
  private readonly bridges = new Map<string, StasisBridge>();

  constructor(private readonly d: AriBridgesDeps) {}

  has(id: string): boolean {
    return this.bridges.has(id);
  }

  /** The ids of a bridge's channels, in the order they entered. */
  channelIds(id: string): string[] {
    return this.get(id).members.map((m) => m.id);
  }

  private fields(b: StasisBridge, numChannels: number) {
    return bridgeFields({ id: b.id, numChannels, type: "stasis", technology: b.type === "holding" ? "holding_bridge" : "simple_bridge", creator: "Stasis", name: b.name });
  }

  /** POST /bridges: a new empty bridge; an id already in use is a 409 (Asterisk's "Bridge with id already exists"). */
  create(type: AriBridgeType, id: string | undefined, name: string): string {
    const bridgeId = id !== undefined && id !== "" ? id : randomUUID();
    if (this.bridges.has(bridgeId)) throw new AriError(409, "Bridge with id already exists");
    const b: StasisBridge = { id: bridgeId, type, name, members: [], joined: false };
    this.bridges.set(bridgeId, b);
    if (this.d.events.wants("BridgeCreate")) this.d.events.emit("BridgeCreate", this.fields(b, 0));
    return bridgeId;
  }

  private get(id: string): StasisBridge {
    const b = this.bridges.get(id);
    if (b === undefined) throw new AriError(404, "Bridge not found");
    return b;
  }

  /** addChannel: each channel must be in Stasis; a channel in another bridge moves to this one. */
  add(bridgeId: string, channelIds: readonly string[]): void {
    const b = this.get(bridgeId);
    const members = channelIds.map((id) => {
      const m = this.d.member(id);
      if (m === undefined) throw new AriError(422, "Channel not in Stasis application");
      return { id, m };
    });
    const adding = members.filter((x) => !b.members.some((y) => y.id === x.id));
    if (b.type === "mixing" && b.members.length + adding.length > MIXING_LIMIT) {
      throw new AriError(409, `Bridge already holds ${b.members.length} channel(s): mixing more than ${MIXING_LIMIT} channels (a conference) is not implemented`);
    }
    for (const x of adding) {
      this.leaveAll(x.id);
      b.members.push(x);
      if (this.d.events.wants("BridgeEnter")) this.d.events.emit("BridgeEnter", { ...this.fields(b, b.members.length), ...channelFields(x.m.view()) });
      this.d.entered(x.id, b.id);
    }
    this.rejoin(b);
  }

  /** removeChannel: 422 for a channel that is not in this bridge. */
  remove(bridgeId: string, channelIds: readonly string[]): void {
    const b = this.get(bridgeId);
    for (const id of channelIds) if (!b.members.some((x) => x.id === id)) throw new AriError(422, "Channel not in this bridge");
    for (const id of channelIds) this.leave(b, id);
  }

  /** DELETE /bridges/{id}: its channels leave (staying in Stasis), then it is gone. */
  destroy(bridgeId: string): void {
    const b = this.get(bridgeId);
    for (const x of [...b.members]) this.leave(b, x.id);
    this.bridges.delete(b.id);
    if (this.d.events.wants("BridgeDestroy")) this.d.events.emit("BridgeDestroy", this.fields(b, 0));
  }

  /** The channel hung up or left Stasis: it leaves whatever bridge it was in. */
  leaveAll(channelId: string): void {
    for (const b of this.bridges.values()) if (b.members.some((x) => x.id === channelId)) this.leave(b, channelId);
  }

  private leave(b: StasisBridge, channelId: string): void {
    const x = b.members.find((y) => y.id === channelId);
    if (x === undefined) return;
    if (b.joined) {
      const media = this.d.media();
      for (const y of b.members) media?.unjoinMedia(y.m);
      b.joined = false;
    }
    b.members = b.members.filter((y) => y !== x);
    if (this.d.events.wants("BridgeLeave")) this.d.events.emit("BridgeLeave", { ...this.fields(b, b.members.length), ...channelFields(x.m.view()) });
    this.rejoin(b);
  }

  private rejoin(b: StasisBridge): void {
    if (b.type !== "mixing" || b.joined || b.members.length !== MIXING_LIMIT) return;
    const [a, c] = b.members;
    const media = this.d.media();
    if (a === undefined || c === undefined || media === undefined) return;
    media.joinMedia(a.m, c.m);
    b.joined = true;
  }

  /** Every bridge is destroyed (the module stops). */
  closeAll(): void {
    for (const id of [...this.bridges.keys()]) this.destroy(id);
  }
}
