/**
 * `/events`: the events WebSocket (`GET /ari/events?app=…[&subscribeAll=true]`, answered by the
 * upgrade in ari-http.ts) and the model of every event Switchboard sends. ari-client looks up
 * each received event's model here, so an event type sent without a model here would break it
 * (a unit test checks the list against what is emitted). Generating user events is not
 * implemented.
 */
import { AriError, prop, queryParam, type AriModel, type AriModelProperty, type AriResource } from "../ari-resource.js";

const CONTACT_STATES = ["Unreachable", "Reachable", "Unknown", "NonQualified", "Removed", "Updated", "Created"];

function event(id: string, description: string, properties: Record<string, AriModelProperty>): AriModel {
  return { id, description, extends: "Event", properties };
}

/** The event types sent on the events WebSocket. */
export const EVENT_TYPES = [
  "ApplicationReplaced",
  "ChannelCreated",
  "ChannelStateChange",
  "ChannelDestroyed",
  "ChannelEnteredBridge",
  "ChannelLeftBridge",
  "ChannelDtmfReceived",
  "ChannelHangupRequest",
  "ChannelDialplan",
  "ChannelVarset",
  "ChannelCallerId",
  "ChannelConnectedLine",
  "ChannelHold",
  "ChannelUnhold",
  "BridgeCreated",
  "BridgeDestroyed",
  "PeerStatusChange",
  "Dial",
  "DeviceStateChanged",
  "ContactStatusChange",
  "StasisStart",
  "StasisEnd",
  "PlaybackStarted",
  "PlaybackFinished",
  "RecordingStarted",
  "RecordingFinished",
  "RecordingFailed",
] as const;

