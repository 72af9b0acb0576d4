/** `NoOp([text])`: does nothing; its substituted arguments show in the verbose "Executing" line. */
import type { DialplanApp } from "./registry.js";

export const noOpApp: DialplanApp = {
  name: "NoOp",
  synopsis: "Do Nothing (No Operation).",
  syntax: "NoOp([text])",
  execute: () => Promise.resolve("continue"),
};
