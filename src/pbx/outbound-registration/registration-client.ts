/**
 * One outbound registration (`type=registration`): keeps our binding at the provider's registrar
 * alive (RFC 3261 §10.2) and says in one NOTICE per change of state why it changed.
 *
 *   start ──(random 0..max_random_initial_delay s)──► REGISTER
 *   2xx            → Registered; refresh 10 s before the granted expiry (half of it when short)
 *   401/407        → answered once per challenge with outbound_auth; a challenge to a REGISTER that
 *                    already carried credentials (and is not stale=true) is a refusal: Rejected, for
 *                    good with auth_rejection_permanent=yes, else retried after retry_interval
 *   423            → asked again at once with the registrar's Min-Expires (§10.3 step 7)
 *   403            → Rejected; again after forbidden_retry_interval, or stopped when it is 0
 *   408/480/5xx, no answer, transport error → Rejected; again after retry_interval (503: its
 *                    Retry-After), up to max_retries in a row, then stopped
 *   other ≥ 300    → Rejected; again after fatal_retry_interval, or stopped when it is 0
 *
 * Status words are Asterisk's: Unregistered, Registered, Rejected, Stopped.
 */
import type { Clock, TimerHandle } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { AuthConfig } from "../../config/pjsip/auth-schema.js";
import type { RegistrationConfig } from "../../config/pjsip/registration-schema.js";
import type { DigestChallenge } from "../../sip/auth/index.js";
import { resolveFlow } from "../outbound/request-builder.js";
import { challengesOf, credentialsFor, type CredentialsHeader } from "../outbound/outbound-credentials.js";
import type { SipResponse } from "../../sip/message/message.js";
import { initialCSeq, newCallId, newTag } from "../../sip/message/identifiers.js";
import { parseContactList, parseExpires, parseUri } from "../../sip/parser/index.js";
import type { ClientTransaction, ClientTransactionDelegate } from "../../sip/transaction/client-transaction.js";
import type { SipRequest } from "../../sip/message/message.js";
import type { TransportSet } from "../../sip/transport/transport-set.js";
import type { Flow } from "../../sip/transport/types.js";
import { buildRegister, contactUri } from "./register-request.js";

export type RegistrationStatus = "Unregistered" | "Registered" | "Rejected" | "Stopped";

export interface RegistrationClientDeps {
  transactions: { sendRequest(req: SipRequest, flow: Flow, delegate: ClientTransactionDelegate): ClientTransaction };
  transports: TransportSet;
  auth: (id: string) => AuthConfig | undefined;
  clock: Clock;
  log: Logger;
  userAgent: () => string;
  /** Host name → address (A/AAAA); IP literals are not looked up. */
  resolve: (host: string) => Promise<string>;
  /** 0 ≤ x < 1, for the initial delay. */
  random?: () => number;
  /** line=yes: the token of this registration's Contact (endpoint/line-tokens.ts). */
  lineToken?: (registrationId: string, endpoint: string) => string;
  /** Told each time the status changes (the Registry event). */
  onStatus?: (client: RegistrationClient, status: RegistrationStatus, reason: string) => void;
}

/** Responses after which the registrar may well accept us a little later (Asterisk's "temporal" ones). */
const TEMPORARY = new Set([408, 480, 500, 502, 503, 504]);
/** Challenges answered in a row with stale=true before we call it a refusal. */
const MAX_STALE_ANSWERS = 3;
/** How long `stop()` waits for the answer to its unregistering REGISTER. */
const STOP_WAIT_MS = 2000;

export interface RegistrationState {
  status: RegistrationStatus;
  /** When the binding expires (ms since the epoch), while Registered or after it was. */
  expiresAt?: number | undefined;
  /** The last final response (`200 OK`, `403 Forbidden`, `timeout`) and why the state is what it is. */
  lastResponse?: string | undefined;
  reason?: string | undefined;
  /** Failures in a row since the last success. */
  retries: number;
  /** When the next REGISTER goes out (ms since the epoch), if one is scheduled. */
  nextAttemptAt?: number | undefined;
}

export class RegistrationClient {
  private st: RegistrationState = { status: "Unregistered", retries: 0 };
  private timer: TimerHandle | undefined;
  private tx: ClientTransaction | undefined;
  private readonly callId = newCallId();
  private readonly fromTag = newTag();
  private cseq = initialCSeq();
  private requestedExpires: number;
  /** Bumped whenever an attempt is abandoned, so its late answers are ignored. */
  private generation = 0;
  private lastNotice = "";
  private unregisterWaiters: Array<() => void> = [];

