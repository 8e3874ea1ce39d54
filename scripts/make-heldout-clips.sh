#!/usr/bin/env bash
# Two held-out clips for `evaluate --held-out` / `evolve --held-out`, made like
# scripts/make-clips.sh (ffmpeg only, from photographs Debian ships with
# python3-skimage) but from other photographs, so a codec tuned on the bundled
# clips is checked on content it was not developed on. Not committed: the
# evaluator reports them only in aggregate.
#   scripts/make-heldout-clips.sh [OUT_DIR]   (default .codec-evolve/heldout)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out_dir="${1:-$repo_root/.codec-evolve/heldout}"
skimage_data="${SKIMAGE_DATA:-/usr/lib/python3/dist-packages/skimage/data}"
for file in "$skimage_data/motorcycle_left.png" "$skimage_data/retina.jpg"; do
  [ -f "$file" ] || { echo "make-heldout-clips: missing $file (apt-get install python3-skimage)" >&2; exit 1; }
done
mkdir -p "$out_dir"

sws="lanczos+accurate_rnd+full_chroma_int+bitexact"
to_yuv="scale=out_color_matrix=bt601:out_range=tv,format=yuv420p,setsar=1"
ff=(ffmpeg -hide_banner -loglevel error -nostdin -y -sws_flags "$sws")
y4m=(-fflags +bitexact -f yuv4mpegpipe -pix_fmt yuv420p -color_range tv)

# Diagonal pan (-5, +2) px/frame over a detailed street scene.
"${ff[@]}" -loop 1 -framerate 25 -i "$skimage_data/motorcycle_left.png" \
  -vf "format=rgb24,crop=352:288:x='300-5*n':y='60+2*n',$to_yuv" \
  -frames:v 12 "${y4m[@]}" "$out_dir/motorcycle-pan.y4m"

# Slow zoom out (1 %/frame) on a smooth, mostly red image with fine vessels.
"${ff[@]}" -i "$skimage_data/retina.jpg" \
  -vf "format=rgb24,scale=1408:1152:flags=$sws,zoompan=z='1.3-0.01*on':d=12:x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':s=352x288:fps=25,$to_yuv" \
  -frames:v 12 "${y4m[@]}" "$out_dir/retina-zoom.y4m"

ls -l "$out_dir"
