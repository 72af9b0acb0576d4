/** `/sounds`: the prompts Switchboard can play, by id, with their languages and formats. */
import { AriError, pathParam, prop, queryParam, type AriModel, type AriResource } from "../ari-resource.js";
import type { SoundIndex } from "../sound-index.js";

export const SOUND_MODELS: readonly AriModel[] = [
  { id: "FormatLangPair", description: "Identifies the format and language of a sound file", properties: { language: prop("string", ""), format: prop("string", "") } },
  { id: "Sound", description: "A media file that may be played back.", properties: { id: prop("string", "Sound's identifier."), text: prop("string", "Text description of the sound, usually the words spoken.", false), formats: prop("List[FormatLangPair]", "The formats and languages in which this sound is available.") } },
];

export function soundsResource(index: SoundIndex): AriResource {
  return {
    name: "sounds",
    description: "Sound resources",
    models: SOUND_MODELS,
    apis: [
      {
        path: "/sounds",
        description: "Sounds",
        operations: [
          {
            httpMethod: "GET",
            summary: "List all sounds.",
            nickname: "list",
            responseClass: "List[Sound]",
            parameters: [queryParam("lang", "Lookup sound for a specific language."), queryParam("format", "Lookup sound in a specific format.")],
            handle: (req) => ({ status: 200, body: index.list(req.query.get("lang") || undefined, req.query.get("format") || undefined) }),
          },
        ],
      },
      {
        path: "/sounds/{soundId}",
        description: "Individual sound",
        operations: [
          {
            httpMethod: "GET",
            summary: "Get a sound's details.",
            nickname: "get",
            responseClass: "Sound",
            parameters: [pathParam("soundId", "Sound's id")],
            errorResponses: [{ code: 404, reason: "Sound not found" }],
            handle: (req) => {
              const s = index.all().get(req.params.soundId ?? "");
              if (s === undefined) throw new AriError(404, "Sound not found");
              return { status: 200, body: s };
            },
          },
        ],
      },
    ],
  };
}
