/**
 * The endpoint directory: the loaded pjsip objects plus the indexes the request path needs
 * (auth username → endpoints, source address → identify). Rebuilt as a whole on reload and
 * swapped atomically, so a request sees one consistent configuration.
 */
import { lookup } from "node:dns/promises";
import { networkContains, parseNetwork, type IpNetwork } from "../../core/ip.js";
import type { Logger } from "../../core/logger.js";
import type { AorConfig, AuthConfig, EndpointConfig, IdentifyConfig, PjsipConfigResult as PjsipConfig } from "../../config/index.js";

interface IpRule {
  net: IpNetwork;
  port?: number | undefined;
  endpoint: string;
  identify: string;
  /** The match= host name it was resolved from. */
  host?: string;
}

/** `Name: value` or `Name: /regex/` of match_header; undefined when empty or unreadable (the schema says why). */
export function parseMatchHeader(text: string): { name: string; value: string; regex: RegExp | undefined } | undefined {
  const colon = text.indexOf(":");
  if (colon <= 0) return undefined;
  const name = text.slice(0, colon).trim();
  const value = text.slice(colon + 1).trim();
  if (name === "" || value === "") return undefined;
  if (value.length > 2 && value.startsWith("/") && value.endsWith("/")) {
    try {
      return { name, value, regex: new RegExp(value.slice(1, -1)) };
    } catch {
      return undefined;
    }
  }
  return { name, value, regex: undefined };
}

async function defaultResolve(host: string): Promise<readonly string[]> {
  return (await lookup(host, { all: true })).map((a) => a.address);
}

export class EndpointDirectory {
  readonly endpoints: ReadonlyMap<string, EndpointConfig>;
  readonly aors: ReadonlyMap<string, AorConfig>;
  readonly auths: ReadonlyMap<string, AuthConfig>;
  readonly identifies: readonly IdentifyConfig[];
  private readonly byAuthUsername = new Map<string, EndpointConfig[]>();
  private readonly ipRules: IpRule[] = [];
  /** Rules from `match=` host names, replaced as a whole by each resolution. */
  private hostRules: IpRule[] = [];
  /** What each `identify/host` resolved to last, to log changes only. */
  private readonly resolved = new Map<string, string>();
  private readonly headerRules: Array<{ name: string; value: string; regex: RegExp | undefined; endpoint: string }> = [];
  /** AOR name → endpoints that list it in `aors`. */
  private readonly endpointsByAor = new Map<string, EndpointConfig[]>();

  constructor(readonly config: PjsipConfig) {
    this.endpoints = config.endpoints;
    this.aors = config.aors;
    this.auths = config.auths;
    this.identifies = config.identifies;
    for (const ep of config.endpoints.values()) {
      for (const authId of ep.auth) {
        const auth = config.auths.get(authId);
        if (!auth) continue;
        const list = this.byAuthUsername.get(auth.username) ?? [];
        list.push(ep);
        this.byAuthUsername.set(auth.username, list);
      }
      for (const aor of ep.aors) {
        const list = this.endpointsByAor.get(aor) ?? [];
        list.push(ep);
        this.endpointsByAor.set(aor, list);
      }
    }
    for (const idf of config.identifies) {
      const header = parseMatchHeader(idf.matchHeader);
      if (header) this.headerRules.push({ ...header, endpoint: idf.endpoint });
      for (const m of idf.match) {
        if (m.kind !== "ip") continue;
        const net = parseNetwork(`${m.address}/${m.prefixLength}`);
        if (net) this.ipRules.push({ net, port: m.port, endpoint: idf.endpoint, identify: idf.id });
      }
    }
  }

  /** True when some identify `match=` names a host, so resolveHostnames has work to do. */
  get hasHostnames(): boolean {
    return this.identifies.some((i) => i.match.some((m) => m.kind === "host"));
  }

  /**
   * identify `match=` host names (A/AAAA, every address) are resolved when the configuration is
   * applied, as Asterisk does, and again by the config module's refresh timer, so a provider that
   * moves its addresses is still recognised. A host that does not resolve keeps its previous
   * addresses (one WARNING); a change of addresses is one NOTICE.
   */
  async resolveHostnames(log: Logger, resolve: (host: string) => Promise<readonly string[]> = defaultResolve): Promise<void> {
    const next: IpRule[] = [];
    for (const idf of this.identifies) {
      for (const m of idf.match) {
        if (m.kind !== "host") continue;
        const key = `${idf.id}/${m.host}`;
        let addrs: readonly string[];
        try {
          addrs = await resolve(m.host);
        } catch (err) {
          const before = this.resolved.get(key);
          log.warn({ identify: idf.id, host: m.host }, `identify '${idf.id}': cannot resolve match host '${m.host}' (${err instanceof Error ? err.message : String(err)}); ${before ? `keeping ${before}` : "it matches nothing until it resolves"}`);
          for (const r of this.hostRules) if (r.identify === idf.id && r.host === m.host) next.push(r);
          continue;
        }
        const text = [...addrs].sort().join(",");
        const before = this.resolved.get(key);
        if (before !== undefined && before !== text) log.notice({ identify: idf.id, host: m.host }, `identify '${idf.id}': match host '${m.host}' now resolves to ${text} (was ${before})`);
        this.resolved.set(key, text);
        for (const a of addrs) {
          const net = parseNetwork(a);
          if (net) next.push({ net, port: m.port, endpoint: idf.endpoint, identify: idf.id, host: m.host });
        }
      }
    }
    this.hostRules = next;
  }

  endpoint(id: string): EndpointConfig | undefined {
    return this.endpoints.get(id);
  }

  byAuthUser(username: string): EndpointConfig[] {
    return this.byAuthUsername.get(username) ?? [];
  }

  /** identify `match`: the first rule containing the source address (and port, when given). */
  byAddress(address: string, port: number): EndpointConfig | undefined {
    for (const rules of [this.ipRules, this.hostRules]) {
      for (const r of rules) {
        if (r.port !== undefined && r.port !== port) continue;
        if (networkContains(r.net, address)) return this.endpoints.get(r.endpoint);
      }
    }
    return undefined;
  }

  /**
   * identify `match_header = Name: value` (value exact, or `/regex/`): the first identify whose
   * header the request carries with that value. `values(name)` gives the request's values.
   */
  byHeader(values: (name: string) => readonly string[]): EndpointConfig | undefined {
    for (const r of this.headerRules) {
      if (values(r.name).some((v) => (r.regex ? r.regex.test(v) : v.trim() === r.value))) return this.endpoints.get(r.endpoint);
    }
    return undefined;
  }

  endpointsForAor(aor: string): EndpointConfig[] {
    return this.endpointsByAor.get(aor) ?? [];
  }

  /** The inbound auth objects of an endpoint. */
  authsOf(ep: EndpointConfig): AuthConfig[] {
    const out: AuthConfig[] = [];
    for (const id of ep.auth) {
      const a = this.auths.get(id);
      if (a) out.push(a);
    }
    return out;
  }
}

