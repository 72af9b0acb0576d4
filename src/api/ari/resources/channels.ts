/**
 * `/channels`: snapshots of every live channel, originate (channel-control.ts), and control of
 * the channels in Stasis — answer, hang up, play, continue in the dialplan, ring, DTMF, variables.
 * Create, dial, redirect, hold, mute, record and snoop are not implemented.
 */
import { channelControlApis, inStasis, originateOperation, VARIABLE_MODEL } from "./channel-control.js";
import { CAUSE } from "../../../pbx/channel/hangup-cause.js";
import { AriError, pathParam, prop, queryParam, type AriModel, type AriReply, type AriRequest, type AriResource } from "../ari-resource.js";
import type { AriServices } from "../ari-services.js";

const STATES = ["Down", "Rsrvd", "OffHook", "Dialing", "Ring", "Ringing", "Up", "Busy", "Dialing Offhook", "Pre-ring", "Unknown"];

/** DELETE /channels/{id}?reason= as Q.850 causes (ARI's names). */
const REASONS: Readonly<Record<string, number>> = {
  normal: 16,
  busy: 17,
  no_answer: 19,
  rejected: 21,
  congestion: 34,
  unallocated: 1,
  normal_unspecified: 31,
  number_incomplete: 28,
  codec_mismatch: 58,
  interworking: 127,
  failure: 38,
  answered_elsewhere: 26,
};

export const CHANNEL_MODELS: readonly AriModel[] = [
  {
    id: "CallerID",
    description: "Caller identification",
    properties: { name: prop("string", "Name"), number: prop("string", "Number") },
  },
  {
    id: "DialplanCEP",
    description: "Dialplan location (context/extension/priority)",
    properties: {
      context: prop("string", "Context in the dialplan"),
      exten: prop("string", "Extension in the dialplan"),
      priority: prop("long", "Priority in the dialplan"),
      app_name: prop("string", "Name of current dialplan application"),
      app_data: prop("string", "Parameter of current dialplan application"),
    },
  },
  {
    id: "Channel",
    description: "A specific communication connection between Switchboard and an endpoint.",
    properties: {
      id: prop("string", "Unique identifier of the channel (its Uniqueid)."),
      name: prop("string", "Name of the channel (PJSIP/1001-00000001)"),
      state: prop("string", "State of the channel", true, STATES),
      protocol_id: prop("string", "The SIP Call-ID of the channel's dialog"),
      caller: prop("CallerID", "Caller identification"),
      connected: prop("CallerID", "Connected line identification"),
      accountcode: prop("string", "Account code"),
      dialplan: prop("DialplanCEP", "Current location in the dialplan"),
      creationtime: prop("Date", "Timestamp when channel was created"),
      language: prop("string", "The default spoken language"),
      channelvars: prop("object", "Channel variables named by ari.conf channelvars", false),
    },
  },
  VARIABLE_MODEL,
];

function channelId(req: AriRequest): string {
  return req.params.channelId ?? "";
}

