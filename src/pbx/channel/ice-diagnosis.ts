/**
 * The media doctor's reading of ICE (RFC 8445): when a leg with ICE received no RTP, which
 * candidate pairs were tried, which succeeded, and why none was selected.
 */
import type { LegStats } from "../../media/index.js";

export function diagnoseIce(me: { name: string; endpoint: string }, other: string, st: LegStats): string | undefined {
  const ice = st.ice;
  if (ice === undefined || st.packetsIn > 0) return undefined;
  const rtp = ice.pairs.filter((p) => p.component === 1);
  const tried = rtp.map((p) => `${p.local} -> ${p.remote}: ${p.state}${p.failure !== undefined ? ` (${p.failure})` : ""}`).join("; ");
  const problems = ice.problems.length > 0 ? ` Gathering: ${ice.problems.join("; ")}.` : "";
  const who = `No RTP received from ${me.endpoint} on ${me.name}: ${other} hears nothing from ${me.endpoint}. ICE`;
  if (ice.remoteUfrag === undefined) return `${who} never got the phone's ufrag and candidates (its SDP had none).${problems}`;
  if (rtp.length === 0) return `${who} had no candidate pair to check: ${me.endpoint} offered no UDP candidate of our address family, and sent us no check (${ice.requestsReceived} received).${problems}`;
  const succeeded = rtp.filter((p) => p.state === "Succeeded");
  if (ice.selected.length === 0 && succeeded.length > 0) {
    const waiting = ice.role === "controlled" ? `the phone (controlling) has not nominated one with USE-CANDIDATE` : "our nomination check has not succeeded";
    return `${who} has ${succeeded.length} working pair(s) but none selected: ${waiting}. Pairs: ${tried}.${problems}`;
  }
  if (ice.selected.length === 0) {
    const cause =
      ice.requestsReceived === 0
        ? `none of the phone's checks reached us either: a firewall or NAT blocks UDP between them and us${ice.candidates.some((c) => c.includes(" relay ")) ? "" : "; set rtp.conf turnaddr/turnusername/turnpassword for a relayed candidate"}`
        : `${ice.requestsReceived} checks of the phone reached us (${ice.errorsSent[401]} with wrong credentials), but our checks got no answer: the path back to the phone is blocked (symmetric NAT?)`;
    return `${who} checks failed on every pair (${tried}): ${cause}.${problems}`;
  }
  return undefined;
}
