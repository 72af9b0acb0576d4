/**
 * AMI's `MixMonitor` (Channel, File, options, Command) and `StopMixMonitor` (Channel,
 * MixMonitorID) actions: the same recordings as the applications, started and stopped on a live
 * channel from a manager session. The logic lives with the feature; api/ami/actions/
 * mixmonitor-actions.ts makes them AMI actions (pbx/ cannot import api/).
 *
 * A `File` left out falls back to the channel's `${MIXMONITOR_FILENAME}`, then (without r()/t())
 * to the channel's name with slashes made dashes, as Asterisk documents.
 */
import type { Logger } from "../../core/logger.js";
import type { DialplanChannel } from "../dialplan/channel.js";
import type { MixMonitors } from "./mixmonitor-apps.js";
import { parseOptionLetters } from "./mixmonitor-args.js";

/** What an action needs: the recordings, the dialplan side of a live channel by name or Uniqueid, a logger. */
export interface MixMonitorActionDeps {
  monitors: () => MixMonitors;
  channel: (name: string) => DialplanChannel | undefined;
  log: Logger;
}

/** An action's outcome, in the AMI module's reply shape (kept free of api/ imports: pbx is below api). */
export type MixMonitorActionReply = { ok: true; message: string; fields?: Array<readonly [string, string]> } | { ok: false; message: string };

export function mixMonitorAction(d: MixMonitorActionDeps, get: (key: string) => string | undefined): MixMonitorActionReply {
  const name = (get("Channel") ?? "").trim();
  if (name.length === 0) return { ok: false, message: "No channel specified" };
  const ch = d.channel(name);
  if (ch === undefined) return { ok: false, message: "No such channel" };
  const options = get("Options") ?? "";
  let file = (get("File") ?? "").trim();
  const flags = parseOptionLetters(options);
  if (file.length === 0) file = ch.vars.get("MIXMONITOR_FILENAME") ?? "";
  if (file.length === 0 && !flags.has("r") && !flags.has("t")) file = ch.name.replaceAll("/", "-");
  const id = d.monitors().start(ch, [file, options, get("Command") ?? ""], { log: d.log, setVar: (k, v) => ch.vars.set(k, v) });
  if (id === undefined) return { ok: false, message: "Could not start monitoring channel" };
  return { ok: true, message: "", fields: [["MixMonitorID", id]] };
}

export async function stopMixMonitorAction(d: MixMonitorActionDeps, get: (key: string) => string | undefined): Promise<MixMonitorActionReply> {
  const name = (get("Channel") ?? "").trim();
  if (name.length === 0) return { ok: false, message: "No channel specified" };
  const ch = d.channel(name);
  if (ch === undefined) return { ok: false, message: "No such channel" };
  const id = (get("MixMonitorID") ?? "").trim();
  const stopped = await d.monitors().stop(ch, id.length > 0 ? id : undefined);
  return stopped ? { ok: true, message: "Stopped MixMonitor on channel" } : { ok: false, message: "Could not stop MixMonitor" };
}
