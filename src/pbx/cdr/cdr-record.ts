/**
 * One call detail record: party A (the channel the record is for), party B (the channel it
 * talked to, if any), where A was in the dialplan, and the times. Fields are read by the names
 * of Asterisk's CDR() function and Master.csv columns (clid, src, dst, dcontext, channel,
 * dstchannel, lastapp, lastdata, start, answer, end, duration, billsec, disposition, amaflags,
 * accountcode, peeraccount, uniqueid, linkedid, userfield, sequence).
 */

export type Disposition = "NO ANSWER" | "FAILED" | "BUSY" | "ANSWERED" | "CONGESTION";

/** The numbers CDR(disposition,u) gives (cdr.h's AST_CDR_* flags). */
const DISPOSITION_CODE: Readonly<Record<Disposition, number>> = { "NO ANSWER": 0, FAILED: 2, BUSY: 4, ANSWERED: 8, CONGESTION: 16 };

export const AMA_FLAGS = ["OMIT", "BILLING", "DOCUMENTATION"] as const;
export type AmaFlags = (typeof AMA_FLAGS)[number];

export interface PartyB {
  readonly channel: string;
  readonly uniqueid: string;
  readonly accountCode: string;
}

export class CdrRecord {
  channel: string;
  uniqueid: string;
  linkedid: string;
  callerIdNum: string;
  callerIdName: string;
  accountCode: string;
  dst: string;
  dcontext: string;
  lastapp = "";
  lastdata = "";
  b: PartyB | undefined;
  /** Epoch ms. */
  start: number;
  answer: number | undefined;
  end: number | undefined;
  /** Set by the Dial outcome; otherwise decided when the record is finished. */
  disposition: Disposition | undefined;
  /** Dial is done with party B (DialEnd seen). */
  dialDone = false;
  /** The bridge with party B is over (or it was never answered and is gone); nothing updates the record any more. */
  closed = false;
  /** Records of one parallel Dial share a group; at most one of them is answered. */
  group = 0;
  userfield = "";
  amaflags: AmaFlags = "DOCUMENTATION";
  disabled = false;
  /** Variables set with CDR(name)=value. */
  readonly vars = new Map<string, string>();
  sequence: number;

  constructor(a: { channel: string; uniqueid: string; linkedid: string; callerIdNum: string; callerIdName: string; accountCode: string; context: string; exten: string }, start: number, sequence: number) {
    this.channel = a.channel;
    this.uniqueid = a.uniqueid;
    this.linkedid = a.linkedid;
    this.callerIdNum = a.callerIdNum;
    this.callerIdName = a.callerIdName;
    this.accountCode = a.accountCode;
    this.dcontext = a.context;
    this.dst = a.exten;
    this.start = start;
    this.sequence = sequence;
  }

  /** A record that goes on from this one (a second Dial after a finished one): same party A, new times. */
  fork(now: number, answered: boolean, sequence: number): CdrRecord {
    const r = new CdrRecord({ channel: this.channel, uniqueid: this.uniqueid, linkedid: this.linkedid, callerIdNum: this.callerIdNum, callerIdName: this.callerIdName, accountCode: this.accountCode, context: this.dcontext, exten: this.dst }, now, sequence);
    r.lastapp = this.lastapp;
    r.lastdata = this.lastdata;
    r.userfield = this.userfield;
    r.amaflags = this.amaflags;
    r.disabled = this.disabled;
    for (const [k, v] of this.vars) r.vars.set(k, v);
    if (answered) r.answer = now;
    return r;
  }

  get clid(): string {
    if (this.callerIdName.length === 0) return this.callerIdNum;
    return `"${this.callerIdName}" <${this.callerIdNum}>`;
  }

  /** Whole seconds from start to end (to `now` while the call goes on). */
  duration(now: number): number {
    return Math.max(0, Math.floor(((this.end ?? now) - this.start) / 1000));
  }

  /**
   * Whole seconds from answer to end, 0 unanswered. With initiatedseconds half a second or more
   * left over counts as one more (Asterisk 12 and later).
   */
  billsec(now: number, initiatedSeconds = false): number {
    if (this.answer === undefined) return 0;
    const ms = Math.max(0, (this.end ?? now) - this.answer);
    const whole = Math.floor(ms / 1000);
    return initiatedSeconds && ms % 1000 >= 500 ? whole + 1 : whole;
  }

  /** Seconds with microseconds (CDR(duration,f)). */
  exactSeconds(from: number | undefined, now: number): string {
    if (from === undefined) return "0.000000";
    return (Math.max(0, (this.end ?? now) - from) / 1000).toFixed(6);
  }
}

