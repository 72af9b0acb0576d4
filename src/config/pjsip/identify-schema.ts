/**
 * `type=identify`: maps the source address of a request (or a header, or the Request-URI) to an
 * endpoint (reference §1.10). Hostnames in `match=` are kept as written; the identify module
 * resolves them when the configuration is applied.
 */
import { bool, matchList, str } from "../schema/options.js";
import type { ObjectOrigin, ObjectSchema, SchemaValues } from "../schema/types.js";

function checkMatchHeader(v: string): string | undefined {
  if (v.trim() === "") return undefined;
  const colon = v.indexOf(":");
  if (colon <= 0 || v.slice(colon + 1).trim() === "") return "write Header-Name: value (or Header-Name: /regex/)";
  const value = v.slice(colon + 1).trim();
  if (value.length > 2 && value.startsWith("/") && value.endsWith("/")) {
    try {
      new RegExp(value.slice(1, -1));
    } catch (err) {
      return `'${value}' is not a valid regular expression (${err instanceof Error ? err.message : String(err)})`;
    }
  }
  return undefined;
}

const identifyOptions = [
  str("endpoint", "", "Endpoint that matching requests belong to."),
  matchList("match", "IP address, network (CIDR or dotted mask), addr:port, [v6]:port or host name. Comma list, repeatable."),
  bool("srv_lookups", true, "Resolve host names in match= through SRV records first.", { implemented: false }),
  str("match_header", "", "Header-Name: value (value may be /regex/) that identifies the endpoint (the endpoint's identify_by must list header).", { check: checkMatchHeader }),
  str("match_request_uri", "", "Request-URI (user or full URI, may be /regex/) that identifies the endpoint.", { implemented: false }),
] as const;

export type IdentifyValues = SchemaValues<typeof identifyOptions>;
export type IdentifyConfig = IdentifyValues & ObjectOrigin;

export const identifySchema: ObjectSchema<typeof identifyOptions> = {
  type: "identify",
  synopsis: "Matches requests to an endpoint by source address, header or Request-URI.",
  options: identifyOptions,
  finalize(values) {
    return values.endpoint.length === 0 ? ["endpoint= is required; name the endpoint this identify matches for"] : [];
  },
};
