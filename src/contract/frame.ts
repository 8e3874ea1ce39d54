/**
 * One video frame as the codec contract hands it to `compress_video_frame`:
 * packed RGB24, row-major, R,G,B per pixel. Shared by clips, the sandbox and
 * the metrics, so it sits below all of them.
 */
export interface Frame {
  readonly width: number;
  readonly height: number;
  /** Packed RGB24, length width*height*3. */
  readonly data: Uint8Array;
}
