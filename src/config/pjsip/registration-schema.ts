/**
 * `type=registration`: an outbound registration of ours at a provider's registrar (reference
 * §1.9), so that the provider knows where to send calls for our number. Defaults as in
 * Asterisk's pjsip.conf.sample.
 */
import { bool, list, str, uint } from "../schema/options.js";
import type { ObjectOrigin, ObjectSchema, SchemaValues } from "../schema/types.js";

const registrationOptions = [
  str("server_uri", "", "Request-URI of the REGISTER: the provider's registrar, e.g. sip:sip.example.com."),
  str("client_uri", "", "Address of record registered (From and To), e.g. sip:1234567890@sip.example.com."),
  str("contact_user", "", "User part of our Contact; calls from the provider arrive for this extension (empty = s)."),
  str("contact_header_params", "", "Parameters added to our Contact header (e.g. ;x-foo=bar)."),
  list("outbound_auth", "Auth sections used to answer the registrar's 401/407 challenges."),
  str("outbound_proxy", "", "Proxy the REGISTER is sent through (e.g. sip:proxy.example.com\\;lr)."),
  str("transport", "", "Transport section the REGISTER leaves on."),
  uint("expiration", 3600, "Registration lifetime (s) asked for."),
  uint("retry_interval", 60, "Seconds before trying again after a temporary failure (timeout, 408, 5xx)."),
  uint("forbidden_retry_interval", 0, "Seconds before trying again after 403 Forbidden; 0 = stop."),
  uint("fatal_retry_interval", 0, "Seconds before trying again after another permanent failure; 0 = stop."),
  uint("max_retries", 10, "Temporary failures in a row before giving up."),
  bool("auth_rejection_permanent", true, "A 401/407 to a REGISTER that already carried our credentials stops the registration."),
  uint("max_random_initial_delay", 10, "The first REGISTER after start waits a random 0..N seconds (spreads many registrations)."),
  bool("line", false, "Add a line parameter to our Contact; calls that carry it belong to endpoint=.", { key: "lineParam" }),
  str("endpoint", "", "Endpoint that calls arriving through this registration (line=yes) belong to."),
  bool("support_path", false, "Advertise Path support (RFC 3327) in the REGISTER (Supported: path)."),
  bool("support_outbound", false, "SIP Outbound (RFC 5626) flow keep-alives.", { implemented: false }),
  str("security_negotiation", "no", "Security agreement (RFC 3329, mediasec).", { implemented: false }),
  str("security_mechanisms", "", "Mechanisms for security_negotiation.", { implemented: false }),
] as const;

export type RegistrationValues = SchemaValues<typeof registrationOptions>;
export type RegistrationConfig = RegistrationValues & ObjectOrigin;

export const registrationSchema: ObjectSchema<typeof registrationOptions> = {
  type: "registration",
  synopsis: "Outbound registration of ours at a provider's registrar.",
  options: registrationOptions,
  finalize(values) {
    const errors: string[] = [];
    if (!/^sips?:/i.test(values.serverUri)) errors.push(`server_uri= is required and must be a sip: or sips: URI (e.g. sip:sip.example.com), not '${values.serverUri}'`);
    if (!/^sips?:/i.test(values.clientUri)) errors.push(`client_uri= is required and must be a sip: or sips: URI (e.g. sip:1234567890@sip.example.com), not '${values.clientUri}'`);
    if (values.expiration === 0) errors.push("expiration=0 would unregister at once; set the lifetime in seconds (e.g. 3600)");
    return errors;
  },
};
