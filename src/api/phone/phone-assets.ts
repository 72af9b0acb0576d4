/**
 * The browser phone's files (web/phone in the package): the page and its style as they are, and
 * its script bundled with JsSIP by esbuild the first time it is asked for (in memory, about a
 * tenth of a second), so the phone needs nothing installed and nothing fetched from elsewhere.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** `<package>/web/phone`. */
export const PHONE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "web", "phone");

export interface PhoneAsset {
  readonly type: string;
  readonly body: Buffer;
}

const STATIC: Readonly<Record<string, string>> = {
  "index.html": "text/html; charset=utf-8",
  "phone.css": "text/css; charset=utf-8",
};

export class PhoneAssets {
  private script: Promise<PhoneAsset> | undefined;

  constructor(private readonly dir = PHONE_DIR) {}

  /** The file `name` (`index.html`, `phone.css`, `phone.js`), or undefined for any other name. */
  async get(name: string): Promise<PhoneAsset | undefined> {
    const type = STATIC[name];
    if (type !== undefined) return { type, body: readFileSync(join(this.dir, name)) };
    if (name !== "phone.js") return undefined;
    this.script ??= this.bundle();
    return this.script;
  }

  private async bundle(): Promise<PhoneAsset> {
    const { build } = await import("esbuild");
    const out = await build({
      entryPoints: [join(this.dir, "phone.js")],
      bundle: true,
      format: "iife",
      platform: "browser",
      target: "es2020",
      minify: true,
      write: false,
      logLevel: "silent",
      // JsSIP's debug module looks for these; the browser has neither.
      define: { "process.env.NODE_ENV": '"production"', global: "globalThis" },
    });
    const file = out.outputFiles[0];
    if (file === undefined) throw new Error("esbuild wrote no bundle for the phone page");
    return { type: "text/javascript; charset=utf-8", body: Buffer.from(file.contents) };
  }
}
