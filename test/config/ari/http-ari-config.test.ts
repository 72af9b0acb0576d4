/**
 * http.conf and ari.conf loading: Asterisk's defaults, users, what is refused or ignored, and the
 * generated samples.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfiguration } from "../../../src/config/load-configuration.js";
import { renderAriSample, renderHttpSample } from "../../../src/config/ari/ari-sample.js";
import { ariGeneralSchema, ariUserSchema } from "../../../src/config/ari/ari-schema.js";
import { httpGeneralSchema } from "../../../src/config/http/http-schema.js";

const SAMPLES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "configs", "samples");
const load = (files: Record<string, string>) => loadConfiguration({ kind: "embedded", files: { "pjsip.conf": "", ...files } });
const messages = (files: Record<string, string>) => load(files).diagnostics.map((d) => `${d.severity}: ${d.message}`);

test("http.conf: without the file the server is off, with Asterisk's defaults (port 8088, 100 sessions)", () => {
  const g = load({}).http.general;
  assert.equal(g.enabled, false);
  assert.equal(g.bindport, 8088);
  assert.equal(g.sessionlimit, 100);
  assert.equal(g.sessionInactivity, 30000);
  assert.equal(g.sessionKeepAlive, 15000);
});

test("http.conf: enabled without bindaddr warns that nothing listens; other sections are named as not read", () => {
  const m = messages({ "http.conf": "[general]\nenabled=yes\n[post_mappings]\nuploads=/var/lib/uploads\n" });
  assert.ok(m.some((l) => /enabled=yes but no bindaddr=.*does not listen/.test(l)), m.join("\n"));
  assert.ok(m.some((l) => /\[post_mappings\] is not read/.test(l)), m.join("\n"));
});

test("http.conf: enablestatic and redirect are named as not implemented", () => {
  const m = messages({ "http.conf": "[general]\nenabled=yes\nbindaddr=127.0.0.1\nenablestatic=yes\nredirect=/ /static/index.html\n" });
  assert.ok(m.some((l) => /option 'enablestatic' is accepted but not implemented yet/.test(l)), m.join("\n"));
  assert.ok(m.some((l) => /option 'redirect' is accepted but not implemented yet/.test(l)), m.join("\n"));
});

test("ari.conf: users need type=user and a password; the later of two sections wins", () => {
  const cfg = load({
    "ari.conf": "[general]\npretty=yes\nallowed_origins=http://localhost:8080,https://app.example\n[a]\ntype=user\npassword=one\nread_only=yes\n[nopw]\ntype=user\n[ws]\ntype=outbound_websocket\n[a]\ntype=user\npassword=two\n",
  });
  assert.equal(cfg.ari.general.pretty, true);
  assert.deepEqual(cfg.ari.general.allowedOrigins, ["http://localhost:8080", "https://app.example"]);
  assert.equal(cfg.ari.general.authRealm, "Asterisk REST Interface");
  assert.deepEqual([...cfg.ari.users.keys()], ["a"]);
  assert.equal(cfg.ari.users.get("a")?.password, "two");
  assert.equal(cfg.ari.users.get("a")?.readOnly, false, "the later section's defaults, as a redefinition replaces the user");
  const m = cfg.diagnostics.map((d) => d.message);
  assert.ok(m.some((l) => /'nopw' has no password= and cannot log in/.test(l)));
  assert.ok(m.some((l) => /\[ws\] has type=outbound_websocket, which Switchboard does not implement/.test(l)));
  assert.ok(m.some((l) => /'a' is defined twice/.test(l)));
});

test("ari.conf: without the file ARI is enabled but has no users", () => {
  const a = load({}).ari;
  assert.equal(a.present, false);
  assert.equal(a.general.enabled, true);
  assert.equal(a.users.size, 0);
});

test("docs sync: http.conf and ari.conf samples are generated, list every option with its default, and load without errors", () => {
  const http = readFileSync(join(SAMPLES, "http.conf.sample"), "utf8");
  const ari = readFileSync(join(SAMPLES, "ari.conf.sample"), "utf8");
  assert.equal(http, renderHttpSample(), "run: npx tsx scripts/gen-samples.ts");
  assert.equal(ari, renderAriSample(), "run: npx tsx scripts/gen-samples.ts");
  for (const o of httpGeneralSchema.options) assert.ok(http.includes(`\n;${o.name}=${o.defaultText}`), `http ${o.name}`);
  for (const o of [...ariGeneralSchema.options, ...ariUserSchema.options]) assert.ok(ari.includes(`\n;${o.name}=${o.defaultText}`), `ari ${o.name}`);
  const loaded = load({ "http.conf": http, "ari.conf": ari });
  assert.deepEqual(loaded.diagnostics, []);
  assert.equal(loaded.http.general.bindaddr, "127.0.0.1");
  assert.deepEqual([...loaded.ari.users.keys()], ["myapp", "wallboard"]);
});

test("ari.conf: a password_format=crypt user is refused at load (its hash must not log in as a password)", () => {
  const c = loadConfiguration({ kind: "embedded", files: { "pjsip.conf": "", "ari.conf": "[general]\nenabled=yes\n[app]\ntype=user\npassword=$6$salt$hash\npassword_format=crypt\n" } });
  const err = c.diagnostics.find((d) => d.severity === "error");
  assert.match(err?.message ?? "", /password_format=crypt is not supported/);
  assert.equal(c.ari.users.size, 0);
});
