/**
 * Digest authentication of inbound requests (RFC 3261 §22.2, RFC 7616). Endpoints with `auth=`
 * are challenged; the artificial endpoint (nothing identified) is challenged exactly the same way
 * and always fails, so a scanner cannot tell real accounts from unknown ones.
 *
 * Outcomes (one table, STYLE.md §3), as Asterisk 22 reports them (recorded in
 * test/fixtures/asterisk/logs-*.txt):
 *   no credentials        → 401 challenge            ChallengeSent
 *   good credentials      → continue                 SuccessfulAuth
 *   stale nonce           → 401 challenge stale=true ChallengeSent
 *   wrong / malformed     → 401 challenge + NOTICE   ChallengeResponseFailed (Challenge = the
 *                                                    nonce answered; no ChallengeSent for the
 *                                                    new challenge, as in Asterisk)
 *   artificial endpoint   → 401 challenge + NOTICE   ChallengeResponseFailed, AccountID <unknown>
 *   (nothing identified)                             (identify already logged "No matching
 *                                                    endpoint found" and raised InvalidAccountID)
 *   endpoint identified,  → 401 challenge + NOTICE   InvalidAccountID
 *   digest user not its own
 *
 * CANCEL is never challenged; OPTIONS only from an endpoint with auth= and
 * allow_unauthenticated_options=no (the default). A nonce is stale after the nonce_lifetime of
 * the auth whose username answered it.
 */
import { systemClock, type Clock } from "../../../core/clock.js";
import type { Logger } from "../../../core/logger.js";
import { isAlgorithmSupported, parseDigestAlgorithm, type DigestAlgorithm, type DigestAuthenticator, type DigestCredentials } from "../../../sip/auth/index.js";
import { parseAuth } from "../../../sip/parser/index.js";
import { createResponse } from "../../../sip/transaction/create-response.js";
import type { SipResponse } from "../../../sip/message/message.js";
import type { AuthConfig } from "../../../config/index.js";
import type { SecurityEvent, SecurityEventStream, SecurityEventType } from "../../../security/events.js";
import type { EndpointDirectory } from "../../endpoint/directory.js";
import type { PipelineStage, RequestContext, StageResult } from "../request-context.js";
import { securityEvent } from "../security-event.js";
import { logFailedRequest } from "../failed-request.js";
import { claimedAccount } from "./identify.js";

/** Never challenged: a CANCEL cannot be resubmitted with credentials (RFC 3261 §22.1). */
const EXEMPT = new Set(["CANCEL"]);

export interface AuthenticateOptions {
  digest: DigestAuthenticator;
  directory: () => EndpointDirectory;
  defaultRealm: () => string;
  /** `[global] default_auth_algorithms_uas`; MD5 when empty. */
  defaultAlgorithms?: () => readonly string[];
  events: SecurityEventStream;
  log: Logger;
  respond: (ctx: RequestContext, res: SipResponse) => void;
  /** Time source for security event timestamps (default: the system clock). */
  clock?: Clock;
}

export class AuthenticateStage implements PipelineStage {
  readonly name = "authenticate";

  constructor(private readonly opts: AuthenticateOptions) {}

