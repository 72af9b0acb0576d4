/**
 * `type=identify`: maps the source address of a request (or a header, or the Request-URI) to an
 * endpoint (reference §1.10). Hostnames in `match=` are kept as written; the identify module
 * resolves them when the configuration is applied.
 */
import { bool, matchList, str } from "../schema/options.js";
import type { ObjectOrigin, ObjectSchema, SchemaValues } from "../schema/types.js";

const identifyOptions = [
  str("endpoint", "", "Endpoint that matching requests belong to."),
  matchList("match", "IP address, network (CIDR or dotted mask), addr:port, [v6]:port or host name. Comma list, repeatable."),
  bool("srv_lookups", true, "Resolve host names in match= through SRV records first.", { implemented: false }),
  str("match_header", "", "Header-Name: value (value may be /regex/) that identifies the endpoint.", { implemented: false }),
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
