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
}

export class EndpointDirectory {
  readonly endpoints: ReadonlyMap<string, EndpointConfig>;
  readonly aors: ReadonlyMap<string, AorConfig>;
  readonly auths: ReadonlyMap<string, AuthConfig>;
  readonly identifies: readonly IdentifyConfig[];
  private readonly byAuthUsername = new Map<string, EndpointConfig[]>();
  private readonly ipRules: IpRule[] = [];
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
      for (const m of idf.match) {
        if (m.kind !== "ip") continue;
        const net = parseNetwork(`${m.address}/${m.prefixLength}`);
        if (net) this.ipRules.push({ net, port: m.port, endpoint: idf.endpoint, identify: idf.id });
      }
    }
  }

  /**
   * identify `match=` host names are resolved when the configuration is applied (load/reload),
   * as Asterisk does; DNS changes need a reload.
   */
  async resolveHostnames(log: Logger): Promise<void> {
    for (const idf of this.identifies) {
      for (const m of idf.match) {
        if (m.kind !== "host") continue;
        try {
          const addrs = await lookup(m.host, { all: true });
          for (const a of addrs) {
            const net = parseNetwork(a.address);
            if (net) this.ipRules.push({ net, port: m.port, endpoint: idf.endpoint, identify: idf.id });
          }
        } catch (err) {
          log.warn({ identify: idf.id, host: m.host }, `identify '${idf.id}': cannot resolve match host '${m.host}' (${String(err)}); it matches nothing until reload`);
        }
      }
    }
  }

  endpoint(id: string): EndpointConfig | undefined {
    return this.endpoints.get(id);
  }

  byAuthUser(username: string): EndpointConfig[] {
    return this.byAuthUsername.get(username) ?? [];
  }

  /** identify `match`: the first rule containing the source address (and port, when given). */
  byAddress(address: string, port: number): EndpointConfig | undefined {
    for (const r of this.ipRules) {
      if (r.port !== undefined && r.port !== port) continue;
      if (networkContains(r.net, address)) return this.endpoints.get(r.endpoint);
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