export function channelsResource(s: AriServices): AriResource {
  const channelParam = pathParam("channelId", "Channel's id");
  return {
    name: "channels",
    description: "Channel resources",
    models: CHANNEL_MODELS,
    apis: [
      {
        path: "/channels",
        description: "Active channels",
        operations: [
          {
            httpMethod: "GET",
            summary: "List all active channels in Switchboard.",
            nickname: "list",
            responseClass: "List[Channel]",
            parameters: [],
            handle: (): AriReply => ({ status: 200, body: s.state.channels().map((c) => s.channelJson(c.channel.uniqueId)).filter((c) => c !== undefined) }),
          },
          originateOperation(s, "originate"),
        ],
      },
      {
        path: "/channels/{channelId}",
        description: "Active channel",
        operations: [
          {
            httpMethod: "GET",
            summary: "Channel details.",
            nickname: "get",
            responseClass: "Channel",
            parameters: [channelParam],
            errorResponses: [{ code: 404, reason: "Channel not found" }],
            handle: (req): AriReply => {
              const c = s.channelJson(channelId(req));
              if (c === undefined) throw new AriError(404, "Channel not found");
              return { status: 200, body: c };
            },
          },
          {
            httpMethod: "DELETE",
            summary: "Delete (i.e. hangup) a channel.",
            nickname: "hangup",
            responseClass: "void",
            parameters: [channelParam, queryParam("reason_code", "The Q.850 reason code of the hangup", { dataType: "int" }), queryParam("reason", "Reason for hanging up the channel", { defaultValue: "normal", values: Object.keys(REASONS) })],
            errorResponses: [
              { code: 400, reason: "Invalid reason for hangup provided" },
              { code: 404, reason: "Channel not found" },
            ],
            handle: async (req): Promise<AriReply> => {
              const live = s.state.channel(channelId(req));
              if (live === undefined) throw new AriError(404, "Channel not found");
              const code = req.query.get("reason_code");
              const reason = req.query.get("reason");
              let cause: number = CAUSE.NORMAL_CLEARING;
              if (code !== null && code !== "") {
                if (!/^\d{1,3}$/.test(code)) throw new AriError(400, "Invalid reason for hangup provided");
                cause = Number(code);
              } else if (reason !== null && reason !== "") {
                const c = REASONS[reason];
                if (c === undefined) throw new AriError(400, "Invalid reason for hangup provided");
                cause = c;
              }
              if (live.owner.kind === "outbound") live.owner.leg.hangup();
              else await live.owner.call.hangup(cause);
              return { status: 204 };
            },
          },
          originateOperation(s, "originateWithId"),
        ],
      },
      {
        path: "/channels/{channelId}/continue",
        description: "Exit application; continue execution in the dialplan",
        operations: [
          {
            httpMethod: "POST",
            summary: "Exit application; continue execution in the dialplan.",
            nickname: "continueInDialplan",
            responseClass: "void",
            parameters: [channelParam, queryParam("context", "The context to continue to."), queryParam("extension", "The extension to continue to."), queryParam("priority", "The priority to continue to.", { dataType: "int" }), queryParam("label", "The label to continue to - will supersede 'priority' if both are provided.")],
            errorResponses: [
              { code: 404, reason: "Channel not found" },
              { code: 409, reason: "Channel not in a Stasis application" },
            ],
            handle: (req): AriReply => {
              const st = inStasis(s, channelId(req));
              const q = req.query;
              st.continueTo({ context: q.get("context") ?? "", exten: q.get("extension") ?? "", priority: q.get("label") || (q.get("priority") ?? "") });
              return { status: 204 };
            },
          },
        ],
      },
      {
        path: "/channels/{channelId}/answer",
        description: "Answer a channel",
        operations: [
          {
            httpMethod: "POST",
            summary: "Answer a channel.",
            nickname: "answer",
            responseClass: "void",
            parameters: [channelParam],
            errorResponses: [
              { code: 404, reason: "Channel not found" },
              { code: 409, reason: "Channel not in a Stasis application" },
            ],
            handle: async (req): Promise<AriReply> => {
              const st = inStasis(s, channelId(req));
              if (!st.channel.answered) await st.channel.answer();
              return { status: 204 };
            },
          },
        ],
      },
      {
        path: "/channels/{channelId}/play",
        description: "Play media to a channel",
        operations: [
          {
            httpMethod: "POST",
            summary: "Start playback of media (sound:<name> or tone:<name>).",
            nickname: "play",
            responseClass: "Playback",
            parameters: [channelParam, queryParam("media", "Media URI to play (sound:<name>, tone:<name>).", { required: true, allowMultiple: true }), queryParam("playbackId", "Playback ID.")],
            errorResponses: [
              { code: 400, reason: "Invalid media URI" },
              { code: 404, reason: "Channel not found" },
              { code: 409, reason: "Channel not in a Stasis application" },
            ],
            handle: (req): AriReply => {
              const id = channelId(req);
              const st = inStasis(s, id);
              const media = req.query.get("media");
              if (media === null || media === "") throw new AriError(400, "missing required parameter media");
              const lang = s.state.channel(id)?.language ?? "en";
              return { status: 201, body: s.playbacks.start(id, st.channel, media, lang, req.query.get("playbackId") ?? undefined) };
            },
          },
        ],
      },
      ...channelControlApis(s),
    ],
  };
}
