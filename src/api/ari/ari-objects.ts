/**
 * ARI's JSON objects (Channel, Endpoint, Bridge, DeviceState, Application …) built from what
 * the PBX knows, with the property names of Asterisk's ARI models. The Swagger models that
 * describe them live with their resources (resources/*.ts).
 */
import type { ChannelFields } from "../../pbx/events.js";
import type { Channel } from "../../pbx/channel/channel.js";
import { ariTimestamp } from "./ari-time.js";

export interface AriChannel {
  id: string;
  name: string;
  state: string;
  protocol_id: string;
  caller: { name: string; number: string };
  connected: { name: string; number: string };
  accountcode: string;
  dialplan: { context: string; exten: string; priority: number; app_name: string; app_data: string };
  creationtime: string;
  language: string;
  channelvars?: Record<string, string>;
}

/** What a live channel adds to an event's snapshot (where it is in the dialplan, its age, variables). */
export interface LiveChannel {
  readonly channel: Channel;
  readonly language: string;
  readonly callId: string;
}

function vars(names: readonly string[], live: LiveChannel | undefined): Record<string, string> | undefined {
  if (names.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const n of names) out[n] = live?.channel.vars.get(n) ?? "";
  return out;
}

/** A channel from a live one. */
export function channelJson(live: LiveChannel, channelvars: readonly string[], now: number): AriChannel {
  const c = live.channel;
  const v = c.view();
  return channelFromFields(
    {
      Channel: v.name,
      ChannelState: 0,
      ChannelStateDesc: v.state,
      CallerIDNum: v.callerIdNum,
      CallerIDName: v.callerIdName,
      ConnectedLineNum: v.connectedLineNum ?? "",
      ConnectedLineName: v.connectedLineName ?? "",
      Language: live.language,
      AccountCode: v.accountCode ?? "",
      Context: v.context,
      Exten: v.exten,
      Priority: v.priority,
      Uniqueid: v.uniqueid,
      Linkedid: v.linkedid,
    },
    live,
    channelvars,
    now,
  );
}

/** A channel from an event's snapshot, completed from the live channel when it is still known. */
export function channelFromFields(f: ChannelFields, live: LiveChannel | undefined, channelvars: readonly string[], now: number): AriChannel {
  const out: AriChannel = {
    id: f.Uniqueid,
    name: f.Channel,
    state: f.ChannelStateDesc,
    protocol_id: live?.callId ?? "",
    caller: { name: f.CallerIDName, number: f.CallerIDNum },
    connected: { name: f.ConnectedLineName, number: f.ConnectedLineNum },
    accountcode: f.AccountCode,
    dialplan: { context: f.Context, exten: f.Exten, priority: f.Priority, app_name: live?.channel.application ?? "", app_data: live?.channel.appData ?? "" },
    creationtime: ariTimestamp(live?.channel.createdAt ?? now),
    language: live?.language ?? f.Language,
  };
  const cv = vars(channelvars, live);
  if (cv !== undefined) out.channelvars = cv;
  return out;
}

export interface AriBridge {
  id: string;
  technology: string;
  bridge_type: string;
  bridge_class: string;
  creator: string;
  name: string;
  channels: string[];
  creationtime: string;
  video_mode: string;
}

export interface AriEndpoint {
  technology: string;
  resource: string;
  state: "online" | "offline" | "unknown";
  channel_ids: string[];
}
