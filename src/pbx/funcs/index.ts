/** The functions every dialplan has; feature modules register more on the same registry. */
import { callerIdFunction } from "./callerid.js";
import { globalFunction } from "./global.js";
import { ifFunction } from "./if.js";
import { lenFunction } from "./len.js";
import { FuncRegistry } from "./registry.js";

export const CORE_FUNCTIONS = [callerIdFunction, lenFunction, ifFunction, globalFunction] as const;

/** Registers the core functions; returns one unregister for all of them. */
export function registerCoreFuncs(registry: FuncRegistry): () => void {
  const undo = CORE_FUNCTIONS.map((f) => registry.register(f));
  return () => {
    for (const u of undo.reverse()) u();
  };
}

/** A registry holding the core functions. */
export function createCoreFuncRegistry(): FuncRegistry {
  const registry = new FuncRegistry();
  registerCoreFuncs(registry);
  return registry;
}

export { FuncRegistry, type DialplanFunction, type FuncContext } from "./registry.js";
