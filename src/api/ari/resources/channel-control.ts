/**
 * `/channels` operations that place and steer calls: originate (`POST /channels`,
 * `POST /channels/{channelId}`: the PBX calls an endpoint as AMI Originate does and, once it
 * answers, hands it to a Stasis application or the dialplan), ring, DTMF and channel variables.
 */
import { parseCallerIdAll } from "../../../pbx/funcs/callerid.js";
import type { OriginateRequest } from "../../../pbx/channel/originate.js";
import { AriError, pathParam, queryParam, type AriApi, type AriOperation, type AriReply, type AriRequest } from "../ari-resource.js";
import type { AriServices } from "../ari-services.js";
import type { StasisChannel } from "../stasis.js";
import { STASIS_APP_NAME } from "../stasis.js";

const DTMF_KEYS = /^[0-9A-D*#]+$/i;

/** The channel in Stasis, or Asterisk's 404 (no such channel) / 409 (not in Stasis). */
export function inStasis(s: AriServices, id: string): StasisChannel {
  if (s.state.channel(id) === undefined) throw new AriError(404, "Channel not found");
  const st = s.stasis.get(id);
  if (st === undefined || st.ended) throw new AriError(409, "Channel not in Stasis application");
  return st;
}

/** The `variables` object of the JSON body (`{"variables": {"NAME": "value"}}`). */
function bodyVariables(req: AriRequest): Record<string, string> {
  const body = req.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== "object") throw new AriError(400, "The request body must be a JSON object");
  // {"variables": {...}} as Asterisk documents it (other keys are parameters, see ari-http.ts).
  const v = (body as { variables?: unknown }).variables;
  if (v === undefined) return {};
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new AriError(400, "variables must be an object of name: value");
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (/[()]/.test(k)) throw new AriError(400, `Setting a dialplan function (${k.slice(0, 40)}) on an originated channel is not implemented; set plain variables`);
    out[k] = typeof val === "string" ? val : JSON.stringify(val);
  }
  return out;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function originateOperation(s: AriServices, nickname: "originate" | "originateWithId"): AriOperation {
  const withId = nickname === "originateWithId";
  return {
    httpMethod: "POST",
    summary: withId ? "Create a new channel (originate with id)." : "Create a new channel (originate).",
    nickname,
    responseClass: "Channel",
    parameters: [
      ...(withId ? [pathParam("channelId", "The unique id to assign the channel on creation.")] : []),
      queryParam("endpoint", "Endpoint to call (a dial string: PJSIP/1001, PJSIP/1001@trunk).", { required: true }),
      queryParam("extension", "The extension to dial after the endpoint answers. Mutually exclusive with 'app'."),
      queryParam("context", "The context to dial after the endpoint answers (default: default)."),
      queryParam("priority", "The priority to dial after the endpoint answers.", { dataType: "long" }),
      queryParam("label", "The label to dial after the endpoint answers. Will supersede 'priority' if both are provided."),
      queryParam("app", "The application that is subscribed to the originated channel; it enters Stasis there once answered."),
      queryParam("appArgs", "The application arguments to pass to the Stasis application provided by 'app'."),
      queryParam("callerId", "CallerID to use when dialing the endpoint or extension."),
      queryParam("timeout", "Timeout (in seconds) before giving up dialing, or -1 for no timeout.", { dataType: "int", defaultValue: 30 }),
      ...(withId ? [] : [queryParam("channelId", "The unique id to assign the channel on creation.")]),
      { name: "variables", description: "The \"variables\" key in the body object holds variable key/value pairs to set on the channel on creation.", paramType: "body", required: false, allowMultiple: false, dataType: "containers" },
    ],
    errorResponses: [
      { code: 400, reason: "Invalid parameters for originating a channel." },
      { code: 409, reason: "Channel with given unique ID already exists." },
    ],
    handle: async (req): Promise<AriReply> => {
      const q = req.query;
      const endpoint = q.get("endpoint") ?? "";
      if (endpoint === "") throw new AriError(400, "Endpoint must be specified");
      const app = q.get("app") ?? "";
      const exten = q.get("extension") ?? "";
      if (app === "" && exten === "") throw new AriError(400, "Application or extension must be specified");
      if (app !== "" && exten !== "") throw new AriError(400, "Application and extension are mutually exclusive");
      const channelId = withId ? req.params.channelId : (q.get("channelId") ?? undefined);
      if (channelId !== undefined && channelId !== "" && s.state.anyChannel(channelId) !== undefined) throw new AriError(409, "Channel with given unique ID already exists");
      const timeout = Number(q.get("timeout") ?? "30");
      if (!Number.isFinite(timeout) || timeout > 86_400) throw new AriError(400, "timeout must be a number of seconds (at most 86400), or -1 for none");
      if ((q.get("label") ?? "") !== "") throw new AriError(400, "Originating to a label is not implemented; give priority");
      const appArgs = q.get("appArgs") ?? "";
      const callerId = q.get("callerId");
      const then: OriginateRequest["then"] =
        app !== ""
          ? { kind: "app", app: STASIS_APP_NAME, data: appArgs === "" ? app : `${app},${appArgs}` }
          : { kind: "exten", context: q.get("context") || "default", exten, priority: Math.max(1, Math.floor(Number(q.get("priority") || "1")) || 1) };
      const variables = bodyVariables(req);
      let created: ((id: string | undefined) => void) | undefined;
      const made = new Promise<string | undefined>((r) => (created = r));
      const placed = s.originate({
        channel: endpoint,
        timeoutMs: timeout < 0 ? 24 * 3600_000 : timeout * 1000,
        then,
        ...(callerId !== null && callerId !== "" ? { callerId: parseCallerIdAll(callerId) } : {}),
        ...(Object.keys(variables).length > 0 ? { variables } : {}),
        ...(channelId !== undefined && channelId !== "" ? { channelId } : {}),
        onChannel: (_name, id) => {
          // The application hears of the channel from its creation, as in Asterisk.
          if (app !== "") s.apps.get(app)?.channelIds.add(id);
          created?.(id);
        },
      });
      if (placed === undefined) throw new AriError(500, "The call layer is not running");
      placed.then(
        () => created?.(undefined),
        () => created?.(undefined),
      );
      const id = await made;
      const json = id === undefined ? undefined : s.channelJson(id);
      if (json === undefined) throw new AriError(400, `Allocation failed: ${endpoint} is not an endpoint with a reachable contact`);
      return { status: 200, body: json };
    },
  };
}