  constructor(
    readonly config: RegistrationConfig,
    private readonly deps: RegistrationClientDeps,
  ) {
    this.requestedExpires = config.expiration;
  }

  get id(): string {
    return this.config.id;
  }

  state(): Readonly<RegistrationState> {
    return this.st;
  }

  /** Starts registering, after max_random_initial_delay's random wait unless `now`. */
  start(now = false): void {
    this.cancel();
    const delay = now ? 0 : Math.floor((this.deps.random ?? Math.random)() * this.config.maxRandomInitialDelay * 1000);
    this.schedule(delay);
  }

  /** `pjsip send register`: unregisters (when registered) and registers again at once. */
  async reregister(): Promise<void> {
    if (this.st.status === "Registered") await this.unregister();
    this.st.retries = 0;
    this.requestedExpires = this.config.expiration;
    this.start(true);
  }

  /** `pjsip send unregister` and stop: Expires 0 for our binding; no further attempts. */
  unregister(): Promise<void> {
    const wasRegistered = this.st.status === "Registered";
    this.cancel();
    if (!wasRegistered) {
      this.setStatus("Unregistered", "not registering (unregistered from the console or stopped)", "verbose");
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.unregisterWaiters.push(resolve);
      void this.send(0, undefined, 0);
    });
  }

  /** Unregisters (waiting at most 2 s for the registrar) and stops for good. */
  async stop(): Promise<void> {
    if (this.st.status === "Registered") {
      let timer: TimerHandle | undefined;
      await Promise.race([this.unregister(), new Promise<void>((r) => (timer = this.deps.clock.setTimeout(r, STOP_WAIT_MS)))]);
      timer?.cancel();
    }
    this.cancel();
    this.st.status = "Stopped";
  }

  private cancel(): void {
    this.generation++;
    this.timer?.cancel();
    this.timer = undefined;
    this.st.nextAttemptAt = undefined;
    this.tx?.close();
    this.tx = undefined;
  }

  private schedule(delayMs: number): void {
    this.timer?.cancel();
    this.st.nextAttemptAt = this.deps.clock.now() + delayMs;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      this.st.nextAttemptAt = undefined;
      void this.send(this.requestedExpires, undefined, 0);
    }, delayMs);
  }

  /** Where the REGISTER goes: the outbound proxy if any, else the registrar (RFC 3263 without SRV: A/AAAA of the host). */
  /** The `line` parameter of our Contact, with line=yes. */
  private line(): string | undefined {
    const c = this.config;
    return c.lineParam && this.deps.lineToken ? this.deps.lineToken(c.id, c.endpoint) : undefined;
  }

  private async flow(): Promise<Flow | string> {
    const c = this.config;
    return resolveFlow(c.outboundProxy !== "" ? c.outboundProxy : c.serverUri, c.transport, this.deps.transports, this.deps.resolve);
  }

  private async send(expires: number, credentials: { header: "Authorization" | "Proxy-Authorization"; value: string } | undefined, staleAnswers: number): Promise<void> {
    const generation = ++this.generation;
    const flow = await this.flow();
    if (generation !== this.generation) return;
    if (typeof flow === "string") {
      this.failed(expires, "no route", `the REGISTER cannot be sent: ${flow}`, "temporary");
      return;
    }
    const c = this.config;
    const route = c.outboundProxy !== "" ? (c.outboundProxy.startsWith("<") ? c.outboundProxy : `<${c.outboundProxy}>`) : undefined;
    const req = buildRegister(
      {
        serverUri: c.serverUri,
        clientUri: c.clientUri,
        contactUser: c.contactUser !== "" ? c.contactUser : "s",
        line: this.line(),
        contactHeaderParams: c.contactHeaderParams,
        route,
        supportPath: c.supportPath,
        expires,
        callId: this.callId,
        cseq: this.cseq++,
        fromTag: this.fromTag,
        userAgent: this.deps.userAgent(),
        credentials,
      },
      flow,
    );
    const ours = contactUri(flow, c.contactUser !== "" ? c.contactUser : "s", this.line());
    this.tx = this.deps.transactions.sendRequest(req, flow, {
      onResponse: (res) => {
        if (res.status < 200 || generation !== this.generation) return;
        this.tx = undefined;
        this.onFinal(res, expires, credentials !== undefined, staleAnswers, ours);
      },
      onTimeout: () => {
        if (generation !== this.generation) return;
        this.tx = undefined;
        this.failed(expires, "timeout", `no answer from ${describeFlow(flow)}`, "temporary");
      },
      onTransportError: (err) => {
        if (generation !== this.generation) return;
        this.tx = undefined;
        this.failed(expires, "transport error", `cannot send to ${describeFlow(flow)} (${err instanceof Error ? err.message : String(err)})`, "temporary");
      },
    });
  }

  private onFinal(res: SipResponse, expires: number, hadCredentials: boolean, staleAnswers: number, ours: string): void {
    const c = this.config;
    const line = `${res.status} ${res.reason}`;
    if (res.status >= 200 && res.status < 300) {
      this.st.lastResponse = line;
      if (expires === 0) return this.unregistered();
      const granted = grantedExpires(res, ours) ?? expires;
      if (granted === 0) {
        this.failed(expires, line, `the registrar answered ${line} but granted our Contact no lifetime (expires=0)`, "temporary");
        return;
      }
      this.st.retries = 0;
      this.st.expiresAt = this.deps.clock.now() + granted * 1000;
      this.setStatus("Registered", `${line} from ${c.serverUri}; expires in ${granted} s`, "notice");
      this.schedule((granted > 20 ? granted - 10 : Math.max(1, Math.floor(granted / 2))) * 1000);
      return;
    }
    if (res.status === 401 || res.status === 407) {
      const { challenge, header } = challengesOf(res);
      if (hadCredentials && !(challenge?.stale === true && staleAnswers < MAX_STALE_ANSWERS)) {
        const auth = c.outboundAuth.join(",");
        const why = `the registrar refused our credentials (${line} again after auth '${auth}' answered its challenge): check username and password in auth '${auth}'`;
        this.failed(expires, line, why, c.authRejectionPermanent ? "permanent" : "temporary", "auth_rejection_permanent=yes");
        return;
      }
      if (!challenge) {
        this.failed(expires, line, `${line} without a Digest challenge we can answer (MD5, SHA-256 or SHA-512-256 with qop=auth or none)`, "fatal");
        return;
      }
      const creds = this.credentialsFor(challenge, header);
      if (typeof creds === "string") {
        this.failed(expires, line, creds, "permanent", "");
        return;
      }
      void this.send(expires, creds, challenge.stale ? staleAnswers + 1 : staleAnswers);
      return;
    }
    if (res.status === 423) {
      const min = parseExpires(res.headers.get("Min-Expires") ?? "");
      if (min !== undefined && min > expires) {
        this.deps.log.verbose(3, { registration: c.id }, `Registration '${c.id}': 423 Interval Too Brief from ${c.serverUri}; asking again with expires ${min} (the registrar's Min-Expires)`);
        this.requestedExpires = min;
        void this.send(min, undefined, 0);
        return;
      }
      this.failed(expires, line, `${line} without a usable Min-Expires larger than ${expires}`, "fatal");
      return;
    }
    if (res.status === 403) {
      const auth = c.outboundAuth.length > 0 ? `check username and password in auth '${c.outboundAuth.join(",")}' and client_uri ${c.clientUri}` : `check client_uri ${c.clientUri}; the registrar may want credentials (outbound_auth=)`;
      this.failed(expires, line, `${line} from the provider: ${auth}`, "forbidden");
      return;
    }
    if (TEMPORARY.has(res.status)) {
      const retryAfter = res.status === 503 ? parseExpires((res.headers.get("Retry-After") ?? "").split(/[;(\s]/)[0] ?? "") : undefined;
      this.failed(expires, line, `${line} from ${c.serverUri}`, "temporary", undefined, retryAfter);
      return;
    }
    this.failed(expires, line, `${line} from ${c.serverUri}`, "fatal");
  }

  private credentialsFor(challenge: DigestChallenge, header: CredentialsHeader): { header: CredentialsHeader; value: string } | string {
    const c = this.config;
    return credentialsFor({ challenge, header, authIds: c.outboundAuth, auth: this.deps.auth, method: "REGISTER", uri: c.serverUri, owner: `registration '${c.id}'`, peer: "the registrar" });
  }

  private unregistered(): void {
    this.st.expiresAt = undefined;
    this.setStatus("Unregistered", `unregistered from ${this.config.serverUri}`, "notice");
    this.wakeUnregisterWaiters();
  }

  private wakeUnregisterWaiters(): void {
    const w = this.unregisterWaiters;
    this.unregisterWaiters = [];
    for (const r of w) r();
  }

  /**
   * A failed attempt. `kind` picks the retry interval: temporary → retry_interval (limited by
   * max_retries), forbidden → forbidden_retry_interval, fatal → fatal_retry_interval, permanent →
   * none (`permanentBecause` names the option that made it so).
   */
  private failed(expires: number, response: string, why: string, kind: "temporary" | "forbidden" | "fatal" | "permanent", permanentBecause?: string, retryAfter?: number): void {
    const c = this.config;
    this.st.lastResponse = response;
    if (expires === 0) {
      // The unregistering REGISTER failed: the binding expires on its own.
      this.st.expiresAt = undefined;
      this.setStatus("Unregistered", `unregistering failed (${why}); the provider drops the binding when it expires`, "notice");
      this.wakeUnregisterWaiters();
      return;
    }
    this.st.expiresAt = undefined;
    const interval = kind === "temporary" ? (retryAfter ?? c.retryInterval) : kind === "forbidden" ? c.forbiddenRetryInterval : kind === "fatal" ? c.fatalRetryInterval : 0;
    const option = kind === "temporary" ? "retry_interval" : kind === "forbidden" ? "forbidden_retry_interval" : kind === "fatal" ? "fatal_retry_interval" : (permanentBecause ?? "");
    const again = `run 'pjsip send register ${c.id}' to try again`;
    if (interval <= 0) {
      const because = kind === "permanent" ? (option !== "" ? ` (${option})` : "") : ` (${option}=0)`;
      this.setStatus("Rejected", `${why}; not retrying${because}: fix it, then ${again}`, "warn");
      return;
    }
    if (this.st.retries >= c.maxRetries) {
      this.setStatus("Rejected", `${why}; stopped after ${this.st.retries} retries in a row (max_retries=${c.maxRetries}): ${again}`, "warn");
      return;
    }
    this.st.retries++;
    this.setStatus("Rejected", `${why}; retrying in ${interval} s (${retryAfter !== undefined && kind === "temporary" ? "Retry-After" : option}, retry ${this.st.retries} of max_retries=${c.maxRetries})`, "notice");
    this.requestedExpires = c.expiration;
    this.schedule(interval * 1000);
  }

  /** One log line per change of status or of its reason (the retry count aside), at `level`. */
  private setStatus(status: RegistrationStatus, reason: string, level: "notice" | "warn" | "verbose"): void {
    const changed = this.st.status !== status;
    this.st.status = status;
    this.st.reason = reason;
    const c = this.config;
    const line = `Registration '${c.id}' (${c.clientUri} at ${c.serverUri}) is now ${status}: ${reason}`;
    const key = `${status} ${reason.replace(/retry \d+ of/, "retry of")}`;
    if (key === this.lastNotice || level === "verbose") {
      this.deps.log.verbose(3, { registration: c.id }, line);
    } else if (level === "warn") {
      this.deps.log.warn({ registration: c.id }, line);
    } else {
      this.deps.log.notice({ registration: c.id }, line);
    }
    this.lastNotice = key;
    if (changed) this.deps.onStatus?.(this, status, reason);
  }
}

function describeFlow(flow: Flow): string {
  const host = flow.remoteAddress.includes(":") ? `[${flow.remoteAddress}]` : flow.remoteAddress;
  return `${flow.transport.protocol.toUpperCase()}:${host}:${flow.remotePort}`;
}

/**
 * §10.2.4: the 2xx lists every binding of the AOR; ours is the Contact with our URI, and its
 * `expires` parameter (else the Expires header) is the lifetime granted.
 */
export function grantedExpires(res: SipResponse, ours: string): number | undefined {
  const list = parseContactList(res.headers.getAll("Contact"));
  const mine = parseUri(ours);
  if (list && !list.star && mine) {
    for (const ct of list.contacts) {
      const u = ct.uri;
      if ((u.user ?? "") !== (mine.user ?? "") || u.host.toLowerCase() !== mine.host.toLowerCase() || (u.port ?? 5060) !== (mine.port ?? 5060)) continue;
      const e = ct.params.get("expires");
      const n = typeof e === "string" ? parseExpires(e) : undefined;
      if (n !== undefined) return n;
    }
  }
  const h = res.headers.get("Expires");
  return h !== undefined ? parseExpires(h) : undefined;
}
