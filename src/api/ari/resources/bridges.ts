/**
 * `/bridges`: every bridge (the ones Dial made, read only, and the ones applications made),
 * and for applications: create (`POST /bridges`, `POST /bridges/{id}`), addChannel,
 * removeChannel destroy and play (ari-bridges.ts, playbacks.ts). Recording a bridge, moh and video are not
 * implemented.
 */
import { AriError, pathParam, prop, queryParam, type AriModel, type AriOperation, type AriRequest, type AriResource } from "../ari-resource.js";
import type { AriServices } from "../ari-services.js";
import type { AriBridgeType } from "../ari-bridges.js";

/** `channel=a,b` or repeated `channel=`: the ids, in order. */
export function idList(req: AriRequest, name: string): string[] {
  const ids = req.query.getAll(name).flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
  if (ids.length === 0) throw new AriError(400, `missing required parameter ${name}`);
  return ids;
}

/** A bridge an application made, or 404 (none) / 409 (one Dial made). */
function stasisBridge(s: AriServices, id: string): void {
  if (s.bridges.has(id)) return;
  if (s.state.bridge(id) === undefined) throw new AriError(404, "Bridge not found");
  throw new AriError(409, "Bridge not in Stasis application");
}

function bridgeType(req: AriRequest): AriBridgeType {
  const types = (req.query.get("type") || "mixing").split(",").map((t) => t.trim().toLowerCase());
  const other = types.find((t) => t !== "mixing" && t !== "holding");
  if (other !== undefined) throw new AriError(400, `Bridge type ${other.slice(0, 30)} is not implemented (mixing and holding are)`);
  return types.includes("holding") ? "holding" : "mixing";
}

export const BRIDGE_MODELS: readonly AriModel[] = [
  {
    id: "Bridge",
    description: "The merging of media from one or more channels.",
    properties: {
      id: prop("string", "Unique identifier for this bridge"),
      technology: prop("string", "Name of the current bridging technology"),
      bridge_type: prop("string", "Type of bridge technology", true, ["mixing", "holding"]),
      bridge_class: prop("string", "Bridging class"),
      creator: prop("string", "Entity that created the bridge"),
      name: prop("string", "Name the creator gave the bridge"),
      channels: prop("List[string]", "Ids of channels participating in this bridge"),
      creationtime: prop("Date", "Timestamp when bridge was created"),
      video_mode: prop("string", "The video mode the bridge uses.", false, ["none", "talker", "single", "sfu"]),
    },
  },
];

