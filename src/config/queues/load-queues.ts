/**
 * Loads queues.conf (optional): `[general]`, and every other section as a queue. `member =>`
 * lines become the queue's static members; joinempty/leavewhenempty become the member
 * conditions that count as "no one to take the call". A member line without an interface is an
 * error and left out.
 */
import { DiagnosticSink, type Diagnostic } from "../diagnostic.js";
import { visibleCategories, type ParsedConfig } from "../ini/types.js";
import { applyObject } from "../schema/apply.js";
import { queueSchema, queuesGeneralSchema, type QueueValues } from "./queues-schema.js";

/** What makes a member not count for joinempty/leavewhenempty (Asterisk's words). */
export const EMPTY_CONDITIONS = ["paused", "penalty", "inuse", "ringing", "unavailable", "invalid", "unknown", "wrapup"] as const;
export type EmptyCondition = (typeof EMPTY_CONDITIONS)[number];

export interface StaticMember {
  /** The device dialled: `PJSIP/2001`. */
  readonly interface: string;
  readonly penalty: number;
  /** The name shown (default: the interface). */
  readonly membername: string;
  /** The device whose state says whether the member is busy (default: the interface). */
  readonly stateInterface: string;
}

export interface QueueDefinition extends QueueValues {
  readonly name: string;
  readonly members: readonly StaticMember[];
  readonly joinEmptyConditions: ReadonlySet<EmptyCondition>;
  readonly leaveEmptyConditions: ReadonlySet<EmptyCondition>;
}

export interface QueuesConfig {
  readonly queues: ReadonlyMap<string, QueueDefinition>;
}

export interface QueuesConfigResult {
  readonly config: QueuesConfig;
  readonly diagnostics: Diagnostic[];
  readonly files: string[];
}

const STRICT: readonly EmptyCondition[] = ["penalty", "paused", "invalid", "unavailable"];
const LOOSE: readonly EmptyCondition[] = ["penalty", "invalid"];

/**
 * joinempty/leavewhenempty: `yes` means "join anyway" for joinempty but "leave" (strict) for
 * leavewhenempty; `no` the other way round; strict, loose, or a list of conditions.
 */
export function parseEmptyConditions(text: string, forJoin: boolean): Set<EmptyCondition> | string {
  const t = text.trim().toLowerCase();
  if (t === "yes") return new Set(forJoin ? [] : STRICT);
  if (t === "no" || t === "") return new Set(forJoin ? STRICT : []);
  if (t === "strict") return new Set(STRICT);
  if (t === "loose") return new Set(LOOSE);
  const out = new Set<EmptyCondition>();
  for (const w of t.split(",").map((s) => s.trim()).filter((s) => s.length > 0)) {
    if (!(EMPTY_CONDITIONS as readonly string[]).includes(w)) return `'${w}' is not one of yes, no, strict, loose, ${EMPTY_CONDITIONS.join(", ")}`;
    out.add(w as EmptyCondition);
  }
  return out;
}

/** `PJSIP/2001,1,Alice,PJSIP/2001` → the member; a string says what is wrong. */
export function parseMemberLine(text: string): StaticMember | string {
  const [iface = "", penalty = "", name = "", state = ""] = text.split(",").map((s) => s.trim());
  if (!/^[A-Za-z]+\/\S+$/.test(iface)) return `'${iface}' is not an interface like PJSIP/2001`;
  if (penalty !== "" && !/^\d+$/.test(penalty)) return `penalty '${penalty}' is not a number`;
  return { interface: iface, penalty: penalty === "" ? 0 : Number(penalty), membername: name || iface, stateInterface: state || iface };
}

export function buildQueuesConfig(parsed: ParsedConfig | undefined): QueuesConfigResult {
  const sink = new DiagnosticSink();
  const queues = new Map<string, QueueDefinition>();
  const seen = new Set<string>();
  if (parsed !== undefined) {
    sink.addAll(parsed.diagnostics);
    for (const category of visibleCategories(parsed)) {
      if (category.name === "general") {
        applyObject(queuesGeneralSchema, category, sink, { mode: "settings", notImplementedSeen: seen });
        continue;
      }
      const values = applyObject(queueSchema, category, sink, { mode: "settings", notImplementedSeen: seen }).values;
      const where = `queues.conf [${category.name}]`;
      const members: StaticMember[] = [];
      for (const line of values.member) {
        const m = parseMemberLine(line);
        if (typeof m === "string") sink.error(category.file, category.line, `${where}: member => ${line}: ${m}; the member is left out`);
        else if (!m.interface.toUpperCase().startsWith("PJSIP/")) sink.warning(category.file, category.line, `${where}: member ${m.interface}: only PJSIP/ members can be rung; the member is left out`);
        else members.push(m);
      }
      const empty = (option: "joinempty" | "leavewhenempty", forJoin: boolean): Set<EmptyCondition> => {
        const r = parseEmptyConditions(values[option], forJoin);
        if (typeof r !== "string") return r;
        sink.error(category.file, category.line, `${where}: ${option}=${values[option]}: ${r}; keeping ${forJoin ? "yes" : "no"}`);
        return new Set<EmptyCondition>();
      };
      queues.set(category.name, { ...values, name: category.name, members, joinEmptyConditions: empty("joinempty", true), leaveEmptyConditions: empty("leavewhenempty", false) });
    }
  }
  return { config: { queues }, diagnostics: sink.items, files: parsed?.files ?? [] };
}