/** How a Dial outcome reads as a disposition (congestion=yes keeps CONGESTION apart from FAILED). */
export function dispositionOfDial(status: string, congestion: boolean): Disposition | undefined {
  switch (status) {
    case "ANSWER":
      return "ANSWERED";
    case "BUSY":
      return "BUSY";
    case "NOANSWER":
    case "CANCEL":
      return "NO ANSWER";
    case "CONGESTION":
      return congestion ? "CONGESTION" : "FAILED";
    case "CHANUNAVAIL":
    case "DONTCALL":
    case "TORTURE":
    case "INVALIDARGS":
      return "FAILED";
    default:
      return undefined;
  }
}

/** The disposition of a record no Dial decided: answered, else what the hangup cause says. */
export function dispositionOfEnd(r: CdrRecord, cause: number | undefined, congestion: boolean): Disposition {
  if (r.answer !== undefined) return "ANSWERED";
  switch (cause) {
    case 17:
      return "BUSY";
    case 34:
    case 38:
    case 41:
    case 42:
      return congestion ? "CONGESTION" : "FAILED";
    case 16:
    case 18:
    case 19:
      return "NO ANSWER";
    default:
      return "FAILED";
  }
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** `YYYY-MM-DD HH:MM:SS` (strftime `%Y-%m-%d %T`), local or UTC; "" for no time. */
export function formatCdrTime(ms: number | undefined, utc = false): string {
  if (ms === undefined) return "";
  const d = new Date(ms);
  if (utc) return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Seconds since the epoch with microseconds, as CDR(start,u) gives them; "" for no time. */
function unparsedTime(ms: number | undefined): string {
  if (ms === undefined) return "";
  return `${Math.floor(ms / 1000)}.${pad((ms % 1000) * 1000, 6)}`;
}

export interface FieldOptions {
  readonly now: number;
  /** `u`: times as epoch seconds, disposition and amaflags as numbers. */
  readonly unparsed?: boolean;
  /** `f`: duration and billsec with microseconds. */
  readonly float?: boolean;
  readonly initiatedSeconds?: boolean;
  readonly utc?: boolean;
  /** The disposition when the record is still open (nothing decided yet). */
  readonly pendingDisposition?: Disposition;
}

/** The standard fields (CDR() names); undefined for a name that is not one (a CDR variable, then). */
export function readField(r: CdrRecord, name: string, o: FieldOptions): string | undefined {
  switch (name.toLowerCase()) {
    case "clid":
      return r.clid;
    case "src":
      return r.callerIdNum;
    case "dst":
      return r.dst;
    case "dcontext":
      return r.dcontext;
    case "channel":
      return r.channel;
    case "dstchannel":
      return r.b?.channel ?? "";
    case "lastapp":
      return r.lastapp;
    case "lastdata":
      return r.lastdata;
    case "start":
      return o.unparsed === true ? unparsedTime(r.start) : formatCdrTime(r.start, o.utc);
    case "answer":
      return o.unparsed === true ? unparsedTime(r.answer) : formatCdrTime(r.answer, o.utc);
    case "end":
      return o.unparsed === true ? unparsedTime(r.end) : formatCdrTime(r.end, o.utc);
    case "duration":
      return o.float === true ? r.exactSeconds(r.start, o.now) : String(r.duration(o.now));
    case "billsec":
      return o.float === true ? r.exactSeconds(r.answer, o.now) : String(r.billsec(o.now, o.initiatedSeconds));
    case "disposition": {
      const d = r.disposition ?? o.pendingDisposition ?? "NO ANSWER";
      return o.unparsed === true ? String(DISPOSITION_CODE[d]) : d;
    }
    case "amaflags":
      return o.unparsed === true ? String(AMA_FLAGS.indexOf(r.amaflags) + 1) : r.amaflags;
    case "accountcode":
      return r.accountCode;
    case "peeraccount":
      return r.b?.accountCode ?? "";
    case "uniqueid":
      return r.uniqueid;
    case "linkedid":
      return r.linkedid;
    case "userfield":
      return r.userfield;
    case "sequence":
      return String(r.sequence);
    default:
      return undefined;
  }
}

/** Fields only the CDR engine sets; CDR(name)= on them is refused. */
export const READ_ONLY_FIELDS: ReadonlySet<string> = new Set(["clid", "src", "dst", "dcontext", "channel", "dstchannel", "lastapp", "lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "uniqueid", "linkedid", "peeraccount", "sequence"]);
