/**
 * The /ari URI over a real loopback listener: authentication and its security events, read_only,
 * pretty JSON, Asterisk's error bodies, CORS, the documents' basePath, and the events WebSocket
 * (refusals, delivery with application/timestamp/asterisk_id, ApplicationReplaced).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { WebSocket } from "ws";
import { nullLogger } from "../../../src/core/logger.js";
import { HttpRouteTable } from "../../../src/api/http/http-routes.js";
import { HttpServer } from "../../../src/api/http/http-server.js";
import { AriApplications } from "../../../src/api/ari/ari-applications.js";
import { ariRoute } from "../../../src/api/ari/ari-http.js";
import type { AriResource } from "../../../src/api/ari/ari-resource.js";
import { eventsResource } from "../../../src/api/ari/resources/events.js";
import { buildAriConfig } from "../../../src/config/ari/load-ari.js";
import { parseConfigText } from "../../../src/config/ini/parser.js";

const ARI_CONF = "[general]\nallowed_origins=http://app.example\n[rw]\ntype=user\npassword=pw\n[ro]\ntype=user\npassword=pw\nread_only=yes\n";

describe("ari http: auth, errors, documents, events socket", () => {
  let pretty = false;
  const config = () => {
    const c = buildAriConfig(parseConfigText(ARI_CONF + (pretty ? "[general](+)\npretty=yes\n" : ""), "ari.conf")).config;
    return c;
  };
  const failures: string[] = [];
  const banned = new Set<string>();
  const apps = new AriApplications("02:00:00:00:00:01", () => Date.UTC(2026, 0, 2, 3, 4, 5, 678));
  const test: AriResource = {
    name: "asterisk",
    description: "test",
    models: [],
    apis: [
      {
        path: "/asterisk/ping",
        description: "ping",
        operations: [
          { httpMethod: "GET", summary: "", nickname: "ping", responseClass: "AsteriskPing", parameters: [], handle: () => ({ status: 200, body: { ping: "pong" } }) },
          { httpMethod: "POST", summary: "", nickname: "poke", responseClass: "void", parameters: [], handle: () => ({ status: 204 }) },
          { httpMethod: "PUT", summary: "", nickname: "echo", responseClass: "object", parameters: [], handle: (req) => ({ status: 200, body: { query: Object.fromEntries(req.query), body: req.body ?? null } }) },
        ],
      },
    ],
  };
  let server: HttpServer;
  let base: string;
  const auth = (u: string, p: string) => ({ Authorization: `Basic ${Buffer.from(`${u}:${p}`).toString("base64")}` });

  before(async () => {
    const routes = new HttpRouteTable();
    routes.register(
      ariRoute({ config, resources: [test, eventsResource()], apps, prefix: () => "/asterisk", authFailed: (_req, user, reason) => failures.push(`${reason} ${user}`), banned: (a) => banned.has(a), log: nullLogger }),
    );
    server = new HttpServer({ host: "127.0.0.1", port: 0, prefix: "/asterisk", serverName: "", sessionLimit: 100, inactivityMs: 30000, keepAliveMs: 1000 }, routes, nullLogger);
    await server.listen();
    base = `http://127.0.0.1:${server.address?.port ?? 0}/asterisk/ari`;
  });

  after(async () => {
    await server.close();
  });

  it("a JSON body: its keys are parameters (the query string wins), variables stay in the body; bad JSON is 400", async () => {
    const put = (body: string, q = "") => fetch(`${base}/asterisk/ping${q}`, { method: "PUT", headers: { ...auth("rw", "pw"), "Content-Type": "application/json" }, body });
    const r = await put(JSON.stringify({ endpoint: "PJSIP/1001", app: "x", variables: { A: "1" } }), "?app=fromquery");
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { query: { app: "fromquery", endpoint: "PJSIP/1001" }, body: { endpoint: "PJSIP/1001", app: "x", variables: { A: "1" } } });
    const bad = await put("{not json");
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), { message: "Error parsing request body" });
  });

  it("no credentials: 401 with the Basic challenge and Asterisk's body, and no security event", async () => {
    const res = await fetch(`${base}/asterisk/ping`);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("www-authenticate"), 'Basic realm="Asterisk REST Interface"');
    assert.deepEqual(await res.json(), { message: "Authentication required" });
    assert.deepEqual(failures, []);
  });

  it("a wrong password and an unknown user are refused and reported; a banned address is refused unheard", async () => {
    assert.equal((await fetch(`${base}/asterisk/ping`, { headers: auth("rw", "bad") })).status, 401);
    assert.equal((await fetch(`${base}/asterisk/ping?api_key=nobody:pw`)).status, 401);
    assert.deepEqual(failures.splice(0), ["InvalidPassword rw", "InvalidAccountID nobody"]);
    banned.add("127.0.0.1");
    try {
      assert.equal((await fetch(`${base}/asterisk/ping`, { headers: auth("rw", "pw") })).status, 401);
    } finally {
      banned.clear();
    }
    assert.deepEqual(failures, []);
  });

  it("right credentials get the JSON; pretty=yes indents it", async () => {
    const res = await fetch(`${base}/asterisk/ping`, { headers: auth("rw", "pw") });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.equal(await res.text(), '{"ping":"pong"}');
    pretty = true;
    try {
      assert.equal(await (await fetch(`${base}/asterisk/ping`, { headers: auth("rw", "pw") })).text(), '{\n  "ping": "pong"\n}');
    } finally {
      pretty = false;
    }
  });

  it("read_only users may GET but not POST (403 Write access denied)", async () => {
    assert.equal((await fetch(`${base}/asterisk/ping`, { headers: auth("ro", "pw") })).status, 200);
    const res = await fetch(`${base}/asterisk/ping`, { method: "POST", headers: auth("ro", "pw") });
    assert.equal(res.status, 403);
    assert.deepEqual(await res.json(), { message: "Write access denied" });
    assert.equal((await fetch(`${base}/asterisk/ping`, { method: "POST", headers: auth("rw", "pw") })).status, 204);
  });

  it("unknown resources are 404 and other methods 405, with Asterisk's messages", async () => {
    const nf = await fetch(`${base}/bridges`, { headers: auth("rw", "pw") });
    assert.equal(nf.status, 404);
    assert.deepEqual(await nf.json(), { message: "Resource not found" });
    const na = await fetch(`${base}/asterisk/ping`, { method: "DELETE", headers: auth("rw", "pw") });
    assert.equal(na.status, 405);
    assert.deepEqual(await na.json(), { message: "Invalid method" });
  });

  it("the documents' basePath follows the Host header and the prefix", async () => {
    // fetch may not set Host; node:http may.
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(`${base}/api-docs/resources.json`, { headers: { ...auth("rw", "pw"), Host: "pbx.example:8088" } }, (res) => {
        let data = "";
        res.on("data", (c: Buffer) => (data += c.toString()));
        res.on("end", () => resolve(data));
      });
      req.on("error", reject);
      req.end();
    });
    const body = JSON.parse(text) as { basePath: string; apis: Array<{ path: string }> };
    assert.equal(body.basePath, "http://pbx.example:8088/asterisk/ari");
    assert.deepEqual(body.apis.map((a) => a.path), ["/api-docs/asterisk.{format}", "/api-docs/events.{format}"]);
    assert.equal((await fetch(`${base}/api-docs/nothing.json`, { headers: auth("rw", "pw") })).status, 404);
  });

  it("CORS headers go only to allowed origins", async () => {
    const ok = await fetch(`${base}/asterisk/ping`, { headers: { ...auth("rw", "pw"), Origin: "http://app.example" } });
    assert.equal(ok.headers.get("access-control-allow-origin"), "http://app.example");
    const other = await fetch(`${base}/asterisk/ping`, { headers: { ...auth("rw", "pw"), Origin: "http://evil.example" } });
    assert.equal(other.headers.get("access-control-allow-origin"), null);
  });

  const wsStatus = (url: string): Promise<number> =>
    new Promise((resolve) => {
      const ws = new WebSocket(url);
      ws.on("unexpected-response", (_q, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => {
        ws.close();
        resolve(101);
      });
      ws.on("error", () => resolve(-1));
    });

  it("the events socket refuses wrong credentials (401) and a missing app (400)", async () => {
    const ws = base.replace("http", "ws");
    assert.equal(await wsStatus(`${ws}/events?app=a&api_key=rw:bad`), 401);
    assert.equal(await wsStatus(`${ws}/events?api_key=rw:pw`), 400);
  });

  it("events reach the registered application stamped with application, timestamp and asterisk_id; a second socket replaces the first", async () => {
    const open = (): Promise<{ ws: WebSocket; got: Array<Record<string, unknown>> }> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`${base.replace("http", "ws")}/events?app=demo&api_key=rw:pw`);
        const got: Array<Record<string, unknown>> = [];
        ws.on("message", (m: Buffer) => got.push(JSON.parse(m.toString()) as Record<string, unknown>));
        ws.on("open", () => resolve({ ws, got }));
        ws.on("error", reject);
      });
    const first = await open();
    const until = async (cond: () => boolean): Promise<void> => {
      for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
    };
    await until(() => apps.get("demo") !== undefined);
    apps.get("demo")?.channelIds.add("c1");
    apps.dispatch({ type: "ChannelStateChange", channel: { id: "c1" } }, { channelIds: ["c1"] });
    apps.dispatch({ type: "ChannelStateChange", channel: { id: "c2" } }, { channelIds: ["c2"] });
    await until(() => first.got.length >= 1);
    assert.equal(first.got.length, 1, "only the subscribed channel's event");
    const { timestamp, ...rest } = first.got[0] ?? {};
    assert.deepEqual(rest, { type: "ChannelStateChange", channel: { id: "c1" }, asterisk_id: "02:00:00:00:00:01", application: "demo" });
    assert.match(String(timestamp), /^2026-01-0[12]T\d\d:04:05\.678[+-]\d{4}$/);
    const second = await open();
    await until(() => first.got.length >= 2);
    assert.equal(first.got[1]?.type, "ApplicationReplaced");
    first.ws.close();
    second.ws.close();
    await until(() => apps.get("demo") === undefined);
    assert.equal(apps.get("demo"), undefined, "the application ends with the socket that holds it");
  });
});
