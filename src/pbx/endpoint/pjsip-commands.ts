/**
 * The `pjsip show|list …` console commands for the configuration objects and the contacts, in
 * Asterisk's layouts. The registrar's runtime state (contacts, qualify status) is read through
 * the store and the qualifier.
 */
import type { Clock } from "../../core/clock.js";
import { CliUsageError, completeFrom, type CommandRegistrar } from "../../core/commands.js";
import type { LoadedConfig } from "../../config/load-configuration.js";
import { schemaForType } from "../../config/pjsip/object-types.js";
import type { TransportSet } from "../../sip/transport/transport-set.js";
import type { EndpointConfig } from "../../config/pjsip/endpoint-schema.js";
import type { AorConfig } from "../../config/pjsip/aor-schema.js";
import type { Qualifier } from "../registrar/qualify.js";
import type { ContactRecord, ContactStore } from "../registrar/store/contact-store.js";
import type { EndpointDirectory } from "./directory.js";
import type { DeviceState } from "../events.js";
import { DEVICE_STATE_TEXT } from "../channel/device-states.js";
import {
  STATUS_LABEL,
  aorRow,
  authRow,
  contactRow,
  detail,
  endpointRow,
  identifyRow,
  byId,
  escapeRegex,
  filterLike,
  listing,
  matchRow,
  transportRow,
} from "./cli-format.js";
import { objectRows, plainValueText } from "./object-table.js";

export interface PjsipCommandDeps {
  directory: () => EndpointDirectory;
  config: () => LoadedConfig;
  store: ContactStore;
  qualifier: Qualifier;
  transports: TransportSet;
  clock: Clock;
  /** The endpoint's device state from its channels (DeviceStates), and how many channels it has now. */
  devices?: { stateOf(endpoint: string): DeviceState; channelsOf(endpoint: string): number } | undefined;
  /** Only with the embedded default configuration. */
  defaultPasswords?: (() => { passwords: Record<string, string>; pins: Record<string, string> }) | undefined;
}

const ENDPOINT_HEADER = [
  " Endpoint:  <Endpoint/CID.....................................>  <State.....>  <Channels.>",
  "    I/OAuth:  <AuthId/UserName...........................................................>",
  "        Aor:  <Aor............................................>  <MaxContact>",
  "      Contact:  <Aor/ContactUri..........................> <Hash....> <Status> <RTT(ms)..>",
  "  Transport:  <TransportId........>  <Type>  <cos>  <tos>  <BindAddress..................>",
  "   Identify:  <Identify/Endpoint.........................................................>",
  "        Match:  <criteria.........................>",
  "    Channel:  <ChannelId......................................>  <State.....>  <Time.....>",
  "        Exten: <DialedExten...........>  CLCID: <ConnectedLineCID.......>",
];
const CONTACT_HEADER = ["  Contact:  <Aor/ContactUri..............................> <Hash....> <Status> <RTT(ms)..>"];
const AOR_HEADER = [
  "      Aor:  <Aor..............................................>  <MaxContact>",
  "    Contact:  <Aor/ContactUri............................> <Hash....> <Status> <RTT(ms)..>",
];
const AUTH_HEADER = ["  I/OAuth:  <AuthId/UserName.............................................................>"];
const TRANSPORT_HEADER = ["Transport:  <TransportId........>  <Type>  <cos>  <tos>  <BindAddress....................>"];
const IDENTIFY_HEADER = [" Identify:  <Identify/Endpoint...........................................................>", "      Match:  <criteria.........................>"];

