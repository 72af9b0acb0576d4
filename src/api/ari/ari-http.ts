/**
 * The `/ari` URI of the HTTP server (res_ari.c): CORS for ari.conf's allowed_origins, then
 * authentication (401 with a Basic challenge), then read_only (403 for anything but GET), then
 * the Swagger documents under `/api-docs/` or the REST operation for the method and path, whose
 * reply is JSON (indented with pretty=yes). Errors are Asterisk's `{"message": "…"}`. The events
 * WebSocket (`/ari/events`) is the upgrade path of the same URI.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { AriConfig, AriUser } from "../../config/index.js";
import type { Logger } from "../../core/logger.js";
import type { HttpRoute } from "../http/http-routes.js";
import { acceptWebSocket, refuseUpgrade } from "../http/http-websocket.js";
import type { AriApplications } from "./ari-applications.js";
import { authenticate } from "./ari-auth.js";
import { apiDeclaration, resourceListing } from "./ari-docs.js";
import { AriError, type AriResource } from "./ari-resource.js";
import { AriRouter } from "./ari-router.js";
import { EventSocket } from "./event-socket.js";

export interface AriHttpDeps {
  readonly config: () => AriConfig;
  readonly resources: readonly AriResource[];
  readonly apps: AriApplications;
  /** The http.conf prefix (`/asterisk` or ``), for the documents' basePath. */
  readonly prefix: () => string;
  /** A failed login, for the guard. */
  readonly authFailed: (req: IncomingMessage, username: string, reason: "InvalidAccountID" | "InvalidPassword") => void;
  /** The guard has banned this address: no login is tried. */
  readonly banned: (address: string) => boolean;
  readonly log: Logger;
}

function jsonText(body: unknown, pretty: boolean): string {
  return pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body);
}

