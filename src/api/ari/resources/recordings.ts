/**
 * `/recordings`: live recordings (get, stop, cancel) and stored ones (list, get, file, copy,
 * delete), over recordings.ts. Pausing and muting a live recording are not implemented.
 */
import { AriError, pathParam, prop, queryParam, type AriModel, type AriReply, type AriResource } from "../ari-resource.js";
import type { AriServices } from "../ari-services.js";

export const RECORDING_MODELS: readonly AriModel[] = [
  {
    id: "StoredRecording",
    description: "A past recording that may be played back.",
    properties: { name: prop("string", ""), format: prop("string", "") },
  },
  {
    id: "LiveRecording",
    description: "A recording that is in progress",
    properties: {
      name: prop("string", "Base name for the recording"),
      format: prop("string", "Recording format (wav, gsm, etc.)"),
      target_uri: prop("string", "URI for the channel or bridge being recorded"),
      state: prop("string", "", true, ["queued", "recording", "paused", "done", "failed", "canceled"]),
      duration: prop("int", "Duration in seconds of the recording", false),
      talking_duration: prop("int", "Duration of talking, in seconds, detected in the recording.", false),
      silence_duration: prop("int", "Duration of silence, in seconds, detected in the recording.", false),
      cause: prop("string", "Cause for recording failure if failed", false),
    },
  },
];

export function recordingsResource(s: AriServices): AriResource {
  const name = pathParam("recordingName", "The name of the recording");
  const rn = (p: Readonly<Record<string, string>>): string => p.recordingName ?? "";
  return {
    name: "recordings",
    description: "Recording resources",
    models: RECORDING_MODELS,
    apis: [
      {
        path: "/recordings/stored",
        description: "Recordings",
        operations: [{ httpMethod: "GET", summary: "List recordings that are complete.", nickname: "listStored", responseClass: "List[StoredRecording]", parameters: [], handle: (): AriReply => ({ status: 200, body: s.recordings.stored() }) }],
      },
      {
        path: "/recordings/stored/{recordingName}",
        description: "Individual recording",
        operations: [
          { httpMethod: "GET", summary: "Get a stored recording's details.", nickname: "getStored", responseClass: "StoredRecording", parameters: [name], errorResponses: [{ code: 404, reason: "Recording not found" }], handle: (req): AriReply => { const r = s.recordings.storedOne(rn(req.params)); return { status: 200, body: { name: r.name, format: r.format } }; } },
          { httpMethod: "DELETE", summary: "Delete a stored recording.", nickname: "deleteStored", responseClass: "void", parameters: [name], errorResponses: [{ code: 404, reason: "Recording not found" }], handle: (req): AriReply => { s.recordings.remove(rn(req.params)); return { status: 204 }; } },
        ],
      },
      {
        path: "/recordings/stored/{recordingName}/file",
        description: "The actual file associated with the stored recording",
        operations: [{ httpMethod: "GET", summary: "Get the file associated with the stored recording.", nickname: "getStoredFile", responseClass: "binary", parameters: [name], errorResponses: [{ code: 404, reason: "Recording not found" }], handle: (req): AriReply => ({ status: 200, raw: s.recordings.file(rn(req.params)) }) }],
      },
      {
        path: "/recordings/stored/{recordingName}/copy",
        description: "Copy an individual recording",
        operations: [
          {
            httpMethod: "POST",
            summary: "Copy a stored recording.",
            nickname: "copyStored",
            responseClass: "StoredRecording",
            parameters: [name, queryParam("destinationRecordingName", "The destination name of the recording", { required: true })],
            errorResponses: [
              { code: 404, reason: "Recording not found" },
              { code: 409, reason: "A recording with the same name already exists on the system" },
            ],
            handle: (req): AriReply => {
              const to = req.query.get("destinationRecordingName") ?? "";
              if (to === "") throw new AriError(400, "missing required parameter destinationRecordingName");
              return { status: 200, body: s.recordings.copy(rn(req.params), to) };
            },
          },
        ],
      },
      {
        path: "/recordings/live/{recordingName}",
        description: "A recording that is in progress",
        operations: [
          {
            httpMethod: "GET",
            summary: "List live recordings.",
            nickname: "getLive",
            responseClass: "LiveRecording",
            parameters: [name],
            errorResponses: [{ code: 404, reason: "Recording not found" }],
            handle: (req): AriReply => {
              const r = s.recordings.getLive(rn(req.params));
              if (r === undefined) throw new AriError(404, "Recording not found");
              return { status: 200, body: r };
            },
          },
          { httpMethod: "DELETE", summary: "Stop a live recording and discard it.", nickname: "cancel", responseClass: "void", parameters: [name], errorResponses: [{ code: 404, reason: "Recording not found" }], handle: (req): AriReply => { s.recordings.cancel(rn(req.params)); return { status: 204 }; } },
        ],
      },
      {
        path: "/recordings/live/{recordingName}/stop",
        description: "Stop a live recording",
        operations: [{ httpMethod: "POST", summary: "Stop a live recording and store it.", nickname: "stop", responseClass: "void", parameters: [name], errorResponses: [{ code: 404, reason: "Recording not found" }], handle: (req): AriReply => { s.recordings.stop(rn(req.params)); return { status: 204 }; } }],
      },
    ],
  };
}
