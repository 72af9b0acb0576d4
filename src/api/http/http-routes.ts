/**
 * The URIs of the HTTP server, as other modules register them (Asterisk's `ast_http_uri_link`):
 * each route owns one URI below the prefix (`ari`), optionally the subtree under it
 * (`/ari/...`), and may take WebSocket upgrades there. `http show status` lists them in
 * registration order.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { PbxError } from "../../core/errors.js";

export interface HttpRoute {
  /** The URI below the prefix, without slashes at either end: `ari`, `ws`. */
  readonly uri: string;
  /** One line for `http show status` ("Asterisk RESTful API"). */
  readonly description: string;
  /** True when every URI below `uri` is this route's too. */
  readonly subtree: boolean;
  /** Answers a request; `path` is what follows the route's URI (`/asterisk/info`, or ``). */
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): void | Promise<void>;
  /** Takes a WebSocket upgrade; without it an upgrade to this route is refused with 404. */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer, path: string, query: URLSearchParams): void | Promise<void>;
}

export interface RouteMatch {
  readonly route: HttpRoute;
  /** The rest of the path after the route's URI: `` or `/…`. */
  readonly path: string;
}

export class HttpRouteTable {
  private readonly routes: HttpRoute[] = [];

  /** Adds a route; returns the matching unregister. A URI registered twice is a programming error. */
  register(route: HttpRoute): () => void {
    if (/^\/|\/$/.test(route.uri)) throw new PbxError("INVALID_ARGUMENT", `HTTP route '${route.uri}' must not start or end with /`);
    if (this.routes.some((r) => r.uri === route.uri)) throw new PbxError("INVALID_ARGUMENT", `HTTP route /${route.uri} is already registered`);
    this.routes.push(route);
    return () => {
      const i = this.routes.indexOf(route);
      if (i >= 0) this.routes.splice(i, 1);
    };
  }

  /** The route for a path already stripped of the prefix (`/ari/asterisk/info`). */
  find(path: string): RouteMatch | undefined {
    const p = path.startsWith("/") ? path.slice(1) : path;
    let best: RouteMatch | undefined;
    for (const route of this.routes) {
      if (p === route.uri) return { route, path: "" };
      if (route.subtree && p.startsWith(`${route.uri}/`) && (best === undefined || route.uri.length > best.route.uri.length)) {
        best = { route, path: p.slice(route.uri.length) };
      }
    }
    return best;
  }

  list(): readonly HttpRoute[] {
    return this.routes;
  }
}
