/**
 * Turns the PBX's bus events (AMI-shaped, pbx/events.ts) into ARI events with ARI's names and
 * objects (events.json), and says what each concerns so only subscribed applications get it:
 *
 *   DialBegin, DialState, DialEnd → Dial
 *   Newchannel → ChannelCreated          BridgeEnter → ChannelEnteredBridge
 *   Newstate   → ChannelStateChange      BridgeLeave → ChannelLeftBridge
 *   Hangup     → ChannelDestroyed        DialBegin/DialEnd → Dial
 *   DeviceStateChange → DeviceStateChanged
 *   ContactStatus     → ContactStatusChange      PeerStatus → PeerStatusChange
 *   HangupRequest, SoftHangupRequest → ChannelHangupRequest (soft)
 *   Newexten → ChannelDialplan   VarSet → ChannelVarset   NewCallerid → ChannelCallerId
 *   NewConnectedLine → ChannelConnectedLine   Hold/Unhold → ChannelHold/ChannelUnhold
 *   DTMFEnd (received) → ChannelDtmfReceived   BridgeCreate/BridgeDestroy → BridgeCreated/BridgeDestroyed
 */
import type { BridgeFields, ChannelFields, DestChannelFields, PbxEvents } from "../../pbx/events.js";
import type { EventScope } from "./ari-applications.js";
import type { AriBridge, AriChannel } from "./ari-objects.js";
import { channelFromFields } from "./ari-objects.js";
import type { AriState } from "./ari-state.js";
import { ariTimestamp } from "./ari-time.js";

export interface TranslatedEvent {
  readonly event: Record<string, unknown> & { type: string };
  readonly scope: EventScope;
}

function destFields(f: DestChannelFields): ChannelFields {
  return {
    Channel: f.DestChannel,
    ChannelState: f.DestChannelState,
    ChannelStateDesc: f.DestChannelStateDesc,
    CallerIDNum: f.DestCallerIDNum,
    CallerIDName: f.DestCallerIDName,
    ConnectedLineNum: f.DestConnectedLineNum,
    ConnectedLineName: f.DestConnectedLineName,
    Language: f.DestLanguage,
    AccountCode: f.DestAccountCode,
    Context: f.DestContext,
    Exten: f.DestExten,
    Priority: f.DestPriority,
    Uniqueid: f.DestUniqueid,
    Linkedid: f.DestLinkedid,
  };
}

/** ContactStatus values as ARI's ContactInfo spells them (Unqualified is NonQualified there). */
function contactStatus(s: PbxEvents["ContactStatus"]["ContactStatus"]): string {
  return s === "Unqualified" ? "NonQualified" : s;
}

export class AriEventTranslator {
  constructor(
    private readonly state: AriState,
    private readonly channelvars: () => readonly string[],
  ) {}

  channel(f: ChannelFields): AriChannel {
    return channelFromFields(f, this.state.anyChannel(f.Uniqueid), this.channelvars(), this.state.now());
  }

  private bridge(f: BridgeFields): AriBridge {
    return (
      this.state.bridge(f.BridgeUniqueid) ?? {
        id: f.BridgeUniqueid,
        technology: f.BridgeTechnology,
        bridge_type: "mixing",
        bridge_class: f.BridgeType,
        creator: f.BridgeCreator,
        name: f.BridgeName === "<unknown>" ? "" : f.BridgeName,
        channels: [],
        creationtime: ariTimestamp(this.state.now()),
        video_mode: "none",
      }
    );
  }

