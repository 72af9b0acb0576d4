/**
 * ARI authentication (res_ari.c): HTTP Basic credentials, else `api_key=user:password` in the
 * query string, checked against ari.conf's `type=user` sections. The answer to no or wrong
 * credentials is 401 with a Basic challenge in `auth_realm`; a failure is reported to the guard
 * as a security event with Service "ARI" (InvalidAccountID for an unknown user, InvalidPassword
 * for a wrong password), so brute force against ARI is banned like brute force against SIP.
 */
import { timingSafeEqual } from "node:crypto";
import type { AriConfig, AriUser } from "../../config/index.js";

export type AuthOutcome =
  | { readonly kind: "ok"; readonly user: AriUser }
  /** No credentials at all: challenged, not counted as an attack. */
  | { readonly kind: "none" }
  | { readonly kind: "failed"; readonly username: string; readonly reason: "InvalidAccountID" | "InvalidPassword" };

/** `user:password` from an `Authorization: Basic …` header or an `api_key`, else undefined. */
export function credentialsOf(authorization: string | undefined, query: URLSearchParams): { username: string; password: string } | undefined {
  const basic = /^\s*Basic\s+(\S+)\s*$/i.exec(authorization ?? "");
  const raw = basic?.[1] !== undefined ? Buffer.from(basic[1], "base64").toString("utf8") : query.get("api_key");
  if (raw === null || raw === undefined) return undefined;
  const colon = raw.indexOf(":");
  if (colon < 0) return { username: raw, password: "" };
  return { username: raw.slice(0, colon), password: raw.slice(colon + 1) };
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  // Compare equal lengths in constant time; a length mismatch still does the same work once.
  return x.length === y.length ? timingSafeEqual(x, y) : (timingSafeEqual(x, x), false);
}

export function authenticate(config: AriConfig, authorization: string | undefined, query: URLSearchParams): AuthOutcome {
  const creds = credentialsOf(authorization, query);
  if (creds === undefined) return { kind: "none" };
  const user = config.users.get(creds.username);
  if (user === undefined) {
    sameText(creds.password, creds.password);
    return { kind: "failed", username: creds.username, reason: "InvalidAccountID" };
  }
  // A password_format=crypt user is refused at load (config/ari/load-ari.ts): passwords are plain.
  if (!sameText(creds.password, user.password)) return { kind: "failed", username: creds.username, reason: "InvalidPassword" };
  return { kind: "ok", user };
}
