/**
 * The sequence-level constants a codec receives as `config` (DESIGN.md "The
 * codec contract"). Encoder and decoder get the same object; extra keys are the
 * codec's own static parameters from the repository config.
 */
export interface CodecConfig {
  quality: number;
  width: number;
  height: number;
  fps: number;
  [key: string]: unknown;
}
