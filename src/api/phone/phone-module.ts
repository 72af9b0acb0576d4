/**
 * The browser phone (web/phone): a page on the HTTP server at `<prefix>/phone/` that registers an
 * extension over the SIP WebSocket at `<prefix>/ws` and phones with WebRTC. It is served wherever
 * the HTTP server listens; browsers give a page microphone access and WebRTC only over HTTPS
 * (http.conf `tlsenable`) or from localhost.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpModule } from "../http/http-module.js";
import type { PbxModuleContext, SwitchboardModule } from "../../pbx/module-context.js";
import { PhoneAssets } from "./phone-assets.js";

/** What the page may load: only its own files and its WebSocket. */
const SECURITY_HEADERS = {
  "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; connect-src 'self' wss: ws:; media-src 'self' blob: mediastream:; style-src 'self'; script-src 'self'",
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-cache",
};

export class PhoneModule implements SwitchboardModule {
  readonly name = "phone";
  readonly description = "Browser phone page (WebRTC over the SIP WebSocket)";
  private readonly assets = new PhoneAssets();

  constructor(private readonly deps: { http: HttpModule }) {}

  start(ctx: PbxModuleContext): void {
    const log = ctx.log.child({ category: "api.phone" });
    ctx.defer(
      this.deps.http.routes.register({
        uri: "phone",
        subtree: true,
        description: "Switchboard browser phone",
        handle: (req, res, path) => this.serve(req, res, path, (err) => log.error({ err: String(err) }, `phone page: ${String(err)}`)),
      }),
    );
  }

  private async serve(req: IncomingMessage, res: ServerResponse, path: string, fail: (err: unknown) => void): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    // Relative links need the trailing slash: /phone → /phone/.
    if (path === "") {
      res.writeHead(301, { Location: `${(req.url ?? "/phone").split("?")[0] ?? "/phone"}/` }).end();
      return;
    }
    const name = path === "/" ? "index.html" : path.slice(1);
    try {
      const asset = await this.assets.get(name);
      if (asset === undefined) {
        res.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("Not found\n");
        return;
      }
      res.writeHead(200, { "Content-Type": asset.type, "Content-Length": asset.body.length, ...SECURITY_HEADERS });
      res.end(req.method === "HEAD" ? undefined : asset.body);
    } catch (err) {
      fail(err);
      res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" }).end("The phone page could not be built; see the log\n");
    }
  }
}