  translate<K extends keyof PbxEvents>(name: K, payload: PbxEvents[K]): TranslatedEvent | undefined {
    switch (name) {
      case "Newchannel": {
        const f = payload as PbxEvents["Newchannel"];
        return { event: { type: "ChannelCreated", channel: this.channel(f) }, scope: { channelIds: [f.Uniqueid] } };
      }
      case "Newstate": {
        const f = payload as PbxEvents["Newstate"];
        return { event: { type: "ChannelStateChange", channel: this.channel(f) }, scope: { channelIds: [f.Uniqueid] } };
      }
      case "Hangup": {
        const f = payload as PbxEvents["Hangup"];
        return { event: { type: "ChannelDestroyed", cause: f.Cause, cause_txt: f["Cause-txt"], channel: this.channel(f) }, scope: { channelIds: [f.Uniqueid] } };
      }
      case "BridgeEnter": {
        const f = payload as PbxEvents["BridgeEnter"];
        return { event: { type: "ChannelEnteredBridge", bridge: this.bridge(f), channel: this.channel(f) }, scope: { channelIds: [f.Uniqueid], bridgeIds: [f.BridgeUniqueid] } };
      }
      case "BridgeLeave": {
        const f = payload as PbxEvents["BridgeLeave"];
        return { event: { type: "ChannelLeftBridge", bridge: this.bridge(f), channel: this.channel(f) }, scope: { channelIds: [f.Uniqueid], bridgeIds: [f.BridgeUniqueid] } };
      }
      case "DialBegin": {
        const f = payload as PbxEvents["DialBegin"];
        return { event: { type: "Dial", caller: this.channel(f), peer: this.channel(destFields(f)), dialstring: f.DialString, dialstatus: "" }, scope: { channelIds: [f.Uniqueid, f.DestUniqueid] } };
      }
      case "DialState": {
        const f = payload as PbxEvents["DialState"];
        return { event: { type: "Dial", caller: this.channel(f), peer: this.channel(destFields(f)), dialstatus: f.DialStatus }, scope: { channelIds: [f.Uniqueid, f.DestUniqueid] } };
      }
      case "DialEnd": {
        const f = payload as PbxEvents["DialEnd"];
        return { event: { type: "Dial", caller: this.channel(f), peer: this.channel(destFields(f)), dialstatus: f.DialStatus, ...(f.Forward === undefined ? {} : { forward: f.Forward }) }, scope: { channelIds: [f.Uniqueid, f.DestUniqueid] } };
      }
      case "HangupRequest":
      case "SoftHangupRequest": {
        const f = payload as PbxEvents["HangupRequest"];
        return { event: { type: "ChannelHangupRequest", cause: f.Cause, ...(name === "SoftHangupRequest" ? { soft: true } : {}), channel: this.channel(f) }, scope: { channelIds: [f.Uniqueid] } };
      }
      case "Newexten": {
        const f = payload as PbxEvents["Newexten"];
        return { event: { type: "ChannelDialplan", channel: this.channel(f), dialplan_app: f.Application, dialplan_app_data: f.AppData }, scope: { channelIds: [f.Uniqueid] } };
      }
      case "VarSet": {
        const f = payload as PbxEvents["VarSet"];
        return { event: { type: "ChannelVarset", variable: f.Variable, value: f.Value, channel: this.channel(f) }, scope: { channelIds: [f.Uniqueid] } };
      }
      case "NewCallerid": {
        const f = payload as PbxEvents["NewCallerid"];
        // AMI writes "0 (Presentation Allowed, Not Screened)"; ARI has the number and the text apart.
        const m = /^(\d+)\s*(?:\((.*)\))?/.exec(f.CID_CallingPres);
        return { event: { type: "ChannelCallerId", caller_presentation: Number(m?.[1] ?? 0), caller_presentation_txt: m?.[2] ?? "", channel: this.channel(f) }, scope: { channelIds: [f.Uniqueid] } };
      }
      case "NewConnectedLine": {
        const f = payload as PbxEvents["NewConnectedLine"];
        return { event: { type: "ChannelConnectedLine", channel: this.channel(f) }, scope: { channelIds: [f.Uniqueid] } };
      }
      case "DTMFEnd": {
        const f = payload as PbxEvents["DTMFEnd"];
        if (f.Direction !== "Received") return undefined;
        return { event: { type: "ChannelDtmfReceived", digit: f.Digit, duration_ms: f.DurationMs, channel: this.channel(f) }, scope: { channelIds: [f.Uniqueid] } };
      }
      case "Hold": {
        const f = payload as PbxEvents["Hold"];
        return { event: { type: "ChannelHold", channel: this.channel(f), ...(f.MusicClass === undefined ? {} : { musicclass: f.MusicClass }) }, scope: { channelIds: [f.Uniqueid] } };
      }
      case "Unhold": {
        const f = payload as PbxEvents["Unhold"];
        return { event: { type: "ChannelUnhold", channel: this.channel(f) }, scope: { channelIds: [f.Uniqueid] } };
      }
      case "BridgeCreate": {
        const f = payload as PbxEvents["BridgeCreate"];
        return { event: { type: "BridgeCreated", bridge: this.bridge(f) }, scope: { bridgeIds: [f.BridgeUniqueid] } };
      }
      case "BridgeDestroy": {
        const f = payload as PbxEvents["BridgeDestroy"];
        return { event: { type: "BridgeDestroyed", bridge: this.bridge(f) }, scope: { bridgeIds: [f.BridgeUniqueid] } };
      }
      case "PeerStatus": {
        const f = payload as PbxEvents["PeerStatus"];
        const id = f.Peer.replace(/^PJSIP\//, "");
        const endpoint = this.state.endpoint(id) ?? { technology: "PJSIP", resource: id, state: "unknown", channel_ids: [] };
        return { event: { type: "PeerStatusChange", endpoint, peer: { peer_status: f.PeerStatus } }, scope: { endpoint: id } };
      }
      case "DeviceStateChange": {
        const f = payload as PbxEvents["DeviceStateChange"];
        return { event: { type: "DeviceStateChanged", device_state: { name: f.Device, state: f.State } }, scope: { device: f.Device } };
      }
      case "ContactStatus": {
        const f = payload as PbxEvents["ContactStatus"];
        const endpoint = this.state.endpoint(f.EndpointName) ?? { technology: "PJSIP", resource: f.EndpointName, state: "unknown", channel_ids: [] };
        const info = { uri: f.URI, contact_status: contactStatus(f.ContactStatus), aor: f.AOR, roundtrip_usec: String(f.RoundtripUsec) };
        return { event: { type: "ContactStatusChange", endpoint, contact_info: info }, scope: { endpoint: f.EndpointName } };
      }
      default:
        return undefined;
    }
  }
}