  run(ctx: RequestContext): StageResult {
    if (EXEMPT.has(ctx.req.method)) return "continue";
    const ep = ctx.endpoint;
    if (ctx.req.method === "OPTIONS") {
      // As in Asterisk, OPTIONS from an endpoint with auth= is challenged like an INVITE unless
      // the endpoint has allow_unauthenticated_options=yes (phones and trunks that ping).
      // DEVIATION(Asterisk): an OPTIONS that identifies no endpoint is answered, not challenged
      // by the artificial endpoint: it names no account, and answering keeps monitoring probes
      // and the guard's scanner handling (User-Agent, rate limits) as they are.
      if (!ep || ep.allowUnauthenticatedOptions) return "continue";
    }
    const auths = ep ? this.opts.directory().authsOf(ep) : [];
    if (ep && auths.length === 0) {
      // An endpoint without auth= is trusted by identification; so is the connection it came
      // over — unless that endpoint is `anonymous`, which takes anyone.
      if (ctx.identifiedBy !== "anonymous") ctx.flow.transport.vouch?.(ctx.flow);
      return "continue";
    }
    const realm = auths[0]?.realm || this.opts.defaultRealm();
    const algorithms = algorithmsOf(auths[0], this.opts.defaultAlgorithms?.() ?? []);
    const raw = ctx.req.headers.get("Authorization");
    if (!ep && !ctx.invalidAccountReported) {
      // Identify was built without an event stream (unit harnesses): report the unknown account here.
      this.opts.events.publish(securityEvent(ctx, "InvalidAccountID", { username: claimedAccount(ctx), reason: "no matching endpoint" }, this.now()));
      ctx.invalidAccountReported = true;
    }
    if (raw === undefined) {
      this.challenge(ctx, realm, algorithms, false);
      return "done";
    }
    const auth = parseAuth(raw);
    const username = auth?.params.get("username");
    const match = auths.find((a) => a.username === username);
    if (!auth || username === undefined) {
      this.fail(ctx, realm, algorithms, "ChallengeResponseFailed", { username, reason: "malformed credentials", challenge: auth?.params.get("nonce") });
      return "done";
    }
    const credentials: DigestCredentials | undefined = match ? credentialsOf(match) : undefined;
    // The account's own nonce_lifetime; for an unknown username the endpoint's first auth, so
    // both answer alike. The artificial endpoint keeps the authenticator's default.
    const lifetime = (match ?? auths[0])?.nonceLifetime;
    const result = this.opts.digest.verify({ auth, method: ctx.req.method, realm, credentials, algorithms, ...(lifetime !== undefined ? { nonceLifetimeSec: lifetime } : {}) });
    if (result.outcome === "ok") {
      ctx.authUsername = username;
      // The connection carried an authenticated request: a WebSocket one is off probation.
      ctx.flow.transport.vouch?.(ctx.flow);
      this.opts.events.publish(securityEvent(ctx, "SuccessfulAuth", { username }, this.now()));
      return "continue";
    }
    // Some phones resend a nonce count they already used (after a retransmission or a reboot);
    // that is no password guess, so it gets a fresh nonce rather than a failure and a strike.
    if (result.outcome === "stale" || (result.outcome === "failed" && result.reason === "replayed nonce count")) {
      this.challenge(ctx, realm, algorithms, true);
      return "done";
    }
    const answered = { username, reason: result.reason, challenge: auth.params.get("nonce"), response: auth.params.get("response") };
    if (!ep) this.fail(ctx, realm, algorithms, "ChallengeResponseFailed", { ...answered, accountId: "<unknown>", artificial: true });
    else if (!match) this.fail(ctx, realm, algorithms, "InvalidAccountID", { username, reason: result.reason });
    else this.fail(ctx, realm, algorithms, "ChallengeResponseFailed", answered);
    return "done";
  }

  private now(): number {
    return (this.opts.clock ?? systemClock).now();
  }

  /** Sends a 401 with a fresh challenge; `report` raises ChallengeSent (not after a failure). */
  private challenge(ctx: RequestContext, realm: string, algorithms: DigestAlgorithm[], stale: boolean, report = true): void {
    const res = createResponse(ctx.req, 401);
    for (const v of this.opts.digest.challenge({ realm, algorithms, stale })) res.headers.append("WWW-Authenticate", v);
    this.opts.respond(ctx, res);
    if (report) this.opts.events.publish(securityEvent(ctx, "ChallengeSent", {}, this.now()));
  }

  /**
   * A failed authentication: Asterisk's NOTICE, the event, and a new challenge. The event never
   * carries the expected response (Asterisk writes `ExpectedResponse=""`): a log reader must not
   * learn what the right answer to a nonce was.
   */
  private fail(ctx: RequestContext, realm: string, algorithms: DigestAlgorithm[], type: SecurityEventType, detail: FailureDetail): void {
    logFailedRequest(this.opts.log, ctx, "Failed to authenticate", { username: detail.username, why: detail.reason });
    // One InvalidAccountID per request: identify raises it for unidentified requests.
    if (!(type === "InvalidAccountID" && ctx.invalidAccountReported)) {
      this.opts.events.publish(securityEvent(ctx, type, detail, this.now()));
    }
    this.challenge(ctx, realm, algorithms, false, false);
  }
}

type FailureDetail = Partial<Pick<SecurityEvent, "accountId" | "username" | "reason" | "challenge" | "response" | "artificial">>;

function algorithmsOf(auth: AuthConfig | undefined, defaults: readonly string[]): DigestAlgorithm[] {
  const valid = (list: readonly string[] | undefined): DigestAlgorithm[] =>
    (list ?? []).map((a) => parseDigestAlgorithm(a.trim())).filter((a): a is DigestAlgorithm => a !== undefined && isAlgorithmSupported(a));
  const own = valid(auth?.supportedAlgorithmsUas);
  if (own.length) return own;
  const global = valid(defaults);
  return global.length ? global : ["MD5"];
}

function credentialsOf(a: AuthConfig): DigestCredentials {
  const c: DigestCredentials = { username: a.username };
  if (a.password) c.password = a.password;
  if (a.passwordDigest.length) {
    const ha1: Partial<Record<DigestAlgorithm, string>> = {};
    for (const d of a.passwordDigest) ha1[d.algorithm as DigestAlgorithm] = d.hash;
    c.ha1 = ha1;
  }
  return c;
}
