/*
 * Switchboard's browser phone: registers an extension over the PBX's WebSocket (wss://<this
 * host>/ws, RFC 7118) with JsSIP, and calls, answers, holds, mutes and sends DTMF (RFC 4733
 * through the browser's RTCDTMFSender). Media is WebRTC: DTLS-SRTP and ICE with the PBX.
 *
 * Scripts (and the tests) drive and read it through `window.switchboardPhone`: register(),
 * dial(), answer(), hangup(), hold(), mute(), dtmf(), and registration, callState, frequency()
 * and level() of the audio that arrives.
 */
import JsSIP from "jssip";

const $ = (id) => document.getElementById(id);
const host = location.hostname;
/** The page is at <prefix>/phone/; the WebSocket at <prefix>/ws. */
const wsUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${location.pathname.replace(/\/phone(\/.*)?$/, "")}/ws`;

let ua;
let session;
let incoming;
let analyser;
let held = false;
let muted = false;
const state = { registration: "unregistered", callState: "idle", lastCause: "" };

function show(text) {
  $("status").textContent = text;
}

function setCallState(s) {
  state.callState = s;
  $("call-state").textContent = s;
  const inCall = s === "calling" || s === "ringing" || s === "in call" || s === "on hold";
  $("hangup").disabled = !inCall;
  $("hold").disabled = s !== "in call" && s !== "on hold";
  $("mute").disabled = s !== "in call" && s !== "on hold";
  $("call").disabled = inCall;
}

/** The remote audio: played, and analysed for the level meter and scripts. */
function hear(stream) {
  const audio = $("remote");
  audio.srcObject = stream;
  void audio.play().catch(() => undefined);
  const ctx = new AudioContext();
  const source = ctx.createMediaStreamSource(stream);
  analyser = ctx.createAnalyser();
  analyser.fftSize = 8192;
  source.connect(analyser);
  void ctx.resume();
  const meter = () => {
    if (analyser === undefined) return;
    $("level").value = Math.min(1, level() * 4);
    requestAnimationFrame(meter);
  };
  meter();
}

function level() {
  if (analyser === undefined) return 0;
  const data = new Float32Array(analyser.fftSize);
  analyser.getFloatTimeDomainData(data);
  let sum = 0;
  for (const v of data) sum += v * v;
  return Math.sqrt(sum / data.length);
}

/** The loudest frequency arriving now, in Hz (0 in silence). */
function frequency() {
  if (analyser === undefined || level() < 0.005) return 0;
  const bins = new Float32Array(analyser.frequencyBinCount);
  analyser.getFloatFrequencyData(bins);
  let best = 1;
  for (let i = 2; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
  return (best * analyser.context.sampleRate) / analyser.fftSize;
}

function follow(s) {
  session = s;
  held = false;
  muted = false;
  const attach = (pc) =>
    pc.addEventListener("track", (e) => {
      if (e.streams[0] !== undefined) hear(e.streams[0]);
    });
  if (s.connection) attach(s.connection);
  else s.on("peerconnection", (e) => attach(e.peerconnection));
  s.on("progress", () => setCallState(s.direction === "outgoing" ? "ringing" : state.callState));
  s.on("confirmed", () => setCallState("in call"));
  s.on("hold", () => setCallState("on hold"));
  s.on("unhold", () => setCallState("in call"));
  const over = (e) => {
    state.lastCause = e.cause ?? "";
    session = undefined;
    incoming = undefined;
    analyser = undefined;
    $("incoming").hidden = true;
    setCallState("idle");
  };
  s.on("ended", over);
  s.on("failed", over);
}

const media = { mediaConstraints: { audio: true, video: false }, pcConfig: { iceServers: [] } };

const phone = {
  get registration() {
    return state.registration;
  },
  get callState() {
    return state.callState;
  },
  get lastCause() {
    return state.lastCause;
  },
  frequency,
  level,
  register(user, password) {
    ua?.stop();
    const socket = new JsSIP.WebSocketInterface(wsUrl);
    ua = new JsSIP.UA({ sockets: [socket], uri: `sip:${user}@${host}`, password, register: true, session_timers: false, user_agent: "Switchboard browser phone" });
    ua.on("registered", () => {
      state.registration = "registered";
      show(`Registered as ${user}`);
      $("phone").hidden = false;
    });
    ua.on("unregistered", () => {
      state.registration = "unregistered";
      show("Not registered");
    });
    ua.on("registrationFailed", (e) => {
      state.registration = "failed";
      show(`Registration failed: ${e.cause}`);
      // A refused password would be tried again on every reconnect, until the PBX's guard bans
      // the address: stop, and let the user type it again. Network trouble is retried.
      const { causes } = JsSIP.C;
      if (e.cause !== causes.CONNECTION_ERROR && e.cause !== causes.REQUEST_TIMEOUT) ua?.stop();
    });
    ua.on("newRTCSession", (e) => {
      if (e.originator !== "remote") return;
      if (session !== undefined) {
        e.session.terminate({ status_code: 486 });
        return;
      }
      incoming = e.session;
      follow(e.session);
      $("caller").textContent = e.request.from.display_name || e.request.from.uri.user;
      $("incoming").hidden = false;
      setCallState("incoming");
    });
    ua.start();
  },
  dial(number) {
    if (ua === undefined || session !== undefined) return;
    setCallState("calling");
    follow(ua.call(`sip:${number}@${host}`, media));
  },
  answer() {
    if (incoming === undefined) return;
    incoming.answer(media);
    incoming = undefined;
    $("incoming").hidden = true;
  },
  hangup() {
    session?.terminate();
  },
  hold() {
    if (session === undefined) return;
    if (held) session.unhold();
    else session.hold();
    held = !held;
    $("hold").textContent = held ? "Resume" : "Hold";
  },
  mute() {
    if (session === undefined) return;
    if (muted) session.unmute({ audio: true });
    else session.mute({ audio: true });
    muted = !muted;
    $("mute").textContent = muted ? "Unmute" : "Mute";
  },
  dtmf(key) {
    session?.sendDTMF(key, { transportType: "RFC2833" });
  },
};
window.switchboardPhone = phone;

$("login").addEventListener("submit", (e) => {
  e.preventDefault();
  show("Registering…");
  phone.register($("user").value.trim(), $("password").value);
});
$("call").addEventListener("click", () => phone.dial($("number").value.trim()));
$("hangup").addEventListener("click", () => phone.hangup());
$("answer").addEventListener("click", () => phone.answer());
$("reject").addEventListener("click", () => incoming?.terminate({ status_code: 486 }));
$("hold").addEventListener("click", () => phone.hold());
$("mute").addEventListener("click", () => phone.mute());
for (const b of $("pad").querySelectorAll("button")) {
  b.addEventListener("click", () => {
    if (session !== undefined && state.callState === "in call") phone.dtmf(b.textContent);
    else $("number").value += b.textContent;
  });
}
setCallState("idle");
