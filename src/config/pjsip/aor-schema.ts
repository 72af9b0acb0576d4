/**
 * `type=aor`: an Address of Record, holding static contacts and the limits for registrations
 * (reference §1.8). max_contacts=0, the default, means REGISTER is refused with 403.
 */
import { bool, float, list, str, uint } from "../schema/options.js";
import type { ObjectOrigin, ObjectSchema, SchemaValues } from "../schema/types.js";

const aorOptions = [
  list("contact", "Static contact URI (e.g. sip:198.51.100.1:5060). Repeatable; not limited by max_contacts.", { repeat: "append" }),
  uint("max_contacts", 0, "Most contacts that may register; 0 refuses registration (403)."),
  bool("remove_existing", false, "When max_contacts is reached, replace the soonest-expiring contact instead of refusing."),
  bool("remove_unavailable", false, "Remove unreachable contacts first when max_contacts is reached.", { implemented: false }),
  uint("default_expiration", 3600, "Expiry (s) used when a REGISTER asks for none."),
  uint("minimum_expiration", 60, "Shortest expiry (s) accepted; shorter requests get 423 Interval Too Brief."),
  uint("maximum_expiration", 7200, "Longest expiry (s) granted."),
  uint("qualify_frequency", 0, "Seconds between OPTIONS pings to each contact; 0 = never.", { max: 86400 }),
  float("qualify_timeout", 3.0, "Seconds to wait for a qualify answer before the contact is Unreachable.", { min: 0 }),
  bool("qualify_2xx_only", false, "Only a 2xx answer to a qualify marks the contact Reachable (otherwise any final answer does)."),
  bool("authenticate_qualify", false, "Answer challenges to qualify OPTIONS.", { implemented: false }),
  str("outbound_proxy", "", "Proxy URI for requests to this AOR's contacts.", { implemented: false }),
  bool("support_path", false, "Honour Path headers in REGISTER (RFC 3327).", { implemented: false }),
  str("mailboxes", "", "Mailboxes (box@context, comma list) whose MWI is sent to the contacts of this AOR's endpoints."),
  str("voicemail_extension", "", "Extension dialled to reach voicemail.", { implemented: false, hint: "the endpoint's voicemail_extension names the Message-Account in MWI" }),
] as const;

export type AorValues = SchemaValues<typeof aorOptions>;
export type AorConfig = AorValues & ObjectOrigin;

export const aorSchema: ObjectSchema<typeof aorOptions> = {
  type: "aor",
  synopsis: "Address of Record: static contacts and registration limits.",
  options: aorOptions,
  finalize(values) {
    const errors: string[] = [];
    if (values.minimumExpiration > values.maximumExpiration) {
      errors.push(`minimum_expiration=${values.minimumExpiration} is larger than maximum_expiration=${values.maximumExpiration}; make minimum_expiration <= maximum_expiration`);
    }
    return errors;
  },
};
