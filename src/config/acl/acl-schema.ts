/**
 * acl.conf: named access control lists. Each section is one ACL, its `permit=` and `deny=`
 * lines in file order (the last line whose network holds the address decides; none matching
 * allows), which manager.conf users (`acl=`) and pjsip.conf endpoints (`acl=`, `contact_acl=`)
 * name. An address must pass every ACL listed, and the object's own permit/deny lines too.
 */
import { aclRules } from "../schema/options.js";
import type { ObjectSchema, SchemaValues } from "../schema/types.js";

const aclOptions = [
  aclRules("deny", "deny", "Networks this ACL refuses (with permit=, in file order; the last matching line decides).", { key: "permit" }),
  aclRules("permit", "permit", "Networks this ACL allows (with deny=, in file order; the last matching line decides)."),
] as const;

export type AclValues = SchemaValues<typeof aclOptions>;

export const aclSchema: ObjectSchema<typeof aclOptions> = {
  type: "acl",
  synopsis: "acl.conf section: one named ACL, its permit and deny lines in file order.",
  options: aclOptions,
};
