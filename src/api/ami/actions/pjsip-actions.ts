/**
 * PJSIP actions: PJSIPShowEndpoints (EndpointList events), PJSIPShowEndpoint (EndpointDetail,
 * then AuthDetail, AorDetail and ContactStatusDetail), PJSIPShowContacts (ContactList) and
 * PJSIPQualify. Object options are written as res_pjsip's AMI writes them: the option name in
 * CamelCase without underscores (`dtmf_mode` → `DtmfMode`), the value as the console shows it.
 */
import type { EndpointConfig } from "../../../config/index.js";
import { schemaForType } from "../../../config/pjsip/object-types.js";
import type { EndpointDirectory } from "../../../pbx/endpoint/directory.js";
import { objectRows } from "../../../pbx/endpoint/object-table.js";
import type { Qualifier } from "../../../pbx/registrar/qualify.js";
import type { ContactRecord, ContactStore } from "../../../pbx/registrar/store/contact-store.js";
import type { DeviceState } from "../../../pbx/events.js";
import { DEVICE_STATE_TEXT as DEVSTATE_TEXT } from "../../../pbx/channel/device-states.js";
import type { RegistrationClient } from "../../../pbx/outbound-registration/registration-client.js";
import { failure, listReply, success, type AmiAction, type AmiFields } from "../ami-action.js";

export interface PjsipActionServices {
  directory: () => EndpointDirectory;
  store: () => ContactStore;
  qualifier: () => Qualifier;
  /** The endpoint's device state (DeviceStates), and how many channels it has now. */
  deviceState: (endpoint: string) => DeviceState;
  activeChannels: (endpoint: string) => number;
  now: () => number;
  registrations: () => ReadonlyMap<string, RegistrationClient>;
}


/** `dtmf_mode` → `DtmfMode`, `100rel` → `100rel`. */
export function amiKey(option: string): string {
  return option
    .split("_")
    .map((w) => (w.length > 0 ? w[0]!.toUpperCase() + w.slice(1) : w))
    .join("");
}

function objectFields(type: string, obj: object): AmiFields {
  const schema = schemaForType(type);
  return schema === undefined ? [] : objectRows(schema, obj).map(([k, v]) => [amiKey(k), v] as const);
}

