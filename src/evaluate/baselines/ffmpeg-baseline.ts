/** A reference video encoder run through ffmpeg, as a BaselineEncoder. */
import type { BaselineEncoder } from "./baseline-encoder.js";
import type { FfmpegEncoderSpec } from "./ffmpeg-encoders.js";
import { encoderLibraryVersion, ffmpegVersion, requireEncoder } from "./ffmpeg-probe.js";
import { openFfmpegSession } from "./ffmpeg-session.js";
import { hasNative420 } from "./yuv-input.js";

/** Wraps an ffmpeg encoder spec (x265, x264, AV1) in the common baseline interface. */
export function ffmpegBaseline(label: string, spec: FfmpegEncoderSpec): BaselineEncoder {
  const purpose = `the ${label} baseline`;
  return {
    knob: spec.knob,
    settings: `${spec.encoder}: ${spec.settings}`,
    async version(runner) {
      const ffmpeg = await ffmpegVersion(runner);
      await requireEncoder(runner, spec.encoder, purpose);
      const library = await encoderLibraryVersion(
        runner,
        spec.encoder,
        spec.versionProbe.args,
        spec.versionProbe.pattern,
      );
      return `ffmpeg ${ffmpeg} / ${spec.library} ${library}`;
    },
    describe: (version) => `${label} (${version}), ${spec.settings}`,
    usesNativeSamples: hasNative420,
    open: (clip, context) => openFfmpegSession(spec, clip, context),
  };
}
