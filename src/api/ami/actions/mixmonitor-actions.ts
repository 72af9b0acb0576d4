/**
 * AMI `MixMonitor` and `StopMixMonitor` (class system; StopMixMonitor also call): wrappers of
 * pbx/mixmonitor/mixmonitor-actions.ts. `MixMonitor` answers `MixMonitorID`; `StopMixMonitor`
 * answers once the recording's files are closed.
 */
import { mixMonitorAction, stopMixMonitorAction, type MixMonitorActionDeps, type MixMonitorActionReply } from "../../../pbx/mixmonitor/mixmonitor-actions.js";
import { failure, success, type AmiAction, type AmiReply } from "../ami-action.js";

function reply(r: MixMonitorActionReply): AmiReply {
  if (!r.ok) return failure(r.message);
  return success(r.message.length > 0 ? r.message : undefined, r.fields ?? []);
}

export function mixMonitorActions(d: MixMonitorActionDeps): AmiAction[] {
  return [
    {
      name: "MixMonitor",
      privilege: ["system"],
      synopsis: "Record a call and mix the audio during the recording.",
      handle: (req) => reply(mixMonitorAction(d, (k) => req.get(k))),
    },
    {
      name: "StopMixMonitor",
      privilege: ["system", "call"],
      synopsis: "Stop recording a call through MixMonitor, and free the recording's file handle.",
      handle: async (req) => reply(await stopMixMonitorAction(d, (k) => req.get(k))),
    },
  ];
}
