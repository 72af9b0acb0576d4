/** The dialplan: compile extensions.conf, run calls through it, show it on the console. */
export { compileDialplan, withGenerated, type CompileDialplanOptions, type CompiledDialplan } from "./compile.js";
export { DialplanExecutor, type DialplanExecutorOptions, type DialplanOutcome, type DialplanEndReason } from "./executor.js";
export type { DialplanChannel, DialplanTarget, DialplanDetour, RedirectTarget, DialResult, DialStatus } from "./channel.js";
export { isDetour } from "./channel.js";
export { canMatchMore, findExtension, findPriority, findLabel, type ExtensionMatch } from "./lookup.js";
export { evaluateExpression, isZeroOrNull } from "./expression.js";
export { substitute, substring, type SubstitutionScope } from "./substitute.js";
export { splitArgs } from "./split-args.js";
export { registerDialplanCommands, type DialplanCommandDeps } from "./dialplan-commands.js";
export { renderDialplanShow } from "./show.js";
export { emptyDialplan, type Dialplan, type DialplanContext, type DialplanExtension, type DialplanPriority } from "./types.js";
