/**
 * What ARI reads of the PBX, in one place: live channels from the call layer (read only; the
 * call layer is not changed for ARI), endpoints from the endpoint directory and the contact
 * store, and what only the event bus tells — bridges (BridgeCreate/Enter/Leave/Destroy), device states
 * (DeviceStateChange) and unreachable contacts (ContactStatus). The ARI module feeds the bus
 * events in through `note`.
 */
import type { Clock } from "../../core/clock.js";
import type { EndpointConfig } from "../../config/index.js";
import type { EndpointDirectory } from "../../pbx/endpoint/directory.js";
import type { PbxEvents } from "../../pbx/events.js";
import type { CallManager } from "../../pbx/channel/call-manager.js";
import type { InboundCall } from "../../pbx/channel/inbound-call.js";
import type { OutboundLeg } from "../../pbx/channel/outbound-leg.js";
import type { OriginatedCall } from "../../pbx/channel/originated-call.js";
import type { ContactStore } from "../../pbx/registrar/store/contact-store.js";
import type { AriBridge, AriEndpoint, LiveChannel } from "./ari-objects.js";
import { ariTimestamp } from "./ari-time.js";

export interface AriStateDeps {
  readonly clock: Clock;
  readonly directory: () => EndpointDirectory;
  readonly contacts: () => ContactStore;
  /** The call layer's call manager, once it runs. */
  readonly calls: () => CallManager | undefined;
  /** asterisk.conf defaultlanguage. */
  readonly defaultLanguage: () => string;
}

/** A live channel and the leg that owns it (for hangup). */
export interface OwnedChannel extends LiveChannel {
  readonly owner: { readonly kind: "inbound"; readonly call: InboundCall } | { readonly kind: "originated"; readonly call: OriginatedCall } | { readonly kind: "outbound"; readonly leg: OutboundLeg };
}

interface BridgeRecord {
  id: string;
  type: string;
  /** What POST /bridges asked for (mixing or holding); Dial's bridges are mixing. */
  bridgeType: string;
  technology: string;
  creator: string;
  name: string;
  channels: string[];
  createdAt: number;
}

export class AriState {
  readonly startedAt: number;
  lastReloadAt: number;
  private readonly bridges = new Map<string, BridgeRecord>();
  private readonly devices = new Map<string, string>();
  private readonly unreachable = new Set<string>();

  constructor(private readonly d: AriStateDeps) {
    this.startedAt = d.clock.now();
    this.lastReloadAt = this.startedAt;
  }

  now(): number {
    return this.d.clock.now();
  }

  /** Every channel the call layer has: each call's inbound channel, the originated ones, then the outbound legs. */
  channels(): OwnedChannel[] {
    const cm = this.d.calls();
    if (cm === undefined) return [];
    const out: OwnedChannel[] = [];
    const seen = new Set<string>();
    for (const call of cm.calls) {
      if (!call.channel.hungUp) out.push({ channel: call.channel, language: call.language, callId: call.session.callId, owner: { kind: "inbound", call } });
    }
    for (const call of cm.originated) {
      if (!call.channel.hungUp) out.push({ channel: call.channel, language: call.language, callId: call.callId, owner: { kind: "originated", call } });
    }
    for (const c of out) seen.add(c.channel.uniqueId);
    for (const { leg } of cm.outboundLegs()) {
      if (!leg.channel.hungUp && !seen.has(leg.channel.uniqueId)) out.push({ channel: leg.channel, language: this.d.defaultLanguage(), callId: leg.callId, owner: { kind: "outbound", leg } });
    }
    return out;
  }

  channel(id: string): OwnedChannel | undefined {
    return this.channels().find((c) => c.channel.uniqueId === id);
  }

  /** Also a channel that has just hung up but is still in the call table (its last events). */
  anyChannel(id: string): LiveChannel | undefined {
    const cm = this.d.calls();
    if (cm === undefined) return undefined;
    for (const call of cm.calls) if (call.channel.uniqueId === id) return { channel: call.channel, language: call.language, callId: call.session.callId };
    for (const call of cm.originated) if (call.channel.uniqueId === id) return { channel: call.channel, language: call.language, callId: call.callId };
    for (const { leg } of cm.outboundLegs()) if (leg.channel.uniqueId === id) return { channel: leg.channel, language: this.d.defaultLanguage(), callId: leg.callId };
    return undefined;
  }

  endpointIds(): string[] {
    return [...this.d.directory().endpoints.keys()].sort();
  }

  endpointConfig(id: string): EndpointConfig | undefined {
    return this.d.directory().endpoint(id);
  }

