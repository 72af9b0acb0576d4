/**
 * Originate: the PBX calls `Channel` and, once it answers, runs the dialplan on it from
 * Context/Exten/Priority or one Application(Data). As Asterisk's manager.c does it: `Async: true`
 * answers `Originate successfully queued` at once and reports the outcome later as an
 * OriginateResponse event (Reason 4 answered, 5 busy, 3 no answer, 8 congestion, 0 failed);
 * without Async the response waits for the outcome. Timeout is in milliseconds (default 30000);
 * Variable may repeat and each may hold several `name=value` separated by commas; the user's
 * manager.conf `setvar=` lines are set too. Application needs write class system as well as
 * originate when it is one that runs programs or reads files (System, Exec …), as in Asterisk.
 */
import { parseCallerIdAll } from "../../../pbx/funcs/callerid.js";
import type { OriginateOutcome, OriginateRequest, OriginateResult } from "../../../pbx/channel/originate.js";
import { failure, success, type AmiAction, type AmiFields } from "../ami-action.js";

export interface OriginateServices {
  originate: (req: OriginateRequest) => Promise<OriginateResult>;
  /** Broadcasts the OriginateResponse event (class call). */
  publish: (fields: AmiFields) => void;
}

/** OriginateResponse's Reason: Asterisk's AST_CONTROL codes for the outcome. */
export const ORIGINATE_REASON: Readonly<Record<OriginateOutcome, number>> = { answered: 4, busy: 5, "no-answer": 3, congestion: 8, failed: 0 };

/** Applications Asterisk lets only a user with write=system originate (they run programs or touch files). */
const SYSTEM_APPS = new Set(["system", "trysystem", "exec", "execif", "tryexec", "agi", "eagi", "deadagi", "externalivr", "mixmonitor"]);

function isTrue(v: string | undefined): boolean {
  return v !== undefined && /^(1|yes|true|y|t|on)$/i.test(v.trim());
}

export function originateAction(s: OriginateServices): AmiAction {
  return {
    name: "Originate",
    privilege: ["originate"],
    synopsis: "Originate a call.",
    async handle(req, caller) {
      const channel = req.get("Channel") ?? "";
      if (channel.length === 0) return failure("Channel not specified");
      if (!/^[A-Za-z0-9_]+\/.+/.test(channel)) return failure("Invalid channel");
      const app = req.get("Application") ?? "";
      const exten = req.get("Exten") ?? "";
      const context = req.get("Context") ?? "";
      const prioText = req.get("Priority") ?? "";
      if (app.length === 0 && exten.length === 0) return failure("Exten or Application is required");
      if (app.length > 0 && SYSTEM_APPS.has(app.toLowerCase()) && caller.user?.write.has("system") !== true) return failure("Originate with certain 'Application' arguments requires the additional System privilege");
      let priority = 1;
      if (app.length === 0 && prioText.length > 0) {
        if (!/^\d+$/.test(prioText) || Number(prioText) < 1) return failure("Invalid priority");
        priority = Number(prioText);
      }
      const timeoutText = req.get("Timeout");
      const timeoutMs = timeoutText !== undefined && /^\d+$/.test(timeoutText) ? Number(timeoutText) : 30000;
      const variables: Record<string, string> = {};
      for (const line of [...(caller.user?.setvar ?? []), ...req.getAll("Variable")]) {
        for (const pair of line.split(",")) {
          const eq = pair.indexOf("=");
          if (eq > 0) variables[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
        }
      }
      const cid = req.get("CallerID");
      const callerId = cid !== undefined && cid.length > 0 ? parseCallerIdAll(cid) : undefined;
      const account = req.get("Account");
      const channelId = req.get("ChannelId");
      const then = app.length > 0 ? { kind: "app" as const, app, data: req.get("Data") ?? "" } : { kind: "exten" as const, context: context.length > 0 ? context : "default", exten, priority };
      const request: OriginateRequest = {
        channel,
        timeoutMs,
        then,
        ...(callerId !== undefined ? { callerId: { num: callerId.num, name: callerId.name } } : {}),
        ...(Object.keys(variables).length > 0 ? { variables } : {}),
        ...(account !== undefined && account.length > 0 ? { account } : {}),
        ...(channelId !== undefined && channelId.length > 0 ? { channelId } : {}),
      };
      const actionId = req.get("ActionID");
      const report = (r: OriginateResult): void => {
        s.publish([
          ...(actionId !== undefined ? [["ActionID", actionId] as const] : []),
          ["Response", r.outcome === "answered" ? "Success" : "Failure"],
          ["Channel", r.channel ?? channel],
          ["Context", then.kind === "exten" ? then.context : ""],
          ["Exten", then.kind === "exten" ? then.exten : ""],
          ...(then.kind === "app" ? ([["Application", then.app], ["Data", then.data]] as const) : []),
          ["Reason", ORIGINATE_REASON[r.outcome]],
          ["Uniqueid", r.uniqueid ?? "<null>"],
          ["CallerIDNum", callerId?.num || "<unknown>"],
          ["CallerIDName", callerId?.name || "<unknown>"],
        ]);
      };
      if (isTrue(req.get("Async"))) {
        void s.originate(request).then(report, () => report({ outcome: "failed" }));
        return success("Originate successfully queued");
      }
      const r = await s.originate(request).catch((): OriginateResult => ({ outcome: "failed" }));
      return r.outcome === "answered" ? success("Originate successfully queued") : failure("Originate failed");
    },
  };
}

