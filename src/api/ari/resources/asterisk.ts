/**
 * `/asterisk`: what this system is (info: build, system, config, status) and `ping`. Modules,
 * logging channels, global variables and dynamic configuration are not implemented.
 */
import { arch, release, type as osType, userInfo } from "node:os";
import { packageVersion } from "../../../cli/version.js";
import { AriError, prop, queryParam, type AriModel, type AriResource } from "../ari-resource.js";
import type { AriServices } from "../ari-services.js";
import { ariTimestamp } from "../ari-time.js";

export const ASTERISK_MODELS: readonly AriModel[] = [
  {
    id: "BuildInfo",
    description: "Info about how Switchboard was built",
    properties: { os: prop("string", "OS Switchboard runs on."), kernel: prop("string", "Kernel version."), options: prop("string", "Compile time options, or empty string if default."), machine: prop("string", "Machine architecture."), date: prop("string", "Date and time when Switchboard was built."), user: prop("string", "Username that built Switchboard") },
  },
  { id: "SystemInfo", description: "Info about Switchboard", properties: { version: prop("string", "Switchboard's version"), entity_id: prop("string", "The system's entity id") } },
  { id: "SetId", description: "Effective user/group id", properties: { user: prop("string", "Effective user id."), group: prop("string", "Effective group id.") } },
  {
    id: "ConfigInfo",
    description: "Info about Switchboard configuration",
    properties: { name: prop("string", "Switchboard system name."), default_language: prop("string", "Default language for media playback."), setid: prop("SetId", "Effective user/group id for running Switchboard.") },
  },
  { id: "StatusInfo", description: "Info about Switchboard status", properties: { startup_time: prop("Date", "Time when Switchboard was started."), last_reload_time: prop("Date", "Time when Switchboard was last reloaded.") } },
  {
    id: "AsteriskInfo",
    description: "Switchboard system information",
    properties: { build: prop("BuildInfo", "Info about how Switchboard was built", false), system: prop("SystemInfo", "Info about Switchboard", false), config: prop("ConfigInfo", "Info about Switchboard configuration", false), status: prop("StatusInfo", "Info about Switchboard status", false) },
  },
  { id: "AsteriskPing", description: "Switchboard ping information", properties: { asterisk_id: prop("string", "Switchboard id info"), ping: prop("string", "Always string value is pong"), timestamp: prop("string", "The timestamp string of request received time") } },
];

const SECTIONS = ["build", "system", "config", "status"] as const;

export function asteriskResource(s: AriServices): AriResource {
  const info = (only: readonly string[]): Record<string, unknown> => {
    const user = userInfo();
    const all: Record<(typeof SECTIONS)[number], unknown> = {
      build: { os: osType(), kernel: release(), options: "", machine: arch(), date: "", user: "" },
      system: { version: packageVersion(), entity_id: s.asteriskId },
      config: { name: "", default_language: s.config().asterisk.options.defaultlanguage || "en", setid: { user: user.username, group: String(user.gid) } },
      status: { startup_time: ariTimestamp(s.state.startedAt), last_reload_time: ariTimestamp(s.state.lastReloadAt) },
    };
    return Object.fromEntries(SECTIONS.filter((k) => only.length === 0 || only.includes(k)).map((k) => [k, all[k]]));
  };
  return {
    name: "asterisk",
    description: "Asterisk resources",
    models: ASTERISK_MODELS,
    apis: [
      {
        path: "/asterisk/info",
        description: "Asterisk system information (similar to core show settings)",
        operations: [
          {
            httpMethod: "GET",
            summary: "Gets Switchboard system information.",
            nickname: "getInfo",
            responseClass: "AsteriskInfo",
            parameters: [queryParam("only", "Filter information returned", { allowMultiple: true, values: SECTIONS })],
            handle: (req) => {
              const only = req.query.getAll("only").flatMap((v) => v.split(",")).filter((v) => v !== "");
              const bad = only.find((o) => !(SECTIONS as readonly string[]).includes(o));
              if (bad !== undefined) throw new AriError(400, `Invalid value for only: ${bad.slice(0, 40)}`);
              return { status: 200, body: info(only) };
            },
          },
        ],
      },
      {
        path: "/asterisk/ping",
        description: "Asterisk ping",
        operations: [{ httpMethod: "GET", summary: "Response pong message.", nickname: "ping", responseClass: "AsteriskPing", parameters: [], handle: () => ({ status: 200, body: { asterisk_id: s.asteriskId, ping: "pong", timestamp: ariTimestamp(s.state.now()) } }) }],
      },
    ],
  };
}
