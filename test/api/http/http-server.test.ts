/**
 * The HTTP listener on loopback: routes below the prefix, Asterisk's 404 page, the Server
 * header, sessionlimit, WebSocket upgrades only where a route takes them, and `http show status`.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { WebSocket } from "ws";
import { nullLogger } from "../../../src/core/logger.js";
import { httpShowStatusText } from "../../../src/api/http/http-commands.js";
import { HttpRouteTable } from "../../../src/api/http/http-routes.js";
import { HttpServer, normalizePrefix } from "../../../src/api/http/http-server.js";
import { acceptWebSocket } from "../../../src/api/http/http-websocket.js";
import { parseTlsBind } from "../../../src/api/http/http-module.js";

describe("http server: routes, prefix, limits, upgrades", () => {
  const routes = new HttpRouteTable();
  let server: HttpServer;
  let base: string;
  const seen: string[] = [];

  before(async () => {
    routes.register({
      uri: "ari",
      description: "Asterisk RESTful API",
      subtree: true,
      handle: (_req, res, path, query) => {
        seen.push(`${path}?${query.toString()}`);
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.end("ok");
      },
      upgrade: async (req, socket, head) => {
        const ws = await acceptWebSocket(req, socket, head);
        ws.send("hello");
      },
    });
    routes.register({ uri: "plain", description: "no upgrades", subtree: false, handle: (_q, res) => void res.end("plain") });
    server = new HttpServer({ host: "127.0.0.1", port: 0, prefix: normalizePrefix("/asterisk/"), serverName: "Switchboard/test", sessionLimit: 3, inactivityMs: 30000, keepAliveMs: 1000 }, routes, nullLogger);
    await server.listen();
    base = `http://127.0.0.1:${server.address?.port ?? 0}`;
  });

  after(async () => {
    await server.close();
  });

  it("hands /asterisk/ari/... to the route with the path below it and the query, with our Server header", async () => {
    const res = await fetch(`${base}/asterisk/ari/asterisk/info?only=system`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("server"), "Switchboard/test");
    assert.equal(await res.text(), "ok");
    assert.deepEqual(seen.at(-1), "/asterisk/info?only=system");
  });

  it("answers 404 outside the prefix, for unknown URIs, and below a route without subtree", async () => {
    for (const path of ["/ari/asterisk/info", "/asterisk/nothing", "/asterisk/plain/below"]) {
      const res = await fetch(`${base}${path}`);
      assert.equal(res.status, 404, path);
      assert.match(await res.text(), /<title>404 Not Found<\/title>/);
    }
    assert.equal(await (await fetch(`${base}/asterisk/plain`)).text(), "plain");
  });

  it("takes a WebSocket upgrade where the route has one and refuses it with 404 elsewhere", async () => {
    const hello = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(`${base.replace("http", "ws")}/asterisk/ari/events`);
      ws.on("message", (m: Buffer) => {
        resolve(m.toString());
        ws.close();
      });
      ws.on("error", reject);
    });
    assert.equal(hello, "hello");
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${base.replace("http", "ws")}/asterisk/plain`);
      ws.on("unexpected-response", (_q, res) => resolve(res.statusCode ?? 0));
      ws.on("error", () => resolve(-1));
    });
    assert.equal(status, 404);
  });

  it("closes a connection over sessionlimit at once", async () => {
    const port = server.address?.port ?? 0;
    const open = await Promise.all([0, 1, 2].map(() => new Promise<ReturnType<typeof connect>>((resolve) => {
      const s = connect(port, "127.0.0.1", () => resolve(s));
    })));
    const closed = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.on("close", () => resolve(true));
      setTimeout(() => resolve(false), 2000).unref();
    });
    for (const s of open) s.destroy();
    assert.equal(closed, true, "the fourth connection was closed");
  });

  it("http show status: Asterisk's layout with prefix, bound address and URIs", () => {
    const text = httpShowStatusText({ prefix: () => "/asterisk", serverName: () => "Switchboard/1.0", bound: () => "127.0.0.1:8088", uris: () => routes.list() });
    assert.equal(
      text,
      "HTTP Server Status:\nPrefix: /asterisk\nServer: Switchboard/1.0\nServer Enabled and Bound to 127.0.0.1:8088\n\nEnabled URI's:\n/asterisk/ari/... => Asterisk RESTful API\n/asterisk/plain => no upgrades\n\nEnabled Redirects:\n  None.\n",
    );
    assert.match(httpShowStatusText({ prefix: () => "", serverName: () => "S", bound: () => undefined, uris: () => [] }), /^HTTP Server Status:\nPrefix: \nServer: S\nServer Disabled\n\nEnabled URI's:\nNone.\n/);
  });

  it("refuses a second route for the same URI", () => {
    assert.throws(() => routes.register({ uri: "ari", description: "", subtree: false, handle: () => undefined }), /already registered/);
  });
});

describe("http module: tlsbindaddr and the HTTPS status line", () => {
  it("tlsbindaddr takes address:port, [v6]:port, or an address alone on 8089", () => {
    assert.deepEqual(parseTlsBind("0.0.0.0:8089"), { host: "0.0.0.0", port: 8089 });
    assert.deepEqual(parseTlsBind("[::]:8443"), { host: "::", port: 8443 });
    assert.deepEqual(parseTlsBind("127.0.0.1"), { host: "127.0.0.1", port: 8089 });
    assert.equal(parseTlsBind("127.0.0.1:99999"), undefined);
  });

  it("http show status names the HTTPS listener after the HTTP one", () => {
    const text = httpShowStatusText({ prefix: () => "", serverName: () => "S", bound: () => "127.0.0.1:8088", tlsBound: () => "127.0.0.1:8089", uris: () => [] });
    assert.match(text, /\nServer Enabled and Bound to 127\.0\.0\.1:8088\n\nHTTPS Server Enabled and Bound to 127\.0\.0\.1:8089\n\nEnabled URI's:\n/);
  });
});