export function channelControlApis(s: AriServices): AriApi[] {
  const channelParam = pathParam("channelId", "Channel's id");
  const id = (req: AriRequest): string => req.params.channelId ?? "";
  const stasisErrors = [
    { code: 404, reason: "Channel not found" },
    { code: 409, reason: "Channel not in a Stasis application" },
  ];
  return [
    {
      path: "/channels/{channelId}/ring",
      description: "Send a ringing indication to a channel",
      operations: [
        {
          httpMethod: "POST",
          summary: "Indicate ringing to a channel (180 Ringing).",
          nickname: "ring",
          responseClass: "void",
          parameters: [channelParam],
          errorResponses: stasisErrors,
          handle: async (req): Promise<AriReply> => {
            const st = inStasis(s, id(req));
            if (!st.channel.answered) await st.channel.ringing();
            return { status: 204 };
          },
        },
        {
          httpMethod: "DELETE",
          summary: "Stop ringing indication on a channel (a SIP phone keeps its ringback until the next answer or progress).",
          nickname: "ringStop",
          responseClass: "void",
          parameters: [channelParam],
          errorResponses: stasisErrors,
          handle: (req): AriReply => {
            inStasis(s, id(req));
            return { status: 204 };
          },
        },
      ],
    },
    {
      path: "/channels/{channelId}/dtmf",
      description: "Send DTMF to a channel",
      operations: [
        {
          httpMethod: "POST",
          summary: "Send provided DTMF to a given channel (in its dtmf_mode).",
          nickname: "sendDTMF",
          responseClass: "void",
          parameters: [
            channelParam,
            queryParam("dtmf", "DTMF To send.", { required: true }),
            queryParam("before", "Amount of time to wait before DTMF digits (specified in milliseconds) start.", { dataType: "int", defaultValue: 0 }),
            queryParam("between", "Amount of time in between DTMF digits (specified in milliseconds).", { dataType: "int", defaultValue: 100 }),
            queryParam("duration", "Length of each DTMF digit (specified in milliseconds).", { dataType: "int", defaultValue: 100 }),
            queryParam("after", "Amount of time to wait after DTMF digits (specified in milliseconds) end.", { dataType: "int", defaultValue: 0 }),
          ],
          errorResponses: [{ code: 400, reason: "DTMF is required" }, ...stasisErrors],
          handle: (req): AriReply => {
            const st = inStasis(s, id(req));
            const dtmf = req.query.get("dtmf") ?? "";
            if (dtmf === "") throw new AriError(400, "DTMF is required");
            if (!DTMF_KEYS.test(dtmf)) throw new AriError(400, "DTMF holds a character that is not a key (0-9, A-D, *, #)");
            const num = (name: string, def: number): number => {
              const v = Number(req.query.get(name) ?? def);
              return Number.isFinite(v) ? Math.min(10_000, Math.max(0, v)) : def;
            };
            const [before, between, duration, after] = [num("before", 0), num("between", 100), num("duration", 100), num("after", 0)];
            const ch = st.channel;
            if (ch.sendDtmf === undefined) throw new AriError(409, "Channel cannot send DTMF");
            void (async () => {
              await sleep(before);
              for (const [i, key] of [...dtmf.toUpperCase()].entries()) {
                if (ch.hungUp()) return;
                if (i > 0) await sleep(between);
                ch.sendDtmf?.(key, duration);
                await sleep(duration);
              }
              await sleep(after);
            })();
            return { status: 204 };
          },
        },
      ],
    },
    {
      path: "/channels/{channelId}/record",
      description: "Record audio from a channel",
      operations: [
        {
          httpMethod: "POST",
          summary: "Start a recording of what the channel's phone says (stored under the spool's recording directory).",
          nickname: "record",
          responseClass: "LiveRecording",
          parameters: [
            channelParam,
            queryParam("name", "Recording's filename", { required: true }),
            queryParam("format", "Format to encode audio in", { required: true }),
            queryParam("maxDurationSeconds", "Maximum duration of the recording, in seconds. 0 for no limit", { dataType: "int", defaultValue: 0 }),
            queryParam("maxSilenceSeconds", "Maximum duration of silence, in seconds. 0 for no limit", { dataType: "int", defaultValue: 0 }),
            queryParam("ifExists", "Action to take if a recording with the same name already exists.", { defaultValue: "fail", values: ["fail", "overwrite", "append"] }),
            queryParam("beep", "Play beep when recording begins", { dataType: "boolean", defaultValue: false }),
            queryParam("terminateOn", "DTMF input to terminate recording", { defaultValue: "none", values: ["none", "any", "*", "#"] }),
          ],
          errorResponses: [
            { code: 400, reason: "Invalid parameters" },
            { code: 404, reason: "Channel not found" },
            { code: 409, reason: "Channel is not in a Stasis application; a recording with the same name already exists on the system and can not be overwritten because it is in progress or ifExists=fail" },
            { code: 422, reason: "The format specified is unknown on this system" },
          ],
          handle: (req): AriReply => {
            const st = inStasis(s, id(req));
            const q = req.query;
            const secs = (n: string): number => {
              const v = Number(q.get(n) ?? "0");
              if (!Number.isFinite(v) || v < 0) throw new AriError(400, `${n} must be a number of seconds, 0 or more`);
              return v;
            };
            const ifExists = q.get("ifExists") ?? "fail";
            if (ifExists !== "fail" && ifExists !== "overwrite" && ifExists !== "append") throw new AriError(400, "ifExists must be fail, overwrite or append");
            const terminateOn = q.get("terminateOn") ?? "none";
            if (terminateOn !== "none" && terminateOn !== "any" && terminateOn !== "*" && terminateOn !== "#") throw new AriError(400, "terminateOn must be none, any, * or #");
            const rec = s.recordings.start(id(req), st.channel, {
              name: q.get("name") ?? "",
              format: q.get("format") ?? "",
              maxDurationSeconds: secs("maxDurationSeconds"),
              maxSilenceSeconds: secs("maxSilenceSeconds"),
              ifExists,
              beep: /^(true|yes|1)$/i.test(q.get("beep") ?? ""),
              terminateOn,
            });
            return { status: 201, body: rec };
          },
        },
      ],
    },
    {
      path: "/channels/{channelId}/hold",
      description: "Put a channel on hold",
      operations: (["POST", "DELETE"] as const).map(
        (httpMethod): AriOperation => ({
          httpMethod,
          summary: httpMethod === "POST" ? "Hold a channel: it and the other party of its bridge stop hearing each other (ChannelHold)." : "Remove a channel from hold (ChannelUnhold).",
          nickname: httpMethod === "POST" ? "hold" : "unhold",
          responseClass: "void",
          parameters: [channelParam],
          errorResponses: stasisErrors,
          handle: (req): AriReply => {
            inStasis(s, id(req));
            if (!s.hold(id(req), httpMethod === "POST")) throw new AriError(409, "Channel has no media to hold");
            return { status: 204 };
          },
        }),
      ),
    },
    {
      path: "/channels/{channelId}/moh",
      description: "Play music on hold to a channel",
      operations: (["POST", "DELETE"] as const).map(
        (httpMethod): AriOperation => ({
          httpMethod,
          summary: httpMethod === "POST" ? "Play music on hold to a channel (musiconhold.conf); it replaces what the channel would hear until stopped." : "Stop playing music on hold to a channel.",
          nickname: httpMethod === "POST" ? "startMoh" : "stopMoh",
          responseClass: "void",
          parameters: httpMethod === "POST" ? [channelParam, queryParam("mohClass", "Music on hold class to use")] : [channelParam],
          errorResponses: stasisErrors,
          handle: (req): AriReply => {
            inStasis(s, id(req));
            const cls = httpMethod === "POST" ? (req.query.get("mohClass") ?? undefined) : null;
            if (!s.moh(id(req), cls)) throw new AriError(409, "Channel has no media to play music on hold to");
            return { status: 204 };
          },
        }),
      ),
    },
    {
      path: "/channels/{channelId}/mute",
      description: "Mute a channel",
      operations: (["POST", "DELETE"] as const).map(
        (httpMethod): AriOperation => ({
          httpMethod,
          summary: httpMethod === "POST" ? "Mute a channel: in stops what its phone says reaching the other party, out what the other party says reaching it." : "Unmute a channel.",
          nickname: httpMethod === "POST" ? "mute" : "unmute",
          responseClass: "void",
          parameters: [channelParam, queryParam("direction", "Direction in which to mute audio", { defaultValue: "both", values: ["both", "in", "out"] })],
          errorResponses: stasisErrors,
          handle: (req): AriReply => {
            inStasis(s, id(req));
            const direction = req.query.get("direction") ?? "both";
            if (direction !== "both" && direction !== "in" && direction !== "out") throw new AriError(400, "direction must be both, in or out");
            if (!s.mute(id(req), direction, httpMethod === "POST")) throw new AriError(409, "Channel has no media to mute");
            return { status: 204 };
          },
        }),
      ),
    },
    {
      path: "/channels/{channelId}/variable",
      description: "Variables on a channel",
      operations: [
        {
          httpMethod: "GET",
          summary: "Get the value of a channel variable.",
          nickname: "getChannelVar",
          responseClass: "Variable",
          parameters: [channelParam, queryParam("variable", "The channel variable to get", { required: true })],
          errorResponses: [
            { code: 400, reason: "Missing variable parameter." },
            { code: 404, reason: "Channel or variable not found" },
          ],
          handle: (req): AriReply => {
            const live = s.state.channel(id(req));
            const name = req.query.get("variable") ?? "";
            if (name === "") throw new AriError(400, "Variable name is required");
            if (live === undefined) throw new AriError(404, "Channel not found");
            const value = live.channel.vars.get(name);
            if (value === undefined) throw new AriError(404, "Provided variable was not found");
            return { status: 200, body: { value } };
          },
        },
        {
          httpMethod: "POST",
          summary: "Set the value of a channel variable.",
          nickname: "setChannelVar",
          responseClass: "void",
          parameters: [channelParam, queryParam("variable", "The channel variable to set", { required: true }), queryParam("value", "The value to set the variable to (empty unsets it)")],
          errorResponses: [
            { code: 400, reason: "Missing variable parameter." },
            { code: 404, reason: "Channel not found" },
          ],
          handle: (req): AriReply => {
            const live = s.state.channel(id(req));
            const name = req.query.get("variable") ?? "";
            if (name === "") throw new AriError(400, "Variable name is required");
            if (live === undefined) throw new AriError(404, "Channel not found");
            if (/[()]/.test(name)) throw new AriError(400, "Setting a dialplan function through ARI is not implemented; set a plain variable");
            const value = req.query.get("value") ?? "";
            if (value === "") live.channel.vars.delete(name);
            else live.channel.vars.set(name, value);
            return { status: 204 };
          },
        },
      ],
    },
  ];
}

export { originateOperation };

/** The model of GET /channels/{id}/variable. */
export const VARIABLE_MODEL = {
  id: "Variable",
  description: "The value of a channel variable",
  properties: { value: { type: "string", description: "The value of the variable requested", required: true } },
} as const;
