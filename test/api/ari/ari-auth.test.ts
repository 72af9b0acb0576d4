/** ARI logins: Basic credentials or api_key, and how a failure is classified for the guard. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { authenticate, credentialsOf } from "../../../src/api/ari/ari-auth.js";
import { buildAriConfig } from "../../../src/config/ari/load-ari.js";
import { parseConfigText } from "../../../src/config/ini/parser.js";

const config = buildAriConfig(parseConfigText("[app]\ntype=user\npassword=s3cr:et\n", "ari.conf")).config;
const basic = (s: string): string => `Basic ${Buffer.from(s).toString("base64")}`;
const q = (s: string): URLSearchParams => new URLSearchParams(s);

test("ari auth: Basic credentials are split at the first colon; api_key is the fallback", () => {
  assert.deepEqual(credentialsOf(basic("app:s3cr:et"), q("")), { username: "app", password: "s3cr:et" });
  assert.deepEqual(credentialsOf(undefined, q("api_key=app:pw")), { username: "app", password: "pw" });
  assert.deepEqual(credentialsOf(basic("a:b"), q("api_key=c:d")), { username: "a", password: "b" });
  assert.equal(credentialsOf(undefined, q("")), undefined);
});

test("ari auth: the right password logs in, a wrong one is InvalidPassword, an unknown user InvalidAccountID, none is just challenged", () => {
  assert.equal(authenticate(config, basic("app:s3cr:et"), q("")).kind, "ok");
  assert.deepEqual(authenticate(config, basic("app:nope"), q("")), { kind: "failed", username: "app", reason: "InvalidPassword" });
  assert.deepEqual(authenticate(config, undefined, q("api_key=root:x")), { kind: "failed", username: "root", reason: "InvalidAccountID" });
  assert.deepEqual(authenticate(config, undefined, q("")), { kind: "none" });
});
