/**
 * `/deviceStates`: the state of any device (`PJSIP/1001`). The list holds the device states an
 * ARI application controls, and since setting them (PUT/DELETE) is not implemented it is empty.
 */
import { pathParam, prop, type AriModel, type AriResource } from "../ari-resource.js";
import type { AriServices } from "../ari-services.js";

const STATES = ["UNKNOWN", "NOT_INUSE", "INUSE", "BUSY", "INVALID", "UNAVAILABLE", "RINGING", "RINGINUSE", "ONHOLD"];

export const DEVICE_STATE_MODELS: readonly AriModel[] = [
  {
    id: "DeviceState",
    description: "Represents the state of a device.",
    properties: { name: prop("string", "Name of the device."), state: prop("string", "Device's state", true, STATES) },
  },
];

export function deviceStatesResource(s: AriServices): AriResource {
  return {
    name: "deviceStates",
    description: "Device state resources",
    models: DEVICE_STATE_MODELS,
    apis: [
      {
        path: "/deviceStates",
        description: "Device states",
        operations: [{ httpMethod: "GET", summary: "List all ARI controlled device states.", nickname: "list", responseClass: "List[DeviceState]", parameters: [], handle: () => ({ status: 200, body: [] }) }],
      },
      {
        path: "/deviceStates/{deviceName}",
        description: "Device state",
        operations: [
          {
            httpMethod: "GET",
            summary: "Retrieve the current state of a device.",
            nickname: "get",
            responseClass: "DeviceState",
            parameters: [pathParam("deviceName", "Name of the device")],
            handle: (req) => {
              const name = req.params.deviceName ?? "";
              return { status: 200, body: { name, state: s.state.deviceState(name) } };
            },
          },
        ],
      },
    ],
  };
}
