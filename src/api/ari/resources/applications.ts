/**
 * `/applications`: the ARI applications registered by events WebSockets, with what they are
 * subscribed to. Subscribing and event filters (POST/DELETE subscription, PUT eventFilter) are
 * not implemented.
 */
import { AriError, pathParam, prop, type AriModel, type AriResource } from "../ari-resource.js";
import type { AriServices } from "../ari-services.js";

export const APPLICATION_MODELS: readonly AriModel[] = [
  {
    id: "Application",
    description: "Details of a Stasis application",
    properties: {
      name: prop("string", "Name of this application"),
      channel_ids: prop("List[string]", "Id's for channels subscribed to."),
      bridge_ids: prop("List[string]", "Id's for bridges subscribed to."),
      endpoint_ids: prop("List[string]", "{tech}/{resource} for endpoints subscribed to."),
      device_names: prop("List[string]", "Names of the devices subscribed to."),
      events_allowed: prop("List[object]", "Event types sent to the application."),
      events_disallowed: prop("List[object]", "Event types not sent to the application."),
    },
  },
];

export function applicationsResource(s: AriServices): AriResource {
  return {
    name: "applications",
    description: "Stasis application resources",
    models: APPLICATION_MODELS,
    apis: [
      {
        path: "/applications",
        description: "Stasis applications",
        operations: [{ httpMethod: "GET", summary: "List all applications.", nickname: "list", responseClass: "List[Application]", parameters: [], handle: () => ({ status: 200, body: s.apps.list().map((a) => a.json()) }) }],
      },
      {
        path: "/applications/{applicationName}",
        description: "Stasis application",
        operations: [
          {
            httpMethod: "GET",
            summary: "Get details of an application.",
            nickname: "get",
            responseClass: "Application",
            parameters: [pathParam("applicationName", "Application's name")],
            errorResponses: [{ code: 404, reason: "Application does not exist." }],
            handle: (req) => {
              const app = s.apps.get(req.params.applicationName ?? "");
              if (app === undefined) throw new AriError(404, "Application not found");
              return { status: 200, body: app.json() };
            },
          },
        ],
      },
    ],
  };
}
