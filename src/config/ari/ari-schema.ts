/**
 * ari.conf: the Asterisk REST Interface. `[general]` switches it on and shapes its answers;
 * every section with `type=user` is a login for the REST calls and the events WebSocket.
 * Defaults are Asterisk's (res/ari/config.c): enabled, compact JSON, realm "Asterisk REST
 * Interface", 100 ms WebSocket write timeout, plain passwords.
 */
import { bool, list, oneOf, str, uint } from "../schema/options.js";
import type { ObjectSchema, SchemaValues } from "../schema/types.js";

const generalOptions = [
  bool("enabled", true, "Serve ARI (http.conf must have the HTTP server enabled and bound too)."),
  bool("pretty", false, "Indent the JSON of responses and events."),
  list("allowed_origins", "Origins (scheme://host:port, or *) whose browser requests get CORS headers, comma separated."),
  str("auth_realm", "Asterisk REST Interface", "Realm of the Basic authentication challenge."),
  uint("websocket_write_timeout", 100, "Milliseconds a write to an events WebSocket may stay unsent before the socket is closed.", { min: 1 }),
  list("channelvars", "Channel variables added to every channel object of events (as channelvars), comma separated."),
] as const;

export type AriGeneral = SchemaValues<typeof generalOptions>;

export const ariGeneralSchema: ObjectSchema<typeof generalOptions> = {
  type: "general",
  synopsis: "ari.conf [general]: whether ARI is served and how its JSON looks.",
  options: generalOptions,
};

const userOptions = [
  bool("read_only", false, "The user may only GET; other methods answer 403."),
  str("password", "", "The user's password (as written, or a crypt(3) hash with password_format=crypt)."),
  oneOf("password_format", ["plain", "crypt"] as const, "plain", "How password is written: plain text (crypt, a crypt(3) hash, is refused at load: Switchboard does not check such hashes)."),
] as const;

export type AriUserValues = SchemaValues<typeof userOptions>;

export const ariUserSchema: ObjectSchema<typeof userOptions> = {
  type: "user",
  synopsis: "ari.conf user section (type=user): one ARI login.",
  options: userOptions,
};