export function pjsipActions(s: PjsipActionServices): AmiAction[] {
  const live = (aor?: string): ContactRecord[] => s.store().list(aor).filter((c) => c.expiresAt > s.now());
  const reachable = (ep: EndpointConfig): boolean => {
    const dir = s.directory();
    return ep.aors.some((a) => live(a).some((c) => s.qualifier().state(c).status !== "Unreachable") || (dir.aors.get(a)?.contact.length ?? 0) > 0);
  };
  const deviceText = (ep: EndpointConfig): string => {
    const d = s.deviceState(ep.id);
    if (d === "NOT_INUSE" || d === "UNKNOWN") return reachable(ep) ? DEVSTATE_TEXT.NOT_INUSE : DEVSTATE_TEXT.UNAVAILABLE;
    return DEVSTATE_TEXT[d];
  };
  const contactsText = (ep: EndpointConfig): string =>
    ep.aors
      .flatMap((a) => live(a).map((c) => `${a}/${c.uri}`))
      .map((x) => `${x},`)
      .join("");
  const contactFields = (c: ContactRecord): AmiFields => {
    const st = s.qualifier().state(c);
    const aor = s.directory().aors.get(c.aor);
    return [
      ["ObjectType", "contact"],
      ["ObjectName", c.id],
      ["ViaAddr", c.viaAddr],
      ["ViaPort", c.viaPort],
      ["QualifyTimeout", aor?.qualifyTimeout ?? 3],
      ["CallId", c.callId],
      ["RegServer", c.regServer],
      ["PruneOnBoot", "no"],
      ["Path", c.path],
      ["Endpoint", c.endpoint],
      ["AuthenticateQualify", "no"],
      ["Uri", c.uri],
      ["QualifyFrequency", aor?.qualifyFrequency ?? 0],
      ["UserAgent", c.userAgent],
      ["ExpirationTime", Math.floor(c.expiresAt / 1000)],
      ["OutboundProxy", ""],
      ["Status", st.status],
      ["RoundtripUsec", st.rttUs ?? "N/A"],
    ];
  };

  return [
    {
      name: "PJSIPShowEndpoints",
      privilege: ["system"],
      synopsis: "Lists PJSIP endpoints.",
      handle() {
        const items = [...s.directory().endpoints.values()]
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((ep): AmiFields => [
            ["Event", "EndpointList"],
            ["ObjectType", "endpoint"],
            ["ObjectName", ep.id],
            ["Transport", ep.transport],
            ["Aor", ep.aors.join(",")],
            ["Auths", ep.auth.join(",")],
            ["OutboundAuths", ep.outboundAuth.join(",")],
            ["Contacts", contactsText(ep)],
            ["DeviceState", deviceText(ep)],
            ["ActiveChannels", s.activeChannels(ep.id) > 0 ? String(s.activeChannels(ep.id)) : ""],
          ]);
        if (items.length === 0) return failure("No endpoints found");
        return listReply("A listing of Endpoints follows, presented as EndpointList events", items, "EndpointListComplete");
      },
    },
    {
      name: "PJSIPShowEndpoint",
      privilege: ["system"],
      synopsis: "Detail listing of an endpoint and its objects.",
      handle(req) {
        const id = req.get("Endpoint");
        if (id === undefined || id.length === 0) return failure("Endpoint parameter missing.");
        const dir = s.directory();
        const ep = dir.endpoints.get(id);
        if (ep === undefined) return failure(`Unable to retrieve endpoint ${id}`);
        const items: AmiFields[] = [
          [["Event", "EndpointDetail"], ["ObjectType", "endpoint"], ["ObjectName", ep.id], ...objectFields("endpoint", ep), ["DeviceState", deviceText(ep)], ["ActiveChannels", s.activeChannels(ep.id) > 0 ? String(s.activeChannels(ep.id)) : ""]],
        ];
        for (const authId of ep.auth) {
          const auth = dir.auths.get(authId);
          if (auth !== undefined) items.push([["Event", "AuthDetail"], ["ObjectType", "auth"], ["ObjectName", authId], ...objectFields("auth", auth).filter(([k]) => k !== "Password" && k !== "Md5Cred"), ["EndpointName", ep.id]]);
        }
        for (const aorId of ep.aors) {
          const aor = dir.aors.get(aorId);
          if (aor === undefined) continue;
          const contacts = live(aorId);
          items.push([["Event", "AorDetail"], ["ObjectType", "aor"], ["ObjectName", aorId], ...objectFields("aor", aor), ["TotalContacts", contacts.length], ["ContactsRegistered", contacts.length], ["EndpointName", ep.id]]);
          for (const c of contacts) {
            const st = s.qualifier().state(c);
            items.push([["Event", "ContactStatusDetail"], ["AOR", aorId], ["URI", c.uri], ["UserAgent", c.userAgent], ["RegExpire", Math.floor(c.expiresAt / 1000)], ["ViaAddress", `${c.viaAddr}:${c.viaPort}`], ["CallID", c.callId], ["Status", st.status], ["RoundtripUsec", st.rttUs ?? "N/A"], ["EndpointName", ep.id], ["ID", c.id], ["AuthenticateQualify", "0"], ["OutboundProxy", ""], ["Path", c.path], ["QualifyFrequency", aor.qualifyFrequency], ["QualifyTimeout", aor.qualifyTimeout]]);
          }
        }
        return listReply("Following are Events for each object associated with the Endpoint", items, "EndpointDetailComplete");
      },
    },
    {
      name: "PJSIPShowContacts",
      privilege: ["system"],
      synopsis: "Lists PJSIP Contacts.",
      handle() {
        const items = live().map((c): AmiFields => [["Event", "ContactList"], ...contactFields(c)]);
        return listReply("A listing of Contacts follows, presented as ContactList events", items, "ContactListComplete");
      },
    },
    {
      name: "PJSIPShowRegistrationsOutbound",
      privilege: ["system"],
      synopsis: "Lists PJSIP outbound registrations.",
      handle() {
        let registered = 0;
        const items = [...s.registrations().values()]
          .sort((a, b) => a.id.localeCompare(b.id))
          .map((c): AmiFields => {
            const st = c.state();
            if (st.status === "Registered") registered++;
            const next = st.nextAttemptAt !== undefined ? Math.max(0, Math.round((st.nextAttemptAt - s.now()) / 1000)) : 0;
            return [["Event", "OutboundRegistrationDetail"], ["ObjectType", "registration"], ["ObjectName", c.id], ...objectFields("registration", c.config), ["Status", st.status], ["NextReg", next]];
          });
        return listReply("Following are Events for each Outbound registration", items, "OutboundRegistrationDetailComplete", [
          ["Registered", registered],
          ["NotRegistered", items.length - registered],
        ]);
      },
    },
    {
      name: "PJSIPQualify",
      privilege: ["system"],
      synopsis: "Qualify a chan_pjsip endpoint.",
      handle(req) {
        const id = req.get("Endpoint");
        if (id === undefined || id.length === 0) return failure("Endpoint parameter missing.");
        const ep = s.directory().endpoints.get(id);
        if (ep === undefined) return failure(`Unable to retrieve endpoint ${id}`);
        for (const a of ep.aors) {
          const aor = s.directory().aors.get(a);
          for (const c of live(a)) void s.qualifier().probe(c, aor?.qualifyTimeout ?? 3, false);
        }
        return success("Endpoint found, will qualify");
      },
    },
  ];
}
