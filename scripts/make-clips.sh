#!/usr/bin/env bash
# Regenerates the bundled test clips (clips/*.y4m and clips/SHA256SUMS) from
# public-domain / CC0 photographs that Debian ships with python3-skimage and
# python3-scipy, using only ffmpeg. See clips/README.md for provenance.
#
# Usage: scripts/make-clips.sh [OUTPUT_DIR]      (default: clips/ of this repo)
#
# Needs: ffmpeg (Debian bookworm's 5.1.x gave the committed bytes; another
# ffmpeg version can round differently, so compare with SHA256SUMS and keep the
# committed files as the reference), bzip2 (for scipy's face.dat), sha256sum.
# Every conversion is pinned: sws flags with accurate_rnd+bitexact, BT.601
# limited-range output, 8-bit 4:2:0 Y4M, so the same ffmpeg gives the same bytes.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out_dir="${1:-$repo_root/clips}"
skimage_data="${SKIMAGE_DATA:-/usr/lib/python3/dist-packages/skimage/data}"
scipy_face="${SCIPY_FACE:-/usr/lib/python3/dist-packages/scipy/misc/face.dat}"

for tool in ffmpeg bzip2 sha256sum; do
  command -v "$tool" >/dev/null || { echo "make-clips: $tool not found on PATH" >&2; exit 1; }
done
for file in "$skimage_data/astronaut.png" "$skimage_data/coffee.png" \
  "$skimage_data/chelsea.png" "$skimage_data/rocket.jpg" "$scipy_face"; do
  [ -f "$file" ] || { echo "make-clips: missing $file (apt-get install python3-skimage python3-scipy)" >&2; exit 1; }
done
ffmpeg_version="$(ffmpeg -hide_banner -version | head -n1)"
case "$ffmpeg_version" in
  "ffmpeg version 5.1"*) ;;
  *) echo "make-clips: warning: $ffmpeg_version is not 5.1.x; bytes may differ from SHA256SUMS" >&2 ;;
esac

mkdir -p "$out_dir"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Pinned scaler: Lanczos resampling, exact rounding, no CPU-specific shortcuts.
sws="lanczos+accurate_rnd+full_chroma_int+bitexact"
# Final step of every clip: BT.601 limited range 4:2:0, the project's convention.
to_yuv="scale=out_color_matrix=bt601:out_range=tv,format=yuv420p,setsar=1"
ff=(ffmpeg -hide_banner -loglevel error -nostdin -y -sws_flags "$sws")
y4m=(-fflags +bitexact -f yuv4mpegpipe -pix_fmt yuv420p -color_range tv)

# 1. astronaut-pan: 352x288, 20 frames, 25 fps. A 352x288 window slides over
#    the 512x512 photograph by (+7, +3) pixels per frame: pure translation.
"${ff[@]}" -loop 1 -framerate 25 -i "$skimage_data/astronaut.png" \
  -vf "format=rgb24,crop=352:288:x='20+7*n':y='40+3*n',$to_yuv" \
  -frames:v 20 "${y4m[@]}" "$out_dir/astronaut-pan.y4m"

# 2. coffee-zoom: 448x320, 12 frames, 30 fps. A centred 525x375 crop of the
#    600x400 photograph, upscaled 4x first so zoompan's integer window
#    positions become quarter-pixel steps, then zoomed in by 2% per frame.
"${ff[@]}" -i "$skimage_data/coffee.png" \
  -vf "format=rgb24,crop=525:375:37:12,scale=2100:1500:flags=$sws,zoompan=z='1+0.02*on':d=12:x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':s=448x320:fps=30,$to_yuv" \
  -frames:v 12 "${y4m[@]}" "$out_dir/coffee-zoom.y4m"

# 3. chelsea-rocket-fade: 352x288, 16 frames, 25 fps. Chelsea the cat panning
#    right 2 px/frame cross-fades (xfade, 8 frames) into the DSCOVR launch with
#    the window tilting up 6 px/frame.
"${ff[@]}" -loop 1 -framerate 25 -t 0.48 -i "$skimage_data/chelsea.png" \
  -loop 1 -framerate 25 -t 0.48 -i "$skimage_data/rocket.jpg" \
  -filter_complex "[0:v]format=rgb24,crop=352:288:x='40+2*n':y=6,setsar=1[a];[1:v]format=rgb24,crop=352:288:x=38:y='300-6*n',setsar=1[b];[a][b]xfade=transition=fade:duration=0.32:offset=0.16,$to_yuv[v]" \
  -map "[v]" -frames:v 16 "${y4m[@]}" "$out_dir/chelsea-rocket-fade.y4m"

# 4. face-rotate: 400x300, 12 frames, 30 fps. scipy's raccoon face (raw RGB in
#    face.dat, bzip2) scaled to 560x420, rotated by 0.01 rad more each frame
#    (bilinear), centre 400x300 cropped: sub-pixel rotation, a non-multiple-of-16 height.
{ printf 'P6\n1024 768\n255\n'; bzip2 -dc "$scipy_face"; } >"$work/face.ppm"
"${ff[@]}" -loop 1 -framerate 30 -i "$work/face.ppm" \
  -vf "format=rgb24,scale=560:420:flags=$sws,rotate=a='0.01*n':bilinear=1,crop=400:300,$to_yuv" \
  -frames:v 12 "${y4m[@]}" "$out_dir/face-rotate.y4m"

(cd "$out_dir" && sha256sum astronaut-pan.y4m chelsea-rocket-fade.y4m coffee-zoom.y4m face-rotate.y4m >SHA256SUMS)
cat "$out_dir/SHA256SUMS"