export const EVENT_MODELS: readonly AriModel[] = [
  { id: "Message", description: "Base type for errors and events", subTypes: ["Event"], properties: { type: prop("string", "Indicates the type of this message."), asterisk_id: prop("string", "The unique ID for the system that generated this event.", false) } },
  { id: "Event", description: "Base type for asynchronous events from Switchboard.", extends: "Message", subTypes: [...EVENT_TYPES], properties: { application: prop("string", "Name of the application receiving the event."), timestamp: prop("Date", "Time at which this event was created.") } },
  { id: "ContactInfo", description: "Detailed information about a contact on an endpoint.", properties: { uri: prop("string", "The location of the contact."), contact_status: prop("string", "The current status of the contact.", true, CONTACT_STATES), aor: prop("string", "The Address of Record this contact belongs to."), roundtrip_usec: prop("string", "Current round trip time, in microseconds, for the contact.", false) } },
  event("ApplicationReplaced", "Notification that another WebSocket has taken over for an application.", {}),
  event("ChannelCreated", "Notification that a channel has been created.", { channel: prop("Channel", "") }),
  event("ChannelStateChange", "Notification of a channel's state change.", { channel: prop("Channel", "") }),
  event("ChannelDestroyed", "Notification that a channel has been destroyed.", { cause: prop("int", "Integer representation of the cause of the hangup"), cause_txt: prop("string", "Text representation of the cause of the hangup"), channel: prop("Channel", "") }),
  event("ChannelEnteredBridge", "Notification that a channel has entered a bridge.", { bridge: prop("Bridge", ""), channel: prop("Channel", "", false) }),
  event("ChannelLeftBridge", "Notification that a channel has left a bridge.", { bridge: prop("Bridge", ""), channel: prop("Channel", "") }),
  event("ChannelDtmfReceived", "DTMF received on a channel in Stasis.", { digit: prop("string", "DTMF digit received (0-9, A-E, # or *)"), duration_ms: prop("int", "Number of milliseconds DTMF was received"), channel: prop("Channel", "The channel on which DTMF was received") }),
  { id: "Peer", description: "Detailed information about a remote peer that communicates with Switchboard.", properties: { peer_status: prop("string", "The current state of the peer.", true, ["Reachable", "Unreachable"]) } },
  event("ChannelHangupRequest", "A hangup was requested on the channel.", { cause: prop("int", "Integer representation of the cause of the hangup.", false), soft: prop("boolean", "Whether the hangup request was a soft hangup request.", false), channel: prop("Channel", "The channel on which the hangup was requested.") }),
  event("ChannelDialplan", "Channel changed location in the dialplan.", { channel: prop("Channel", "The channel that changed dialplan location."), dialplan_app: prop("string", "The application about to be executed."), dialplan_app_data: prop("string", "The data to be passed to the application.") }),
  event("ChannelVarset", "Channel variable changed.", { variable: prop("string", "The variable that changed."), value: prop("string", "The new value of the variable."), channel: prop("Channel", "The channel on which the variable was set.", false) }),
  event("ChannelCallerId", "Channel changed Caller ID.", { caller_presentation: prop("int", "The integer representation of the Caller Presentation value."), caller_presentation_txt: prop("string", "The text representation of the Caller Presentation value."), channel: prop("Channel", "The channel that changed Caller ID.") }),
  event("ChannelConnectedLine", "Channel changed Connected Line.", { channel: prop("Channel", "The channel whose connected line has changed.") }),
  event("ChannelHold", "A channel initiated a media hold.", { channel: prop("Channel", "The channel that initiated the hold event."), musicclass: prop("string", "The music on hold class that the initiator requested.", false) }),
  event("ChannelUnhold", "A channel initiated a media unhold.", { channel: prop("Channel", "The channel that initiated the unhold event.") }),
  event("BridgeCreated", "Notification that a bridge has been created.", { bridge: prop("Bridge", "") }),
  event("BridgeDestroyed", "Notification that a bridge has been destroyed.", { bridge: prop("Bridge", "") }),
  event("PeerStatusChange", "The state of a peer associated with an endpoint has changed.", { endpoint: prop("Endpoint", ""), peer: prop("Peer", "") }),
  event("Dial", "Dialing state has changed.", { caller: prop("Channel", "The calling channel.", false), peer: prop("Channel", "The dialed channel."), forward: prop("string", "Forwarding target requested by the original dialed channel.", false), dialstring: prop("string", "The dial string for calling the peer channel.", false), dialstatus: prop("string", "Current status of the dialing attempt to the peer.") }),
  event("DeviceStateChanged", "Notification that a device state has changed.", { device_state: prop("DeviceState", "Device state object") }),
  event("ContactStatusChange", "The state of a contact on an endpoint has changed.", { endpoint: prop("Endpoint", ""), contact_info: prop("ContactInfo", "") }),
  event("StasisStart", "Notification that a channel has entered a Stasis application.", { args: prop("List[string]", "Arguments to the application"), channel: prop("Channel", ""), replace_channel: prop("Channel", "", false) }),
  event("StasisEnd", "Notification that a channel has left a Stasis application.", { channel: prop("Channel", "") }),
  event("PlaybackStarted", "Event showing the start of a media playback operation.", { playback: prop("Playback", "Playback control object") }),
  event("PlaybackFinished", "Event showing the completion of a media playback operation.", { playback: prop("Playback", "Playback control object") }),
  event("RecordingStarted", "Event showing the start of a recording operation.", { recording: prop("LiveRecording", "Recording control object") }),
  event("RecordingFinished", "Event showing the completion of a recording operation.", { recording: prop("LiveRecording", "Recording control object") }),
  event("RecordingFailed", "Event showing failure of a recording operation.", { recording: prop("LiveRecording", "Recording control object") }),
];

export function eventsResource(): AriResource {
  return {
    name: "events",
    description: "WebSocket resource",
    models: EVENT_MODELS,
    apis: [
      {
        path: "/events",
        description: "Events from Switchboard to applications",
        operations: [
          {
            httpMethod: "GET",
            summary: "WebSocket connection for events.",
            nickname: "eventWebsocket",
            responseClass: "Message",
            parameters: [queryParam("app", "Applications to subscribe to.", { required: true, allowMultiple: true }), queryParam("subscribeAll", "Subscribe to all Switchboard events.", { dataType: "boolean" })],
            handle: () => {
              throw new AriError(400, "Expected a WebSocket upgrade (GET with Upgrade: websocket)");
            },
          },
        ],
      },
    ],
  };
}