  /**
   * online: a registered contact not known to be unreachable, or a static contact; offline
   * otherwise (Asterisk reports a never-qualified PJSIP endpoint the same way).
   */
  endpoint(id: string): AriEndpoint | undefined {
    const ep = this.d.directory().endpoint(id);
    if (ep === undefined) return undefined;
    const now = this.now();
    const dir = this.d.directory();
    const store = this.d.contacts();
    const online = ep.aors.some((a) => (dir.aors.get(a)?.contact.length ?? 0) > 0 || store.list(a).some((c) => c.expiresAt > now && !this.unreachable.has(c.id)));
    const channelIds = this.channels()
      .filter((c) => c.channel.endpointId === id)
      .map((c) => c.channel.uniqueId);
    return { technology: "PJSIP", resource: id, state: online ? "online" : "offline", channel_ids: channelIds };
  }

  /** A device's state: what DeviceStateChange last said, else idle or unavailable by its contacts. */
  deviceState(name: string): string {
    const known = this.devices.get(name);
    if (known !== undefined) return known;
    const m = /^PJSIP\/(.+)$/i.exec(name);
    if (m?.[1] === undefined) return "UNKNOWN";
    const ep = this.endpoint(m[1]);
    if (ep === undefined) return "INVALID";
    return ep.state === "online" ? "NOT_INUSE" : "UNAVAILABLE";
  }

  bridgeList(): AriBridge[] {
    return [...this.bridges.values()].map((b) => this.bridgeJson(b));
  }

  bridge(id: string): AriBridge | undefined {
    const b = this.bridges.get(id);
    return b === undefined ? undefined : this.bridgeJson(b);
  }

  private bridgeJson(b: BridgeRecord): AriBridge {
    return { id: b.id, technology: b.technology, bridge_type: b.type === "stasis" ? b.bridgeType : "mixing", bridge_class: b.type, creator: b.creator, name: b.name === "<unknown>" ? "" : b.name, channels: [...b.channels], creationtime: ariTimestamp(b.createdAt), video_mode: "none" };
  }

  /** Bus events that change what ARI shows; called before they are turned into ARI events. */
  note<K extends keyof PbxEvents>(name: K, e: PbxEvents[K]): void {
    switch (name) {
      case "BridgeCreate": {
        const f = e as PbxEvents["BridgeCreate"];
        if (!this.bridges.has(f.BridgeUniqueid)) this.bridges.set(f.BridgeUniqueid, { id: f.BridgeUniqueid, type: f.BridgeType, bridgeType: f.BridgeType === "stasis" && f.BridgeTechnology === "holding_bridge" ? "holding" : "mixing", technology: f.BridgeTechnology, creator: f.BridgeCreator, name: f.BridgeName, channels: [], createdAt: this.now() });
        break;
      }
      case "BridgeDestroy":
        this.bridges.delete((e as PbxEvents["BridgeDestroy"]).BridgeUniqueid);
        break;
      case "BridgeEnter": {
        const f = e as PbxEvents["BridgeEnter"];
        let b = this.bridges.get(f.BridgeUniqueid);
        if (b === undefined) {
          b = { id: f.BridgeUniqueid, type: f.BridgeType, bridgeType: "mixing", technology: f.BridgeTechnology, creator: f.BridgeCreator, name: f.BridgeName, channels: [], createdAt: this.now() };
          this.bridges.set(b.id, b);
        }
        if (!b.channels.includes(f.Uniqueid)) b.channels.push(f.Uniqueid);
        break;
      }
      case "BridgeLeave": {
        const f = e as PbxEvents["BridgeLeave"];
        const b = this.bridges.get(f.BridgeUniqueid);
        if (b === undefined) break;
        b.channels = b.channels.filter((c) => c !== f.Uniqueid);
        // A bridge an application created lives on empty until it is destroyed.
        if (b.channels.length === 0 && b.type !== "stasis") this.bridges.delete(b.id);
        break;
      }
      case "DeviceStateChange": {
        const f = e as PbxEvents["DeviceStateChange"];
        this.devices.set(f.Device, f.State);
        break;
      }
      case "ContactStatus": {
        const f = e as PbxEvents["ContactStatus"];
        const id = this.d.contacts().list(f.AOR).find((c) => c.uri === f.URI)?.id;
        if (id === undefined) break;
        if (f.ContactStatus === "Unreachable") this.unreachable.add(id);
        else if (f.ContactStatus === "Reachable" || f.ContactStatus === "Removed") this.unreachable.delete(id);
        break;
      }
      default:
        break;
    }
  }
}
