/**
 * One small, valid section per implemented pjsip.conf object type, with one option whose value
 * the test chooses, for the descriptor-driven load and reload tests.
 */
import type { PjsipConfigResult, PjsipObject, PjsipTypedObjects } from "../../../src/config/pjsip/pjsip-config.js";

export interface PjsipTypeCase {
  readonly type: string;
  readonly field: keyof PjsipTypedObjects;
  /** Section name of the object the case writes. */
  readonly id: string;
  /** Sections the object refers to, so the load has no cross-reference errors. */
  readonly prelude: string;
  /** The section, with `n` (1 to 9) written into its chosen option. */
  section(n: number): string;
  /** `n` read back from the loaded object. */
  read(object: PjsipObject): number;
}

const digit = (text: unknown): number => Number(/(\d)$/.exec(String(text))?.[1]);

export const PJSIP_TYPE_CASES: readonly PjsipTypeCase[] = [
  { type: "transport", field: "transports", id: "t1", prelude: "", section: (n) => `[t1]\ntype=transport\nbind=127.0.0.1:507${n}\n`, read: (o) => digit((o["bind"] as { port: number }).port) },
  { type: "endpoint", field: "endpoints", id: "e1", prelude: "", section: (n) => `[e1]\ntype=endpoint\ncontext=office${n}\n`, read: (o) => digit(o["context"]) },
  { type: "aor", field: "aors", id: "a1", prelude: "", section: (n) => `[a1]\ntype=aor\nmax_contacts=${n}\n`, read: (o) => digit(o["maxContacts"]) },
  { type: "auth", field: "auths", id: "u1", prelude: "", section: (n) => `[u1]\ntype=auth\nusername=alice${n}\npassword=secret\n`, read: (o) => digit(o["username"]) },
  {
    type: "identify",
    field: "identifies",
    id: "i1",
    prelude: "[e1]\ntype=endpoint\n",
    section: (n) => `[i1]\ntype=identify\nendpoint=e1\nmatch=192.0.2.${n}\n`,
    read: (o) => digit((o["match"] as Array<{ address: string }>)[0]?.address),
  },
  {
    type: "registration",
    field: "registrations",
    id: "r1",
    prelude: "",
    section: (n) => `[r1]\ntype=registration\nserver_uri=sip:provider.example\nclient_uri=sip:100${n}@provider.example\n`,
    read: (o) => digit(/(\d)@/.exec(String(o["clientUri"]))?.[1]),
  },
  { type: "global", field: "global", id: "global", prelude: "", section: (n) => `[global]\ntype=global\ndefault_realm=realm${n}\n`, read: (o) => digit(o["defaultRealm"]) },
  { type: "system", field: "system", id: "system", prelude: "", section: (n) => `[system]\ntype=system\ntimer_t1=${n}00\n`, read: (o) => Number(o["timerT1"]) / 100 },
];

/** The object with the case's id as the typed field shows it. */
export function typedFieldObject(cfg: PjsipConfigResult, c: PjsipTypeCase): unknown {
  const view: unknown = cfg[c.field];
  if (view instanceof Map) return view.get(c.id);
  if (Array.isArray(view)) return (view as PjsipObject[]).find((o) => o.id === c.id);
  return view;
}
