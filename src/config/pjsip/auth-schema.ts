/**
 * `type=auth`: credentials, used inbound (endpoint `auth=`) to challenge requests or outbound
 * (`outbound_auth=`) to answer challenges (reference §1.7). `userpass` and `md5` are deprecated
 * spellings of `digest`; `md5_cred` is a deprecated spelling of `password_digest=MD5:…`.
 */
import { digestList, list, oneOf, str, uint } from "../schema/options.js";
import type { ObjectOrigin, ObjectSchema, SchemaValues } from "../schema/types.js";
import { parsePasswordDigest } from "../schema/values.js";
import type { OptionSpec } from "../schema/types.js";
import type { PasswordDigest } from "../schema/values.js";

const AUTH_TYPES = ["digest", "userpass", "md5", "google_oauth"] as const;

/** `md5_cred=<hash>` is kept as an MD5 entry of `password_digest`, where Asterisk converts it. */
const md5Cred: OptionSpec<"passwordDigest", PasswordDigest[]> = {
  name: "md5_cred",
  key: "passwordDigest",
  type: "string",
  default: [],
  defaultText: "",
  synopsis: "MD5 of username:realm:password (deprecated: write password_digest=MD5:<hash>).",
  implemented: true,
  deprecated: "write password_digest=MD5:<hash> instead",
  parse(raw, current) {
    const parsed = parsePasswordDigest(`MD5:${raw}`);
    return typeof parsed === "string" ? { ok: false, reason: parsed } : { ok: true, value: [...current, parsed] };
  },
};

const authTypeBase = oneOf("auth_type", AUTH_TYPES, "digest", "Authentication type; userpass and md5 are deprecated and treated as digest.", {
  check: (v) => (v === "google_oauth" ? "google_oauth is not supported; use digest" : undefined),
});

/** Converts the deprecated spellings to `digest` with a warning, as Asterisk 20.12+ does. */
const authType: typeof authTypeBase = {
  ...authTypeBase,
  parse(raw, current) {
    const result = authTypeBase.parse(raw, current);
    if (result.ok && (result.value === "userpass" || result.value === "md5")) {
      return { ok: true, value: "digest", warning: "deprecated and treated as digest; write auth_type=digest" };
    }
    return result;
  },
};

const authOptions = [
  authType,
  str("username", "", "User name to authenticate (inbound: the digest username the phone sends)."),
  str("password", "", "Plain-text password."),
  digestList("password_digest", "ALG:hash with ALG MD5, SHA-256 or SHA-512-256 and hash = ALG(username:realm:password). Repeatable."),
  md5Cred,
  str("realm", "", "Realm in challenges (inbound; empty = global default_realm) or expected from the server (outbound; empty or * = any)."),
  uint("nonce_lifetime", 32, "Seconds a nonce stays valid; an older one is answered with a new challenge (stale=true).", { min: 1 }),
  list("supported_algorithms_uas", "Digest algorithms offered in challenges, most preferred first (MD5, SHA-256, SHA-512-256); empty = the global default_auth_algorithms_uas."),
  list("supported_algorithms_uac", "Digest algorithms accepted when answering challenges; empty = global default.", { implemented: false }),
  str("refresh_token", "", "OAuth refresh token (google_oauth).", { implemented: false }),
  str("oauth_clientid", "", "OAuth client id (google_oauth).", { implemented: false }),
  str("oauth_secret", "", "OAuth secret (google_oauth).", { implemented: false }),
] as const;

export type AuthValues = SchemaValues<typeof authOptions>;
export type AuthConfig = AuthValues & ObjectOrigin;

export const authSchema: ObjectSchema<typeof authOptions> = {
  type: "auth",
  synopsis: "Credentials for challenging (auth=) or answering challenges (outbound_auth=).",
  options: authOptions,
};
