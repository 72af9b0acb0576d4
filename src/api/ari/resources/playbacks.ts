/** `/playbacks/{playbackId}`: a queued or playing playback (stopping and control are not implemented). */
import { AriError, pathParam, prop, type AriModel, type AriResource } from "../ari-resource.js";
import type { AriServices } from "../ari-services.js";

export const PLAYBACK_MODELS: readonly AriModel[] = [
  {
    id: "Playback",
    description: "Object representing the playback of media to a channel",
    properties: {
      id: prop("string", "ID for this playback operation"),
      media_uri: prop("string", "The URI for the media currently being played back."),
      target_uri: prop("string", "URI for the channel playback is being done on (channel:<id>)"),
      language: prop("string", "For media types that support multiple languages, the language requested for playback.", false),
      state: prop("string", "Current state of the playback operation.", true, ["queued", "playing", "done", "failed"]),
    },
  },
];

export function playbacksResource(s: AriServices): AriResource {
  return {
    name: "playbacks",
    description: "Playback control resources",
    models: PLAYBACK_MODELS,
    apis: [
      {
        path: "/playbacks/{playbackId}",
        description: "Control object for a playback operation.",
        operations: [
          {
            httpMethod: "GET",
            summary: "Get a playback's details.",
            nickname: "get",
            responseClass: "Playback",
            parameters: [pathParam("playbackId", "Playback's id")],
            errorResponses: [{ code: 404, reason: "The playback cannot be found" }],
            handle: (req) => {
              const pb = s.playbacks.get(req.params.playbackId ?? "");
              if (pb === undefined) throw new AriError(404, "Playback not found");
              return { status: 200, body: pb };
            },
          },
        ],
      },
    ],
  };
}