/** `cid` number of `"Name" <1001>` */
function callerIdNumber(cid: string): string {
  const m = /<([^>]*)>/.exec(cid);
  return (m ? (m[1] ?? "") : cid.replace(/"[^"]*"/, "")).trim();
}

/** The parameter rows of one configured object; `values` overrides options with run-time state. */
function objectTable(type: string, obj: object, values: Readonly<Record<string, string>> = {}): Array<[string, string]> {
  const schema = schemaForType(type);
  return schema === undefined ? [] : objectRows(schema, obj, values);
}

export function registerPjsipCommands(registry: CommandRegistrar, deps: PjsipCommandDeps): () => void {
  const now = () => deps.clock.now();
  const liveContacts = (aor?: string): ContactRecord[] => deps.store.list(aor).filter((c) => c.expiresAt > now());
  const staticContacts = (aorId: string): string[] => deps.directory().aors.get(aorId)?.contact ?? [];

  const contactLine = (level: number, c: ContactRecord): string => {
    const st = deps.qualifier.state(c);
    const hash = (c.id.split(";@")[1] ?? "").slice(0, 10);
    const rtt = st.status === "Reachable" && st.rttUs !== undefined ? st.rttUs / 1000 : undefined;
    return contactRow(level, `${c.aor}/${c.uri}`, hash, STATUS_LABEL[st.status] ?? st.status, rtt);
  };
  const staticLine = (level: number, aorId: string, uri: string): string => contactRow(level, `${aorId}/${uri}`, "", "NonQual", undefined);

  const deviceState = (ep: EndpointConfig): string => {
    // As chan_pjsip: the channels' state (BUSY at device_state_busy_at) when it has any, else reachability.
    const inCalls = deps.devices?.stateOf(ep.id) ?? "NOT_INUSE";
    if (inCalls !== "NOT_INUSE") return DEVICE_STATE_TEXT[inCalls];
    const reachable = ep.aors.some((a) => liveContacts(a).some((c) => deps.qualifier.state(c).status !== "Unreachable") || staticContacts(a).length > 0);
    return DEVICE_STATE_TEXT[reachable ? "NOT_INUSE" : "UNAVAILABLE"];
  };

  const endpointBlock = (ep: EndpointConfig, withChildren: boolean): string[] => {
    const dir = deps.directory();
    const num = callerIdNumber(ep.callerid);
    const channels = `${deps.devices?.channelsOf(ep.id) ?? 0} of ${ep.deviceStateBusyAt > 0 ? ep.deviceStateBusyAt : "inf"}`;
    const lines = [endpointRow(0, num ? `${ep.id}/${num}` : ep.id, deviceState(ep), channels)];
    if (!withChildren) return lines;
    for (const id of ep.auth) lines.push(authRow(1, "InAuth", `${id}/${dir.auths.get(id)?.username ?? ""}`));
    for (const id of ep.outboundAuth) lines.push(authRow(1, "OutAuth", `${id}/${dir.auths.get(id)?.username ?? ""}`));
    for (const aorId of ep.aors) {
      const aor = dir.aors.get(aorId);
      if (!aor) continue;
      lines.push(aorRow(1, aorId, aor.maxContacts));
      for (const c of liveContacts(aorId)) lines.push(contactLine(2, c));
      for (const u of staticContacts(aorId)) lines.push(staticLine(2, aorId, u));
    }
    const tr = ep.transport ? deps.config().pjsip.transports.find((t) => t.id === ep.transport) : undefined;
    if (tr) lines.push(transportRow(1, tr.id, tr.protocol, tr.cos, Number(tr.tos) || 0, plainValueText(tr.bind)));
    for (const idf of dir.identifies.filter((i) => i.endpoint === ep.id)) {
      lines.push(identifyRow(1, `${idf.id}/${idf.endpoint}`));
      for (const m of idf.match) lines.push(matchRow(2, plainValueText(m)));
    }
    return lines;
  };

  const endpointIds = () => [...deps.directory().endpoints.keys()];
  const need = (args: string[]): string => {
    const id = args[0];
    if (!id) throw new CliUsageError();
    return id;
  };
  const unregs: Array<() => void> = [];
  const reg = (c: Parameters<CommandRegistrar["register"]>[0]) => unregs.push(registry.register(c));

  reg({
    command: "pjsip show endpoints",
    summary: "List PJSIP Endpoints",
    usage: "Usage: pjsip show endpoints [like <pattern>]\n       List(detailed) the configured PJSIP Endpoints.\n",
    handler: ({ args }) => listing(ENDPOINT_HEADER, filterLike(byId([...deps.directory().endpoints.values()]), args, (e) => e.id).map((e) => endpointBlock(e, true)), true),
  });
  reg({
    command: "pjsip list endpoints",
    summary: "List PJSIP Endpoints",
    usage: "Usage: pjsip list endpoints [like <pattern>]\n       List(summary) the configured PJSIP Endpoints.\n",
    handler: ({ args }) => listing([ENDPOINT_HEADER[0] ?? ""], filterLike(byId([...deps.directory().endpoints.values()]), args, (e) => e.id).map((e) => endpointBlock(e, false)), false),
  });
  reg({
    command: "pjsip show endpoint",
    summary: "Show PJSIP Endpoint(s) detail",
    usage: "Usage: pjsip show endpoint <id>\n       Show the details of one PJSIP endpoint.\n",
    complete: ({ args, word }) => (args.length === 0 ? completeFrom(endpointIds(), word) : []),
    handler: ({ args }) => {
      const id = need(args);
      const ep = deps.directory().endpoint(id);
      if (!ep) return `Unable to find object ${id}.\n\n`;
      return detail(ENDPOINT_HEADER, endpointBlock(ep, true), objectTable("endpoint", ep));
    },
  });
  const contactsHandler = ({ args }: { args: string[] }) => {
    const blocks: string[][] = [];
    const dir = deps.directory();
    for (const c of filterLike(liveContacts(), args, (c) => `${c.aor}/${c.uri}`)) blocks.push([contactLine(0, c)]);
    const statics = [...dir.aors.values()].flatMap((aor) => aor.contact.map((u) => ({ aor: aor.id, uri: u })));
    for (const c of filterLike(statics, args, (x) => `${x.aor}/${x.uri}`)) blocks.push([staticLine(0, c.aor, c.uri)]);
    return listing(CONTACT_HEADER, blocks, false);
  };
  reg({ command: "pjsip show contacts", summary: "List PJSIP Contacts", usage: "Usage: pjsip show contacts [like <pattern>]\n       List(detailed) the PJSIP Contacts.\n", handler: contactsHandler });
  reg({ command: "pjsip list contacts", summary: "List PJSIP Contacts", usage: "Usage: pjsip list contacts [like <pattern>]\n       List(summary) the PJSIP Contacts.\n", handler: contactsHandler });
  reg({
    command: "pjsip show contact",
    summary: "Show PJSIP Contact(s) detail",
    usage: "Usage: pjsip show contact <aor/uri>\n       Show the details of one contact (as listed by 'pjsip show contacts').\n",
    handler: ({ args }) => {
      const id = need(args);
      const c = liveContacts().find((x) => `${x.aor}/${x.uri}` === id || x.id === id || x.aor === id);
      if (!c) return `Unable to find object ${id}.\n\n`;
      const st = deps.qualifier.state(c);
      const rows: Array<[string, string]> = [
        ["aor", c.aor],
        ["call_id", c.callId],
        ["endpoint", c.endpoint],
        ["expiration_time", String(Math.round(c.expiresAt / 1000))],
        ["id", c.id],
        ["path", c.path],
        ["qualify_status", st.status],
        ["reg_server", c.regServer],
        ["source_address", `${c.sourceAddress}:${c.sourcePort}/${c.transport}`],
        ["uri", c.uri],
        ["user_agent", c.userAgent],
        ["via_addr", c.viaAddr],
        ["via_port", String(c.viaPort)],
      ];
      return detail(CONTACT_HEADER, [contactLine(0, c)], rows);
    },
  });
  const aorBlock = (aor: AorConfig): string[] => [
    aorRow(0, aor.id, aor.maxContacts),
    ...liveContacts(aor.id).map((c) => contactLine(1, c)),
    ...aor.contact.map((u) => staticLine(1, aor.id, u)),
  ];
  const aorBlocks = (args: string[]) => filterLike(byId([...deps.directory().aors.values()]), args, (a) => a.id).map(aorBlock);
  reg({ command: "pjsip show aors", summary: "List PJSIP Aors", usage: "Usage: pjsip show aors [like <pattern>]\n       List(detailed) the configured PJSIP Aors.\n", handler: ({ args }) => listing(AOR_HEADER, aorBlocks(args), true) });
  reg({ command: "pjsip list aors", summary: "List PJSIP Aors", usage: "Usage: pjsip list aors [like <pattern>]\n       List(summary) the configured PJSIP Aors.\n", handler: ({ args }) => listing([AOR_HEADER[0] ?? ""], aorBlocks(args).map((b) => b.slice(0, 1)), false) });
  reg({
    command: "pjsip show aor",
    summary: "Show PJSIP Aor(s) detail",
    usage: "Usage: pjsip show aor <id>\n       Show the details of one PJSIP AOR.\n",
    complete: ({ args, word }) => (args.length === 0 ? completeFrom(deps.directory().aors.keys(), word) : []),
    handler: ({ args }) => {
      const id = need(args);
      const aor = deps.directory().aors.get(id);
      if (!aor) return `Unable to find object ${id}.\n\n`;
      // Asterisk's `contact` lists what the aor can be reached at: the registered contacts too.
      const contacts = [...liveContacts(aor.id).map((c) => c.uri), ...aor.contact];
      return detail(AOR_HEADER, aorBlock(aor), objectTable("aor", aor, { contact: contacts.join(",") }));
    },
  });
  const authBlocks = (args: string[]) => filterLike(byId([...deps.directory().auths.values()]), args, (a) => a.id).map((a) => [authRow(0, "Auth", `${a.id}/${a.username}`)]);
  reg({ command: "pjsip show auths", summary: "List PJSIP Auths", usage: "Usage: pjsip show auths [like <pattern>]\n       List(detailed) the configured PJSIP Auths.\n", handler: ({ args }) => listing(AUTH_HEADER, authBlocks(args), false) });
  reg({ command: "pjsip list auths", summary: "List PJSIP Auths", usage: "Usage: pjsip list auths [like <pattern>]\n       List(summary) the configured PJSIP Auths.\n", handler: ({ args }) => listing(AUTH_HEADER, authBlocks(args), false) });
  reg({
    command: "pjsip show auth",
    summary: "Show PJSIP Auth(s) detail",
    usage: "Usage: pjsip show auth <id>\n       Show the details of one PJSIP auth (passwords are hidden).\n",
    complete: ({ args, word }) => (args.length === 0 ? completeFrom(deps.directory().auths.keys(), word) : []),
    handler: ({ args }) => {
      const id = need(args);
      const a = deps.directory().auths.get(id);
      if (!a) return `Unable to find object ${id}.\n\n`;
      return detail(AUTH_HEADER, [authRow(0, "Auth", `${a.id}/${a.username}`)], objectTable("auth", a));
    },
  });
  const transportBlocks = (args: string[]) =>
    filterLike(byId([...deps.config().pjsip.transports]), args, (t) => t.id).map((t) => {
      const live = deps.transports.byId(t.id);
      return [transportRow(0, t.id, t.protocol, t.cos, Number(t.tos) || 0, live ? live.dump().bind : plainValueText(t.bind))];
    });
  reg({ command: "pjsip show transports", summary: "List PJSIP Transports", usage: "Usage: pjsip show transports [like <pattern>]\n       List(detailed) the configured PJSIP Transports.\n", handler: ({ args }) => listing(TRANSPORT_HEADER, transportBlocks(args), false) });
  reg({ command: "pjsip list transports", summary: "List PJSIP Transports", usage: "Usage: pjsip list transports [like <pattern>]\n       List(summary) the configured PJSIP Transports.\n", handler: ({ args }) => listing(TRANSPORT_HEADER, transportBlocks(args), false) });
  reg({
    command: "pjsip show transport",
    summary: "Show PJSIP Transport(s) detail",
    usage: "Usage: pjsip show transport <id>\n       Show the details of one PJSIP transport.\n",
    complete: ({ args, word }) => (args.length === 0 ? completeFrom(deps.config().pjsip.transports.map((t) => t.id), word) : []),
    handler: ({ args }) => {
      const id = need(args);
      const t = deps.config().pjsip.transports.find((x) => x.id === id);
      if (!t) return `Unable to find object ${id}.\n\n`;
      return detail(TRANSPORT_HEADER, transportBlocks(["like", `^${escapeRegex(id)}$`])[0] ?? [], objectTable("transport", t));
    },
  });
  const identifyBlocks = (args: string[]) =>
    filterLike([...deps.directory().identifies], args, (i) => i.id).map((i) => [identifyRow(0, `${i.id}/${i.endpoint}`), ...i.match.map((m) => matchRow(1, plainValueText(m)))]);
  reg({ command: "pjsip show identifies", summary: "List PJSIP Identifies", usage: "Usage: pjsip show identifies [like <pattern>]\n       List(detailed) the configured PJSIP Identifies.\n", handler: ({ args }) => listing(IDENTIFY_HEADER, identifyBlocks(args), true) });
  reg({ command: "pjsip list identifies", summary: "List PJSIP Identifies", usage: "Usage: pjsip list identifies [like <pattern>]\n       List(summary) the configured PJSIP Identifies.\n", handler: ({ args }) => listing([IDENTIFY_HEADER[0] ?? ""], identifyBlocks(args).map((b) => b.slice(0, 1)), false) });
  reg({
    command: "pjsip show identify",
    summary: "Show PJSIP Identify(s) detail",
    usage: "Usage: pjsip show identify <id>\n       Show the details of one PJSIP identify.\n",
    handler: ({ args }) => {
      const id = need(args);
      const i = deps.directory().identifies.find((x) => x.id === id);
      if (!i) return `Unable to find object ${id}.\n\n`;
      return detail(IDENTIFY_HEADER, identifyBlocks(["like", `^${escapeRegex(id)}$`])[0] ?? [], objectTable("identify", i));
    },
  });
  reg({
    command: "pjsip qualify",
    summary: "Send an OPTIONS request to a PJSIP endpoint",
    usage: "Usage: pjsip qualify <endpoint>\n       Send a SIP OPTIONS request to all contacts on the endpoint.\n",
    complete: ({ args, word }) => (args.length === 0 ? completeFrom(endpointIds(), word) : []),
    handler: async ({ args }) => {
      const id = need(args);
      const ep = deps.directory().endpoint(id);
      if (!ep) return `Unable to retrieve endpoint ${id}\n`;
      const out: string[] = [];
      for (const aorId of ep.aors) {
        const aor = deps.directory().aors.get(aorId);
        for (const c of liveContacts(aorId)) {
          const st = await deps.qualifier.probe(c, aor?.qualifyTimeout ?? 3, false);
          out.push(`Contact ${c.aor}/${c.uri}: ${st.status}${st.rttUs !== undefined ? ` (RTT ${(st.rttUs / 1000).toFixed(3)} msec)` : ""}`);
        }
      }
      return (out.length ? out.join("\n") : `Endpoint ${id} has no contacts to qualify`) + "\n";
    },
  });
  const pw = deps.defaultPasswords;
  if (pw) {
    reg({
      command: "pjsip show default-passwords",
      summary: "Show the generated passwords of the embedded default endpoints",
      usage: "Usage: pjsip show default-passwords\n       Shows the passwords and voicemail PINs generated on first start for the embedded endpoints (stored in the data directory).\n",
      handler: () => {
        const { passwords, pins } = pw();
        const lines = ["Endpoint  Username  Password                  Voicemail PIN", "========  ========  ========================  ============="];
        for (const [ext, p] of Object.entries(passwords)) lines.push(`${ext.padEnd(8)}  ${ext.padEnd(8)}  ${p.padEnd(24)}  ${pins[ext] ?? ""}`);
        return lines.join("\n") + "\n";
      },
    });
  }
  return () => {
    for (const u of unregs.splice(0)) u();
  };
}
