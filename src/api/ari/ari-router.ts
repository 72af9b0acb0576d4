/**
 * Finds the operation for a method and a path below /ari by the resources' path templates
 * (`/channels/{channelId}/answer`), and says why none fits: no such resource (404) or not
 * that method (405), as res_ari.c distinguishes them.
 */
import type { AriMethod, AriOperation, AriResource } from "./ari-resource.js";

interface CompiledApi {
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly operations: readonly AriOperation[];
}

export type RouteResult =
  | { readonly kind: "found"; readonly operation: AriOperation; readonly params: Record<string, string> }
  | { readonly kind: "no-resource" }
  | { readonly kind: "no-method"; readonly allowed: readonly string[] };

function escape(s: string): string {
  return s.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
}

export class AriRouter {
  private readonly apis: CompiledApi[] = [];

  constructor(resources: readonly AriResource[]) {
    for (const r of resources) {
      for (const a of r.apis) {
        const names: string[] = [];
        const source = a.path
          .split(/(\{[A-Za-z]+\})/)
          .map((part) => {
            const m = /^\{([A-Za-z]+)\}$/.exec(part);
            if (m?.[1] === undefined) return escape(part);
            names.push(m[1]);
            return "([^/]+)";
          })
          .join("");
        this.apis.push({ pattern: new RegExp(`^${source}$`), names, operations: a.operations });
      }
    }
  }

  route(method: string, path: string): RouteResult {
    const allowed = new Set<string>();
    for (const api of this.apis) {
      const m = api.pattern.exec(path);
      if (m === null) continue;
      const op = api.operations.find((o) => o.httpMethod === (method as AriMethod));
      if (op === undefined) {
        for (const o of api.operations) allowed.add(o.httpMethod);
        continue;
      }
      const params: Record<string, string> = {};
      api.names.forEach((n, i) => {
        params[n] = decodeURIComponent(m[i + 1] ?? "");
      });
      return { kind: "found", operation: op, params };
    }
    return allowed.size > 0 ? { kind: "no-method", allowed: [...allowed] } : { kind: "no-resource" };
  }
}
