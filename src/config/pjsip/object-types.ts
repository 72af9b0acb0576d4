/**
 * The pjsip.conf object types Switchboard knows: the implemented ones with their schemas, and
 * Asterisk's other types, which are accepted with a warning so that an existing Asterisk
 * pjsip.conf loads without errors.
 */
import { aorSchema } from "./aor-schema.js";
import { authSchema } from "./auth-schema.js";
import { endpointSchema } from "./endpoint-schema.js";
import { globalSchema } from "./global-schema.js";
import { identifySchema } from "./identify-schema.js";
import { systemSchema } from "./system-schema.js";
import { transportSchema } from "./transport-schema.js";
import type { ObjectSchema } from "../schema/types.js";

/** Every implemented pjsip.conf object type, in the order the sample file documents them. */
export const PJSIP_SCHEMAS = [transportSchema, endpointSchema, aorSchema, authSchema, identifySchema, globalSchema, systemSchema] as const;

export type PjsipObjectType = (typeof PJSIP_SCHEMAS)[number]["type"];

/** Asterisk object types that are valid in pjsip.conf but have no implementation here yet. */
export const UNIMPLEMENTED_PJSIP_TYPES: readonly string[] = [
  "registration",
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
  return (PJSIP_SCHEMAS as readonly ObjectSchema[]).find((s) => s.type === type);
}

/** Section names whose type is implied when `type=` is missing. */
export const IMPLIED_TYPES: Readonly<Record<string, string>> = { global: "global", system: "system" };
