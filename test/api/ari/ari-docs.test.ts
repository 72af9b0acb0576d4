/**
 * The Swagger documents and the router are built from the same declarations. ari-client needs a
 * model in events.json for every event type it receives and a resource document for every object
 * type an event carries; these tests keep the three in step with what the code sends.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { apiDeclaration, resourceListing } from "../../../src/api/ari/ari-docs.js";
import { AriRouter } from "../../../src/api/ari/ari-router.js";
import type { AriResource } from "../../../src/api/ari/ari-resource.js";
import { EVENT_MODELS, EVENT_TYPES, eventsResource } from "../../../src/api/ari/resources/events.js";
import { channelsResource } from "../../../src/api/ari/resources/channels.js";
import { asteriskResource } from "../../../src/api/ari/resources/asterisk.js";
import { endpointsResource } from "../../../src/api/ari/resources/endpoints.js";
import { bridgesResource } from "../../../src/api/ari/resources/bridges.js";
import { deviceStatesResource } from "../../../src/api/ari/resources/device-states.js";
import { applicationsResource } from "../../../src/api/ari/resources/applications.js";
import { playbacksResource } from "../../../src/api/ari/resources/playbacks.js";
import { soundsResource } from "../../../src/api/ari/resources/sounds.js";
import { mailboxesResource } from "../../../src/api/ari/resources/mailboxes.js";
import { recordingsResource } from "../../../src/api/ari/resources/recordings.js";
import { SoundIndex } from "../../../src/api/ari/sound-index.js";
import type { AriServices } from "../../../src/api/ari/ari-services.js";

const ARI_SRC = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "src", "api", "ari");
// The declarations only; no handler runs here.
const services = {} as AriServices;
const resources: AriResource[] = [asteriskResource(services), endpointsResource(services), channelsResource(services), bridgesResource(services), deviceStatesResource(services), applicationsResource(services), playbacksResource(services), soundsResource(new SoundIndex(() => [], () => 0)), mailboxesResource(() => undefined), recordingsResource(services), eventsResource()];

/** ari-client's first-class types and the resource whose document must exist for each. */
const RESOURCE_OF: Readonly<Record<string, string>> = { Channel: "channels", Bridge: "bridges", Endpoint: "endpoints", DeviceState: "deviceStates", Playback: "playbacks", Application: "applications", Sound: "sounds", Mailbox: "mailboxes", LiveRecording: "recordings", StoredRecording: "recordings", Asterisk: "asterisk" };

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [readFileSync(join(dir, e.name), "utf8")] : []));
}

test("ari docs: every event type the code sends has a model in events.json, and every model listed is sent", () => {
  const sent = new Set<string>();
  for (const text of sources(ARI_SRC)) for (const m of text.matchAll(/\{ type: "([A-Z][A-Za-z]+)"/g)) if (m[1] !== undefined) sent.add(m[1]);
  const modelled = new Set(EVENT_MODELS.map((m) => m.id));
  assert.deepEqual([...sent].filter((t) => !modelled.has(t)).sort(), [], "event types sent without a model");
  assert.deepEqual([...EVENT_TYPES].filter((t) => !sent.has(t)).sort(), [], "event types listed but never sent");
  for (const t of EVENT_TYPES) assert.ok(modelled.has(t), `${t} has a model`);
});

test("ari docs: every object type an event or a response carries has its resource document", () => {
  const names = new Set(resources.map((r) => r.name));
  const types = new Set<string>();
  for (const r of resources) {
    for (const m of r.models) for (const p of Object.values(m.properties)) types.add(p.type.replace(/^List\[(.+)\]$/, "$1"));
    for (const a of r.apis) for (const o of a.operations) types.add(o.responseClass.replace(/^List\[(.+)\]$/, "$1"));
  }
  for (const t of types) {
    const needed = RESOURCE_OF[t];
    if (needed !== undefined && t !== "Asterisk") assert.ok(names.has(needed), `${t} needs /api-docs/${needed}.json`);
  }
});

test("ari docs: resources.json lists each resource; a declaration carries operations with httpMethod, nickname, responseClass", () => {
  const listing = resourceListing(resources, "http://h:8088/ari") as { swaggerVersion: string; basePath: string; apis: Array<{ path: string }> };
  assert.equal(listing.swaggerVersion, "1.1");
  assert.equal(listing.basePath, "http://h:8088/ari");
  assert.ok(listing.apis.some((a) => a.path === "/api-docs/channels.{format}"));
  const decl = apiDeclaration(resources.find((r) => r.name === "asterisk")!, "http://h/ari") as { swaggerVersion: string; resourcePath: string; apis: Array<{ path: string; operations: Array<Record<string, unknown>> }>; models: Record<string, unknown> };
  assert.equal(decl.swaggerVersion, "1.2");
  assert.equal(decl.resourcePath, "/api-docs/asterisk.{format}");
  const info = decl.apis.find((a) => a.path === "/asterisk/info")?.operations[0];
  assert.deepEqual([info?.httpMethod, info?.nickname, info?.responseClass], ["GET", "getInfo", "AsteriskInfo"]);
  assert.ok("AsteriskInfo" in decl.models);
  const nicknames = new Set<string>();
  for (const r of resources) for (const a of r.apis) for (const o of a.operations) {
    assert.ok(!nicknames.has(`${r.name}.${o.nickname}`), `${r.name}.${o.nickname} declared once`);
    nicknames.add(`${r.name}.${o.nickname}`);
  }
});

test("ari router: path templates give their parameters; a known path with another method is 405, an unknown one 404", () => {
  const router = new AriRouter(resources);
  const r = router.route("POST", "/channels/1700000000.12/answer");
  assert.equal(r.kind, "found");
  if (r.kind === "found") {
    assert.equal(r.operation.nickname, "answer");
    assert.deepEqual(r.params, { channelId: "1700000000.12" });
  }
  const ep = router.route("GET", "/endpoints/PJSIP/1001");
  assert.ok(ep.kind === "found" && ep.operation.nickname === "get" && ep.params.resource === "1001");
  assert.deepEqual(router.route("PUT", "/channels/x/answer"), { kind: "no-method", allowed: ["POST"] });
  assert.deepEqual(router.route("GET", "/recordings/nothing"), { kind: "no-resource" });
  const file = router.route("GET", "/recordings/stored/ari%2Fcaller-1/file");
  assert.ok(file.kind === "found" && file.operation.nickname === "getStoredFile");
});
