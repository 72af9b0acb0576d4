/**
 * Renders the reference part of a `.conf.sample` file from schemas: for every object type, every
 * option with its default and synopsis, commented out so the sample still loads cleanly.
 * scripts/gen-samples.ts writes the files; a test keeps them equal to this output.
 */
import type { AnyOption, ObjectSchema } from "./types.js";

const RULE = `;${"=".repeat(78)}`;

function optionLine(name: string, defaultText: string, synopsis: string, implemented: boolean): string {
  const setting = `;${name}=${defaultText}`;
  const note = implemented ? synopsis : `${synopsis} (accepted, not implemented yet)`;
  return `${setting.padEnd(40)} ; ${note}`;
}

/** ` Not implemented yet: inband, info.` for options where only some values work. */
function valuesNote(o: AnyOption): string {
  const values = o.unimplementedValues ?? [];
  if (values.length === 0) return "";
  const text = values.map((v) => (typeof v === "boolean" ? (v ? "yes" : "no") : String(v)));
  return ` Accepted, not implemented yet: ${o.name}=${text.join(", ")} (behaves as ${o.defaultText}).`;
}

/**
 * One commented reference block for a schema. `sectionName` is the example section header
 * (e.g. `my-endpoint`); `typeLine` false for sections such as rtp.conf's [general].
 */
export function renderSchemaReference(schema: ObjectSchema, sectionName: string, typeLine: boolean): string {
  const lines = [RULE, `; ${schema.type.toUpperCase()}: ${schema.synopsis}`, RULE, `;[${sectionName}]`];
  if (typeLine) lines.push(`;type=${schema.type}`);
  for (const o of schema.options) {
    const choices = o.enumValues !== undefined && o.enumValues.length > 0 ? ` One of: ${o.enumValues.join(", ")}.` : "";
    lines.push(optionLine(o.name, o.defaultText, `${o.synopsis}${choices}${valuesNote(o)}`, o.implemented));
  }
  lines.push("");
  return lines.join("\n");
}