export function ariRoute(d: AriHttpDeps): HttpRoute {
  const router = new AriRouter(d.resources);
  const byName = new Map(d.resources.map((r) => [r.name, r]));

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    if (body === undefined) {
      res.writeHead(status, { "Content-Length": 0 });
      res.end();
      return;
    }
    const text = jsonText(body, d.config().general.pretty);
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
  };

  const cors = (req: IncomingMessage, res: ServerResponse): void => {
    const origin = req.headers.origin;
    if (origin === undefined) return;
    const allowed = d.config().general.allowedOrigins;
    if (!allowed.includes("*") && !allowed.includes(origin)) return;
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Access-Control-Allow-Credentials", "true");
  };

  const login = (req: IncomingMessage, query: URLSearchParams): AriUser | { status: number; headers: Record<string, string>; message: string } => {
    const cfg = d.config();
    const challenge = { status: 401, headers: { "WWW-Authenticate": `Basic realm="${cfg.general.authRealm.replace(/"/g, "")}"` }, message: "Authentication required" };
    if (d.banned(req.socket.remoteAddress ?? "")) return challenge;
    const outcome = authenticate(cfg, req.headers.authorization, query);
    if (outcome.kind === "ok") return outcome.user;
    if (outcome.kind === "failed") d.authFailed(req, outcome.username, outcome.reason);
    return challenge;
  };

  const docs = (req: IncomingMessage, rest: string): { status: number; body: unknown } => {
    const base = `http://${req.headers.host ?? "localhost"}${d.prefix()}/ari`;
    if (rest === "resources.json") return { status: 200, body: resourceListing(d.resources, base) };
    const m = /^([A-Za-z]+)\.json$/.exec(rest);
    const r = m?.[1] === undefined ? undefined : byName.get(m[1]);
    return r === undefined ? { status: 404, body: { message: "Resource not found" } } : { status: 200, body: apiDeclaration(r, base) };
  };

  return {
    uri: "ari",
    description: "Asterisk RESTful API",
    subtree: true,
    async handle(req, res, path, query) {
      cors(req, res);
      const method = (req.method ?? "GET").toUpperCase();
      if (method === "OPTIONS") {
        res.setHeader("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
        res.setHeader("Access-Control-Allow-Headers", "Authorization, Content-Type");
        send(res, 204, undefined);
        return;
      }
      const user = login(req, query);
      if (!("name" in user)) {
        send(res, user.status, { message: user.message }, user.headers);
        return;
      }
      if (user.readOnly && method !== "GET") {
        send(res, 403, { message: "Write access denied" });
        return;
      }
      if (path.startsWith("/api-docs/")) {
        const r = docs(req, path.slice("/api-docs/".length));
        send(res, r.status, r.body);
        return;
      }
      const found = router.route(method, path);
      if (found.kind === "no-resource") {
        send(res, 404, { message: "Resource not found" });
        return;
      }
      if (found.kind === "no-method") {
        send(res, 405, { message: "Invalid method" }, { Allow: found.allowed.join(", ") });
        return;
      }
      let body: unknown;
      if (method === "POST" || method === "PUT") {
        const read = await readJsonBody(req);
        if (read.ok === false) {
          send(res, 400, { message: read.message });
          return;
        }
        body = read.body;
        // Asterisk takes parameters from a JSON body too; the query string wins.
        if (body !== null && typeof body === "object" && !Array.isArray(body)) {
          for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
            if (k !== "variables" && !query.has(k) && (typeof v === "string" || typeof v === "number" || typeof v === "boolean")) query.set(k, String(v));
          }
        }
      }
      try {
        const reply = await found.operation.handle({ params: found.params, query, user, body });
        if (reply.raw !== undefined) {
          res.writeHead(reply.status, { "Content-Type": reply.raw.contentType, "Content-Length": reply.raw.data.length });
          res.end(reply.raw.data);
          return;
        }
        send(res, reply.status, reply.body);
      } catch (err) {
        if (err instanceof AriError) {
          send(res, err.status, { message: err.message });
          return;
        }
        d.log.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err), path }, "ARI operation failed");
        send(res, 500, { message: "Internal Server Error" });
      }
    },
    async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, path: string, query: URLSearchParams) {
      if (path !== "/events") {
        refuseUpgrade(socket, 404, "Not Found");
        return;
      }
      const user = login(req, query);
      if (!("name" in user)) {
        const body = JSON.stringify({ message: user.message });
        refuseUpgrade(socket, user.status, "Unauthorized", { ...user.headers, "Content-Type": "application/json" }, body);
        return;
      }
      const names = query
        .getAll("app")
        .flatMap((a) => a.split(","))
        .map((a) => a.trim())
        .filter((a) => a !== "");
      if (names.length === 0) {
        const body = JSON.stringify({ message: "Missing param 'app'" });
        refuseUpgrade(socket, 400, "Bad Request", { "Content-Type": "application/json" }, body);
        return;
      }
      const subscribeAll = /^(true|yes|1)$/i.test(query.get("subscribeAll") ?? "");
      const ws = await acceptWebSocket(req, socket, head);
      const sink = new EventSocket(ws, () => d.config().general, d.log);
      for (const name of names) d.apps.register(name, sink, subscribeAll);
      ws.on("close", () => {
        for (const name of names) d.apps.unregister(name, sink);
      });
      d.log.verbose(3, { user: user.name }, `ARI events WebSocket for ${names.join(",")} (user ${user.name})${subscribeAll ? ", subscribed to all" : ""}`);
    },
  };
}

/** Largest request body read (variables of an originate are small). */
const MAX_BODY = 64 * 1024;

/** A JSON request body (Asterisk takes parameters there too); empty is none. */
function readJsonBody(req: IncomingMessage): Promise<{ ok: true; body: unknown } | { ok: false; message: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on("error", () => resolve({ ok: false, message: "Error reading request body" }));
    req.on("end", () => {
      if (size > MAX_BODY) return resolve({ ok: false, message: "Request body too large" });
      const text = Buffer.concat(chunks).toString("utf8").trim();
      if (text === "") return resolve({ ok: true, body: undefined });
      try {
        resolve({ ok: true, body: JSON.parse(text) as unknown });
      } catch {
        resolve({ ok: false, message: "Error parsing request body" });
      }
    });
  });
}
