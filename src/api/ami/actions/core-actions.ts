/**
 * The manager's own actions: Ping, Events, ListCommands, Command (a console command, its output
 * as `Output:` lines as Asterisk 14+ writes it, or with command_output = follows as Asterisk 13's
 * `Response: Follows` … `--END COMMAND--`), CoreSettings, CoreStatus, Reload and UserEvent.
 */
import type { CliResult } from "../../../cli/registry.js";
import { failure, success, type AmiAction, type AmiActionRegistry, type AmiFields } from "../ami-action.js";
import type { AmiSession } from "../ami-session.js";
import { AMI_VERSION } from "../ami-session.js";

export interface CoreActionServices {
  actions: AmiActionRegistry;
  execute(line: string): Promise<CliResult>;
  /** manager.conf command_output: Asterisk 14+'s `Output:` lines, or Asterisk 13's `Response: Follows`. */
  commandOutput: () => "output" | "follows";
  version: string;
  systemName: string;
  startedAt: () => number;
  reloadedAt: () => number;
  currentCalls: () => number;
  processedCalls: () => number;
  reload(module: string | undefined): Promise<string | undefined>;
  /** A UserEvent to every session that reads class user. */
  userEvent(fields: AmiFields): void;
  now: () => number;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** Asterisk's CoreStatus dates: `2026-12-07` and `05:40:40`, local time. */
function dateAndTime(ms: number): [string, string] {
  const d = new Date(ms);
  return [`${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`, `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`];
}

export function coreActions(s: CoreActionServices): AmiAction[] {
  return [
    {
      name: "Ping",
      privilege: [],
      synopsis: "Keepalive command.",
      handle() {
        const now = s.now();
        return { response: "Success", fields: [["Ping", "Pong"], ["Timestamp", `${Math.floor(now / 1000)}.${String((now % 1000) * 1000).padStart(6, "0")}`]] };
      },
    },
    {
      name: "Events",
      privilege: [],
      synopsis: "Control Event Flow.",
      handle(req, caller) {
        const session = caller as AmiSession;
        const mask = req.get("EventMask");
        if (mask === undefined) return failure("Missing EventMask");
        if (!session.setEventMask(mask)) return failure("Invalid event mask");
        return { response: "Success", fields: [["Events", session.eventsOn ? "On" : "Off"]] };
      },
    },
    {
      name: "ListCommands",
      privilege: [],
      synopsis: "List available manager commands.",
      handle() {
        const fields: AmiFields = s.actions.list().map((a) => [a.name, `${a.synopsis}  (Priv: ${a.privilege.length > 0 ? a.privilege.join(",") : "<none>"})`]);
        return { response: "Success", fields };
      },
    },
    {
      name: "Command",
      privilege: ["command"],
      synopsis: "Execute Asterisk CLI Command.",
      async handle(req) {
        const line = req.get("Command");
        if (line === undefined || line.length === 0) return failure("No command provided");
        const r = await s.execute(line);
        if (s.commandOutput() === "follows") return { response: "Follows", fields: [["Privilege", "Command"]], follows: r.output };
        const lines = r.output.replace(/\n$/, "").split("\n");
        const fields: AmiFields = [["Message", "Command output follows"], ...lines.map((l) => ["Output", l] as const)];
        return { response: r.ok ? "Success" : "Error", fields };
      },
    },
    {
      name: "CoreSettings",
      privilege: ["system", "reporting"],
      synopsis: "Show PBX core settings (version etc).",
      handle() {
        return success(undefined, [
          ["AMIversion", AMI_VERSION],
          ["AsteriskVersion", s.version],
          ["SystemName", s.systemName],
          ["CoreMaxCalls", 0],
          ["CoreMaxLoadAvg", "0.000000"],
          ["CoreRunUser", process.env.USER ?? ""],
          ["CoreRunGroup", ""],
          ["CoreMaxFilehandles", 0],
          ["CoreRealTimeEnabled", "No"],
          ["CoreCDRenabled", "No"],
          ["CoreHTTPenabled", "No"],
          ["SoundsSearchCustomDir", "No"],
        ]);
      },
    },
    {
      name: "CoreStatus",
      privilege: ["system", "reporting"],
      synopsis: "Show PBX core status variables.",
      handle() {
        const [sd, st] = dateAndTime(s.startedAt());
        const [rd, rt] = dateAndTime(s.reloadedAt());
        return success(undefined, [
          ["CoreStartupDate", sd],
          ["CoreStartupTime", st],
          ["CoreReloadDate", rd],
          ["CoreReloadTime", rt],
          ["CoreCurrentCalls", s.currentCalls()],
          ["CoreProcessedCalls", s.processedCalls()],
        ]);
      },
    },
    {
      name: "Reload",
      privilege: ["system", "config"],
      synopsis: "Send a reload event.",
      async handle(req) {
        const problem = await s.reload(req.get("Module"));
        return problem === undefined ? success("Module Reloaded") : failure(problem);
      },
    },
    {
      name: "UserEvent",
      privilege: ["user"],
      synopsis: "Send an arbitrary event.",
      handle(req) {
        const name = req.get("UserEvent");
        if (name === undefined || name.length === 0) return failure("Missing UserEvent");
        const rest: AmiFields = req.fields.filter(([k]) => !["action", "actionid", "userevent"].includes(k.toLowerCase()));
        s.userEvent([["UserEvent", name], ...rest]);
        return success(undefined);
      },
    },
  ];
}
