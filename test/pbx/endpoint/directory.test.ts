import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPjsipConfig, parseConfigText } from "../../../src/config/index.js";
import { EndpointDirectory } from "../../../src/pbx/endpoint/directory.js";
import { CaptureLogger } from "../../../src/core/logger.js";

const CONF = `
[6001]
type=endpoint
auth=6001,6001-alt
aors=6001,shared

[6002]
type=endpoint
auth=6002
aors=6002,shared

[6001]
type=auth
username=6001
password=a

[6001-alt]
type=auth
username=alt
password=b

[6002]
type=auth
username=6002
password=c

[trunk]
type=endpoint

[trunk-net]
type=identify
endpoint=trunk
match=203.0.113.0/24

[trunk-port]
type=identify
endpoint=6002
match=198.51.100.7:5080
`;

function directory(text = CONF): EndpointDirectory {
  return new EndpointDirectory(buildPjsipConfig(parseConfigText(text, "pjsip.conf")));
}

test("directory: byAuthUser maps digest usernames to the endpoints that use them", () => {
  const d = directory();
  assert.deepEqual(d.byAuthUser("alt").map((e) => e.id), ["6001"]);
  assert.deepEqual(d.byAuthUser("6002").map((e) => e.id), ["6002"]);
  assert.deepEqual(d.byAuthUser("nobody"), []);
});

test("directory: authsOf returns an endpoint's auth objects in the order of auth=", () => {
  const d = directory();
  const ep = d.endpoint("6001");
  assert.ok(ep);
  assert.deepEqual(d.authsOf(ep).map((a) => a.id), ["6001", "6001-alt"]);
});

test("directory: endpointsForAor lists every endpoint naming the AOR", () => {
  const d = directory();
  assert.deepEqual(d.endpointsForAor("shared").map((e) => e.id), ["6001", "6002"]);
  assert.deepEqual(d.endpointsForAor("none"), []);
});

test("directory: byAddress matches identify networks, and addr:port only on that port", () => {
  const d = directory();
  assert.equal(d.byAddress("203.0.113.77", 5060)?.id, "trunk");
  assert.equal(d.byAddress("::ffff:203.0.113.77", 5060)?.id, "trunk", "IPv4-mapped IPv6 sources match IPv4 networks");
  assert.equal(d.byAddress("203.0.114.1", 5060), undefined);
  assert.equal(d.byAddress("198.51.100.7", 5080)?.id, "6002");
  assert.equal(d.byAddress("198.51.100.7", 5060), undefined);
});

const HOSTS = `
[provider]
type=endpoint

[provider]
type=identify
endpoint=provider
match=sip.provider.test,192.0.2.9
`;

test("directory: match= host names match only once resolved, follow the addresses on refresh, and keep the last ones when DNS fails", async () => {
  const d = directory(HOSTS);
  const log = new CaptureLogger();
  assert.equal(d.hasHostnames, true);
  assert.equal(d.byAddress("192.0.2.9", 5060)?.id, "provider", "a literal address matches at once");
  assert.equal(d.byAddress("203.0.113.50", 5060), undefined, "a host name matches nothing before it is resolved");
  let answer: () => Promise<readonly string[]> = async () => ["203.0.113.50", "2001:db8::5"];
  const resolve = (host: string) => {
    assert.equal(host, "sip.provider.test");
    return answer();
  };
  await d.resolveHostnames(log, resolve);
  assert.equal(d.byAddress("203.0.113.50", 5060)?.id, "provider");
  assert.equal(d.byAddress("2001:db8::5", 5060)?.id, "provider");
  assert.equal(log.records.length, 0, "the first resolution is not a change");
  answer = async () => ["203.0.113.60"];
  await d.resolveHostnames(log, resolve);
  assert.equal(d.byAddress("203.0.113.50", 5060), undefined, "the old address no longer matches");
  assert.equal(d.byAddress("203.0.113.60", 5060)?.id, "provider");
  assert.deepEqual(log.records.map((r) => [r.level, r.msg]), [["notice", "identify 'provider': match host 'sip.provider.test' now resolves to 203.0.113.60 (was 2001:db8::5,203.0.113.50)"]]);
  answer = async () => {
    throw new Error("queryA ETIMEOUT sip.provider.test");
  };
  await d.resolveHostnames(log, resolve);
  assert.equal(d.byAddress("203.0.113.60", 5060)?.id, "provider", "a failed lookup keeps the last addresses");
  assert.match(log.records.at(-1)?.msg ?? "", /cannot resolve match host 'sip\.provider\.test' \(queryA ETIMEOUT sip\.provider\.test\); keeping 203\.0\.113\.60/);
  assert.equal(d.byAddress("192.0.2.9", 5060)?.id, "provider", "literal addresses are untouched");
});
