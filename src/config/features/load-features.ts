/**
 * Loads features.conf (optional): `[general]` and `[featuremap]` through their schemas;
 * `[applicationmap]` and feature groups are named as not read.
 */
import { DiagnosticSink, type Diagnostic } from "../diagnostic.js";
import { visibleCategories, type ParsedConfig } from "../ini/types.js";
import { applyObject, defaultValues } from "../schema/apply.js";
import { featuresFeaturemapSchema, featuresGeneralSchema, type FeaturesFeaturemap, type FeaturesGeneral } from "./features-schema.js";

export interface FeaturesConfig {
  readonly general: FeaturesGeneral;
  /** The DTMF feature codes (empty: that feature is off). */
  readonly featuremap: FeaturesFeaturemap;
}

export interface FeaturesConfigResult {
  readonly config: FeaturesConfig;
  readonly diagnostics: Diagnostic[];
  readonly files: string[];
}

export function buildFeaturesConfig(parsed: ParsedConfig | undefined): FeaturesConfigResult {
  const sink = new DiagnosticSink();
  let general = defaultValues(featuresGeneralSchema);
  let featuremap = defaultValues(featuresFeaturemapSchema);
  if (parsed !== undefined) {
    sink.addAll(parsed.diagnostics);
    const seen = new Set<string>();
    for (const category of visibleCategories(parsed)) {
      if (category.name === "general") general = applyObject(featuresGeneralSchema, category, sink, { mode: "settings", notImplementedSeen: seen }).values;
      else if (category.name === "featuremap") featuremap = applyObject(featuresFeaturemapSchema, category, sink, { mode: "settings", notImplementedSeen: seen }).values;
      else sink.warning(category.file, category.line, `features.conf [${category.name}] is not implemented (application maps and feature groups); section ignored`);
    }
  }
  return { config: { general, featuremap }, diagnostics: sink.items, files: parsed?.files ?? [] };
}
