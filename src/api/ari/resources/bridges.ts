/**
 * `/bridges`: the bridges Dial made (read only, from BridgeEnter/BridgeLeave). Creating
 * bridges and adding or removing channels are not implemented.
 */
import { AriError, pathParam, prop, type AriModel, type AriResource } from "../ari-resource.js";
import type { AriServices } from "../ari-services.js";

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
        operations: [{ httpMethod: "GET", summary: "List all active bridges in Switchboard.", nickname: "list", responseClass: "List[Bridge]", parameters: [], handle: () => ({ status: 200, body: s.state.bridgeList() }) }],
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
        ],
      },
    ],
  };
}
