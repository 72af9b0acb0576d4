/** The applications every dialplan has; feature modules register more on the same registry. */
import { answerApp } from "./answer.js";
import { busyApp } from "./busy.js";
import { congestionApp } from "./congestion.js";
import { dialApp } from "./dial.js";
import { echoApp } from "./echo.js";
import { gotoIfApp } from "./goto-if.js";
import { gotoApp } from "./goto.js";
import { hangupApp } from "./hangup.js";
import { noOpApp } from "./noop.js";
import { playbackApp } from "./playback.js";
import { progressApp } from "./progress.js";
import { AppRegistry, type DialplanApp } from "./registry.js";
import { ringingApp } from "./ringing.js";
import { sendDtmfApp } from "./send-dtmf.js";
import { setApp } from "./set.js";
import { waitApp } from "./wait.js";

export const CORE_APPS: readonly DialplanApp[] = [
  answerApp,
  hangupApp,
  dialApp,
  echoApp,
  playbackApp,
  waitApp,
  noOpApp,
  setApp,
  gotoApp,
  gotoIfApp,
  busyApp,
  congestionApp,
  progressApp,
  ringingApp,
  sendDtmfApp,
];

/** Registers the core applications; returns one unregister for all of them. */
export function registerCoreApps(registry: AppRegistry): () => void {
  const undo = CORE_APPS.map((a) => registry.register(a));
  return () => {
    for (const u of undo.reverse()) u();
  };
}

/** A registry holding the core applications. */
export function createCoreAppRegistry(): AppRegistry {
  const registry = new AppRegistry();
  registerCoreApps(registry);
  return registry;
}

export { AppRegistry, type AppContext, type AppResult, type DialplanApp } from "./registry.js";
