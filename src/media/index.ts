/** The media plane: RTP relay, echo, playback, G.711, STUN. Knows nothing of SIP or dialplan. */
export { MediaEngine } from "./media-engine.js";
export type { LegOptions, LegStats, MediaEngineEvents, MediaEngineOptions, PlaybackSource, PlayOptions, PlayResult, RemoteAddress } from "./relay/types.js";
export { DEFAULT_LEG_OPTIONS } from "./relay/types.js";
export { BUILTIN_TONES, resolvePlayback } from "./playback/builtin-tones.js";
export { alawToSample, decodeG711, encodeG711, g711Silence, linearToAlaw, linearToUlaw, ulawToSample, type G711Law } from "./codec/g711.js";
export { parseWav, resampleLinear, wavTo8kMono } from "./codec/wav.js";
export { decodeSoundFile, encodeSoundFile, encodeWav, preferredExtensions, soundFormatOf, SOUND_EXTENSIONS, UNSUPPORTED_SOUND_FORMATS, type SoundFormat } from "./codec/sound-file.js";
export { mixSamples, type MixMonitorEnd, type MixMonitorResult, type MixMonitorSpec, type MonitorFile } from "./record/mix-tap.js";
export { MONITOR_FORMATS, monitorRate, type MonitorFormat } from "./record/sound-writer.js";
export { RECORD_RATE, type RecordEnd, type RecordOptions, type RecordResult } from "./record/recorder.js";
export { canTranscode, createCodec, naturalRate, transcodableCodecs, type AudioCodec } from "./codec/audio-codec.js";
export { Resampler } from "./codec/resampler.js";
export type { LegFormat } from "./transcode/leg-format.js";
export { isRtcpPayloadType, looksLikeRtp, parseRtpHeader, writeRtpHeader, RTP_HEADER_SIZE, type RtpHeader } from "./rtp/rtp-header.js";
export { discoverPublicAddress, parseHostPort } from "./stun/stun-client.js";
export { buildBindingRequest, buildBindingSuccess, parseBindingResponse, type MappedAddress } from "./stun/stun-message.js";
