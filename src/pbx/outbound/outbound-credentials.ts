/**
 * Our answers to a provider's Digest challenges (RFC 3261 §22.2, RFC 7616): which `outbound_auth`
 * section answers a 401/407, and why none can. Shared by outbound registration (REGISTER) and
 * calls to an endpoint with `outbound_auth=` (INVITE, re-INVITE, UPDATE, BYE).
 */
import type { AuthConfig } from "../../config/pjsip/auth-schema.js";
import { buildAuthorization, selectChallenge, type DigestChallenge } from "../../sip/auth/index.js";
import type { SipRequest, SipResponse } from "../../sip/message/message.js";
import { parseAuth } from "../../sip/parser/index.js";

export type CredentialsHeader = "Authorization" | "Proxy-Authorization";

/** The challenges of a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate), and the header that answers them. */
export function challengesOf(res: SipResponse): { challenge: DigestChallenge | undefined; header: CredentialsHeader } {
  const name = res.status === 407 ? "Proxy-Authenticate" : "WWW-Authenticate";
  const values = res.headers.getAll(name).flatMap((v) => {
    const a = parseAuth(v);
    return a ? [a] : [];
  });
  return { challenge: selectChallenge(values), header: res.status === 407 ? "Proxy-Authorization" : "Authorization" };
}

export interface CredentialsRequest {
  challenge: DigestChallenge;
  header: CredentialsHeader;
  /** The auth sections to try, in order (outbound_auth=). */
  authIds: readonly string[];
  auth: (id: string) => AuthConfig | undefined;
  method: string;
  /** The digest-uri: the Request-URI of the request answered. */
  uri: string;
  /** Who holds the outbound_auth (`registration 'x'`, `endpoint 'x'`), and who challenged (`the registrar`). */
  owner: string;
  peer: string;
}

/**
 * The first auth of `authIds` whose realm is the challenge's answers it; failing that the first
 * whose realm is empty or `*` (any). Its password=, or a password_digest= (md5_cred=) stored for
 * the challenge's algorithm, computes the response. Returns the header to send, or why none can
 * (to be logged with what to change).
 */
export function credentialsFor(r: CredentialsRequest): { header: CredentialsHeader; value: string } | string {
  if (r.authIds.length === 0) return `${r.peer} asks for credentials (realm "${r.challenge.realm}") but ${r.owner} has no outbound_auth=; add an auth section with the provider's username and password and name it in outbound_auth`;
  const auths = r.authIds.flatMap((id) => {
    const a = r.auth(id);
    return a ? [{ id, a }] : [];
  });
  const chosen = auths.find(({ a }) => a.realm === r.challenge.realm) ?? auths.find(({ a }) => a.realm === "" || a.realm === "*");
  if (chosen === undefined) return `no auth of outbound_auth=${r.authIds.join(",")} is for the realm "${r.challenge.realm}" ${r.peer} challenged with (set realm= to it, or leave realm empty)`;
  const { id, a } = chosen;
  const base = { challenge: r.challenge, username: a.username, password: a.password, method: r.method, uri: r.uri };
  if (a.password !== "") return { header: r.header, value: buildAuthorization(base) };
  const alg = r.challenge.algorithm.replace(/-sess$/i, "").toUpperCase();
  const stored = a.passwordDigest.find((d) => d.algorithm === alg);
  if (stored !== undefined && !/-sess$/i.test(r.challenge.algorithm)) return { header: r.header, value: buildAuthorization({ ...base, ha1: stored.hash }) };
  const digests = a.passwordDigest.map((d) => d.algorithm).join(", ");
  return digests === ""
    ? `auth '${id}' has no password= to answer the challenge of ${r.peer} with`
    : `auth '${id}' has no password= and its password_digest is ${digests}, but ${r.peer} challenged with ${r.challenge.algorithm}; add password=`;
}

export interface ChallengeAnswerOptions {
  authIds: readonly string[];
  auth: (id: string) => AuthConfig | undefined;
  owner: string;
  peer: string;
  /** Why a challenge goes unanswered, for the log. */
  refused: (why: string, req: SipRequest, res: SipResponse) => void;
}

/**
 * A session-layer challenge responder (sip/session ChallengeResponder) for one endpoint: the
 * first challenge is answered; another one after our credentials only when its nonce was stale
 * (RFC 7616 §3.3 `stale=true`), else the provider refused them and that is said once.
 */
export function challengeResponder(o: ChallengeAnswerOptions): (req: SipRequest, res: SipResponse, attempt: number) => readonly [string, string] | undefined {
  return (req, res, attempt) => {
    const { challenge, header } = challengesOf(res);
    const line = `${res.status} ${res.reason}`;
    if (!challenge) {
      o.refused(`${line} to our ${req.method} without a Digest challenge we can answer (MD5, SHA-256 or SHA-512-256 with qop=auth or none)`, req, res);
      return undefined;
    }
    if (attempt > 1 && !challenge.stale && req.headers.has(header)) {
      o.refused(`${o.peer} refused our credentials (${line} again to our ${req.method} after auth '${o.authIds.join(",")}' answered its challenge): check username and password in auth '${o.authIds.join(",")}'`, req, res);
      return undefined;
    }
    const c = credentialsFor({ challenge, header, authIds: o.authIds, auth: o.auth, method: req.method, uri: req.uri, owner: o.owner, peer: o.peer });
    if (typeof c === "string") {
      o.refused(c, req, res);
      return undefined;
    }
    return [c.header, c.value];
  };
}
