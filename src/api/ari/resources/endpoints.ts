/**
 * `/endpoints`: pjsip.conf's endpoints with their state (online when a contact is registered
 * and not unreachable, or static) and their channels. Only the PJSIP technology exists.
 * Sending messages to endpoints is not implemented.
 */
import { AriError, pathParam, prop, type AriModel, type AriResource } from "../ari-resource.js";
import type { AriServices } from "../ari-services.js";

export const ENDPOINT_MODELS: readonly AriModel[] = [
  {
    id: "Endpoint",
    description: "An external device that may offer/accept calls to/from Switchboard.",
    properties: {
      technology: prop("string", "Technology of the endpoint (PJSIP)"),
      resource: prop("string", "Identifier of the endpoint, specific to the given technology."),
      state: prop("string", "Endpoint's state", false, ["unknown", "offline", "online"]),
      channel_ids: prop("List[string]", "Id's of channels associated with this endpoint"),
    },
  },
];

export function endpointsResource(s: AriServices): AriResource {
  const all = () => s.state.endpointIds().flatMap((id) => s.state.endpoint(id) ?? []);
  return {
    name: "endpoints",
    description: "Endpoint resources",
    models: ENDPOINT_MODELS,
    apis: [
      {
        path: "/endpoints",
        description: "Asterisk endpoints",
        operations: [{ httpMethod: "GET", summary: "List all endpoints.", nickname: "list", responseClass: "List[Endpoint]", parameters: [], handle: () => ({ status: 200, body: all() }) }],
      },
      {
        path: "/endpoints/{tech}",
        description: "Asterisk endpoints",
        operations: [
          {
            httpMethod: "GET",
            summary: "List available endoints for a given endpoint technology.",
            nickname: "listByTech",
            responseClass: "List[Endpoint]",
            parameters: [pathParam("tech", "Technology of the endpoints (PJSIP)")],
            errorResponses: [{ code: 404, reason: "Endpoints not found" }],
            handle: (req) => {
              if ((req.params.tech ?? "").toUpperCase() !== "PJSIP") throw new AriError(404, "No Endpoints found - invalid tech " + (req.params.tech ?? "").slice(0, 40));
              return { status: 200, body: all() };
            },
          },
        ],
      },
      {
        path: "/endpoints/{tech}/{resource}",
        description: "Single endpoint",
        operations: [
          {
            httpMethod: "GET",
            summary: "Details for an endpoint.",
            nickname: "get",
            responseClass: "Endpoint",
            parameters: [pathParam("tech", "Technology of the endpoint"), pathParam("resource", "ID of the endpoint")],
            errorResponses: [
              { code: 400, reason: "Invalid parameters for sending a message." },
              { code: 404, reason: "Endpoints not found" },
            ],
            handle: (req) => {
              const ep = (req.params.tech ?? "").toUpperCase() === "PJSIP" ? s.state.endpoint(req.params.resource ?? "") : undefined;
              if (ep === undefined) throw new AriError(404, "Endpoint not found");
              return { status: 200, body: ep };
            },
          },
        ],
      },
    ],
  };
}