export function bridgesResource(s: AriServices): AriResource {
  return {
    name: "bridges",
    description: "Bridge resources",
    models: BRIDGE_MODELS,
    apis: [
      {
        path: "/bridges",
        description: "Active bridges",
        operations: [
          { httpMethod: "GET", summary: "List all active bridges in Switchboard.", nickname: "list", responseClass: "List[Bridge]", parameters: [], handle: () => ({ status: 200, body: s.state.bridgeList() }) },
          createOperation(s, "create", "Create a new bridge.", false),
        ],
      },
      {
        path: "/bridges/{bridgeId}",
        description: "Individual bridge",
        operations: [
          {
            httpMethod: "GET",
            summary: "Get bridge details.",
            nickname: "get",
            responseClass: "Bridge",
            parameters: [pathParam("bridgeId", "Bridge's id")],
            errorResponses: [{ code: 404, reason: "Bridge not found" }],
            handle: (req) => {
              const b = s.state.bridge(req.params.bridgeId ?? "");
              if (b === undefined) throw new AriError(404, "Bridge not found");
              return { status: 200, body: b };
            },
          },
          createOperation(s, "createWithId", "Create a new bridge or update an existing one (the update is not implemented).", true),
          {
            httpMethod: "DELETE",
            summary: "Shut down a bridge; its channels stay in their Stasis application.",
            nickname: "destroy",
            responseClass: "void",
            parameters: [pathParam("bridgeId", "Bridge's id")],
            errorResponses: [{ code: 404, reason: "Bridge not found" }],
            handle: (req) => {
              const id = req.params.bridgeId ?? "";
              if (!s.bridges.has(id)) throw new AriError(404, "Bridge not found");
              s.bridges.destroy(id);
              return { status: 204 };
            },
          },
        ],
      },
      {
        path: "/bridges/{bridgeId}/addChannel",
        description: "Add a channel to a bridge",
        operations: [
          {
            httpMethod: "POST",
            summary: "Add a channel to a bridge (a mixing bridge joins two channels' audio).",
            nickname: "addChannel",
            responseClass: "void",
            parameters: [pathParam("bridgeId", "Bridge's id"), queryParam("channel", "Ids of channels to add to bridge", { required: true, allowMultiple: true })],
            errorResponses: [
              { code: 400, reason: "Channel not found" },
              { code: 404, reason: "Bridge not found" },
              { code: 409, reason: "Bridge not in Stasis application; or it is full" },
              { code: 422, reason: "Channel not in Stasis application" },
            ],
            handle: (req) => {
              const id = req.params.bridgeId ?? "";
              stasisBridge(s, id);
              const ids = idList(req, "channel");
              for (const c of ids) if (s.state.channel(c) === undefined) throw new AriError(400, "Channel not found");
              s.bridges.add(id, ids);
              return { status: 204 };
            },
          },
        ],
      },
      {
        path: "/bridges/{bridgeId}/play",
        description: "Play media to the participants of a bridge",
        operations: [
          {
            httpMethod: "POST",
            summary: "Start playback of media on a bridge: every channel in it hears it.",
            nickname: "play",
            responseClass: "Playback",
            parameters: [pathParam("bridgeId", "Bridge's id"), queryParam("media", "Media URI to play (sound:<name>, tone:<name>).", { required: true }), queryParam("lang", "For sounds, selects language for sound."), queryParam("playbackId", "Playback Id.")],
            errorResponses: [
              { code: 404, reason: "Bridge not found" },
              { code: 409, reason: "Bridge not in a Stasis application" },
            ],
            handle: (req) => {
              const id = req.params.bridgeId ?? "";
              stasisBridge(s, id);
              const media = req.query.get("media");
              if (media === null || media === "") throw new AriError(400, "missing required parameter media");
              const members = s.bridges.channelIds(id).flatMap((c) => {
                const st = s.stasis.get(c);
                return st === undefined || st.ended ? [] : [{ id: c, ch: st.channel }];
              });
              const lang = req.query.get("lang") || "en";
              return { status: 201, body: s.playbacks.startOnBridge(id, members, media, lang, req.query.get("playbackId") ?? undefined) };
            },
          },
        ],
      },
      {
        path: "/bridges/{bridgeId}/removeChannel",
        description: "Remove a channel from a bridge",
        operations: [
          {
            httpMethod: "POST",
            summary: "Remove a channel from a bridge.",
            nickname: "removeChannel",
            responseClass: "void",
            parameters: [pathParam("bridgeId", "Bridge's id"), queryParam("channel", "Ids of channels to remove from bridge", { required: true, allowMultiple: true })],
            errorResponses: [
              { code: 400, reason: "Channel not found" },
              { code: 404, reason: "Bridge not found" },
              { code: 409, reason: "Bridge not in Stasis application" },
              { code: 422, reason: "Channel not in this Bridge" },
            ],
            handle: (req) => {
              const id = req.params.bridgeId ?? "";
              stasisBridge(s, id);
              s.bridges.remove(id, idList(req, "channel"));
              return { status: 204 };
            },
          },
        ],
      },
    ],
  };
}

function createOperation(s: AriServices, nickname: string, summary: string, withId: boolean): AriOperation {
  return {
    httpMethod: "POST",
    summary,
    nickname,
    responseClass: "Bridge",
    parameters: [
      ...(withId ? [pathParam("bridgeId", "Unique ID to give to the bridge being created.")] : [queryParam("bridgeId", "Unique ID to give to the bridge being created.")]),
      queryParam("type", "Comma separated list of bridge type attributes (mixing, holding).", { values: ["mixing", "holding"] }),
      queryParam("name", "Name to give to the bridge being created."),
    ],
    errorResponses: [{ code: 409, reason: "Bridge with the same bridgeId already exists" }],
    handle: (req) => {
      const wanted = withId ? req.params.bridgeId : (req.query.get("bridgeId") ?? undefined);
      if (wanted !== undefined && wanted !== "" && s.bridges.has(wanted)) {
        const existing = s.state.bridge(wanted);
        // The same bridge asked for again is answered as it is; changing it is not implemented.
        if (withId && existing !== undefined && (req.query.get("type") ?? "") === "" && (req.query.get("name") ?? "") === "") return { status: 200, body: existing };
        throw new AriError(409, withId ? "Updating a bridge's type or name is not implemented" : "Bridge with id already exists");
      }
      if (wanted !== undefined && wanted !== "" && s.state.bridge(wanted) !== undefined) throw new AriError(409, "Bridge with id already exists");
      const id = s.bridges.create(bridgeType(req), wanted, req.query.get("name") ?? "");
      const b = s.state.bridge(id);
      if (b === undefined) throw new AriError(500, "Bridge was created but is not listed");
      return { status: 200, body: b };
    },
  };
}
