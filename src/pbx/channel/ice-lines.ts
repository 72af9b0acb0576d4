/**
 * The ICE part of `core show channel` (RFC 8445 terms): our role, the candidates we offered, each
 * candidate pair with its state and checks, the selected pair per component, and what the
 * responder answered (success with MESSAGE-INTEGRITY, 400, 401, 487).
 */
import type { LegStats } from "../../media/index.js";

const COMPONENT = ["", "RTP", "RTCP"];

export function iceLines(st: LegStats): string[] {
  const ice = st.ice;
  if (ice === undefined) return ["            ICE: no"];
  const out = [
    `            ICE: ${ice.state}, ${ice.role} (ufrag ${ice.localUfrag}${ice.remoteUfrag !== undefined ? `, peer ${ice.remoteUfrag}` : ", no peer ICE yet"})`,
    ` ICE candidates: ${ice.candidates.join(", ")}`,
    `  ICE responder: ${ice.requestsReceived} checks received, ${ice.responsesSent} answered with integrity, errors 400: ${ice.errorsSent[400]}, 401: ${ice.errorsSent[401]}, 487: ${ice.errorsSent[487]}`,
  ];
  for (const s of ice.selected) out.push(`   ICE selected: ${COMPONENT[s.component] ?? s.component} ${s.local} -> ${s.remote}`);
  for (const s of ice.inUse) out.push(`     ICE in use: ${COMPONENT[s.component] ?? s.component} ${s.local} -> ${s.remote} (valid, not nominated yet)`);
  for (const p of ice.pairs) out.push(`       ICE pair: ${COMPONENT[p.component] ?? p.component} ${p.local} -> ${p.remote} ${p.state}${p.nominated ? " nominated" : ""} (${p.checks} checks${p.failure !== undefined ? `; ${p.failure}` : ""})`);
  for (const p of ice.problems) out.push(`    ICE problem: ${p}`);
  return out;
}
