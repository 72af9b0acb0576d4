/**
 * `pjsip show|list registrations`, `pjsip show registration <id>`, `pjsip send register|unregister
 * <id|*all>`, laid out as Asterisk's res_pjsip_outbound_registration prints them (reference §2.3):
 * ` <id>/<server_uri>` in 53 columns, the first outbound auth (or n/a) in 26, the status in 16,
 * then `(exp. Ns)`, or `(exp. Ns ago)` once the binding's time has passed.
 */
import type { Clock } from "../../core/clock.js";
import { CliUsageError, completeFrom, type CommandRegistrar } from "../../core/commands.js";
import { registrationSchema } from "../../config/pjsip/registration-schema.js";
import { byId, detail, filterLike, listing } from "../endpoint/cli-format.js";
import { objectRows } from "../endpoint/object-table.js";
import type { RegistrationClient } from "./registration-client.js";

const HEADER = [" <Registration/ServerURI..............................>  <Auth....................>  <Status.......>"];
const URI_FIELD = 53;

export function registrationRow(c: RegistrationClient, now: number): string {
  const cfg = c.config;
  const st = c.state();
  const width = Math.max(0, URI_FIELD - cfg.id.length);
  const uri = cfg.serverUri.slice(0, width).padEnd(width);
  const auth = (cfg.outboundAuth[0] ?? "n/a").padEnd(26);
  const secs = st.expiresAt !== undefined ? Math.trunc((st.expiresAt - now) / 1000) : 0;
  return ` ${cfg.id}/${uri}  ${auth}  ${st.status.padEnd(16)} (exp. ${Math.abs(secs)}s${secs < 0 ? " ago" : ""})`;
}

export interface RegistrationCommandDeps {
  clients: () => ReadonlyMap<string, RegistrationClient>;
  clock: Clock;
}

export function registerRegistrationCommands(registry: CommandRegistrar, deps: RegistrationCommandDeps): Array<() => void> {
  const sorted = (args: string[]) => filterLike(byId([...deps.clients().values()].map((c) => ({ id: c.id, c }))), args, (x) => x.id).map((x) => x.c);
  const rows = (args: string[]) => sorted(args).map((c) => [registrationRow(c, deps.clock.now())]);
  const ids = (word: string) => completeFrom([...deps.clients().keys()], word);
  const targets = (args: string[]): RegistrationClient[] | string => {
    const id = args[0];
    if (id === undefined || args.length > 1) throw new CliUsageError();
    if (id === "*all") return [...deps.clients().values()];
    const c = deps.clients().get(id);
    return c ? [c] : `Unable to retrieve registration ${id}\n`;
  };
  return [
    registry.register({
      command: "pjsip show registrations",
      summary: "List PJSIP Registrations",
      usage: "Usage: pjsip show registrations [like <pattern>]\n       List(detailed) the configured PJSIP Registrations.\n",
      handler: ({ args }) => listing(HEADER, rows(args), false),
    }),
    registry.register({
      command: "pjsip list registrations",
      summary: "List PJSIP Registrations",
      usage: "Usage: pjsip list registrations [like <pattern>]\n       List(summary) the configured PJSIP Registrations.\n",
      handler: ({ args }) => listing(HEADER, rows(args), false),
    }),
    registry.register({
      command: "pjsip show registration",
      summary: "Show PJSIP Registration(s) detail",
      usage: "Usage: pjsip show registration <id>\n       Show the details of one PJSIP registration.\n",
      complete: ({ args, word }) => (args.length === 0 ? ids(word) : []),
      handler: ({ args }) => {
        const id = args[0];
        if (id === undefined) throw new CliUsageError();
        const c = deps.clients().get(id);
        if (!c) return `Unable to find object ${id}.\n\n`;
        const st = c.state();
        const text = detail(HEADER, [registrationRow(c, deps.clock.now())], objectRows(registrationSchema, c.config));
        const why = [`Last response: ${st.lastResponse ?? "none yet"}`, `Reason: ${st.reason ?? "not tried yet"}`];
        if (st.nextAttemptAt !== undefined) why.push(`Next REGISTER in: ${Math.max(0, Math.ceil((st.nextAttemptAt - deps.clock.now()) / 1000))}s`);
        return `${text}${why.join("\n")}\n\n`;
      },
    }),
    registry.register({
      command: "pjsip send register",
      summary: "Registers an outbound registration target",
      usage: "Usage: pjsip send register <registration> | *all \n       Unregisters the specified (or all) outbound registration(s) then starts registration(s) and schedules re-registrations\n       according to configuration.\n",
      complete: ({ args, word }) => (args.length === 0 ? completeFrom(["*all", ...deps.clients().keys()], word) : []),
      handler: async ({ args }) => {
        const list = targets(args);
        if (typeof list === "string") return list;
        await Promise.all(list.map((c) => c.reregister()));
        return list.map((c) => `Registration '${c.id}': REGISTER sent to ${c.config.serverUri}\n`).join("");
      },
    }),
    registry.register({
      command: "pjsip send unregister",
      summary: "Unregisters outbound registration target",
      usage: "Usage: pjsip send unregister <registration> | *all\n       Unregisters the specified (or all) outbound registration(s) then stops registration attempts.\n       Use 'pjsip send register' to start them again.\n",
      complete: ({ args, word }) => (args.length === 0 ? completeFrom(["*all", ...deps.clients().keys()], word) : []),
      handler: async ({ args }) => {
        const list = targets(args);
        if (typeof list === "string") return list;
        await Promise.all(list.map((c) => c.unregister()));
        return list.map((c) => `Registration '${c.id}': ${c.state().status}\n`).join("");
      },
    }),
  ];
}
