/**
 * The pjsip.conf object types Switchboard knows: the implemented ones, each declared once by
 * its descriptor, and Asterisk's other types, which are accepted with a warning so that an
 * existing Asterisk pjsip.conf loads without errors.
 *
 * Adding a type is one descriptor in PJSIP_OBJECT_TYPES (and its schema file); the loader, the
 * reload carry-over, the sample file and the console's object tables follow from it.
 */
import { aorSchema } from "./aor-schema.js";
import { authSchema } from "./auth-schema.js";
import { endpointSchema } from "./endpoint-schema.js";
import { globalSchema } from "./global-schema.js";
import { identifySchema } from "./identify-schema.js";
import { pjsipObjectType, PjsipObjectTypes } from "./object-descriptor.js";
import { registrationSchema } from "./registration-schema.js";
import { systemSchema } from "./system-schema.js";
import { transportSchema } from "./transport-schema.js";
import type { ObjectSchema } from "../schema/types.js";

/** Every implemented pjsip.conf object type, in the order the sample file documents them. */
export const PJSIP_OBJECT_TYPES = new PjsipObjectTypes([
  pjsipObjectType({ schema: transportSchema, storage: "list", field: "transports" }),
  pjsipObjectType({ schema: endpointSchema, storage: "keyed", field: "endpoints" }),
  pjsipObjectType({ schema: aorSchema, storage: "keyed", field: "aors" }),
  pjsipObjectType({ schema: authSchema, storage: "keyed", field: "auths" }),
  pjsipObjectType({ schema: identifySchema, storage: "list", field: "identifies" }),
  pjsipObjectType({ schema: registrationSchema, storage: "keyed", field: "registrations" }),
  pjsipObjectType({ schema: globalSchema, storage: "singleton", field: "global", impliedBy: ["global"] }),
  pjsipObjectType({ schema: systemSchema, storage: "singleton", field: "system", impliedBy: ["system"] }),
]);

/** The schemas of the implemented types, in the same order. */
export const PJSIP_SCHEMAS: readonly ObjectSchema[] = PJSIP_OBJECT_TYPES.list().map((d) => d.schema);

/**
 * Asterisk object types that are valid in pjsip.conf but have no implementation here yet. A
 * type registered in the load's PjsipObjectTypes is loaded instead, even while it is listed here.
 */
export const UNIMPLEMENTED_PJSIP_TYPES: readonly string[] = [
  "domain_alias",
  "acl",
  "contact",
  "outbound-publish",
  "inbound-publication",
  "asterisk-publication",
  "resource_list",
  "phoneprov",
];

export function schemaForType(type: string): ObjectSchema | undefined {
  return PJSIP_OBJECT_TYPES.get(type)?.schema;
}
