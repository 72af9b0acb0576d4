/**
 * The parameter tables of `pjsip show endpoint|aor <id>` against Asterisk 22.10.1's recordings
 * (test/fixtures/asterisk/), without a server: the rows come from the same pjsip.conf the
 * recordings were made with, and the table text must equal the recorded bytes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildPjsipConfig, parseConfigText } from "../../../src/config/index.js";
import { aorSchema } from "../../../src/config/pjsip/aor-schema.js";
import { authSchema } from "../../../src/config/pjsip/auth-schema.js";
import { endpointSchema } from "../../../src/config/pjsip/endpoint-schema.js";
import type { AnyOption } from "../../../src/config/schema/types.js";
import { detail, listing, parameterTable } from "../../../src/pbx/endpoint/cli-format.js";
import { codecListText, objectRows, optionValueText } from "../../../src/pbx/endpoint/object-table.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "fixtures", "asterisk");

/** The parameter table of a recording: from the ` ParameterName` line to the end. */
function recordedTable(name: string): string {
  const text = readFileSync(join(FIXTURES, name), "utf8");
  const at = text.indexOf(" ParameterName");
  assert.ok(at > 0, `${name} has no parameter table`);
  return text.slice(at);
}

/** `name : value` rows of a recorded table. */
function recordedRows(table: string): Array<[string, string]> {
  return table
    .split("\n")
    .slice(2)
    .filter((l) => l.length > 0)
    .map((l) => {
      const m = /^ (\S+) +: (.*)$/.exec(l);
      assert.ok(m?.[1] !== undefined && m[2] !== undefined, `not a parameter row: ${JSON.stringify(l)}`);
      return [m[1], m[2]];
    });
}

/** The recording's pjsip.conf, for endpoint 2001. */
const CONF = `
[transport-udp]
type=transport
protocol=udp
bind=127.0.0.1:25160

[2001]
type=endpoint
context=internal
disallow=all
allow=ulaw
direct_media=no
rtp_symmetric=yes
force_rport=yes
rewrite_contact=yes
callerid="Bar 2001" <2001>
auth=2001
aors=2001

[2001]
type=auth
auth_type=digest
username=2001
password=not-in-any-table

[2001]
type=aor
max_contacts=1
remove_existing=yes
`;

const config = buildPjsipConfig(parseConfigText(CONF, "pjsip.conf"));
const option = (schema: { options: readonly AnyOption[] }, name: string): AnyOption => {
  const o = schema.options.find((x) => x.name === name);
  assert.ok(o, `no option ${name}`);
  return o;
};

test("pjsip show endpoint: every row Asterisk 22 lists, with its spelling (yes/no, Yes/No, true/false, (ulaw), defaults)", () => {
  const ep = config.endpoints.get("2001");
  assert.ok(ep);
  const recorded = recordedRows(recordedTable("pjsip-show-endpoint-2001.txt"));
  // DEVIATION: sdp_session defaults to Switchboard (docs/configuration.md), Asterisk's to Asterisk.
  const ours = objectRows(endpointSchema, ep).map(([k, v]): [string, string] => (k === "sdp_session" ? [k, "Asterisk"] : [k, v]));
  assert.deepEqual(ours, recorded);
});

test("pjsip show aor: the rows Asterisk lists; contact shows the registered contacts passed in", () => {
  const aor = config.aors.get("2001");
  assert.ok(aor);
  const recorded = recordedRows(recordedTable("pjsip-show-aor-2001.txt"));
  assert.deepEqual(objectRows(aorSchema, aor, { contact: "sip:2001@127.0.0.2:25162" }), recorded);
  assert.equal(objectRows(aorSchema, aor).find(([k]) => k === "contact")?.[1], "", "no registered or static contact: empty");
});

test("parameterTable: name column as wide as the longest name, rule over name + ' : ' + longest value, blank line after", () => {
  for (const name of ["pjsip-show-endpoint-2001.txt", "pjsip-show-aor-2001.txt"]) {
    const table = recordedTable(name);
    assert.equal(parameterTable(recordedRows(table)), table, name);
  }
  assert.equal(
    parameterTable([["a", "1"]]),
    [" ParameterName : ParameterValue", ` ${"=".repeat(13 + 3 + 14)}`, " a             : 1", "", ""].join("\n"),
    "the header words are the minimum widths",
  );
});

test("detail: the object's rows under the listing header, two blank lines, then the table", () => {
  assert.equal(detail(["HEAD"], ["row"], [["k", "v"]]), `\nHEAD\n${"=".repeat(90)}\n\nrow\n\n\n${parameterTable([["k", "v"]])}`);
});

test("listing: nested objects end with a blank line each, flat ones do not; the footer is followed by a blank line", () => {
  const rule = "=".repeat(90);
  assert.equal(listing(["H"], [["a", " child"], ["b"]], true), `\nH\n${rule}\n\na\n child\n\nb\n\n\nObjects found: 2\n\n`);
  assert.equal(listing(["H"], [["a"], ["b"]], false), `\nH\n${rule}\n\na\nb\n\nObjects found: 2\n\n`);
  assert.equal(listing(["H"], [], false), "No objects found.\n\n");
});

test("optionValueText: booleans per option, floats as %f, codec lists as Asterisk's capability text, passwords hidden", () => {
  const cases: Array<[AnyOption, unknown, string]> = [
    [option(endpointSchema, "rewrite_contact"), true, "true"],
    [option(endpointSchema, "direct_media"), false, "false"],
    [option(endpointSchema, "send_connected_line"), true, "yes"],
    [option(endpointSchema, "webrtc"), false, "no"],
    [option(endpointSchema, "dtls_auto_generate_cert"), true, "Yes"],
    [option(endpointSchema, "dtls_auto_generate_cert"), false, "No"],
    // dtls_verify: Asterisk prints only whether anything is verified.
    [option(endpointSchema, "dtls_verify"), "fingerprint", "Yes"],
    [option(endpointSchema, "dtls_verify"), "no", "No"],
    [option(aorSchema, "qualify_timeout"), 0.5, "0.500000"],
    [option(endpointSchema, "allow"), [{ name: "ulaw" }, { name: "alaw", ptime: 20 }], "(ulaw|alaw)"],
    [option(endpointSchema, "allow"), [], "(nothing)"],
    [option(authSchema, "password"), "secret", "<hidden>"],
    [option(authSchema, "password"), "", ""],
  ];
  for (const [o, value, want] of cases) assert.equal(optionValueText(o, value), want, `${o.name}=${JSON.stringify(value)}`);
  assert.equal(codecListText([{ name: "g722" }]), "(g722)");
});

test("hidden options: disallow, permit/deny and contact_permit/contact_deny, contact_user are not listed; acl and contact_acl are", () => {
  const ep = config.endpoints.get("2001");
  assert.ok(ep);
  const names = objectRows(endpointSchema, ep).map(([k]) => k);
  for (const hidden of ["disallow", "permit", "deny", "contact_permit", "contact_deny", "contact_user"]) assert.ok(!names.includes(hidden), hidden);
  for (const shown of ["acl", "contact_acl", "allow"]) assert.ok(names.includes(shown), shown);
});

test("pjsip show auth: the password is never a row value", () => {
  const auth = config.auths.get("2001");
  assert.ok(auth);
  const rows = objectRows(authSchema, auth);
  assert.equal(rows.find(([k]) => k === "password")?.[1], "<hidden>");
  assert.ok(!rows.some(([, v]) => v.includes("not-in-any-table")));
});
