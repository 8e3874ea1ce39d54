"""codec-evolve starter codec (v1): a small hybrid block codec in numpy.

Tools: BT.601 full-range YCbCr with 4:2:0 chroma; 16x16 macroblocks with
skip / inter / split (four 8x8 vectors) / intra modes; hierarchical motion
search refined to quarter pel (4-tap cubic luma phases, 1/8-pel bilinear
chroma); orthonormal 8x8 DCT with deadzone quantisation and rate-distortion
block zeroing; an in-loop deblocking filter; a low-delay P quantiser cascade;
and a context-adaptive multi-lane rANS entropy coder vectorised over lanes.
The encoder runs the decoder's reconstruction (closed loop), so reference
frames match bit for bit.  See codec/README.md for the bitstream layout.
"""

import math
import struct

import numpy as np

# --- tunables: begin ---
DEADZONE_INTRA = 0.10  # range 0.0..0.45
DEADZONE_INTER = 0.24  # range 0.0..0.45
CHROMA_QSCALE = 0.70  # range 0.35..1.4
INTER_QSCALE = 1.35  # range 0.8..1.6
LAMBDA_SCALE = 0.12  # range 0.02..0.6
DEBLOCK_STRENGTH = 1.4  # range 0.0..2.0
SEARCH_RANGE = 16  # range 4..32
KEYINT = 60  # range 4..240
# --- tunables: end ---

# Further knobs (fixed for the offline proposer; an LLM edit may still change them).
QM_TILT = 0.6  # quantiser step grows by this fraction from DC to the highest frequency
P_CASCADE = 1.12  # step ratio per level of the low-delay P cascade (1.0 = flat)
RD_ZERO = 1.0  # weight of the per-block "drop all coefficients" rate-distortion test (0 = off)
RD_TRUNCATE = 1  # choose each block's last coded position by rate-distortion cost (0 = off)
RECON_BIAS = 0.0  # decoder reconstruction offset of non-zero levels, in steps
SUBPEL_PENALTY = 1.0  # SAD bias (in quantiser steps) against moving a vector off its integer/coarser best
INTRA_RDOQ_MARGIN = 1.5  # P frames: RDOQ prices intra macroblocks whose rough cost is below this x inter's
RDOQ = 1  # rate-distortion optimised levels priced with the entropy models' own costs (0 = deadzone + RD_TRUNCATE/RD_ZERO)
I_RATE_PASSES = 2  # I frames: decisions, the second priced by models adapted to the first's symbols (1 = one; with
# IPRED_PRESELECT 0: bundled clips -1.23 % BD for 1.5x encode time, the key frames being most of it)
I16_REUSE = 0  # encoder speed: the second I decision takes the first's 16x16 macroblocks (no choice wavefront)
I_PASS1_8X8 = 1  # encoder speed: the first of two I decisions codes all luma as 8x8 (one wavefront fewer)
I_PASS1_CANDIDATES = 0  # encoder speed: modes the first of two I decisions tries split (0 = INTRA4_CANDIDATES)
INTRA4_REUSE = 0  # encoder speed: the second I decision tries the 4x4 split only on blocks the first one split
I_PASS1_OPEN = 0  # encoder speed: the first of two I decisions is a rough open-loop one (_open_loop_i), for the models only
I_PASS1_NOISY = 1  # I_PASS1_OPEN: predict from the source with coding noise (_rough_recon; 0 = the clean source)
I_PASS1_CHROMA_OPEN = 0  # encoder speed: the first of two I decisions' chroma open-loop (_open_loop_plane, no wavefront)
I_PASS1_SPLIT = 0  # encoder speed: 0 = the first of two I decisions tries no 4x4 splits
I_PASS1_PRESELECT = 3  # encoder speed: IPRED_PRESELECT of the first of two I decisions' luma (0 = IPRED_PRESELECT)

FORMAT_VERSION = 15
DECISION_PASSES = 1  # the exact sweep fixes every wrong guess: more passes only trade whole-frame work for sweep work
TEMPORAL_CANDIDATE = 1  # the previous frame's vector of the same macroblock is a search candidate
QPEL_NEIGHBOUR_PASSES = 2  # rounds of trying the neighbours' final sub-pel vectors (favoured by one vector-cost unit)
NEIGHBOUR_BONUS = 3.0  # SAD bonus (in SUBPEL_PENALTY units) for adopting a neighbour's integer vector
NEIGHBOUR_PASSES = 3  # rounds of trying the four neighbours' vectors in the motion search
SPLIT_STRIDES = (2, 1)  # sub-block refinement steps in quarter pel (encoder only; v8: (4, 2, 1). Speed: no whole-pel
# step around the macroblock vector; on top of SUBPEL_SKIP_RATIO 16, six clips 16 frames: -0.093 % BD vs v8 against -0.103 %)
SPLIT_MIN_BITS = 24.0  # try the split mode only where the one-vector residual costs more than this
SPLIT_MIN_BITS_HQ = None  # encoder speed (a decision, hq26 sprint 2): (quality, bits): SPLIT_MIN_BITS at quality >= the
# first number; None = off
LAYER_GATE = 0.25  # range 0..1: a P frame is also decided against the two-layer reference when a two-layer fit of
# the source frames leaves less than this share of the best one-vector fit's SSD; the cheaper decision is kept
LAYER_ALONE = 0.1  # range 0..LAYER_GATE: below this source-fit share the frame is decided against the two-layer
# reference alone (encoder speed: on chelsea-rocket-fade the two-layer decision won every such frame, by 1-11 %)
LAYER_ALONE_RECON = 0.8  # range 0..LAYER_GATE_RECON: ... or below this share in the reference fit (chelsea-rocket-fade:
# the fade's first frame at q50/q80, 0.78/0.67, the two-layer decision won by 5/10 %)
LAYER_SEARCH_RANGE = 0  # pel, 0 = none (all vectors zero): the two-layer decision's motion search range. Its
# reference compensates the motion; searched vectors mostly fit coding noise, and skips inherit them (chelsea-rocket-
# fade all 16 frames vs +-16 pel: BD -3.0 %, -6 % at q20, +2 % at q80; +-8 pel: -0.7 %, 4 pel: -0.1 %)
LAYER_STILL = 1e-6  # a frame whose best one-vector source fit leaves less than this share of its variance is a
# repeated picture, not a cross-fade (the fits' round-off otherwise passed the gate: no layers there)
LAYER_PRESCREEN = 2.0  # range LAYER_GATE..2: the reference fit below is only tried under this source-fit share
LAYER_GATE_RECON = 0.9  # range 0..1: ... or when the fit on the reconstructed references beats the ordinary
# prediction's luma SSD by this share (catches fades the source fit misses at high qualities)
LAYER_TWICE_QMAX = None  # encoder speed: a frame whose layers pass LAYER_GATE / LAYER_GATE_RECON but not LAYER_ALONE /
# LAYER_ALONE_RECON is decided twice (ordinary and two-layer reference, the cheaper kept) only below this quality
# (None = at every quality, c0020). chelsea-rocket-fade, the only fade seen, has two such frames (3 and 4, source-fit
# shares 0.14 / 0.13); their two-layer decision cost more than the ordinary one by 3.4 % / 3.3 % at q50 and 15 % /
# -0.1 % at q80 (both frames at q50 identical bytes without it), but it won at q35 (dropping it there: chelsea q35
# +2.5 % rate). Each second decision costs ~0.9x a P frame's encode.
LAYER_GRAM_FITS = 1  # encoder speed: the layer fits solve 4x4 normal equations of one Gram matrix (0 = lstsq per fit)
LAYER_CANDIDATES = 3  # most frequent integer vectors of the motion field tried as layer motions (plus zero)
LAYER_WEIGHT_BITS = 8  # layer weights in 1/256
LAYER_MAX_MV = 28  # pel (PAD // 2 - 4); the layer sources stay inside the reference margins
LAYER_BYTES = 13  # 4 x i8 vectors (pel), 3 x i16 weights, 3 x i8 offsets
FRAME_I = 0
FRAME_P = 1
MODE_SKIP = 0
MODE_INTER = 1
MODE_INTRA = 2
MODE_SPLIT = 3  # inter with one vector per 8x8 luma block
MERGE_MAX = 4  # skip macroblocks take their vector from a list of up to this many distinct candidates (1 = MED only)
SUB_OTHERS = (0, 2, 3)  # sub-blocks whose vectors are coded against sub-block 1 (the chain vector)
BI_PRED = 1  # P frames: an inter macroblock may average a second motion-compensated prediction (0 = off)
BI_SOURCE = 2  # the second hypothesis's frame: 2 = the one before the reference (F-2, vector ~ 2v), 1 = F-1 again
BI_STRIDES = (4, 2, 1)  # encoder: the second vector's +-1 refinements, in quarter pel (full, half, quarter pel)
BI_NEIGHBOUR_PASSES = 1  # encoder: rounds of trying the four neighbours' second-vector deltas (non-constant motion)

PAD = 64  # luma margin around reference planes (chroma gets PAD // 2)
MAX_MV = 4 * (PAD - 20)  # quarter-pel; keeps every motion-compensated block inside the margin
# Interpolation filters, chosen per P frame for luma and chroma separately (two header bits): sharp (HEVC's
# 8-tap luma and 4-tap chroma filters) or smooth (4-tap Catmull-Rom luma, bilinear chroma) for content that
# was itself resampled with soft filters (rotations, slow pans), where the sharp filters predict worse.
FILTER_SHARP = 0
FILTER_SMOOTH_LUMA = 1  # bit 0: luma
FILTER_SMOOTH_CHROMA = 2  # bit 1: chroma
FILTER_SMOOTH = 3
SMOOTH_TAPS = (
    (0, 0, 0, 64, 0, 0, 0, 0),
    (0, 0, -4, 55, 15, -2, 0, 0),
    (0, 0, -4, 36, 36, -4, 0, 0),
    (0, 0, -2, 15, 55, -4, 0, 0),
)
# HEVC's 8-tap DCT-based interpolation filters for luma phases 0, 1/4, 1/2, 3/4 (taps at -3..+4), in 1/64.
SUBPEL_TAPS = (
    (0, 0, 0, 64, 0, 0, 0, 0),
    (-1, 4, -10, 58, 17, -5, 1, 0),
    (-1, 4, -11, 40, 40, -11, 4, -1),
    (0, 1, -5, 17, 58, -10, 4, -1),
)
# HEVC's 4-tap chroma filters for the eight 1/8-pel phases (taps at -1..+2), in 1/64.
CHROMA_TAPS = np.array(
    [
        (0, 64, 0, 0),
        (-2, 58, 10, -2),
        (-4, 54, 16, -2),
        (-6, 46, 28, -4),
        (-4, 36, 36, -4),
        (-4, 28, 46, -6),
        (-2, 16, 54, -4),
        (-2, 10, 58, -2),
    ],
    np.int32,
)

PROB_BITS = 15
PROB_SCALE = 1 << PROB_BITS
RANS_LOW = 1 << 16
SYMBOLS_PER_LANE = 1024  # lane count = symbols / this: trades flush bytes against loop count
PSH_FAST = 1  # encoder speed only (the same levels): _p_sign_hiding tests the coded macroblocks only
PUT_STREAM_FAST = 1  # encoder speed only (the same frequencies and models): _put_stream_fast
RANS_ENC_FAST = 1  # encoder speed only (the same lanes, states and words): _rans_encode_flat
RANS_ENC_SCALAR_LANES = 12  # with RANS_ENC_FAST, up to this many lanes the encoder's rANS runs on Python integers
SCALAR_LANES = 8  # up to this many lanes the rANS loops run on Python integers (break-even with numpy ~8)
MODEL_INCREMENT = 24  # count per coded symbol (was 16; with the segment schedule, 8 frames: -0.27 % BD; 32: +0.12 %)
FIRST_SEGMENT = 8  # symbols of a stage's first segment (models adapt after each segment)
SEGMENT_GROWTH = 1.25  # each next segment is this much longer (was 64 and 2: bundled clips, 8 frames, -1.7 % BD)
MODEL_LIMIT = 1 << 15

LEVEL_ALPHABET = 16  # magnitudes 0..14, 15 = escape (remainder in the escape section)
MVD_ALPHABET = 17
N_BANDS = 10

# Chroma errors reach RGB amplified (B = Y + 1.772 Cb, ...) and each chroma
# sample covers four pixels: these weights make mode decisions see RGB error.
CB_WEIGHT = 4.3
CR_WEIGHT = 3.3


def _dct_matrix():
    k = np.arange(8)
    m = np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / 16.0) * math.sqrt(2.0 / 8.0)
    m[0, :] = math.sqrt(1.0 / 8.0)
    return m


def _zigzag():
    order = sorted(
        ((u, v) for u in range(8) for v in range(8)),
        key=lambda p: (p[0] + p[1], p[0] if (p[0] + p[1]) % 2 else p[1]),
    )
    return np.array([u * 8 + v for u, v in order], dtype=np.int64)


DCT8 = _dct_matrix()
DCT8_F32 = DCT8.astype(np.float32)  # encoder-side analysis only
ZIGZAG = _zigzag()
ZZ_POS = np.empty(64, dtype=np.int64)
ZZ_POS[ZIGZAG] = np.arange(64)
# Lower-frequency neighbours (u-1, v) and (u, v-1) of each zigzag position,
# both already decoded when position p is; -1 when outside the block.
NBR_A = np.array([ZZ_POS[z - 8] if z >= 8 else -1 for z in ZIGZAG], dtype=np.int64)
NBR_B = np.array([ZZ_POS[z - 1] if z % 8 else -1 for z in ZIGZAG], dtype=np.int64)
BAND = np.array(
    [0, 1, 1, 2, 2, 2, 3, 3, 3, 3] + [4] * 5 + [5] * 6 + [6] * 7 + [7] * 8 + [8] * 9 + [9] * 19,
    dtype=np.int64,
)
UV = np.add.outer(np.arange(8), np.arange(8)).astype(np.float64)

_ENCODER = {}
_DECODER = {}


# ----------------------------------------------------------------------------
# colour, padding, block layout


def _padded_size(width, height):
    return (height + 15) // 16 * 16, (width + 15) // 16 * 16


BLOCK_MEAN_F = 0  # speed, the same numbers: _block_mean of a Fortran-ordered float32 plane by the fast strided sums
# on its transpose instead of numpy's mean (~0.5-0.9 ms -> 0.1 ms). Off: only the in-process tools (ab-codecs.py's
# read_y4m frames have strides (3, 3h, 1), so _rgb_to_planes makes F-ordered planes) see such planes; the sandbox
# harness passes C-contiguous frames, whose planes already take the fast path (on, it would flatter times.py only)


def _block_mean(x, b):
    """x.reshape(h // b, b, w // b, b).mean(axis=(1, 3)), bit for bit (speed: ~5-10x faster). For a C-contiguous
    float32 plane with two or more blocks a row numpy's reduction sums each block row (0 + a0 + ... + a(b-1)),
    then the b row sums in order, then divides by b * b: the same additions as strided vector adds (checked
    bit-exact on 1.5 M random block means, b = 2 and 4, sizes 16x16 to 720x1280). Anything else: numpy's mean."""
    h, w = x.shape
    if BLOCK_MEAN_F and x.dtype == np.float32 and x.flags.f_contiguous and not x.flags.c_contiguous \
            and b in (2, 4) and not (h % b or w % b) and h // b >= 2:
        # a Fortran-ordered plane (as _rgb_to_planes makes them): numpy sums its blocks down the columns first,
        # which is the C path on the transpose (bit-exact on 400 random planes, b = 2 and 4; the same layout)
        return _block_mean(x.T, b).T
    if x.dtype != np.float32 or not x.flags.c_contiguous or h % b or w % b or w // b < 2:
        return x.reshape(h // b, b, w // b, b).mean(axis=(1, 3))
    v = x.reshape(h // b, b, w // b, b)
    out = None
    for r in range(b):
        q = v[:, r, :, 0] + v[:, r, :, 1]
        for c in range(2, b):
            q += v[:, r, :, c]
        if out is None:
            out = q
        else:
            out += q
    out /= b * b
    return out


RGB_NO_PAD = 1  # speed, the same numbers: _rgb_to_planes on contiguous float32 channel planes (no float32 copy of the
# padded RGB frame, no np.pad of a 16-aligned one), the same float32 operations in the same order


def _rgb_to_planes(frame, h16, w16):
    h, w = frame.shape[:2]
    # float32 is enough here: these planes only feed encoder decisions, never the reconstruction
    if RGB_NO_PAD:  # speed, the same float32 operations in the same order: contiguous planes, fewer temporaries
        if h != h16 or w != w16:
            frame = np.pad(frame, ((0, h16 - h), (0, w16 - w), (0, 0)), mode="edge")
        r, g, b = (frame[..., k].astype(np.float32) for k in range(3))
        y = 0.299 * r
        y += 0.587 * g
        y += 0.114 * b
        cb = np.subtract(128.0, 0.168736 * r, dtype=np.float32)
        cb -= 0.331264 * g
        cb += 0.5 * b
        cr = np.add(128.0, 0.5 * r, dtype=np.float32)
        cr -= 0.418688 * g
        cr -= 0.081312 * b
    else:
        f = np.pad(frame, ((0, h16 - h), (0, w16 - w), (0, 0)), mode="edge").astype(np.float32)
        r, g, b = f[..., 0], f[..., 1], f[..., 2]
        y = 0.299 * r + 0.587 * g + 0.114 * b
        cb = 128.0 - 0.168736 * r - 0.331264 * g + 0.5 * b
        cr = 128.0 + 0.5 * r - 0.418688 * g - 0.081312 * b
    cb = _block_mean(cb, 2)
    cr = _block_mean(cr, 2)
    return y, cb, cr


def _upsample2(c):
    """Centre-aligned bilinear 2x upsampling (matches the 2x2 box downsampling grid)."""
    c = c.astype(np.float32)
    p = np.pad(c, ((1, 1), (0, 0)), mode="edge")
    rows = np.empty((c.shape[0] * 2, c.shape[1]), np.float32)
    rows[0::2] = 0.75 * c + 0.25 * p[:-2]
    rows[1::2] = 0.75 * c + 0.25 * p[2:]
    p = np.pad(rows, ((0, 0), (1, 1)), mode="edge")
    out = np.empty((rows.shape[0], rows.shape[1] * 2), np.float32)
    out[:, 0::2] = 0.75 * rows + 0.25 * p[:, :-2]
    out[:, 1::2] = 0.75 * rows + 0.25 * p[:, 2:]
    return out


def _planes_to_rgb(y, cb, cr, height, width):
    yf = y.astype(np.float32)
    cbf = _upsample2(cb) - 128.0
    crf = _upsample2(cr) - 128.0
    rgb = np.empty(y.shape + (3,), np.float32)
    rgb[..., 0] = yf + 1.402 * crf
    rgb[..., 1] = yf - 0.344136 * cbf - 0.714136 * crf
    rgb[..., 2] = yf + 1.772 * cbf
    out = np.clip(np.rint(rgb), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(out[:height, :width])


def _to_mbs(plane, bs):
    h, w = plane.shape
    return plane.reshape(h // bs, bs, w // bs, bs).transpose(0, 2, 1, 3).reshape(-1, bs, bs)


def _from_mbs(blocks, mbh, mbw):
    bs = blocks.shape[-1]
    return blocks.reshape(mbh, mbw, bs, bs).transpose(0, 2, 1, 3).reshape(mbh * bs, mbw * bs)


def _split4(b16):
    n = b16.shape[0]
    return b16.reshape(n, 2, 8, 2, 8).transpose(0, 1, 3, 2, 4).reshape(n, 4, 8, 8)


def _join4(b8):
    n = b8.shape[0]
    return b8.reshape(n, 2, 2, 8, 8).transpose(0, 1, 3, 2, 4).reshape(n, 16, 16)


# ----------------------------------------------------------------------------
# transform and quantisation


def _dct(blocks):
    """Orthonormal 2-D DCT of (..., 8, 8) blocks as two plain 2-D matrix products."""
    shape = blocks.shape
    m = DCT8_F32 if blocks.dtype == np.float32 else DCT8
    x = blocks.reshape(-1, 8, 8).astype(m.dtype)
    y = (x.reshape(-1, 8) @ m.T).reshape(-1, 8, 8).transpose(0, 2, 1)
    y = (y.reshape(-1, 8) @ m.T).reshape(-1, 8, 8).transpose(0, 2, 1)
    return y.reshape(shape)


def _dst7_matrix(n=8):
    """Orthonormal DST-VII basis (rows: frequencies): its first function rises from the reference side, the shape
    of an intra residual that grows with the distance from the samples it was predicted from (HEVC's 4x4 DST)."""
    k, i = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    return np.sqrt(4.0 / (2 * n + 1)) * np.sin(np.pi * (2 * k + 1) * (i + 1) / (2 * n + 1))


DST8 = _dst7_matrix()
INTRA_DST = 1  # I frames: 8x8 luma blocks use the DST-VII in both directions instead of the DCT (VVC's implicit MTS;
# with the edge blocks' last-position contexts: bundled clips -1.0 % BD)


TX_MATMUL = 1  # speed: _fwd8 / _inv8 as two batched matrix products (0 = one three-operand einsum, ~10x slower)


def _fwd8(blocks, m):
    """Orthonormal separable transform m (8x8, rows: frequencies) of (..., 8, 8) blocks, float64."""
    if TX_MATMUL:  # (no copy of blocks that are float64 already: speed)
        return m @ blocks.astype(np.float64, copy=False) @ m.T
    return np.einsum("ij,...jk,lk->...il", m, blocks.astype(np.float64), m)


def _inv8(coefs, m):
    """Inverse of _fwd8."""
    if TX_MATMUL:
        return m.T @ coefs.astype(np.float64, copy=False) @ m
    return np.einsum("ji,...jk,kl->...il", m, coefs.astype(np.float64), m)


def _idct(coefs):
    shape = coefs.shape
    x = coefs.reshape(-1, 8, 8).astype(np.float64)
    y = (x.reshape(-1, 8) @ DCT8).reshape(-1, 8, 8).transpose(0, 2, 1)
    y = (y.reshape(-1, 8) @ DCT8).reshape(-1, 8, 8).transpose(0, 2, 1)
    return y.reshape(shape)


# Edge transforms (P frames): an 8x8 block whose motion-compensated source lies partly past the reference picture's
# edge (a pan's entering strip) has its new content in the rows (columns) that the edge's replicated samples predict,
# the others predicted from the picture. Its residual is coded as an r x 8 (8 x c) DCT of those rows (columns) alone,
# the coefficients in the first r rows (c columns) of the 8x8 level block; the other rows' residual is zero. Both
# sides know which blocks from their vectors and positions: no syntax. Kinds: 0 = whole block, 1..7 = the last 1..7
# rows, 8 + (1..7) = the first rows, 16 + (1..7) = the last columns, 24 + (1..7) = the first columns.
EDGE_TX = 1  # 0 = off


def _dct_n(n):
    k = np.arange(n)
    m = np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / (2.0 * n)) * math.sqrt(2.0 / n)
    m[0, :] = math.sqrt(1.0 / n)
    return m


DCT_N = [None] + [_dct_n(n) for n in range(1, 9)]


EDGE_KINDS_FAST = 1  # speed, the same numbers: _edge_kinds returns zeros at once when no block reaches outside the plane


def _edge_kinds(y0, x0, mvy, mvx, frac_bits, h, w):
    """Edge-transform kind (above) of 8x8 blocks at (y0, x0) of an h x w plane predicted by vectors in 1/2**frac_bits
    pel: rows (columns) whose source sample row (column) lies outside the plane, one side only, not corners."""
    sy = y0 + (mvy >> frac_bits)
    sx = x0 + (mvx >> frac_bits)
    one = (1 << frac_bits) - 1
    ey = y0 + ((mvy + one) >> frac_bits)
    ex = x0 + ((mvx + one) >> frac_bits)
    if EDGE_KINDS_FAST and (np.size(sy) == 0 or (sy.min() >= 0 and sx.min() >= 0 and ey.max() + 8 <= h
                                                  and ex.max() + 8 <= w)):
        return np.zeros(np.shape(sy), np.int64)  # every source block inside the plane (the usual case): kind 0
    if EDGE_KINDS_FAST:  # the same kinds in fewer array operations (in-place clips, one select per direction)
        below = ey + (8 - h)
        np.maximum(below, 0, out=below)
        np.minimum(below, 8, out=below)
        above = np.negative(sy)
        np.maximum(above, 0, out=above)
        np.minimum(above, 8, out=above)
        right = ex + (8 - w)
        np.maximum(right, 0, out=right)
        np.minimum(right, 8, out=right)
        left = np.negative(sx)
        np.maximum(left, 0, out=left)
        np.minimum(left, 8, out=left)
        rows = np.maximum(below, above)
        cols = np.maximum(right, left)
        # a row kind where 0 < rows < 8 and cols == 0, a column kind where 0 < cols < 8 and rows == 0, else 0
        rz, cz = rows == 0, cols == 0
        kind = np.where(cz & ~rz & (rows < 8), np.where(below > 0, below, above + 8), 0)
        return np.where(rz & ~cz & (cols < 8), np.where(right > 0, right + 16, left + 24), kind)
    below = np.clip(ey + 8 - h, 0, 8)
    above = np.clip(-sy, 0, 8)
    right = np.clip(ex + 8 - w, 0, 8)
    left = np.clip(-sx, 0, 8)
    rows = np.maximum(below, above)
    cols = np.maximum(right, left)
    kind = np.zeros(np.shape(sy), np.int64)
    r_ok = (rows > 0) & (rows < 8) & (cols == 0)
    c_ok = (cols > 0) & (cols < 8) & (rows == 0)
    kind = np.where(r_ok, np.where(below > 0, below, 8 + above), kind)
    kind = np.where(c_ok, np.where(right > 0, 16 + right, 24 + left), kind)
    return kind


def _edge_order(cnt):
    """The cnt x 8 coefficients (flat indices) in the order they take the first cnt * 8 zigzag positions: by
    normalised frequency i / cnt + j / 8, so the level coder sees a compact block (no zeros of unused rows in
    its scan)."""
    i, j = np.divmod(np.arange(cnt * 8), 8)
    return np.lexsort((j, i / cnt + j / 8.0))


EDGE_ORDER = [None] + [_edge_order(n) for n in range(1, 8)]


def _edge_forward(resid, kind):
    """Encoder: coefficients (m, 8, 8) of the edge transform of kind (one kind > 0) of residual blocks (m, 8, 8), and
    the energy (m,) of the rows (columns) it leaves out."""
    d, cnt = kind // 8, kind % 8
    r = resid.astype(np.float64)
    if d >= 2:  # columns: transposed, coded as rows
        r = r.transpose(0, 2, 1)
    part = r[:, 8 - cnt :] if d % 2 == 0 else r[:, :cnt]
    rest = r[:, : 8 - cnt] if d % 2 == 0 else r[:, cnt:]
    m = np.einsum("ij,mjk,lk->mil", DCT_N[cnt], part, DCT_N[8]).reshape(-1, cnt * 8)
    c = np.zeros((r.shape[0], 64))
    c[:, ZIGZAG[: cnt * 8]] = m[:, EDGE_ORDER[cnt]]
    return c.reshape(-1, 8, 8), (rest * rest).sum(axis=(1, 2))


def _edge_inverse(coefs, kind):
    """Residual blocks (m, 8, 8) of dequantised edge-transform coefficients (m, 8, 8) of one kind > 0."""
    d, cnt = kind // 8, kind % 8
    c = coefs.astype(np.float64).reshape(-1, 64)
    m = np.zeros((c.shape[0], cnt * 8))
    m[:, EDGE_ORDER[cnt]] = c[:, ZIGZAG[: cnt * 8]]
    out = np.zeros((c.shape[0], 8, 8))
    part = np.einsum("ji,mjk,kl->mil", DCT_N[cnt], m.reshape(-1, cnt, 8), DCT_N[8])
    if d % 2 == 0:
        out[:, 8 - cnt :] = part
    else:
        out[:, :cnt] = part
    if d >= 2:
        out = out.transpose(0, 2, 1)
    return out


def _edge_matrices():
    """Each kind's edge transform as a 64 x 64 matrix (raster residual -> raster coefficients; its rows orthonormal,
    zero past the kept coefficients) and the mask of the residual samples it codes (speed: one batched product
    for blocks of any kinds)."""
    eye = np.eye(64).reshape(64, 8, 8)
    mats = np.zeros((32, 64, 64))
    keep = np.zeros((32, 64))
    for k in range(1, 32):
        if k % 8:
            c, rest = _edge_forward(eye, k)
            mats[k] = c.reshape(64, 64).T
            keep[k] = 1.0 - rest
    return mats, keep


EDGE_MATS, EDGE_KEEP = _edge_matrices()


def _edge_residual(res, levels, qm, kinds):
    """Replace in res (m, 8, 8) the blocks of edge kinds > 0 by their edge transforms' residual (levels (m, 8, 8))."""
    at = np.nonzero(kinds > 0)[0]
    if at.size:
        deq = _dequantise(levels[at], qm).reshape(-1, 64).astype(np.float64)
        res[at] = np.einsum("mij,mi->mj", EDGE_MATS[kinds[at]], deq).reshape(-1, 8, 8)


SSD_ROWS_REUSE = 1  # encoder speed, the same numbers (decide27): without weighted prediction, d_me0 (the searched
# vectors' skip distortion per macroblock) sums the squared differences the filter choice made for the chosen planes
RECON_PRED_LOG = 1  # encoder speed, the same numbers (decide27): _reconstruct's predictions (_recon_preds) take the
# decision's own predictions (predict_w's batches: pass, sweep rounds, merge-skip prices) of macroblocks whose final
# vector is not the searched one, and predict only those never predicted there
PASS_FRESH = 1  # encoder speed, the same numbers (decide27): _decide_p's whole-frame pass predicts only the macroblocks
# whose guessed predictor is not the searched vector (the others' skip distortion is d_me0's; no whole-frame copy
# of pred_me's rows)
KINDS_AT_BOUNDS = 1  # encoder speed, the same kinds (decide27): _decide_p's kinds_at tests each macroblock's vector
# against the range that keeps all its blocks inside the planes (_kinds_bounds, cached per frame size) and computes
# the kinds only of the others (the usual case: none)
_KINDS_BOUNDS = {}


def _kinds_bounds(mbh, mbw):
    """Per macroblock, the quarter-pel vectors (y, x) whose luma 8x8 and chroma blocks all stay inside the planes
    (so _edge_kinds_mbs gives kind 0): ((n, 2, 2): [lo, hi] x [y, x] for one vector a macroblock, (n, 4, 2, 2) per
    8x8 block for split vectors). From _edge_kinds: a block at y0 of size s in an h-row plane is inside for
    -4 y0 <= v <= 4 (h - s - y0) (luma, quarter pel; chroma at half the position, eighth pel: the same bounds)."""
    got = _KINDS_BOUNDS.get((mbh, mbw))
    if got is None:
        n = mbh * mbw
        idx = np.arange(n)
        by, bx = (idx // mbw) * 16, (idx % mbw) * 16
        h, w = mbh * 16, mbw * 16
        one = np.zeros((n, 2, 2), np.int64)
        one[:, 0, 0], one[:, 0, 1] = -4 * by, -4 * bx
        one[:, 1, 0], one[:, 1, 1] = 4 * (h - 16 - by), 4 * (w - 16 - bx)
        y0, x0 = by[:, None] + SUB_DY, bx[:, None] + SUB_DX
        four = np.zeros((n, 4, 2, 2), np.int64)
        four[:, :, 0, 0], four[:, :, 0, 1] = -4 * y0, -4 * x0
        four[:, :, 1, 0], four[:, :, 1, 1] = 4 * (h - 8 - y0), 4 * (w - 8 - x0)
        got = _KINDS_BOUNDS[(mbh, mbw)] = (one, four)
    return got


KINDS_AT_SCALAR = 16  # ... and (exact) the kinds of at most this many macroblocks outside that range in plain Python


def _edge_kind_one(y0, x0, mvy, mvx, frac_bits, h, w):
    """_edge_kinds of one 8x8 block (Python ints: the same integer arithmetic)."""
    sy = y0 + (mvy >> frac_bits)
    sx = x0 + (mvx >> frac_bits)
    one = (1 << frac_bits) - 1
    below = min(max(y0 + ((mvy + one) >> frac_bits) + 8 - h, 0), 8)
    above = min(max(-sy, 0), 8)
    right = min(max(x0 + ((mvx + one) >> frac_bits) + 8 - w, 0), 8)
    left = min(max(-sx, 0), 8)
    rows = max(below, above)
    cols = max(right, left)
    if rows and not cols and rows < 8:
        return below if below > 0 else above + 8
    if cols and not rows and cols < 8:
        return right + 16 if right > 0 else left + 24
    return 0


EDGE_MBS_MEMO = 1  # speed, the same kinds: a whole-frame _edge_kinds_mbs call with the same vectors and modes as the
# last one (a P frame asks three times: _p_sign_hiding, _reconstruct, _encode_syntax) returns copies of its result
_EDGE_MBS_LAST = []


def _edge_kinds_mbs(mbh, mbw, mv4, modes, idx=None):
    """Edge-transform kinds of P-frame macroblocks idx (all if None): luma (m, 4) from each 8x8 block's vector, chroma
    (m,) from the macroblock's (none for split and intra macroblocks). mv4: (m, 4, 2) quarter-pel vectors."""
    if idx is None and EDGE_MBS_MEMO:
        last = _EDGE_MBS_LAST
        if last and last[0] == (mbh, mbw) and last[1].shape == np.shape(mv4) and np.array_equal(last[1], mv4) \
                and np.array_equal(last[2], modes):
            return last[3].copy(), last[4].copy()
        ky, kc = _edge_kinds_mbs_calc(mbh, mbw, mv4, modes, None)
        last[:] = [(mbh, mbw), np.array(mv4), np.array(modes), ky.copy(), kc.copy()]
        return ky, kc
    return _edge_kinds_mbs_calc(mbh, mbw, mv4, modes, idx)


def _edge_kinds_mbs_calc(mbh, mbw, mv4, modes, idx=None):
    if idx is None:
        idx = np.arange(mbh * mbw)
    by = (idx // mbw) * 16
    bx = (idx % mbw) * 16
    h, w = mbh * 16, mbw * 16
    ky = _edge_kinds(by[:, None] + SUB_DY, bx[:, None] + SUB_DX, mv4[..., 0], mv4[..., 1], 2, h, w)
    kc = _edge_kinds(by // 2, bx // 2, mv4[:, 1, 0], mv4[:, 1, 1], 3, h // 2, w // 2)
    ky[modes == MODE_INTRA] = 0
    kc[(modes == MODE_INTRA) | (modes == MODE_SPLIT)] = 0
    return ky, kc


def _idct_coded(levels, qm):
    """_idct(_dequantise(levels, qm)) of (..., 8, 8) level blocks, transformed only where a block has a level
    (speed: most P-frame blocks have none, and their residual is exactly zero)."""
    flat = levels.reshape(-1, 8, 8)
    coded = np.nonzero(flat.reshape(-1, 64).any(1))[0]
    out = np.zeros(flat.shape)
    if coded.size:
        out[coded] = _idct(_dequantise(flat[coded], qm))
    return out.reshape(levels.shape)


def _qstep(quality):
    q = min(max(float(quality), 0.0), 100.0)
    return 1.2 * 2.0 ** ((100.0 - q) / 15.0)


CASCADE_LEVEL = (0, 2, 1, 2)  # low-delay QP cascade: every 4th P frame is the best-quality reference


def _frame_step(quality, ftype, frame_index):
    """Quantiser step of a frame; both sides know the frame type (from the bytes) and the index."""
    if ftype == FRAME_I:
        return _qstep(quality)
    return _qstep(quality) * INTER_QSCALE * P_CASCADE ** CASCADE_LEVEL[frame_index % 4]


def _qmatrices(step):
    tilt = 1.0 + QM_TILT * UV / 14.0
    return step * tilt, step * CHROMA_QSCALE * tilt


def _dequantise(levels, qm):
    """Reconstruction points, shifted by RECON_BIAS steps away from zero (0 = the classic l * step)."""
    lev = levels.astype(qm.dtype)
    if RECON_BIAS:
        lev = lev + np.asarray(RECON_BIAS, qm.dtype) * np.sign(lev)
    return lev * qm


def _quantise(coefs, qm, deadzone):
    a = np.abs(coefs) / qm
    a += 0.5 - deadzone  # in place from here: the same operations, fewer temporaries
    np.floor(a, out=a)
    np.maximum(a, 0, out=a)
    np.copysign(a, coefs, out=a)
    return a.astype(np.int32)


LOG2_COST = 2.5 + 2.0 * np.log2(np.maximum(np.arange(256), 1))
LOG2_COST[0] = 0.0
ZZ_RANK = (ZZ_POS + 1).reshape(8, 8)


def _block_bits(levels):
    """Rough bit cost of each quantised 8x8 block (..., 8, 8)."""
    a = np.minimum(np.abs(levels), 255)
    nz = a > 0
    nnz = nz.sum(axis=(-2, -1))
    last1 = (nz * ZZ_RANK).max(axis=(-2, -1))
    mag = LOG2_COST[a].sum(axis=(-2, -1))
    return np.where(nnz > 0, 5.0 + 0.6 * (last1 - nnz) + mag, 1.0)


# ----------------------------------------------------------------------------
# spatial intra prediction (I frames)

IPRED_ANGLES = (26, 17, 9, 4, -4, -9, -17, -26)  # extra directions, HEVC units (1/32 pel per row), each used vertically and horizontally
IPRED_MODES = 6 + 2 * len(IPRED_ANGLES)  # DC, V, H, planar, two diagonals, then the angles of IPRED_ANGLES
IPRED_MODE_BITS = 2.0  # rough cost of a mode symbol in the encoder's choice
MPM_BITS = (1.0, 2.0, 5.0)  # rough cost of a mode equal to the first / second most probable one / any other
IPRED_PRESELECT = 8  # encoder: full RD over this many modes of least rough cost (IPRED_ROUGH) per block (0 = all IPRED_MODES; with the
# DST and boundary filters the SAD ranking misses more: 6 -> 0 with ALF_PASSES (2, 2), bundled -0.90 % for 1.17x time)
IPRED_ADAPT = None  # encoder speed (a decision, key27b): (ratio, least): the I-frame luma wavefront RD-codes only the
# preselected modes whose rough cost (IPRED_ROUGH 1) is within ratio x the block's least, at least `least` of them
# (>= INTRA4_CANDIDATES: the split trial takes the best of the coded ones); None = all IPRED_PRESELECT
# Rejected (ab-codecs vs next27, 16 frames): (1.3, 3) astronaut +0.61 % (key frames ~0.935x); (1.6, 4) astronaut
# +0.28 %, face +0.34 % (kept rows 81-94 %): the key frame's quality carries into every P frame
IPRED_ROUGH = 1  # the preselection's rough cost: 0 = SAD, 1 = SATD in the block's transform, 2 = deadzone-quantised RD
_R8 = np.arange(8)


def _ipred_weights(edge_filters=False):
    """Modes 1.. of _ipred as integer weights on 50 reference samples, A = L7..L0, TL, T0..T7, T7 x 8 and
    B = T7..T0, TL, L0..L7, L7 x 8: prediction = (ref @ W + rounding) >> shift. One matrix product per
    wavefront step instead of ~200 small numpy operations (the I frame's cost was mostly their overhead)."""
    w = np.zeros((IPRED_MODES, 8, 8, 50), np.int64)  # mode, y, x, reference sample
    rnd = np.zeros(IPRED_MODES, np.int64)
    shift = np.zeros(IPRED_MODES, np.int64)

    def t(i):  # top sample i, the top row continued by its last sample
        return 9 + min(i, 7)

    for y in range(8):
        for x in range(8):
            w[1, y, x, t(x)] += 1  # V
            w[2, y, x, 7 - y] += 1  # H
            for i, c in ((7 - y, 7 - x), (0, y + 1), (t(x), 7 - y), (t(7), x + 1)):  # planar
                w[3, y, x, i] += c
            for i, c in ((t(x + y), 1), (t(x + y + 1), 2), (t(x + y + 2), 1)):  # [1 2 1] diagonal from the top
                w[4, y, x, i] += c
            k = 8 + x - y  # [1 2 1] diagonal through the corner: L7 .. L0, TL, T0 .. T7 are A[0..16]
            w[5, y, x, k - 1 : k + 2] += (1, 2, 1)
    rnd[3:6], shift[3:6] = (8, 2, 2), (4, 2, 2)
    if edge_filters:  # HEVC's boundary filters: V's first column and H's first row follow the other side's gradient
        w[1:3] *= 2
        for k in range(8):
            w[1, k, 0, 7 - k] += 1  # + L[y] - TL, halved by the shift
            w[1, k, 0, 8] -= 1
            w[2, 0, k, 9 + k] += 1  # + T[x] - TL
            w[2, 0, k, 8] -= 1
        rnd[1:3], shift[1:3] = 1, 1
    for i, ang in enumerate(IPRED_ANGLES):
        for y in range(8):
            off, f = ((y + 1) * ang) >> 5, ((y + 1) * ang) & 31
            for x in range(8):
                k = 9 + x + off
                w[6 + 2 * i, y, x, k : k + 2] += (32 - f, f)  # from the left column's side: A
                w[7 + 2 * i, x, y, 25 + k : 27 + k] += (32 - f, f)  # from the top row's side: B, transposed
        rnd[6 + 2 * i : 8 + 2 * i], shift[6 + 2 * i : 8 + 2 * i] = 16, 5
    # float32 is exact here (sums of at most 64 x 255 in integers) and its product is several times faster
    w32 = np.ascontiguousarray(w.reshape(-1, 50).T, np.float32)
    return w32, rnd[:, None, None].astype(np.int32), shift[:, None, None].astype(np.int32)


_IPRED_W, _IPRED_RND, _IPRED_SHIFT = _ipred_weights()
INTRA_EDGE_FILTERS = 1  # I frames, luma 8x8 blocks: HEVC's DC / vertical / horizontal boundary filters (0 = off;
# six clips -0.55 % BD, every clip better)
_IPRED_WF, _IPRED_RNDF, _IPRED_SHIFTF = _ipred_weights(True)


def _ipred_clip_modes(w, rnd, shift):
    """The modes whose prediction (ref @ w + rnd) >> shift can leave 0..255 for references in 0..255: those with a
    negative weight or weights summing past 1 << shift (the others are convex: clipping them changes nothing)."""
    w = w.reshape(w.shape[0], IPRED_MODES, 64)
    rnd, shift = rnd.reshape(-1), shift.reshape(-1)
    out = [k for k in range(IPRED_MODES) if (w[:, k] < 0).any() or (w[:, k].sum(0) != (1 << int(shift[k]))).any()
           or not 0 <= int(rnd[k]) < (1 << int(shift[k]))]
    return np.array(out, np.int64)


_IPRED_CLIPF = _ipred_clip_modes(_IPRED_WF, _IPRED_RNDF, _IPRED_SHIFTF)  # speed: _ipred clips only these (1, 2 and DC)
IPRED_FOLD = 1  # speed, byte-identical (encoder and decoder): _ipred's rounding and shift folded into its product


def _ipred_fold(w, rnd, shift):
    """The weights w (50, modes * 64) scaled by 2**-shift with a 51st row rnd * 2**-shift (for a reference column of
    ones): floor(ref @ this) = (ref @ w + rnd) >> shift exactly (dyadic values of < 24 bits in float32)."""
    sc = np.repeat(2.0 ** -shift.reshape(-1).astype(np.float64), 64)
    return np.vstack([w.astype(np.float64) * sc, (np.repeat(rnd.reshape(-1), 64) * sc)[None, :]]).astype(np.float32)


_IPRED_W_FOLD = _ipred_fold(_IPRED_W, _IPRED_RND, _IPRED_SHIFT)
_IPRED_WF_FOLD = _ipred_fold(_IPRED_WF, _IPRED_RNDF, _IPRED_SHIFTF)


IPRED_FOLD18 = 1  # encoder speed, the same numbers: the encoder's _ipred (_ipred_enc) multiplies the 18 distinct
# reference samples (L0..L7, TL, T0..T7, 1) by weights with the repeated and mirrored rows of _IPRED_*_FOLD summed
# (dyadic values, so the sums and the product stay exact in float32), and clips in float before the integer cast


def _ipred_fold18(w):
    """_IPRED_*_FOLD's 51 rows (A = L7..L0, TL, T0..T7, T7 x 8, B = T7..T0, TL, L0..L7, L7 x 8, ones) folded onto
    the reference vector (L0..L7, TL, T0..T7, 1): the same dyadic weights summed per sample (exact)."""
    w = w.astype(np.float64)
    out = np.zeros((18, w.shape[1]))
    for j in range(8):
        out[j] = w[7 - j] + w[34 + j]
        out[9 + j] = w[9 + j] + w[32 - j]
    out[7] += w[42:50].sum(0)
    out[16] += w[17:25].sum(0)
    out[8] = w[8] + w[33]
    out[17] = w[50]
    return out.astype(np.float32)


_IPRED_W_FOLD18 = _ipred_fold18(_IPRED_W_FOLD)
_IPRED_WF_FOLD18 = _ipred_fold18(_IPRED_WF_FOLD)
_IPRED_DC_EDGE = np.array([1, 2, 3, 4, 5, 6, 7, 8, 16, 24, 32, 40, 48, 56, 0])  # _ipred_enc: DC's row 0 (x 1..7), column 0 (y 1..7), corner
_IPRED_CLIP_COLS = slice(64 * int(_IPRED_CLIPF.min()), 64 * (int(_IPRED_CLIPF.max()) + 1)) if _IPRED_CLIPF.size else slice(0, 0)


def _ipred_enc(top, left, tl, have_top, have_left, edge_filters=False):
    """Encoder: _ipred's predictions (the same numbers, int32 (m, IPRED_MODES, 8, 8)) with one (m, 18) x (18, modes x 64)
    float32 product; the edge-filtered modes that can leave 0..255 are clipped in float (integers there)."""
    if not (IPRED_FOLD18 and IPRED_FOLD and top.dtype.kind in "iu"):
        return _ipred(top, left, tl, have_top, have_left, edge_filters)
    st, sl, dc = _refs_dc(top, left, tl, have_top, have_left, 3)
    top, left, tl = st[1:]
    m = top.shape[0]
    ref = np.empty((m, 18), np.float32)
    ref[:, :8] = left
    ref[:, 8] = tl
    ref[:, 9:17] = top
    ref[:, 17] = 1.0
    acc = ref @ (_IPRED_WF_FOLD18 if edge_filters else _IPRED_W_FOLD18)
    if edge_filters:  # clip, then truncate: floor and the clip to 0..255 commute, and truncation is floor for x >= 0
        cl = acc[:, _IPRED_CLIP_COLS]  # (a superset of the modes that need it is harmless: the others are in range)
        np.maximum(cl, 0.0, out=cl)
        np.minimum(cl, 255.0, out=cl)
    out = acc.astype(np.int32)  # (every other mode's weights and rounding are >= 0: acc >= 0, truncation = floor)
    flat = out
    out = out.reshape(m, IPRED_MODES, 8, 8)
    if edge_filters:  # DC: the first row and column lean toward their neighbours, one scatter
        e = np.empty((m, 15), np.int64)
        e[:, :7] = top[:, 1:]
        e[:, 7:14] = left[:, 1:]
        e[:, 14] = top[:, 0] + left[:, 0] - dc  # (t + l + 2 dc + 2) >> 2 as (t + l - dc) + 3 dc + 2
        e += 3 * dc[:, None] + 2
        e >>= 2
        flat[:, :64] = dc[:, None]
        flat[:, _IPRED_DC_EDGE] = e
    else:
        out[:, 0] = dc[:, None, None]
    return out


def _clip255(x):
    """np.clip(x, 0, 255) without np.clip's per-call checks (speed: it runs once per wavefront step)."""
    return np.minimum(np.maximum(x, 0), 255)


# Encoder speed, the same functions: numpy 1.2x puts Python layers in front of some C calls (the array-function
# dispatch of np.where / np.concatenate, ndarray.sum -> _methods._sum, np.cumsum -> _wrapfunc, ...), ~1-3 us a call;
# the key frame's hot loops and the RDOQ kernels call the C functions they end in directly.
_where = getattr(np.where, "_implementation", np.where)
_cat = getattr(np.concatenate, "_implementation", np.concatenate)
_add_r = np.add.reduce  # x.sum(axis) (give the axis: reduce's default is 0, sum's None)
_add_acc = np.add.accumulate  # np.cumsum(x, axis) (a 1-D x for np.cumsum(x))
_max_r = np.maximum.reduce  # x.max(axis)
_or_r = np.logical_or.reduce  # x.any(axis)
_and_r = np.logical_and.reduce  # x.all(axis)
_bincount = getattr(np.bincount, "_implementation", np.bincount)
_R_IPM = np.arange(IPRED_MODES)[None, :]  # the luma mode numbers as one row


def _full(shape, value, dtype):
    """np.full(shape, value, dtype) without its Python layers (speed)."""
    a = np.empty(shape, dtype)
    a.fill(value)
    return a


def _fill_refs(top, left, tl, have_top, have_left):
    """Intra reference samples with missing sides filled: a missing side repeats the other side's first sample
    (or 128 when both are missing); the top-left sample likewise. Shared by _ipred and _ipred4."""
    top0 = _where(have_top[:, None], top, _where(have_left[:, None], left[:, :1], 128))
    left = _where(have_left[:, None], left, _where(have_top[:, None], top[:, :1], 128))
    top = top0
    tl = _where(have_top & have_left, tl, _where(have_top, top[:, 0], _where(have_left, left[:, 0], 128)))
    return top, left, tl


def _refs_dc(top, left, tl, have_top, have_left, lg):
    """_fill_refs and the DC value of blocks of 2**lg samples a side: ((sum of top, top, left, tl), sum of left, dc).
    Speed: where every block has both sides (most of a wavefront) the references are used as they are."""
    if top.dtype == left.dtype == tl.dtype == np.int64 and _and_r(have_top, None) and _and_r(have_left, None):
        st, sl = _add_r(top, 1), _add_r(left, 1)
        return (st, top, left, tl), sl, (st + sl + (1 << lg)) >> (lg + 1)
    both = have_top & have_left
    top, left, tl = _fill_refs(top, left, tl, have_top, have_left)
    st, sl = _add_r(top, 1), _add_r(left, 1)
    h = 1 << (lg - 1)
    dc = _where(both, (st + sl + 2 * h) >> (lg + 1), _where(have_top, (st + h) >> lg, _where(have_left, (sl + h) >> lg, 128)))
    return (st, top, left, tl), sl, dc


def _ipred(top, left, tl, have_top, have_left, edge_filters=False):
    """All IPRED_MODES predictions (m, 6, 8, 8) of 8x8 blocks from their reconstructed neighbours: top (m, 8),
    left (m, 8), top-left (m,). Missing sides are filled from the other side (or 128), so every mode is valid."""
    st, sl, dc = _refs_dc(top, left, tl, have_top, have_left, 3)
    top, left, tl = st[1:]
    st, sl = st[0], sl
    m = top.shape[0]
    # modes 1.. as one product with the integer weights of _ipred_weights (exact in float32: small integers)
    parts = [left[:, ::-1], tl[:, None], top, np.repeat(top[:, 7:], 8, 1),
             top[:, ::-1], tl[:, None], left, np.repeat(left[:, 7:], 8, 1)]
    fold = IPRED_FOLD and top.dtype.kind in "iu"  # integer references (every caller): exact dyadic sums
    if fold:  # one product, then floor: (acc + rnd) >> shift without the integer passes (the same numbers)
        acc = np.concatenate(parts + [np.ones((m, 1), top.dtype)], 1).astype(np.float32) @ (
            _IPRED_WF_FOLD if edge_filters else _IPRED_W_FOLD)
        np.floor(acc, out=acc)
        out = acc.astype(np.int32).reshape(m, IPRED_MODES, 8, 8)
        if not edge_filters:
            out[:, 0] = dc[:, None, None]
            return out
    ref = None if fold else np.concatenate(parts, 1)
    if edge_filters:
        if not fold:
            acc = (ref.astype(np.float32) @ _IPRED_WF).astype(np.int32).reshape(m, IPRED_MODES, 8, 8)
            out = (acc + _IPRED_RNDF) >> _IPRED_SHIFTF
        out[:, _IPRED_CLIPF] = _clip255(out[:, _IPRED_CLIPF])
        out[:, 0] = dc[:, None, None]
        d3 = 3 * dc[:, None]
        out[:, 0, 0, 1:] = (top[:, 1:] + d3 + 2) >> 2  # DC: the first row and column lean toward their neighbours
        out[:, 0, 1:, 0] = (left[:, 1:] + d3 + 2) >> 2
        out[:, 0, 0, 0] = (top[:, 0] + left[:, 0] + 2 * dc + 2) >> 2
        return out
    acc = (ref.astype(np.float32) @ _IPRED_W).astype(np.int32).reshape(m, IPRED_MODES, 8, 8)
    out = (acc + _IPRED_RND) >> _IPRED_SHIFT
    out[:, 0] = dc[:, None, None]
    return out


def _ipm_rank_bits(counts, ctx, order, rank=None):
    """Encoder: bits of every mode (m, IPRED_MODES) coded as its rank in `order` (m, IPRED_MODES) under the
    mode model's contexts ctx (m,), from its (adapting) symbol counts. rank: argsort(order) if known."""
    bits = np.log2(_add_r(counts, 1, keepdims=True)) - np.log2(counts)  # (n_ctx, rank)
    if rank is None:
        rank = np.argsort(order, axis=1)  # rank of each mode: the inverse permutation of the order
    return bits[ctx[:, None], rank]


MPM_TABLES = 1  # encoder speed, the same numbers: I frames' mode orders and ranks (_mpm_order, its argsort) read
# from tables of all (left, up) pairs (_mpm_order_rank; 0 = computed per block)
_MPM_TABS = {}  # n_modes -> (orders, ranks) of every (left, up) pair, row left * n_modes + up


def _mpm_order_rank(left, up, n_modes=IPRED_MODES):
    """Encoder: (_mpm_order(left, up, n_modes), its inverse permutation per row), from per-pair tables."""
    if MPM_TABLES and left.size and (_max_r(left, None) if left is up else max(_max_r(left, None), _max_r(up, None))) < n_modes:
        # (modes are never negative)
        tabs = _MPM_TABS.get(n_modes)
        if tabs is None:
            pairs = np.arange(n_modes * n_modes)
            o = _mpm_order(pairs // n_modes, pairs % n_modes, n_modes)
            tabs = _MPM_TABS[n_modes] = (o, np.argsort(o, axis=1))
        k = left * n_modes + up
        return tabs[0].take(k, 0), tabs[1].take(k, 0)
    order = _mpm_order(left, up, n_modes)
    return order, np.argsort(order, axis=1)


IPM_COUNT_BINCOUNT = 1  # encoder speed, byte-identical (key27): _ipm_count adds the chosen ranks' counts by one bincount
# (np.add.at's slow path in numpy 1.24; the counts are integers in float64, so the sums are exact in any order)


def _ipm_count(counts, ctx, order, chosen, rank=None):
    """Encoder: the model's batch adaptation (_adapt) mirrored on the counts with the chosen modes' ranks (rank:
    argsort(order) if known)."""
    rk = _to_rank(order, chosen) if rank is None else rank[np.arange(chosen.size), chosen]
    if IPM_COUNT_BINCOUNT and counts.ndim == 2:  # speed, the same numbers: integer counts in float64 (exact sums)
        counts += MODEL_INCREMENT * _bincount(ctx * counts.shape[1] + rk, None, counts.size).reshape(counts.shape)
    else:
        np.add.at(counts, (ctx, rk), MODEL_INCREMENT)
    big = _add_r(counts, 1) > MODEL_LIMIT
    counts[big] = np.floor((counts[big] + 1) / 2)


I_WAVE_GEOM = 1  # encoder speed, byte-identical: the I wavefronts' per-step block positions and gather / scatter indices
# from a cache (_wave_geom), the targets from the plane cut into blocks once, the reconstruction written by one put
_WAVE_GEOM = {}  # _wave_geom's cache: (rows, cols) -> per anti-diagonal tuples


def _wave_geom(rows, cols):
    """Per anti-diagonal d of a rows x cols grid of 8x8 blocks (the plane padded with a zero row and column in front,
    row length cols * 8 + 1): (rs, cs, blk, y0, x0, have_top, have_left, top, left, tl, dst) with top / left / tl
    the flat indices of the blocks' reference samples and dst (m, 8, 8) those of the blocks themselves."""
    got = _WAVE_GEOM.get((rows, cols))
    if got is None and I_WAVE_GEOM_VEC:
        got = _wave_geom_vec(rows, cols)
    if got is None:
        w = cols * 8 + 1
        got = []
        for d in range(rows + cols - 1):
            rs = np.arange(max(0, d - cols + 1), min(rows - 1, d) + 1)
            cs = d - rs
            y0, x0 = rs * 8, cs * 8
            got.append((rs, cs, rs * cols + cs, y0, x0, rs > 0, cs > 0, y0[:, None] * w + x0[:, None] + 1 + _R8,
                        (y0[:, None] + 1 + _R8) * w + x0[:, None], y0 * w + x0,
                        (y0[:, None, None] + 1 + _R8[:, None]) * w + x0[:, None, None] + 1 + _R8[None, :]))
        if len(_WAVE_GEOM) > 8:
            _WAVE_GEOM.clear()
        _WAVE_GEOM[(rows, cols)] = got
    return got


I_WAVE_GEOM_VEC = 1  # encoder speed, the same arrays: _wave_geom / _pair_geom built for all blocks at once and cut
# per step (a per-step build costs ~3.4 + 4.2 ms per process on CIF; 0 = per step)


def _diag_order(rows, cols, extra=0):
    """Raster blocks of a rows x cols grid sorted by anti-diagonal (+ extra for a second plane, see _pair_geom),
    ascending rows within one: (rs, cs, raster index, step boundaries)."""
    rr, cc = np.divmod(np.arange(rows * cols), cols)
    order = np.argsort(rr + cc, kind="stable")
    return rr.take(order), cc.take(order), order


def _wave_geom_vec(rows, cols):
    """_wave_geom's tuples, the same values, from whole-grid arrays cut per anti-diagonal."""
    w = cols * 8 + 1
    rs, cs, blk = _diag_order(rows, cols)
    y0, x0 = rs * 8, cs * 8
    ht, hl = rs > 0, cs > 0
    i_t = y0[:, None] * w + x0[:, None] + 1 + _R8
    i_l = (y0[:, None] + 1 + _R8) * w + x0[:, None]
    i_tl = y0 * w + x0
    i_dst = (y0[:, None, None] + 1 + _R8[:, None]) * w + x0[:, None, None] + 1 + _R8[None, :]
    ends = np.cumsum(np.bincount(rs + cs, minlength=rows + cols - 1)).tolist()
    got, a = [], 0
    for b in ends:
        got.append((rs[a:b], cs[a:b], blk[a:b], y0[a:b], x0[a:b], ht[a:b], hl[a:b], i_t[a:b], i_l[a:b], i_tl[a:b],
                    i_dst[a:b]))
        a = b
    if len(_WAVE_GEOM) > 8:
        _WAVE_GEOM.clear()
    _WAVE_GEOM[(rows, cols)] = got
    return got


def _intra_plane(rows, cols, qm, cur=None, lam=0.0, deadzone=0.0, modes=None, levels=None, hint=None, counts=None,
                 ctx_base=0, splits=None, big=None, mode16=None, levels16=None, costs=None, cfl=None, cfl_cb=None,
                 k4=None, try_split=None, preselect=None, luma=False):
    """Reconstruct (decoder) or code (encoder, cur given) a plane of 8x8 blocks, each predicted from the
    unfiltered reconstruction above and left of it. Blocks on one anti-diagonal do not depend on each other,
    so the work is vectorised per diagonal (rows + cols - 1 steps). Returns the plane (int), the block modes
    and levels (rows*cols, 8, 8) in raster order of the block grid. With counts (the mode model's symbol
    counts, float, updated in place) the encoder prices modes with the model's real costs; ctx_base is the
    chroma plane's context (0 Cb, 1 Cr). splits (bool per block, luma with INTRA4): the blocks coded as four 4x4
    blocks, filled in by the encoder. big / mode16 / levels16: the 16x16 macroblocks (luma, see _i16_step);
    costs (encoder, (rows*cols,)) receives each 8x8 block's RD cost (split blocks: the split's). cfl (chroma, the
    frame's reconstructed luma at chroma resolution, see _cfl_luma): adds the chroma-from-luma modes CFL_SIDES;
    cfl_cb (Cr: the reconstructed Cb plane, padded alike) adds the Cr-from-Cb mode CFL_CB_MODE. Encoder speed
    options: k4 = the number of modes tried split (default INTRA4_CANDIDATES), try_split (bool per block) = the
    only blocks tried split, preselect = IPRED_PRESELECT. luma: the luma plane (INTRA_DST, INTRA_EDGE_FILTERS)."""
    preselect = preselect or IPRED_PRESELECT
    dst = luma and INTRA_DST
    rec = np.zeros((rows * 8 + 1, cols * 8 + 1), np.int64)  # row 0 / column 0: outside the frame
    n_modes = IPRED_MODES if cfl is None else IPRED_MODES + len(CFL_SIDES) + (cfl_cb is not None)
    geom = None
    if cur is not None:
        modes = np.zeros(rows * cols, np.int64)
        levels = np.zeros((rows * cols, 8, 8), np.int32)
        if I_WAVE_GEOM:  # speed, the same numbers
            geom = _wave_geom(rows, cols)
            cur_b = cur.reshape(rows, 8, cols, 8).transpose(0, 2, 1, 3).reshape(rows * cols, 8, 8)
    for d in range(rows + cols - 1):
        if geom is not None:
            rs, cs, blk, y0, x0, h_t, h_l, i_t, i_l, i_tl, i_dst = geom[d]
            if big is not None:
                _i16_step(rec, d, big, cols // 2, qm, cur, lam, deadzone, mode16, levels16, modes)
                keep = ~big[(rs // 2) * (cols // 2) + cs // 2]
                if not _or_r(keep, None):
                    continue
                if not _and_r(keep, None):
                    rs, cs, blk, y0, x0, h_t, h_l, i_t, i_l, i_tl, i_dst = (
                        a[keep] for a in (rs, cs, blk, y0, x0, h_t, h_l, i_t, i_l, i_tl, i_dst))
            pred = _ipred_enc(rec.take(i_t), rec.take(i_l), rec.take(i_tl), h_t, h_l, luma and INTRA_EDGE_FILTERS)
        else:
            rs = np.arange(max(0, d - cols + 1), min(rows - 1, d) + 1)
            cs = d - rs
            if big is not None:
                _i16_step(rec, d, big, cols // 2, qm, cur, lam, deadzone, mode16, levels16, modes)
                keep = ~big[(rs // 2) * (cols // 2) + cs // 2]
                rs, cs = rs[keep], cs[keep]
                if rs.size == 0:
                    continue
            y0, x0 = rs * 8, cs * 8
            top = rec[y0[:, None], x0[:, None] + 1 + _R8]
            left = rec[y0[:, None] + 1 + _R8, x0[:, None]]
            pred = (_ipred if cur is None else _ipred_enc)(top, left, rec[y0, x0], rs > 0, cs > 0, luma and INTRA_EDGE_FILTERS)
        if cfl is not None or cfl_cb is not None:  # one concatenation (speed)
            parts = [pred]
            if cfl is not None:
                parts.append(_cfl_preds(rec, cfl, y0, x0, rs > 0, cs > 0))
            if cfl_cb is not None:
                parts.append(_cfl_pred(rec, cfl_cb, y0, x0, rs > 0, cs > 0)[:, None])
            pred = _cat(parts, 1)
        if geom is None:
            blk = rs * cols + cs
        if cur is not None:
            tgt = cur_b.take(blk, 0) if geom is not None else \
                cur[y0[:, None, None] + _R8[:, None], x0[:, None, None] + _R8[None, :]]
            resid = tgt[:, None] - pred
            all_modes = np.arange(n_modes)[None, :]
            if counts is not None:  # the rank the syntax codes, priced by the adapting mode model
                if hint is not None:
                    m_ctx = _full(blk.size, ctx_base, np.int64)
                    m_ord, m_rank = _mpm_order_rank(hint[blk], hint[blk], n_modes)
                elif d % 2:
                    left = _where(cs > 0, modes[np.maximum(blk - 1, 0)], 0)
                    up = _where(rs > 0, modes[np.maximum(blk - cols, 0)], 0)
                    m_ctx = 1 + (left != up)
                    m_ord, m_rank = _mpm_order_rank(left, up)
                else:
                    m_ctx = np.zeros(blk.size, np.int64)
                    m_ord = m_rank = _R_IPM.repeat(blk.size, 0)  # (its own inverse)
                mbits = _ipm_rank_bits(counts, m_ctx, m_ord, m_rank)
            elif hint is not None:  # chroma: the rank against the hint mode is what gets coded
                mbits = _where(all_modes == hint[blk][:, None], MPM_BITS[0], MPM_BITS[2])
            elif d % 2:  # luma, second checkerboard phase: ranks against the left and upper modes
                left = _where(cs > 0, modes[np.maximum(blk - 1, 0)], 0)
                up = _where(rs > 0, modes[np.maximum(blk - cols, 0)], 0)
                mbits = _where(all_modes == left[:, None], MPM_BITS[0],
                                 _where(all_modes == up[:, None], MPM_BITS[1], MPM_BITS[2]))
            else:
                mbits = np.full((1, n_modes), IPRED_MODE_BITS)
            if mbits.shape != resid.shape[:2]:
                mbits = np.broadcast_to(mbits, resid.shape[:2])
            at = np.arange(blk.size)[:, None]
            r_split = np.zeros((blk.size, 8, 8), np.int64)
            cand = None
            coefs = None
            if 0 < preselect < n_modes and IPRED_ROUGH:
                # RD-code only the modes of least rough cost in the block's own transform: SATD + sqrt(lambda) x
                # mode bits (IPRED_ROUGH 1) or the plain deadzone quantiser's SSD + lambda x rough bits (2)
                coefs = _fwd8(resid, DST8) if dst else _dct(resid.astype(np.float64, copy=False))
                if IPRED_ROUGH == 1:
                    rough = _add_r(np.abs(coefs), (2, 3)) + math.sqrt(lam) * mbits
                else:
                    lq = _quantise(coefs, qm, deadzone)
                    err = coefs - lq * qm
                    rough = (err * err).sum(axis=(2, 3)) + lam * (_block_bits(lq) + mbits)
                cand = rough.argsort(1, kind="stable")[:, :preselect]
                if geom is not None:  # (speed: one flat gather of the candidates' coefficients)
                    coefs = coefs.reshape(-1, 8, 8).take(at * n_modes + cand, 0)
                    mbits = mbits[at, cand]
                else:
                    coefs, mbits = coefs[at, cand], mbits[at, cand]
            elif 0 < preselect < n_modes:
                # transform and RD-code only the modes with the least SAD + sqrt(lambda) x mode bits (HM's rough
                # mode decision): the full RD over all 22 modes was most of a key frame's encode time
                rough = np.abs(resid).sum(axis=(2, 3)) + math.sqrt(lam) * mbits
                cand = np.argsort(rough, axis=1, kind="stable")[:, :preselect]
                resid, mbits = resid[at, cand], mbits[at, cand]
            if cand is None:
                cand = np.broadcast_to(all_modes, mbits.shape)
            if coefs is None:
                coefs = _fwd8(resid, DST8) if dst else _dct(resid.astype(np.float64, copy=False))
            sub = None
            if (IPRED_ADAPT is not None and luma and geom is not None and IPRED_ROUGH == 1 and cand is not None
                    and cand.shape[1] > IPRED_ADAPT[1]):  # (a decision) RD-code only the candidates whose rough
                # cost is within IPRED_ADAPT[0] x the block's least (at least IPRED_ADAPT[1] of them)
                rk = rough.reshape(-1).take(at * n_modes + cand)
                keep = rk <= IPRED_ADAPT[0] * rk[:, :1]
                keep[:, :IPRED_ADAPT[1]] = True
                sub = keep.reshape(-1).nonzero()[0]
                if sub.size == keep.size:
                    sub = None
            if sub is None:
                lv, dist, bits = _code_plane_blocks(coefs, qm, deadzone, lam, chroma=hint is not None)
                j_all = dist + lam * (bits + mbits)
            else:
                lv, dist, bits = _code_plane_blocks(coefs.reshape(-1, 8, 8).take(sub, 0), qm, deadzone, lam,
                                                    chroma=hint is not None)
                j_all = _full(mbits.shape, np.inf, np.float64)
                j_all.reshape(-1)[sub] = dist + lam * (bits + mbits.reshape(-1).take(sub))
                inv = np.zeros(keep.size, np.int64)
                inv[sub] = np.arange(sub.size)
            pick = j_all.argmin(1)
            if geom is not None:  # speed, the same numbers: the picks as flat gathers
                fp = at[:, 0] * j_all.shape[1] + pick
                modes[blk] = cand.take(fp) if cand.flags.c_contiguous else cand[at[:, 0], pick]
                j_pick = j_all.take(fp)
                lv_pick = lv.reshape(-1, 8, 8).take(fp if sub is None else inv.take(fp), 0)
                if costs is not None:
                    costs[blk] = j_pick
                if SDH:
                    lv_pick = _hide_signs_levels(coefs.reshape(-1, 8, 8).take(fp, 0), lv_pick, qm, lam)
                levels[blk] = lv_pick
                try4 = j_pick >= lam * INTRA4_MIN_BITS
            else:
                modes[blk] = cand[at[:, 0], pick]
                levels[blk] = lv[at[:, 0], pick]
                if costs is not None:
                    costs[blk] = j_all[at[:, 0], pick]
                if SDH:  # after the mode choice (pricing it in every candidate's RD cost cost ~25 % more time)
                    levels[blk] = _hide_signs_levels(coefs[at[:, 0], pick], levels[blk], qm, lam)
                try4 = j_all[at[:, 0], pick] >= lam * INTRA4_MIN_BITS
            if try_split is not None:
                try4 &= try_split[blk]
            try4 = try4.nonzero()[0] if splits is not None else ()
            if INTRA4_IMBALANCE > 0 and len(try4):  # speed: blocks with evenly textured quadrants seldom split
                qv = tgt[try4].reshape(-1, 2, 4, 2, 4).transpose(0, 1, 3, 2, 4).reshape(-1, 4, 16).var(axis=2)
                try4 = try4[qv.max(1) >= INTRA4_IMBALANCE * (qv.mean(1) + 1.0)]
            if len(try4) < INTRA4_DIAG_MIN:  # speed: a split trial step's cost is mostly fixed (~1 ms + 0.06 ms a block)
                try4 = ()
            if len(try4):
                by_j = j_all.argsort(1, kind="stable")
                j_kept, r_split[try4] = _try_intra4(rec, rs[try4], cs[try4], tgt[try4], cand[at, by_j][try4],
                                                    (j_pick if geom is not None else j_all[at[:, 0], pick])[try4],
                                     mbits[at, by_j][try4], qm, lam, deadzone, modes, levels, splits, blk[try4], k4)
                if costs is not None:
                    costs[blk[try4]] = j_kept
            if counts is not None:
                _ipm_count(counts, m_ctx, m_ord, modes[blk], m_rank)
            if _ENCODER.get("online") is not None:
                if hint is None:
                    sp = splits[blk] if splits is not None else np.zeros(blk.size, bool)
                    _online_update("y", levels[blk], _where(sp, LEV_SPLIT, 0),
                                   sp if (splits is not None and d % 2 == 0) else None)
                else:
                    _online_update("c", levels[blk])
                _online_step(d)
        if geom is not None:  # (speed: a flat gather)
            p = pred.reshape(-1, 8, 8).take(np.arange(0, pred.shape[0] * pred.shape[1], pred.shape[1]) + modes[blk], 0)
        else:
            p = pred[np.arange(blk.size), modes[blk]]
        deq = _dequantise(levels[blk], qm)
        r = _clip255(np.rint(p + (_inv8(deq, DST8) if dst else _idct(deq)))).astype(np.int64)
        s = splits[blk].nonzero()[0] if splits is not None else ()
        if len(s) and cur is not None:  # the split trial's own reconstruction of the kept splits
            r[s] = r_split[s]
        elif len(s):
            r[s] = _intra4_blocks(rec, y0[s], x0[s], rs[s] > 0, cs[s] > 0, modes[blk[s]], qm, levels=levels[blk[s]])[0]
        if geom is not None:
            rec.reshape(-1)[i_dst] = r
        else:
            rec[y0[:, None, None] + 1 + _R8[:, None], x0[:, None, None] + 1 + _R8[None, :]] = r
    return rec[1:, 1:], modes, levels


# ----------------------------------------------------------------------------
# 4x4 intra blocks (I frames, luma): an 8x8 block split into four 4x4 transform blocks, each predicted with the
# 8x8 block's mode from the reconstruction of its left and upper neighbours (those inside the block included),
# as HEVC's intra NxN transform split. The 16 coefficients of sub-block (a, b) at 4x4 frequency (u, v) sit at
# (2u + a, 2v + b) of the 8x8 level array, so the four low-pass corners lead the zigzag scan and the existing
# last-position and level coding carry them (with their own level contexts, LEV_SPLIT).

INTRA4 = 1  # 0 = off: no split flags in I frames
INTRA4_MIN_BITS = 60.0  # encoder: blocks whose 8x8 RD cost is below lambda x this are not tried split (ifast: 30 -> 60, key frame
# 0.95x for +0.07 % key-frame BD, tried blocks take the split ~11 % of the time at any RD cost; speed; 40 -> 30
# with 3 candidates: bundled clips -0.35 % BD for ~1 % encode time)
INTRA4_CANDIDATES = 3  # encoder: the 8x8 modes of least RD cost tried split per block
LEV_SPLIT = 2  # block type of split blocks' level contexts (0 intra, 1 inter)
INTRA4_DIAG_MIN = 3  # encoder speed: a wavefront step tries no splits when fewer than this many of its blocks qualify
INTRA4_IMBALANCE = 0.0  # encoder speed: only blocks whose largest source 4x4-quadrant variance is at least this x
# (their mean + 1) are tried split (0 = all; the split is taken ~22 % of the time in the top fifth, ~6 % in the bottom two)
INTRA4_OPEN_LOOP = 0  # encoder speed: split trials for this many modes of least open-loop 4x4 SATD (0 = off)


def _dst4_matrix():
    """HEVC's 4-point DST-VII, orthonormal (rows are basis functions), for intra 4x4 residuals."""
    k, n = np.meshgrid(np.arange(4), np.arange(4), indexing="ij")
    return np.sin(np.pi * (2 * k + 1) * (n + 1) / 9.0) * math.sqrt(4.0 / 9.0)


T4 = _dst4_matrix()
SUB4 = ((0, 0), (0, 1), (1, 0), (1, 1))  # sub-block order: each one's left and upper neighbours come first
IL4 = np.array([[(2 * u + a) * 8 + 2 * v + b for u in range(4) for v in range(4)] for a, b in SUB4], np.int64)
_R4 = np.arange(4)


def _ipred4_weights():
    """_ipred_weights for 4x4 blocks: modes 1.. as integer weights on 26 reference samples, A = L3..L0, TL,
    T0..T3, T3 x 4 and B = T3..T0, TL, L0..L3, L3 x 4."""
    n, r = 4, 13
    w = np.zeros((IPRED_MODES, n, n, 2 * r), np.int64)
    rnd = np.zeros(IPRED_MODES, np.int64)
    shift = np.zeros(IPRED_MODES, np.int64)

    def t(i):
        return n + 1 + min(i, n - 1)

    for y in range(n):
        for x in range(n):
            w[1, y, x, t(x)] += 1
            w[2, y, x, n - 1 - y] += 1
            for i, c in ((n - 1 - y, n - 1 - x), (0, y + 1), (t(x), n - 1 - y), (t(n - 1), x + 1)):
                w[3, y, x, i] += c
            for i, c in ((t(x + y), 1), (t(x + y + 1), 2), (t(x + y + 2), 1)):
                w[4, y, x, i] += c
            k = n + x - y
            w[5, y, x, k - 1 : k + 2] += (1, 2, 1)
    rnd[3:6], shift[3:6] = (4, 2, 2), (3, 2, 2)
    for i, ang in enumerate(IPRED_ANGLES):
        for y in range(n):
            off, f = ((y + 1) * ang) >> 5, ((y + 1) * ang) & 31
            for x in range(n):
                k = n + 1 + x + off
                w[6 + 2 * i, y, x, k : k + 2] += (32 - f, f)
                w[7 + 2 * i, x, y, r + k : r + k + 2] += (32 - f, f)
        rnd[6 + 2 * i : 8 + 2 * i], shift[6 + 2 * i : 8 + 2 * i] = 16, 5
    return w.reshape(-1, 2 * r).T.astype(np.float64), rnd[:, None, None], shift[:, None, None]


_IPRED4_W, _IPRED4_RND, _IPRED4_SHIFT = _ipred4_weights()
_IPRED4_W_BY_MODE = np.ascontiguousarray(_IPRED4_W.reshape(26, IPRED_MODES, 16).transpose(1, 0, 2))  # (mode, ref, pixel)


def _ipred4(top, left, tl, have_top, have_left, mode):
    """The 4x4 prediction (m, 4, 4) of each block's mode from top (m, 4), left (m, 4), top-left (m,); missing
    sides filled as in _ipred."""
    st, sl, dc = _refs_dc(top, left, tl, have_top, have_left, 2)
    top, left, tl = st[1:]
    st, sl = st[0], sl
    ref = np.concatenate([left[:, ::-1], tl[:, None], top, np.repeat(top[:, 3:], 4, 1),
                          top[:, ::-1], tl[:, None], left, np.repeat(left[:, 3:], 4, 1)], 1)
    # each block's own mode's weights, one small product per block (exact in float64: small integers; ~3x faster
    # than all modes' product and a pick)
    acc = (ref.astype(np.float64)[:, None, :] @ _IPRED4_W_BY_MODE[mode])[:, 0]
    acc = acc.astype(np.int64).reshape(-1, 4, 4)
    out = (acc + _IPRED4_RND[mode]) >> _IPRED4_SHIFT[mode]
    return np.where((mode == 0)[:, None, None], dc[:, None, None], out)


def _split_bits(lv):
    """Encoder: bits of split blocks' levels (m, 64, raster) under the LEV_SPLIT level contexts and the intra
    last-position table, as the syntax codes them."""
    rates = _ENCODER["rates"]
    lev_tab, last_tab = rates["lev_y"][LEV_SPLIT], rates["last_y"][0]
    if LEVEL_SYMS_FAST:
        last, ctx = _level_syms(lv)
    else:
        a = np.abs(lv[:, ZIGZAG])
        nz = a > 0
        last = _where(_or_r(nz, 1), 63 - nz[:, ::-1].argmax(1), -1)
        ap = _cat([a, np.zeros((a.shape[0], 1), a.dtype)], 1)
        nbc = NB_CLASS[np.minimum(ap[:, NBR_A_PAD] + ap[:, NBR_B_PAD], 5)]
        dlc = DLC_CLASS[np.maximum(last[:, None] - np.arange(64), 0)]
        ctx = (BAND_CTX + 4 * nbc + dlc) * LEVEL_ALPHABET + np.minimum(a, LEVEL_ALPHABET - 1)
    bits = _add_r(_where(_R64 <= last[:, None], lev_tab.take(ctx), 0), 1)
    return bits + last_tab[last + 1]


SUB4_STAGES = ((0,), (1, 2), (3,))  # sub-blocks (0, 1) and (1, 0) read neither each other: one batch (speed)


def _intra4_blocks(rec, y0, x0, have_top, have_left, modes, qm, levels=None, tgt=None, lam=0.0, deadzone=0.0):
    """Reconstruct (levels given) or code (tgt given: each sub-block quantised by RDOQ before the next one is
    predicted) split 8x8 luma blocks at (y0, x0) of the plane rec (with its outside row and column 0).
    Returns the reconstruction (m, 8, 8), levels (m, 8, 8), SSD and bits (encoder only)."""
    if INTRA4_TRIAL_FAST and tgt is not None and levels is None:
        return _intra4_trial(rec, y0, x0, have_top, have_left, modes, qm, tgt, lam, deadzone)
    m = modes.size
    buf = np.zeros((m, 9, 9), np.int64)  # row 0 / column 0: the block's top and left references
    buf[:, 0, :] = rec[y0[:, None], x0[:, None] + np.arange(9)]
    buf[:, 1:, 0] = rec[y0[:, None] + 1 + _R8, x0[:, None]]
    lv = np.zeros((m, 64), np.int32) if levels is None else levels.reshape(m, 64)
    dist = np.zeros(m)
    yes = np.ones(m, bool)
    qflat = qm.reshape(64)
    for stage in SUB4_STAGES:
        at = [(k, 4 * SUB4[k][0], 4 * SUB4[k][1]) for k in stage]
        cat = (lambda parts: parts[0]) if len(at) == 1 else np.concatenate
        pred = _ipred4(cat([buf[:, oy, ox + 1 : ox + 5] for _, oy, ox in at]),
                       cat([buf[:, oy + 1 : oy + 5, ox] for _, oy, ox in at]), cat([buf[:, oy, ox] for _, oy, ox in at]),
                       cat([have_top if oy == 0 else yes for _, oy, ox in at]),
                       cat([have_left if ox == 0 else yes for _, oy, ox in at]), cat([modes] * len(at)))
        if tgt is not None:
            resid = cat([tgt[:, oy : oy + 4, ox : ox + 4] for _, oy, ox in at]) - pred
            c4 = (T4 @ resid @ T4.T).reshape(-1, 16)
            c8 = np.zeros((c4.shape[0], 64))
            for i, (k, _, _) in enumerate(at):
                c8[i * m : (i + 1) * m, IL4[k]] = c4[i * m : (i + 1) * m]
            lk, dk, _ = _code_plane_blocks(c8.reshape(-1, 8, 8), qm, deadzone, lam, intra=LEV_SPLIT)
            lk = lk.reshape(-1, 64)
            for i, (k, _, _) in enumerate(at):
                lv[:, IL4[k]] = lk[i * m : (i + 1) * m, IL4[k]]
                dist += dk[i * m : (i + 1) * m]
        deq = cat([_dequantise(lv[:, IL4[k]], qflat[IL4[k]]).reshape(m, 4, 4) for k, _, _ in at])
        r = _clip255(np.rint(pred + T4.T @ deq @ T4)).astype(np.int64)
        for i, (_, oy, ox) in enumerate(at):
            buf[:, oy + 1 : oy + 5, ox + 1 : ox + 5] = r[i * m : (i + 1) * m]
    bits = _split_bits(lv) if tgt is not None else None
    return buf[:, 1:, 1:], lv.reshape(m, 8, 8), dist, bits


INTRA4_TRIAL_FAST = 1  # encoder speed, byte-identical: _intra4_blocks' split trials (tgt given) by _intra4_trial (0 = the loop above)


def _i4_ref_index():
    """Per sub-block k and side code 2 x (top there) + (left there): the flat positions, in the (m, 90) buffer of
    _intra4_trial (rows of 9; position 81 holds 128), of _ipred4's 26 reference samples (L3..L0, TL, T0..T3,
    T3 x 4, T3..T0, TL, L0..L3, L3 x 4) with the missing sides filled as _fill_refs fills them."""
    out = np.zeros((4, 4, 26), np.int64)
    for k, (a, b) in enumerate(SUB4):
        oy, ox = 4 * a, 4 * b
        for code in range(4):
            ht, hl = code >> 1, code & 1
            top = [oy * 9 + ox + 1 + j for j in range(4)]
            left = [(oy + 1 + i) * 9 + ox for i in range(4)]
            tl = oy * 9 + ox
            top0 = top if ht else [left[0]] * 4 if hl else [81] * 4
            left = left if hl else [top[0]] * 4 if ht else [81] * 4
            top = top0
            tl = tl if ht and hl else top[0] if ht else left[0] if hl else 81
            out[k, code] = left[::-1] + [tl] + top + top[3:] * 4 + top[::-1] + [tl] + left + left[3:] * 4
    return out


_I4_REF = _i4_ref_index()  # (sub-block, side code, 26)


def _intra4_trial(rec, y0, x0, have_top, have_left, modes, qm, tgt, lam, deadzone, border=None):
    """_intra4_blocks(..., tgt=tgt, lam=lam, deadzone=deadzone) with the same numbers and fewer numpy calls per
    stage: a stage's reference samples (missing sides filled) as one gather from the buffer, each block's mode
    weights, rounding and shift gathered once per call, and the stage's sub-blocks predicted by one
    (m, s, 26) @ (m, 26, 16) product (exact: small integers in float64), as _ipred4 computes them.
    border (speed): the blocks' top row (m, 9, the corner first) and left column (m, 8) already gathered."""
    m = modes.size
    buf = np.zeros((m, 90), np.int64)  # (m, 10, 9): rows 0..8 the block with its top row and left column, then 128
    buf[:, 81] = 128
    b3 = buf.reshape(m, 10, 9)[:, :9]
    if border is not None:
        b3[:, 0, :], b3[:, 1:, 0] = border
    else:
        b3[:, 0, :] = rec[y0[:, None], x0[:, None] + np.arange(9)]
        b3[:, 1:, 0] = rec[y0[:, None] + 1 + _R8, x0[:, None]]
    lv = np.zeros((m, 64), np.int32)
    dist = np.zeros(m)
    qflat = qm.reshape(64)
    w_m = _IPRED4_W_BY_MODE.take(modes, 0)  # (m, 26, 16)
    rnd, shift = _IPRED4_RND.take(modes, 0)[:, None], _IPRED4_SHIFT.take(modes, 0)[:, None]  # (m, 1, 1, 1)
    is_dc = (modes == 0)[:, None, None, None]
    ht, hl = have_top.astype(np.int64), have_left.astype(np.int64)
    full = bool(_and_r(have_top, None) and _and_r(have_left, None))
    codes = (None if full else 2 * ht + hl, 2 * ht + 1, 2 + hl, None)
    sub4 = (RDOQ_SUB4 and RDOQ and RDOQ_SPARSE and RDOQ_INT_BITS and RDOQ_F32_TRIALS and deadzone >= 0
            and not isinstance(lam, np.ndarray))
    for stage in SUB4_STAGES:
        s = len(stage)
        ks = list(stage)
        if full or stage == (3,):
            ref = buf.take(_I4_REF[ks, 3], 1)  # (m, s, 26)
            dc = (_add_r(ref[:, :, 5:9], 2) + _add_r(ref[:, :, 18:22], 2) + 4) >> 3  # _refs_dc's, both sides there
        else:
            idx = _cat([_I4_REF[k].take(codes[k], 0)[:, None] for k in stage], 1)  # (m, s, 26)
            ref = buf.take(idx + (90 * np.arange(m))[:, None, None])
            st, sl = _add_r(ref[:, :, 5:9], 2), _add_r(ref[:, :, 18:22], 2)
            hts = _cat([(have_top if SUB4[k][0] == 0 else _full(m, True, bool))[:, None] for k in stage], 1)
            hls = _cat([(have_left if SUB4[k][1] == 0 else _full(m, True, bool))[:, None] for k in stage], 1)
            dc = _where(hts & hls, (st + sl + 4) >> 3, _where(hts, (st + 2) >> 2, _where(hls, (sl + 2) >> 2, 128)))
        acc = (ref.astype(np.float64) @ w_m).astype(np.int64).reshape(m, s, 4, 4)
        pr = _where(is_dc, dc[:, :, None, None], (acc + rnd) >> shift)  # (m, s, 4, 4)
        pred = pr[:, 0] if s == 1 else np.ascontiguousarray(pr.transpose(1, 0, 2, 3)).reshape(s * m, 4, 4)
        if s == 1:
            oy, ox = 4 * SUB4[stage[0]][0], 4 * SUB4[stage[0]][1]
            resid = tgt[:, oy : oy + 4, ox : ox + 4] - pred
        else:
            resid = _cat([tgt[:, 4 * SUB4[k][0] : 4 * SUB4[k][0] + 4, 4 * SUB4[k][1] : 4 * SUB4[k][1] + 4]
                                    for k in stage]) - pred
        c4 = (T4 @ resid @ T4.T).reshape(-1, 16)
        if sub4:  # speed, the same numbers: RDOQ on the sub-blocks' 16 positions
            lz, dk = _rdoq_sub4(c4, stage, qm, deadzone, lam)
            for i, k in enumerate(stage):
                lv[:, _S4_R[k]] = lz[:, i].T
                dist += dk[i * m : (i + 1) * m]
        else:
            c8 = np.zeros((s * m, 64))
            for i, k in enumerate(stage):
                c8[i * m : (i + 1) * m, IL4[k]] = c4[i * m : (i + 1) * m]
            lk, dk, _ = _code_plane_blocks(c8.reshape(-1, 8, 8), qm, deadzone, lam, intra=LEV_SPLIT)
            lk = lk.reshape(-1, 64)
            for i, k in enumerate(stage):
                lv[:, IL4[k]] = lk[i * m : (i + 1) * m, IL4[k]]
                dist += dk[i * m : (i + 1) * m]
        deq = _cat([_dequantise(lv.take(IL4[k], 1), qflat[IL4[k]]) for k in stage]).reshape(s * m, 4, 4) \
            if s > 1 else _dequantise(lv.take(IL4[stage[0]], 1), qflat[IL4[stage[0]]]).reshape(m, 4, 4)
        r = _clip255(np.rint(pred + T4.T @ deq @ T4)).astype(np.int64)
        for i, k in enumerate(stage):
            oy, ox = 4 * SUB4[k][0], 4 * SUB4[k][1]
            b3[:, oy + 1 : oy + 5, ox + 1 : ox + 5] = r[i * m : (i + 1) * m]
    return b3[:, 1:, 1:], lv.reshape(m, 8, 8), dist, _split_bits(lv)


I4_TRY_LEAN = 1  # encoder speed, byte-identical: _try_intra4 gathers each tried block's references and target once
# and repeats them per candidate (0 = gathered per candidate row)
_R9 = np.arange(9)


class _R8WCache(dict):
    """row length w -> (8,) offsets (1 + i) * w of a block's left column below its corner (speed)"""
    def __missing__(self, w):
        v = self[w] = (1 + _R8) * w
        return v


_R8W = _R8WCache()


def _try_intra4(rec, rs, cs, tgt, cand, j8, mbits, qm, lam, deadzone, modes, levels, splits, blk, k4=None):
    """Encoder, one wavefront step: each block also tries its INTRA4_CANDIDATES best 8x8 modes (cand and mbits
    sorted by the 8x8 RD cost j8) split into 4x4 blocks, and takes the split where its RD cost is lower. Returns
    each block's RD cost as chosen and the reconstruction (m, 8, 8) of the blocks it split (the others: zero)."""
    m, kc = blk.size, min(k4 or INTRA4_CANDIDATES, cand.shape[1])
    if 0 < INTRA4_OPEN_LOOP < kc:
        order = np.argsort(_intra4_rough(rec, rs, cs, tgt, cand, mbits, lam), axis=1, kind="stable")
        cand, mbits = np.take_along_axis(cand, order, 1), np.take_along_axis(mbits, order, 1)
        kc = INTRA4_OPEN_LOOP
    flag = _ENCODER["rates"]["intra4"]
    cm = cand[:, :kc].ravel()
    if I4_TRY_LEAN and INTRA4_TRIAL_FAST:  # speed, the same numbers: the blocks' references gathered once per block
        w = rec.shape[1]
        i_tl = rs * (8 * w) + cs * 8
        border = (rec.take(i_tl[:, None] + _R9).repeat(kc, 0), rec.take(i_tl[:, None] + _R8W[w]).repeat(kc, 0))
        r4, lv, dist, bits = _intra4_trial(rec, None, None, (rs > 0).repeat(kc), (cs > 0).repeat(kc), cm, qm,
                                           tgt.astype(np.float64).repeat(kc, 0), lam, deadzone, border)
    else:
        rep = np.repeat(np.arange(m), kc)
        r4, lv, dist, bits = _intra4_blocks(rec, rs[rep] * 8, cs[rep] * 8, rs[rep] > 0, cs[rep] > 0, cm, qm,
                                           tgt=tgt[rep].astype(np.float64), lam=lam, deadzone=deadzone)
    j4 = (dist + lam * (bits + mbits[:, :kc].ravel() + flag[1])).reshape(m, kc)
    best = j4.argmin(1)
    take = j4[np.arange(m), best] < j8 + lam * flag[0]
    sel = take.nonzero()[0]
    modes[blk[sel]] = cm.reshape(m, kc)[sel, best[sel]]
    levels[blk[sel]] = lv.reshape(m, kc, 8, 8)[sel, best[sel]]
    splits[blk] = take
    r_split = np.zeros((m, 8, 8), np.int64)
    r_split[sel] = r4.reshape(m, kc, 8, 8)[sel, best[sel]]
    return _where(take, j4[np.arange(m), best], j8), r_split


def _intra4_rough(rec, rs, cs, tgt, cand, mbits, lam):
    """Encoder speed: the rough cost (m, k) of every candidate mode cand (m, k) of blocks (rs, cs) split into 4x4
    blocks, each sub-block predicted open-loop (the block's inner references are the source tgt, not yet coded):
    SATD (sum of |DST-VII coefficients|) + sqrt(lambda) x mode bits, as the 8x8 modes' preselection."""
    m, k = cand.shape
    buf = np.zeros((m, 9, 9), np.int64)
    buf[:, 0, :] = rec[rs[:, None] * 8, cs[:, None] * 8 + np.arange(9)]
    buf[:, 1:, 0] = rec[rs[:, None] * 8 + 1 + _R8, cs[:, None] * 8]
    buf[:, 1:, 1:] = _clip255_inplace(np.rint(tgt)) if CLIP_INPLACE else np.clip(np.rint(tgt), 0, 255)
    rep = np.repeat(np.arange(m), k)
    yes = np.ones(m * k, bool)
    sat = np.zeros(m * k)
    sb = buf[rep]
    for a, b in SUB4:
        oy, ox = 4 * a, 4 * b
        pred = _ipred4(sb[:, oy, ox + 1 : ox + 5], sb[:, oy + 1 : oy + 5, ox], sb[:, oy, ox],
                       rs[rep] > 0 if a == 0 else yes, cs[rep] > 0 if b == 0 else yes, cand.ravel())
        resid = tgt[rep, oy : oy + 4, ox : ox + 4] - pred
        sat += np.abs(T4 @ resid @ T4.T).sum(axis=(1, 2))
    return sat.reshape(m, k) + math.sqrt(lam) * mbits


# I-frame ipm columns: 0..3 luma block modes, 4 Cb, 5 Cr, 6..9 the luma blocks' 4x4 split flags (INTRA4),
# COL16 the 16x16 symbol (0: four 8x8 blocks, 1 + the 16x16 mode). P frames use COL16 only: an inter
# macroblock's 16x16 transform flag.
COL16 = 10
IPM_COLS = 11


def _intra4_splits(ipm, mbh, mbw):
    """The split flags of the luma block grid (raster): None without INTRA4, all False for the encoder to fill
    (ipm None), else the decoded ones (ipm columns 6..9, blocks 0..3 of each macroblock)."""
    if not INTRA4:
        return None
    if ipm is None:
        return np.zeros(4 * mbh * mbw, bool)
    return _mbs_to_grid(ipm[:, 6:10], mbh, mbw) > 0


# 16x16 intra macroblocks (I frames): DC / V / H / planar from the macroblock's top row and left column, a 16x16
# DCT of which only the 8x8 lowest frequencies are kept (VVC-style zero-out), so those 64 coefficients go
# through the 8x8 zigzag / context / RDOQ machinery as the macroblock's luma block 0 (blocks 1..3 stay empty
# and their last positions are not coded). Flat and smooth areas take one set of levels instead of four.
I16_MODES = 4  # DC, V, H, planar (the 8x8 modes 0..3: neighbours and chroma use them as most-probable modes)
I16_MODE_BITS = 2.0  # encoder: rough cost of a 16x16 mode symbol
I16_FLAG_BITS = 1.0  # encoder: rough extra cost of choosing 16x16 over four 8x8 blocks (its symbol is rarer)
I16_BIAS = 0.0  # encoder: extra bits charged to the 16x16 choice in the first-pass decision
I16_MIN_SHARE = 2.0  # encoder: the 16x16 mode is used only when at least this share of macroblocks takes it
I16_QSCALE = 1.0  # step of the 16x16 transform's levels relative to the 8x8 blocks'


def _dct16_low():
    k = np.arange(16)
    m = np.cos(np.pi * (2 * k[None, :] + 1) * k[:8, None] / 32.0) * math.sqrt(2.0 / 16.0)
    m[0, :] = math.sqrt(1.0 / 16.0)
    return m  # (8, 16): the eight lowest rows of the orthonormal 16-point DCT


DCT16_LOW = _dct16_low()
_R16 = np.arange(16)


def _i16_qm(step):
    """Quantiser matrix of the kept 8x8 of a 16x16 transform: coefficient (u, v) has the frequency of (u/2, v/2)
    of an 8x8 block, so the tilt grows half as fast."""
    return I16_QSCALE * step * (1.0 + QM_TILT * UV / 28.0)


def _i16_pred(top, left, tl, have_top, have_left):
    """The I16_MODES predictions (m, 4, 16, 16) of macroblocks from their reconstructed top row (m, 16), left
    column (m, 16) and corner (m,); missing sides are filled from the other side (or 128) as in _ipred."""
    top0 = np.where(have_top[:, None], top, np.where(have_left[:, None], left[:, :1], 128))
    left = np.where(have_left[:, None], left, np.where(have_top[:, None], top[:, :1], 128))
    top = top0
    both = have_top & have_left
    st, sl = top.sum(1), left.sum(1)
    dc = np.where(both, (st + sl + 16) >> 5, np.where(have_top, (st + 8) >> 4, np.where(have_left, (sl + 8) >> 4, 128)))
    m = top.shape[0]
    out = np.empty((m, I16_MODES, 16, 16), np.int64)
    out[:, 0] = dc[:, None, None]
    out[:, 1] = top[:, None, :]
    out[:, 2] = left[:, :, None]
    x = _R16[None, None, :]
    y = _R16[None, :, None]
    out[:, 3] = ((15 - x) * left[:, :, None] + (x + 1) * top[:, None, 15:16] + (15 - y) * top[:, None, :]
                 + (y + 1) * left[:, 15:16, None] + 16) >> 5
    return out


def _i16_forward(resid):
    """Kept 8x8 low frequencies of the 16x16 DCT of (..., 16, 16) blocks."""
    return DCT16_LOW @ resid @ DCT16_LOW.T


def _i16_inverse(coefs):
    return DCT16_LOW.T @ coefs @ DCT16_LOW


def _i16_code(tgt, pred, qm, lam, deadzone):
    """Encoder: every 16x16 mode of macroblocks tgt (m, 16, 16) against pred (m, k, 16, 16): levels (m, k, 8, 8),
    SSD (the zeroed-out frequencies' energy included) and level bits."""
    resid = tgt[:, None].astype(np.float64) - pred
    coefs = _i16_forward(resid)
    lv, dist, bits = _code_plane_blocks(coefs, qm, deadzone, lam)
    dropped = (resid * resid).sum(axis=(2, 3)) - (coefs * coefs).sum(axis=(2, 3))
    return lv, dist + np.maximum(dropped, 0.0), bits


def _i16_step(rec, d, big, mbw, qm, cur=None, lam=0.0, deadzone=0.0, mode16=None, levels=None, modes=None):
    """Wavefront hook of _intra_plane (luma): the 16x16 macroblocks whose blocks 1 and 2 lie on anti-diagonal d
    are predicted and reconstructed now (their top row and left column come from diagonals < d; every block that
    reads them lies on a later diagonal). big: (MBs,) bool; mode16 and levels (MBs, 8, 8) are read (decoder) or
    written (encoder, cur given: the mode with the least RD cost, also written to its four blocks in the 8x8 mode
    grid modes, for the neighbours' most-probable modes)."""
    mb = np.nonzero(big)[0]
    rr, cc = np.divmod(mb, mbw)
    mb = mb[2 * (rr + cc) + 1 == d]
    if mb.size == 0:
        return
    rr, cc = np.divmod(mb, mbw)
    y0, x0 = rr * 16, cc * 16
    top = rec[y0[:, None], x0[:, None] + 1 + _R16]
    left = rec[y0[:, None] + 1 + _R16, x0[:, None]]
    pred = _i16_pred(top, left, rec[y0, x0], rr > 0, cc > 0)
    if cur is not None:
        tgt = cur[y0[:, None, None] + _R16[:, None], x0[:, None, None] + _R16[None, :]]
        lv, dist, bits = _i16_code(tgt, pred, _i16_qm(qm[0, 0]), lam, deadzone)
        pick = np.argmin(dist + lam * bits, 1)
        mode16[mb] = pick
        at = np.arange(mb.size)
        levels[mb] = lv[at, pick]
        if SDH:  # block 0 of a 16x16 macroblock is an unsplit intra block: its first sign may be hidden too
            coefs = _i16_forward(tgt[at].astype(np.float64) - pred[at, pick])
            levels[mb] = _hide_signs_levels(coefs, levels[mb], _i16_qm(qm[0, 0]), lam)
        for dy in (0, 1):
            for dx in (0, 1):
                modes[(2 * rr + dy) * (2 * mbw) + 2 * cc + dx] = pick
    p = pred[np.arange(mb.size), mode16[mb]]
    r = _clip255(np.rint(p + _i16_inverse(_dequantise(levels[mb], _i16_qm(qm[0, 0]))))).astype(np.int64)
    rec[y0[:, None, None] + 1 + _R16[:, None], x0[:, None, None] + 1 + _R16[None, :]] = r


def _i16_choose(rec, cur, cost8, mbh, mbw, qm, lam, deadzone):
    """Encoder: the macroblocks that take the 16x16 mode, by RD cost against their four 8x8 blocks' (cost8,
    (MBs,) incl. mode bits), both with the first pass's reconstruction around them."""
    rr, cc = np.divmod(np.arange(mbh * mbw), mbw)
    y0, x0 = rr * 16, cc * 16
    recp = np.zeros((rec.shape[0] + 1, rec.shape[1] + 1), np.int64)
    recp[1:, 1:] = rec
    top = recp[y0[:, None], x0[:, None] + 1 + _R16]
    left = recp[y0[:, None] + 1 + _R16, x0[:, None]]
    pred = _i16_pred(top, left, recp[y0, x0], rr > 0, cc > 0)
    tgt = cur[y0[:, None, None] + _R16[:, None], x0[:, None, None] + _R16[None, :]]
    _, dist, bits = _i16_code(tgt, pred, qm, lam, deadzone)
    cost16 = (dist + lam * bits).min(1) + lam * (I16_MODE_BITS + I16_BIAS)
    return cost16 + lam * I16_FLAG_BITS < cost8


def _grid_to_mbs(a, mbh, mbw):
    """Raster order of the 8x8 luma block grid -> (n, 4, ...) macroblock order (blocks 0..3 of each MB)."""
    rest = a.shape[1:]
    a = a.reshape((mbh, 2, mbw, 2) + rest)
    return a.transpose((0, 2, 1, 3) + tuple(range(4, 4 + len(rest)))).reshape((mbh * mbw, 4) + rest)


def _mbs_to_grid(a, mbh, mbw):
    rest = a.shape[2:]
    a = a.reshape((mbh, mbw, 2, 2) + rest)
    return a.transpose((0, 2, 1, 3) + tuple(range(4, 4 + len(rest)))).reshape((4 * mbh * mbw,) + rest)


CHROMA_I_SCALE = 0.85  # I frames: chroma step relative to CHROMA_QSCALE's (the key frame's chroma is every P frame's reference)
CFL = 1  # I frames: chroma blocks may be predicted from the reconstructed luma (0 = off; the mode stays in the alphabet)
CFL_MODE = IPRED_MODES  # chroma mode index of the chroma-from-luma prediction
CFL_SIDES = ((1, 1), (1, 0), (0, 1))  # the chroma-from-luma modes' fits: both sides, above only, left only (VVC's LM, LM-T, LM-L)
CFL_CB_MODE = IPRED_MODES + len(CFL_SIDES)  # Cr only: the same linear fit from the reconstructed Cb plane
CHROMA_MODES = CFL_CB_MODE + 1  # chroma mode alphabet (Cb never codes CFL_CB_MODE)
CFL_SHIFT = 5  # the linear model's slope in 1/32
CFL_MAX = 4 << CFL_SHIFT  # |slope| <= 4


def _cfl_luma(y):
    """The reconstructed luma plane at chroma resolution (2x2 rounded means, like the encoder's chroma subsampling),
    with a zero row and column in front so it indexes like _intra_plane's rec."""
    y = np.asarray(y, np.int64)
    s = y[0::2, 0::2] + y[0::2, 1::2] + y[1::2, 0::2] + y[1::2, 1::2]
    out = np.zeros((s.shape[0] + 1, s.shape[1] + 1), np.int64)
    out[1:, 1:] = (s + 2) >> 2
    return out


def _pad_plane(c):
    """A plane with a zero row and column in front (indexes like _intra_plane's rec)."""
    out = np.zeros((c.shape[0] + 1, c.shape[1] + 1), np.int64)
    out[1:, 1:] = c
    return out


def _cfl_side_masks(have_top, have_left):
    """_cfl_preds' (use_top, use_left) masks (len(CFL_SIDES), m) of blocks with these sides."""
    ts, lfs = [], []
    for top, left in CFL_SIDES:
        ts.append(have_top & (top | ~have_left) if top else have_top & ~have_left)
        lfs.append(have_left & (left | ~have_top) if left else have_left & ~have_top)
    return np.stack(ts), np.stack(lfs)


def _cfl_fit_idx(rec, lum, i_t, i_l, i_dst, shift, use_top, use_left):
    """Encoder (I_WAVE_GEOM): _cfl_fit's numbers with the samples gathered by flat indices into rec's layout: the
    chroma's top row i_t (m, 8), left column i_l (m, 8) and block i_dst (m, 8, 8) from rec, the luma's from lum at
    the same indices plus shift (int64 planes of one row length)."""
    ct, cl = rec.take(i_t), rec.take(i_l)
    if shift:
        i_t, i_l, i_dst = i_t + shift, i_l + shift, i_dst + shift
    lt, ll = lum.take(i_t), lum.take(i_l)
    wt, wl = use_top.astype(np.int64), use_left.astype(np.int64)
    n = 8 * (wt + wl)
    sl = wt * _add_r(lt, 1) + wl * _add_r(ll, 1)
    sc = wt * _add_r(ct, 1) + wl * _add_r(cl, 1)
    sll = wt * _add_r(lt * lt, 1) + wl * _add_r(ll * ll, 1)
    slc = wt * _add_r(lt * ct, 1) + wl * _add_r(ll * cl, 1)
    cov = n * slc - sl * sc
    var = n * sll - sl * sl
    a = _where(var > 0, ((cov << CFL_SHIFT) + var // 2) // np.maximum(var, 1), 0)
    a = np.minimum(np.maximum(a, -CFL_MAX), CFL_MAX)
    blk = lum.take(i_dst)
    nn = np.maximum(n, 1)[..., None, None]
    num = (sc[..., None, None] << CFL_SHIFT) + a[..., None, None] * (nn * blk - sl[..., None, None])
    den = nn << CFL_SHIFT
    pred = (num + den // 2) >> (CFL_SHIFT + _CFL_LOG2_NN[n >> 3])[..., None, None]
    return _where((n > 0)[..., None, None], _clip255(pred), 128)


def _cfl_preds(rec, lum, y0, x0, have_top, have_left):
    """The CFL_SIDES predictions (m, len(CFL_SIDES), 8, 8); a fit whose side is outside the frame uses the other."""
    ts, lfs = [], []
    for top, left in CFL_SIDES:
        ts.append(have_top & (top | ~have_left) if top else have_top & ~have_left)
        lfs.append(have_left & (left | ~have_top) if left else have_left & ~have_top)
    # all sides' fits in one call, the samples gathered once (speed; integer maths, each block's own)
    return _cfl_fit(rec, lum, y0, x0, np.stack(ts), np.stack(lfs)).transpose(1, 0, 2, 3)


def _cfl_pred(rec, lum, y0, x0, have_top, have_left):
    """Chroma-from-luma predictions (m, 8, 8) of the chroma blocks at (y0, x0) (VVC's CCLM): chroma = a x luma + b,
    a and b fitted by least squares on the reconstructed chroma and luma samples of the row above and the column
    left of the block (integer maths, slope in 1/2**CFL_SHIFT), applied to the block's reconstructed luma.
    Without neighbours: 128."""
    return _cfl_fit(rec, lum, y0, x0, have_top[None], have_left[None])[0]


def _cfl_fit(rec, lum, y0, x0, use_top, use_left):
    """_cfl_pred of the blocks at (y0, x0) (m,) for k choices of sides (use_top, use_left: (k, m) bool) at once:
    (k, m, 8, 8). The samples and their sums per side are gathered once (exact integer sums: a side's weight
    is 0 or 1, so weighting the sums equals summing the weighted samples)."""
    i64 = np.int64  # (the planes are int64; products of samples in any narrower type could overflow)
    ct = rec[y0[:, None], x0[:, None] + 1 + _R8].astype(i64, copy=False)
    lt = lum[y0[:, None], x0[:, None] + 1 + _R8].astype(i64, copy=False)
    cl = rec[y0[:, None] + 1 + _R8, x0[:, None]].astype(i64, copy=False)
    ll = lum[y0[:, None] + 1 + _R8, x0[:, None]].astype(i64, copy=False)
    wt, wl = use_top.astype(np.int64), use_left.astype(np.int64)
    n = 8 * (wt + wl)
    sl = wt * lt.sum(1) + wl * ll.sum(1)
    sc = wt * ct.sum(1) + wl * cl.sum(1)
    sll = wt * (lt * lt).sum(1) + wl * (ll * ll).sum(1)
    slc = wt * (lt * ct).sum(1) + wl * (ll * cl).sum(1)
    cov = n * slc - sl * sc
    var = n * sll - sl * sl
    a = np.where(var > 0, ((cov << CFL_SHIFT) + var // 2) // np.maximum(var, 1), 0)
    a = np.minimum(np.maximum(a, -CFL_MAX), CFL_MAX)
    blk = lum[y0[:, None, None] + 1 + _R8[:, None], x0[:, None, None] + 1 + _R8[None, :]].astype(i64, copy=False)
    nn = np.maximum(n, 1)[..., None, None]
    num = (sc[..., None, None] << CFL_SHIFT) + a[..., None, None] * (nn * blk - sl[..., None, None])
    den = nn << CFL_SHIFT
    # den is 1, 8 or 16 (n = 0, 8, 16) times 2**CFL_SHIFT: floor division by it = an arithmetic right shift (speed)
    pred = (num + den // 2) >> (CFL_SHIFT + _CFL_LOG2_NN[n >> 3])[..., None, None]
    return np.where((n > 0)[..., None, None], _clip255(pred), 128)


_CFL_LOG2_NN = np.array([0, 3, 4], np.int64)  # _cfl_fit: log2(max(n, 1)) by n // 8 (n = 8 x the sides used)


I_DEADZONE = None  # encoder: the I-frame decision's RDOQ deadzone, i.e. the rounding of its first level estimate (the
# level contexts it prices with) and of the split trials' (None = DEADZONE_INTRA 0.10, v8). Six clips, 16 frames, BD vs
# v8 at q20-80: 0.0 +0.35 %, 0.22 -0.06 %, 0.3 -0.26 %, 0.38 -0.06 %, 0.45 +0.07 %; but 0.3 at q22/37/52/67/78: +0.26 %,
# so 0.2-0.4 is bit-neutral within the noise (no time change), and None keeps v8's bytes
I_CHROMA_LAMBDA = 1.0  # encoder: the I-frame chroma decision's lambda relative to the luma one's / CB_WEIGHT (CR_WEIGHT)
I_LAMBDA = 1.0  # encoder: the I-frame decision's lambda relative to LAMBDA_SCALE x step^2 (luma and chroma)


def _intra_frame(mbh, mbw, step, ipm=None, ly=None, lcb=None, lcr=None, cur=None, models=None, plan=None):
    """I frame, all three planes through _intra_plane: the decoder passes the modes ipm (n, 6: four luma
    blocks, Cb, Cr) and levels; the encoder passes cur and gets them back. Returns (planes, ipm, ly, lcb, lcr).
    plan (encoder, a dict): what one I decision hands the next (see _intra_luma16)."""
    qy, qc = _qmatrices(step)
    qc = qc * CHROMA_I_SCALE
    lam = LAMBDA_SCALE * step**2 * I_LAMBDA
    dz_i = DEADZONE_INTRA if I_DEADZONE is None else I_DEADZONE
    enc = cur is not None
    cnt_y = models["ipm_y"]["counts"].astype(np.float64) if enc and models is not None else None
    cnt_c = models["ipm_c"]["counts"].astype(np.float64) if enc and models is not None else None
    args_y = {"cur": cur[0], "lam": lam, "deadzone": dz_i, "counts": cnt_y} if enc else {
        "modes": _mbs_to_grid(ipm[:, :4], mbh, mbw), "levels": _mbs_to_grid(ly, mbh, mbw)}
    spl = _intra4_splits(ipm, mbh, mbw)
    args_y["splits"] = spl
    args_y["luma"] = True
    if enc and plan is not None and spl is not None:  # speed options of one of two I decisions (_decide_i)
        args_y.update({k: plan[k] for k in ("k4", "try_split", "preselect") if plan.get(k) is not None})
    if enc:
        y, my, gy, mode16 = _intra_luma16(mbh, mbw, step, qy, cur[0], lam, args_y, {} if plan is None else plan)
        if plan is not None and spl is not None:
            plan["splits"] = spl.copy()
    else:
        mode16 = ipm[:, COL16] - 1
        big = mode16 >= 0
        args_y.update({"big": big, "mode16": np.maximum(mode16, 0), "levels16": ly[:, 0]} if big.any() else {})
        y, my, gy = _intra_plane(2 * mbh, 2 * mbw, qy, **args_y)
    out_c = []
    hint = _grid_to_mbs(my, mbh, mbw)[:, 0] if enc else None
    cfl = _cfl_luma(y) if CFL else None
    for k, weight, lev in ((4, CB_WEIGHT, lcb), (5, CR_WEIGHT, lcr)):
        args = {"cur": cur[k - 3], "lam": lam * I_CHROMA_LAMBDA / weight, "deadzone": dz_i, "hint": hint, "counts": cnt_c,
                "ctx_base": k - 4, "preselect": I_CHROMA_PRESELECT or None} if enc else {
            "modes": ipm[:, k], "levels": lev}
        cb = _pad_plane(out_c[0][0]) if CFL and k == 5 else None
        if k == 4 and enc and I_CHROMA_PAIR and CFL and IPRED_ROUGH == 1 and 0 < (I_CHROMA_PRESELECT or IPRED_PRESELECT) < CHROMA_MODES - 1 \
                and not (plan is not None and plan.get("chroma_open")):
            out_c.extend(_intra_chroma_pair(mbh, mbw, qc, cur[1], cur[2], lam * I_CHROMA_LAMBDA / CB_WEIGHT,
                                            lam * I_CHROMA_LAMBDA / CR_WEIGHT,
                                            dz_i, hint, cnt_c, cfl))
            break
        if enc and plan is not None and plan.get("chroma_open"):  # speed: the first of two decisions (_decide_i)
            mc, gc = _open_loop_plane(cur[k - 3], mbh, mbw, qc, lam / weight, DEADZONE_INTRA, False, hint, cfl,
                                      _pad_plane(_rough_recon(cur[1], mbh, mbw, qc, DEADZONE_INTRA)) if CFL and k == 5
                                      else None)
            out_c.append((np.rint(cur[k - 3]).astype(np.int64), mc, gc))
        else:
            out_c.append(_intra_plane(mbh, mbw, qc, cfl=cfl, cfl_cb=cb, **args))
        hint = out_c[-1][1]
    (cb, mcb, gcb), (cr, mcr, gcr) = out_c
    modes = np.zeros((mbh * mbw, IPM_COLS), np.int64)
    modes[:, :4] = _grid_to_mbs(my, mbh, mbw)
    modes[:, 4], modes[:, 5] = mcb, mcr
    if spl is not None:
        modes[:, 6:10] = _grid_to_mbs(spl, mbh, mbw)
    modes[:, COL16] = mode16 + 1
    planes = tuple(p.astype(np.uint8) for p in (y, cb, cr))
    return planes, modes, _grid_to_mbs(gy, mbh, mbw), gcb, gcr


I_CHROMA_PRESELECT = 4  # encoder speed: IPRED_PRESELECT of an I frame's chroma (0 = IPRED_PRESELECT)
I_CHROMA_PAIR = 1  # encoder speed: an I frame's Cb and Cr in one wavefront (_intra_chroma_pair; the same bytes)


def _intra_chroma_pair(rows, cols, qm, cur_cb, cur_cr, lam_cb, lam_cr, deadzone, hint, counts, cfl):
    """Encoder: _intra_plane's coding of the Cb plane (hint = the luma modes) and then the Cr plane (hint = the Cb
    modes, cfl_cb = the reconstructed Cb) in one wavefront, Cr one anti-diagonal behind Cb (its CFL_CB_MODE fit and
    its hint read only Cb blocks on earlier diagonals), so each step's numpy work is done once for both planes.
    The two planes sit side by side in one padded array (each with its own zero row and column). Cb's missing
    CFL_CB_MODE is given an infinite rough cost, so the preselection (a stable argsort) keeps the same modes;
    lambdas are per block (rows). The same numbers as two _intra_plane calls (IPRED_ROUGH 1, preselection on).
    Returns ((Cb plane, modes, levels), (Cr plane, modes, levels))."""
    preselect = I_CHROMA_PRESELECT or IPRED_PRESELECT
    n = rows * cols
    w1 = cols * 8 + 1
    nm = CHROMA_MODES  # Cr's alphabet; Cb's is one less
    rec = np.zeros((rows * 8 + 1, 2 * w1), np.int64)
    cur = np.zeros((rows * 8 + 1, 2 * w1), np.result_type(cur_cb, cur_cr))
    cur[1:, 1:w1], cur[1:, w1 + 1:] = cur_cb, cur_cr
    lum = _cat([cfl, cfl], 1)
    modes = np.zeros(2 * n, np.int64)
    levels = np.zeros((2 * n, 8, 8), np.int32)
    sq_cb, sq_cr = math.sqrt(lam_cb), math.sqrt(lam_cr)
    n_diag = rows + cols - 1
    geom = _pair_geom(rows, cols) if I_WAVE_GEOM else None
    sq_lam = np.array([[sq_cb, sq_cr], [lam_cb, lam_cr]])
    for t in range(n_diag + 1):
        if geom is not None:  # speed, the same numbers (_pair_geom)
            (rs_b, rs_r, cs_b, cs_r, nb, m, rs, cs, y0, x0, blk_b, blk_r, blk, h_t, h_l, h_tr, h_lr, i_t, i_l, i_tl,
             i_dst, is_r, ctx_b, ctx_r, cfl_sides) = geom[t]
            pred = _ipred_enc(rec.take(i_t), rec.take(i_l), rec.take(i_tl), h_t, h_l, False)
        else:
            d_b, d_r = (t, t - 1)
            rs_b = np.arange(max(0, d_b - cols + 1), min(rows - 1, d_b) + 1) if d_b < n_diag else np.zeros(0, np.int64)
            rs_r = np.arange(max(0, d_r - cols + 1), min(rows - 1, d_r) + 1) if d_r >= 0 else np.zeros(0, np.int64)
            cs_b, cs_r = d_b - rs_b, d_r - rs_r
            nb, m = rs_b.size, rs_b.size + rs_r.size
            rs, cs = _cat([rs_b, rs_r]), _cat([cs_b, cs_r])
            y0, x0 = rs * 8, _cat([cs_b * 8, w1 + cs_r * 8])
            blk_b, blk_r = rs_b * cols + cs_b, n + rs_r * cols + cs_r
            blk = _cat([blk_b, blk_r])
            h_t, h_l, h_tr, h_lr = rs > 0, cs > 0, rs_r > 0, cs_r > 0
            top = rec[y0[:, None], x0[:, None] + 1 + _R8]
            left = rec[y0[:, None] + 1 + _R8, x0[:, None]]
            pred = _ipred_enc(top, left, rec[y0, x0], rs > 0, cs > 0, False)
        if geom is not None:  # (speed: the same fits from flat gathers, _cfl_fit_idx)
            cflp = _cfl_fit_idx(rec, lum, i_t, i_l, i_dst, 0, *cfl_sides).transpose(1, 0, 2, 3)
            cbp = np.zeros((m, 1, 8, 8), cflp.dtype)
            if m > nb:
                cbp[nb:, 0] = _cfl_fit_idx(rec, rec, i_t[nb:], i_l[nb:], i_dst[nb:], -w1, h_tr[None], h_lr[None])[0]
        else:
            cflp = _cfl_preds(rec, lum, y0, x0, h_t, h_l)
            cbp = np.zeros((m, 1, 8, 8), cflp.dtype)
            if m > nb:
                cbp[nb:, 0] = _cfl_pred(rec[:, w1:], rec[:, :w1], y0[nb:], x0[nb:] - w1, h_tr, h_lr)
        pred = _cat([pred, cflp, cbp], 1)
        if geom is not None:
            tgt = cur.take(i_dst)
        else:
            tgt = cur[y0[:, None, None] + 1 + _R8[:, None], x0[:, None, None] + 1 + _R8[None, :]]
        resid = tgt[:, None] - pred
        mbits = np.zeros((m, nm))
        h_b, h_r = hint.take(blk_b), modes.take(blk_r - n)
        if counts is not None:
            if geom is None:
                ctx_b, ctx_r = np.zeros(nb, np.int64), np.ones(m - nb, np.int64)
            (ord_b, rank_b), (ord_r, rank_r) = _mpm_order_rank(h_b, h_b, nm - 1), _mpm_order_rank(h_r, h_r, nm)
            if nb:
                mbits[:nb, : nm - 1] = _ipm_rank_bits(counts, ctx_b, ord_b, rank_b)
            if m > nb:
                mbits[nb:] = _ipm_rank_bits(counts, ctx_r, ord_r, rank_r)
        else:
            mbits[:nb, : nm - 1] = _where(np.arange(nm - 1)[None, :] == h_b[:, None], MPM_BITS[0], MPM_BITS[2])
            mbits[nb:] = _where(np.arange(nm)[None, :] == h_r[:, None], MPM_BITS[0], MPM_BITS[2])
        at = np.arange(m)[:, None]
        coefs = _dct(resid.astype(np.float64, copy=False))
        if geom is not None:
            sq, lam = sq_lam.take(is_r, 1)
        else:
            sq = _cat([np.full(nb, sq_cb), np.full(m - nb, sq_cr)])
        rough = _add_r(np.abs(coefs), (2, 3)) + sq[:, None] * mbits
        rough[:nb, nm - 1] = np.inf
        cand = rough.argsort(1, kind="stable")[:, :preselect]
        if geom is not None:
            coefs, mbits = coefs.reshape(-1, 8, 8).take(at * nm + cand, 0), mbits[at, cand]
        else:
            coefs, mbits = coefs[at, cand], mbits[at, cand]
        if geom is None:
            lam = _cat([np.full(nb, lam_cb), np.full(m - nb, lam_cr)])
        lv, dist, bits = _code_plane_blocks(coefs, qm, deadzone, lam.repeat(preselect), chroma=True)
        j_all = dist + lam[:, None] * (bits + mbits)
        pick = j_all.argmin(1)
        if geom is not None:  # (speed: flat gathers)
            fp = at[:, 0] * preselect + pick
            modes[blk] = cand.take(fp)
            lv_pick = lv.reshape(-1, 8, 8).take(fp, 0)
            if SDH:
                lv_pick = _hide_signs_levels(coefs.reshape(-1, 8, 8).take(fp, 0), lv_pick, qm, lam)
            levels[blk] = lv_pick
        else:
            modes[blk] = cand[at[:, 0], pick]
            levels[blk] = lv[at[:, 0], pick]
            if SDH:
                levels[blk] = _hide_signs_levels(coefs[at[:, 0], pick], levels[blk], qm, lam)
        if counts is not None:
            if nb:
                _ipm_count(counts, ctx_b, ord_b, modes[blk_b], rank_b)
            if m > nb:
                _ipm_count(counts, ctx_r, ord_r, modes[blk_r], rank_r)
        if _ENCODER.get("online") is not None:
            _online_update("c", levels[blk])
            _online_step(t)
        if geom is not None:
            p = pred.reshape(-1, 8, 8).take(np.arange(0, m * pred.shape[1], pred.shape[1]) + modes[blk], 0)
        else:
            p = pred[np.arange(m), modes[blk]]
        deq = _dequantise(levels[blk], qm)
        r = _clip255(np.rint(p + _idct(deq))).astype(np.int64)
        if geom is not None:
            rec.reshape(-1)[i_dst] = r
        else:
            rec[y0[:, None, None] + 1 + _R8[:, None], x0[:, None, None] + 1 + _R8[None, :]] = r
    return ((rec[1:, 1:w1], modes[:n], levels[:n]), (rec[1:, w1 + 1:], modes[n:], levels[n:]))


_PAIR_GEOM = {}  # _pair_geom's cache


def _pair_geom_vec(rows, cols):
    """_pair_geom's tuples, the same values: Cb's blocks (step = anti-diagonal) and Cr's (step = anti-diagonal + 1)
    sorted by (step, plane, row) once, cut per step."""
    n, w1, n_diag = rows * cols, cols * 8 + 1, rows + cols - 1
    w = 2 * w1
    rr, cc = np.divmod(np.arange(n), cols)
    rr2, cc2 = np.concatenate([rr, rr]), np.concatenate([cc, cc])
    plane = np.repeat(np.array([0, 1]), n)
    key = (rr2 + cc2 + plane) * 2 + plane
    order = np.argsort(key, kind="stable")
    rs, cs, pl = rr2.take(order), cc2.take(order), plane.take(order)
    y0, x0 = rs * 8, cs * 8 + w1 * pl
    blk = rs * cols + cs + n * pl
    ht, hl = rs > 0, cs > 0
    i_t = y0[:, None] * w + x0[:, None] + 1 + _R8
    i_l = (y0[:, None] + 1 + _R8) * w + x0[:, None]
    i_tl = y0 * w + x0
    i_dst = (y0[:, None, None] + 1 + _R8[:, None]) * w + x0[:, None, None] + 1 + _R8[None, :]
    sides = _cfl_side_masks(ht, hl)
    zeros, ones = np.zeros(2 * n, np.int64), np.ones(2 * n, np.int64)
    cnt = np.bincount(key, minlength=2 * (n_diag + 1)).reshape(n_diag + 1, 2)  # (step, plane)
    got, a = [], 0
    for nb, nr in cnt.tolist():
        b, m = a + nb, nb + nr
        e = a + m
        got.append((rs[a:b], rs[b:e], cs[a:b], cs[b:e], nb, m, rs[a:e], cs[a:e], y0[a:e], x0[a:e], blk[a:b], blk[b:e],
                    blk[a:e], ht[a:e], hl[a:e], ht[b:e], hl[b:e], i_t[a:e], i_l[a:e], i_tl[a:e], i_dst[a:e],
                    pl[a:e], zeros[:nb], ones[:nr], (sides[0][:, a:e], sides[1][:, a:e])))
        a = e
    if len(_PAIR_GEOM) > 8:
        _PAIR_GEOM.clear()
    _PAIR_GEOM[(rows, cols)] = got
    return got


def _pair_geom(rows, cols):
    """I_WAVE_GEOM for _intra_chroma_pair: per step t (Cb anti-diagonal t, Cr t - 1) the block positions, masks and
    flat indices into its side-by-side (rows * 8 + 1, 2 * (cols * 8 + 1)) planes, as its loop computed them."""
    got = _PAIR_GEOM.get((rows, cols))
    if got is not None:
        return got
    if I_WAVE_GEOM_VEC:
        return _pair_geom_vec(rows, cols)
    n, w1, n_diag = rows * cols, cols * 8 + 1, rows + cols - 1
    w = 2 * w1
    got = []
    for t in range(n_diag + 1):
        d_b, d_r = (t, t - 1)
        rs_b = np.arange(max(0, d_b - cols + 1), min(rows - 1, d_b) + 1) if d_b < n_diag else np.zeros(0, np.int64)
        rs_r = np.arange(max(0, d_r - cols + 1), min(rows - 1, d_r) + 1) if d_r >= 0 else np.zeros(0, np.int64)
        cs_b, cs_r = d_b - rs_b, d_r - rs_r
        nb, m = rs_b.size, rs_b.size + rs_r.size
        rs, cs = np.concatenate([rs_b, rs_r]), np.concatenate([cs_b, cs_r])
        y0, x0 = rs * 8, np.concatenate([cs_b * 8, w1 + cs_r * 8])
        blk_b, blk_r = rs_b * cols + cs_b, n + rs_r * cols + cs_r
        got.append((rs_b, rs_r, cs_b, cs_r, nb, m, rs, cs, y0, x0, blk_b, blk_r, np.concatenate([blk_b, blk_r]),
                    rs > 0, cs > 0, rs_r > 0, cs_r > 0, y0[:, None] * w + x0[:, None] + 1 + _R8,
                    (y0[:, None] + 1 + _R8) * w + x0[:, None], y0 * w + x0,
                    (y0[:, None, None] + 1 + _R8[:, None]) * w + x0[:, None, None] + 1 + _R8[None, :],
                    (np.arange(m) >= nb).astype(np.int64), np.zeros(nb, np.int64), np.ones(m - nb, np.int64),
                    _cfl_side_masks(rs > 0, cs > 0)))
    if len(_PAIR_GEOM) > 8:
        _PAIR_GEOM.clear()
    _PAIR_GEOM[(rows, cols)] = got
    return got


def _intra_luma16(mbh, mbw, step, qy, cur_y, lam, args_y, plan=None):
    """Encoder: the luma plane of an I frame with 16x16 macroblocks where they pay. A first wavefront codes every
    block as 8x8; the macroblocks whose 16x16 cost (around the first pass's reconstruction) beats their four
    blocks' then take the 16x16 mode in a second wavefront (when they are at least I16_MIN_SHARE of the plane: a
    second wavefront for a few macroblocks does not pay for its time). Returns the plane, the 8x8 mode grid, the
    level grid (16x16 macroblocks: their kept coefficients in block 0) and the 16x16 modes (-1: none).
    plan (a dict): plan["big"] given = those macroblocks take 16x16 without the first wavefront (speed: a second
    I decision reuses the first's choice); else it receives the choice; plan["first_8x8"]: stop after the first."""
    plan = {} if plan is None else plan
    n = mbh * mbw
    mode16 = np.full(n, -1, np.int64)
    big = plan.get("big")
    if big is None:
        costs = np.zeros(4 * n)
        counts0 = None if args_y["counts"] is None else args_y["counts"].copy()
        y, my, gy = _intra_plane(2 * mbh, 2 * mbw, qy, costs=costs, **args_y)
        if plan.get("first_8x8") and not I16_REUSE:  # nobody uses this decision's 16x16 choice
            return y, my, gy, mode16
        if I16_MIN_SHARE > 1 and not I16_REUSE:  # speed: no share can reach it, so 16x16 is never used
            return y, my, gy, mode16
        big = _i16_choose(y, cur_y, _grid_to_mbs(costs, mbh, mbw).sum(1), mbh, mbw, _i16_qm(step), lam,
                          args_y["deadzone"])
        plan["big"] = big
        if big.mean() < I16_MIN_SHARE or plan.get("first_8x8"):
            return y, my, gy, mode16
    elif big.mean() < I16_MIN_SHARE:
        return _intra_plane(2 * mbh, 2 * mbw, qy, **args_y) + (mode16,)
    else:
        counts0 = None
    if counts0 is not None:  # the second pass prices modes from the model as it stood before the first
        args_y["counts"][...] = counts0
    if args_y.get("splits") is not None:  # the second pass decides every split again (big blocks: none)
        args_y["splits"][...] = False
    m16 = np.zeros(n, np.int64)
    lev16 = np.zeros((n, 8, 8), np.int32)
    y, my, gy = _intra_plane(2 * mbh, 2 * mbw, qy, big=big, mode16=m16, levels16=lev16, **args_y)
    g = _grid_to_mbs(gy, mbh, mbw)
    g[big] = 0
    g[big, 0] = lev16[big]
    mode16[big] = m16[big]
    return y, my, _mbs_to_grid(g, mbh, mbw), mode16


# ----------------------------------------------------------------------------
# motion compensation


_BILINEAR = {}  # one: _mc's (one, 2) tap table
MC_PAIR_WIDE_MIN = 1  # speed only: the least batch that takes _mc_c_pair_wide (MC_PAIR_WIDE / MC_PAIR_SMOOTH); small
# batches gain most (face / coffee replays of the <64-block _predict_mbs calls: 0.71x / 0.68x with 1 vs 64)
PHASE_WORDS_MIN = 1  # speed only: the least batch that takes PHASE_WORDS' gather (4-63 blocks: ~0.7x of the window gather)


def _mc(ref_pad, pad, by, bx, mvy, mvx, size, frac_bits):
    """Bilinear prediction of blocks at (by, bx) displaced by mv in 1/2**frac_bits pel (exact integer maths)."""
    one = 1 << frac_bits
    iy = by + pad + (mvy >> frac_bits)
    ix = bx + pad + (mvx >> frac_bits)
    if MC_MATMUL:  # (sums of products below 2^(8 + 2 frac_bits): exact in float32 for frac_bits <= 7)
        taps = _BILINEAR.get(one)
        if taps is None:
            taps = _BILINEAR[one] = np.array([(one - f, f) for f in range(one)], np.int32)
        acc = _filter2d(_gather(ref_pad, iy, ix, size + 1), taps, mvy & (one - 1), mvx & (one - 1), size)
        acc += 1 << (2 * frac_bits - 1)
        acc >>= 2 * frac_bits
        return acc
    fy = (mvy & (one - 1)).astype(np.int32)[:, None, None]
    fx = (mvx & (one - 1)).astype(np.int32)[:, None, None]
    g = _gather(ref_pad, iy, ix, size + 1).astype(np.int32)
    top = g[:, :-1, :-1] * (one - fx) + g[:, :-1, 1:] * fx
    bot = g[:, 1:, :-1] * (one - fx) + g[:, 1:, 1:] * fx
    rnd = 1 << (2 * frac_bits - 1)
    return (top * (one - fy) + bot * fy + rnd) >> (2 * frac_bits)


_WINDOWS = []  # (plane, size, view): the last few sliding-window views made (~9 us each; a frame makes dozens)


def _windows(plane, size):
    """The (size, size) sliding-window view of a plane (a 4-D phase array: of its phases stacked as one tall plane)."""
    for p, s, v in _WINDOWS:
        if p is plane and s == size:
            return v
    flat = plane.reshape(-1, plane.shape[-1]) if plane.ndim == 4 else plane
    v = np.lib.stride_tricks.sliding_window_view(flat, (size, size))
    _WINDOWS.insert(0, (plane, size, v))  # the reference keeps the plane alive: its id cannot be reused
    del _WINDOWS[8:]
    return v


GATHER_WORDS = 1  # speed, the same samples: _gather copies the blocks of a batch row by row, each row one 8- or
# 16-byte item (a fancy index into an unaligned uint64 / complex128 view of the plane: the bytes are only copied,
# never computed on), instead of whole sliding windows: ~1.5-1.8x faster for batches of a few hundred blocks.
# Blocks narrower than the item come back as a view of the (n, size, 8 or 16) rows gathered.
GATHER_WORDS_MIN = 64  # ... for batches of at least this many blocks (below it the window gather is as fast)
GATHER_WORDS_NARROW = 1  # ... also for blocks narrower than 16 other than 8 (the chroma filters' 11 and 7, 9, 5)
_WORD_VIEWS = []  # (plane, item bytes, the plane's flat view of that item type at a stride of one byte)
_WORD_OFFSETS = {}  # (plane width, size): the flat offsets of a block's rows


def _gather_words(plane, y0, x0, size):
    """_gather of (n, size, size) blocks, size <= 16, each row one item (see GATHER_WORDS); None if the last item
    would reach past the plane's end."""
    item = 8 if size <= 8 else 16
    view = None
    for p, s, v in _WORD_VIEWS:
        if p is plane and s == item:
            view = v
            break
    if view is None:
        view = np.ndarray((plane.size - item + 1,), np.uint64 if item == 8 else np.complex128, plane, 0, (1,))
        _WORD_VIEWS.insert(0, (plane, item, view))  # (the reference keeps the plane alive: its id cannot be reused)
        del _WORD_VIEWS[8:]
    w = plane.shape[-1]
    off = _WORD_OFFSETS.get((w, size))
    if off is None:
        off = _WORD_OFFSETS[(w, size)] = np.arange(size) * w
    idx = y0 * w + x0
    if size != item and int(idx.max()) + int(off[-1]) >= view.shape[0]:
        return None
    rows = view[idx[:, None] + off].view(np.uint8).reshape(len(y0), size, item)
    return rows if size == item else rows[:, :, :size]


def _gather(plane_pad, y0, x0, size):
    """(n, size, size) blocks of a plane at (y0, x0), all inside it (motion vectors are clipped to MAX_MV)."""
    if GATHER_WORDS and len(y0) >= GATHER_WORDS_MIN and (size == 8 or size == 16 or GATHER_WORDS_NARROW and size < 16) \
            and plane_pad.dtype == np.uint8 and plane_pad.flags.c_contiguous:
        got = _gather_words(plane_pad, y0, x0, size)
        if got is not None:
            return got
    # advanced indexing of a sliding-window view copies whole windows: ~2-5x faster than one flat index per sample
    return _windows(plane_pad, size)[y0, x0]


SUBPEL_PLANES_FAST = 1  # encoder speed, the same planes: _subpel_planes in float32 (horizontal taps as products
# over the transposed plane's row windows, no int32 multiply-adds; rounding and clipping against full-size bound
# arrays: numpy's maximum/minimum with a scalar bound run ~4x slower); ~2.5x faster
_PLANE_BOUNDS = {}  # (h, w): float32 planes of 0 and 255 (the clip bounds of _subpel_planes_fast)
SUBPEL_BIAS_H = 1  # speed, the same planes: _subpel_planes_fast adds the rounding 0.5 once to the horizontal sums (as
# 32 / scale: the vertical taps sum to 64, scaled by scale / 4096, so every vertical sum gains exactly 0.5; all terms
# stay dyadic with partial sums far below 2^24 ulps) instead of once to each of the four vertical phases


def _subpel_planes_fast(y_pad, bank, full):
    """_subpel_planes' numbers in float32: every horizontal and vertical sum is an integer below 2^24 (exact in
    any order), the vertical taps are scaled by 1/4096 (a power of two: the scaled sums are exact too), so
    clip(x / 4096 + 0.5, 0, 255) truncated to uint8 is (x + 2048) >> 12 clipped; phase (0, 0) is the plane."""
    full_h, full_w = y_pad.shape
    m = PAD - 4
    h, w = full_h - 2 * m, full_w - 2 * m
    bounds = _PLANE_BOUNDS.get((h, w))
    if bounds is None:
        bounds = _PLANE_BOUNDS[(h, w)] = (np.zeros((h, w), np.float32), np.full((h, w), 255, np.float32))
    lo, hi = bounds
    # the source (as _subpel_planes': the interior plus 4 samples, edge-padded), transposed: (w + 8, h + 8)
    src_t = _pad_edge(y_pad[m : full_h - m, m : full_w - m].T, 4).astype(np.float32)
    hwin = np.lib.stride_tricks.sliding_window_view(src_t, 8, axis=0)[1 : 1 + w]  # (w, h + 8, 8)
    bias = SUBPEL_BIAS_H and all(sum(t) == 64 for t in bank)
    for fx in range(4):
        if fx == 0:  # the identity taps (64 at the centre): the source itself, its scale 64 moved into the taps
            hz = np.ascontiguousarray(src_t[4 : 4 + w].T)
            scale = 64.0
        else:
            hz = np.ascontiguousarray((hwin @ np.array(bank[fx], np.float32)).T)  # (h + 8, w)
            scale = 1.0
        if bias:  # (SUBPEL_BIAS_H: + 32 / scale on the horizontal sums is + 0.5 on every vertical sum, exactly)
            hz += np.float32(32.0 / scale)
        win = np.lib.stride_tricks.sliding_window_view(hz, 8, axis=0)[1 : 1 + h]  # (h, w, 8)
        for fy in range(4):
            out = full[fy, fx, m : full_h - m, m : full_w - m]
            if fy == 0 and fx == 0:
                out[...] = y_pad[m : full_h - m, m : full_w - m]  # ((64 y + 32) >> 6 = y)
                continue
            if fy == 0:
                acc = hz[4 : 4 + h] * np.float32(1.0 / 64)  # ((x + 32) >> 6 of the horizontal sums)
            else:
                acc = win @ (np.array(bank[fy], np.float32) * np.float32(scale / 4096))
            if not bias:
                acc += np.float32(0.5)
            np.maximum(acc, lo, out=acc)
            np.minimum(acc, hi, out=acc)
            out[...] = acc  # (float -> uint8 truncates: the floor of these non-negative values)
    return full


def _subpel_planes(y_pad, filt, full=None):
    """All 16 quarter-pel phases of a padded luma plane, (4, 4, H, W) uint8, separable 8-tap filters (into the
    buffer full when given: every sample of it is written)."""
    bank = SMOOTH_TAPS if filt & FILTER_SMOOTH_LUMA else SUBPEL_TAPS
    if SUBPEL_PLANES_FAST:
        full_h, full_w = y_pad.shape
        m = PAD - 4
        if full is None:
            full = np.empty((4, 4, full_h, full_w), np.uint8)
        _subpel_planes_fast(y_pad, bank, full)
        full[:, :, m : full_h - m, :m] = full[:, :, m : full_h - m, m : m + 1]
        full[:, :, m : full_h - m, full_w - m :] = full[:, :, m : full_h - m, full_w - m - 1 : full_w - m]
        full[:, :, :m] = full[:, :, m : m + 1]
        full[:, :, full_h - m :] = full[:, :, full_h - m - 1 : full_h - m]
        return full
    # y_pad is the frame edge-padded by PAD: more than 4 samples (the taps' reach) outside the frame every
    # phase repeats its edge rows and columns too (the taps sum to 64), so only the frame plus 4 samples
    # is filtered (half the padded area) and its edges are replicated: the same planes, about 2x faster.
    full_h, full_w = y_pad.shape
    m = PAD - 4
    src = np.pad(y_pad[m : full_h - m, m : full_w - m], 4, mode="edge").astype(np.int32)
    h, w = full_h - 2 * m, full_w - 2 * m
    horiz = []
    for taps in bank:
        acc = np.zeros((h + 8, w), np.int32)
        for k, t in enumerate(taps):
            if t:
                acc += t * src[:, 1 + k : 1 + k + w]
        horiz.append(acc)
    if full is None:
        full = np.empty((4, 4, full_h, full_w), np.uint8)
    vtaps = [np.array(taps, np.float32) for taps in bank[1:]]
    for fx in range(4):
        # the vertical 8-tap sums as one BLAS product per phase over the rows' sliding windows (~4x faster than
        # eight multiply-adds; float32 is exact: every product and partial sum is an integer below 2**24)
        win = np.lib.stride_tricks.sliding_window_view(horiz[fx].astype(np.float32), 8, axis=0)[1 : 1 + h]
        for fy in range(4):
            if fy == 0:
                acc = horiz[fx][4 : 4 + h] + 32
                acc >>= 6
            else:
                acc = (win @ vtaps[fy - 1]).astype(np.int32)
                acc += 2048
                acc >>= 12
            np.maximum(acc, 0, out=acc)
            np.minimum(acc, 255, out=acc)
            full[fy, fx, m : full_h - m, m : full_w - m] = acc  # straight into the interior (no staging copy)
    full[:, :, m : full_h - m, :m] = full[:, :, m : full_h - m, m : m + 1]
    full[:, :, m : full_h - m, full_w - m :] = full[:, :, m : full_h - m, full_w - m - 1 : full_w - m]
    full[:, :, :m] = full[:, :, m : m + 1]
    full[:, :, full_h - m :] = full[:, :, full_h - m - 1 : full_h - m]
    return full


def _planes_for(st, y_pad, filt):
    """Encoder: _subpel_planes into a buffer recycled from the previous frame's (a fresh 3 MB array costs more in
    page faults than a third of the filtering). Every plane set made in a frame is dead when the next one starts:
    _reconstruct resets the reference's phases, and nothing else keeps them (_WINDOWS' views of a recycled buffer
    show its new samples, as they should)."""
    pool = st.get("plane_pool", [])
    shape = (4, 4) + y_pad.shape
    buf = None
    while pool and buf is None:
        b = pool.pop()
        buf = b if b.shape == shape else None
    planes = _subpel_planes(y_pad, filt, buf)
    st.setdefault("plane_made", []).append(planes)
    return planes


MC_MATMUL = 1  # speed: separable block filters as float32 products with banded tap matrices (exact: the same numbers)
_BANDED = {}  # (taps bytes, size): the (phases, size + t - 1, size) banded matrices of a tap table


def _banded(taps, size):
    """Per phase, the (size + t - 1, size) matrix M with g @ M = the t-tap filtering of g's rows (float32)."""
    key = (taps.tobytes(), taps.shape, size)
    m = _BANDED.get(key)
    if m is None:
        n_ph, t = taps.shape
        m = np.zeros((n_ph, size + t - 1, size), np.float32)
        r = np.arange(size)
        for k in range(t):
            m[:, r + k, r] = taps[:, k : k + 1]
        _BANDED[key] = m = (m, np.ascontiguousarray(m.transpose(0, 2, 1)))
    return m


FILTER_TAKE = 1  # speed, the same numbers: _filter2d picks the blocks' banded matrices with np.take


def _filter2d(g, taps, fy, fx, size):
    """Separable filtering of gathered blocks g (n, size + t - 1, size + t - 1) by the tap rows fx (horizontal) and
    fy (vertical) of taps, unrounded int32: as float32 batched products with banded matrices (every product and
    partial sum is an integer below 2^24, so exact in any order)."""
    mx, my = _banded(taps, size)
    if FILTER_TAKE:  # (speed, the same matrices: np.take selects whole leading rows faster than fancy indexing)
        hz = np.matmul(g.astype(np.float32, copy=False), np.take(mx, fx, axis=0))  # (a float32 g is used as it is)
        return np.matmul(np.take(my, fy, axis=0), hz).astype(np.int32)
    hz = np.matmul(g.astype(np.float32, copy=False), mx[fx])  # (a float32 g is used as it is)
    return np.matmul(my[fy], hz).astype(np.int32)


CLIP_FAST = 1  # speed, the same numbers: the MC filters' clip to 0..255 as maximum/minimum against bound arrays
# (np.clip costs ~15 us a call in wrapper overhead, and numpy's maximum with a scalar bound is unvectorised)
_CLIP_BOUNDS = [np.zeros(0, np.int32), np.zeros(0, np.int32)]  # flat int32 arrays of 0 and 255, grown on demand


def _clip_255(acc):
    """np.clip(acc, 0, 255, out=acc) of a C-contiguous int32 array (returns acc)."""
    if not CLIP_FAST or acc.dtype != np.int32 or not acc.flags.c_contiguous:
        return np.clip(acc, 0, 255, out=acc)
    n = acc.size
    if _CLIP_BOUNDS[0].size < n:
        _CLIP_BOUNDS[0] = np.zeros(max(n, 2 * _CLIP_BOUNDS[0].size), np.int32)
        _CLIP_BOUNDS[1] = np.full(_CLIP_BOUNDS[0].size, 255, np.int32)
    flat = acc.reshape(-1)
    np.maximum(flat, _CLIP_BOUNDS[0][:n], out=flat)
    np.minimum(flat, _CLIP_BOUNDS[1][:n], out=flat)
    return acc


CLIP_UM = 1  # speed, the same numbers: small / integer np.clip calls go straight to the clip ufunc that np.clip
# ends in (np.core.umath.clip: numpy's Python wrapper around it costs ~5-8 us a call); 0 = np.clip
_UM_CLIP = (np._core if hasattr(np, "_core") else np.core).umath.clip  # (numpy 2 moved np.core to np._core)


def _npclip(a, lo, hi):
    """np.clip(a, lo, hi) (the same ufunc, dtypes and NaN handling) without np.clip's Python wrapper."""
    return _UM_CLIP(a, lo, hi) if CLIP_UM else np.clip(a, lo, hi)


CLIP_INPLACE = 1  # speed, the same samples: whole-plane clips to 0..255 (_edge_filter, _weight, _intra4_rough, the
# CfL luma, _alf_filter) as maximum + minimum in place against cached bound arrays of the array's dtype (numpy's float
# clip loop is 2-7x slower, a scalar bound is unvectorised); 0 = np.clip
_CLIP_BOUNDS_BY = {}  # dtype -> (flat zeros, flat 255s), grown on demand


def _clip255_inplace(x):
    """np.clip(x, 0, 255) written into x (a fresh temporary the caller owns), returned. Integer dtypes: the same
    values. Floats: the same values and NaNs, except that a -0.0 may stay -0.0 (callers cast to integers or add it)."""
    if x.flags.c_contiguous:
        flat = x.reshape(-1)
    elif x.flags.f_contiguous:
        flat = x.T.reshape(-1)
    else:
        np.maximum(x, 0, out=x)
        return np.minimum(x, 255, out=x)
    n = flat.size
    b = _CLIP_BOUNDS_BY.get(x.dtype)
    if b is None or b[0].size < n:
        m = max(n, 2 * b[0].size if b is not None else 0)
        b = _CLIP_BOUNDS_BY[x.dtype] = (np.zeros(m, x.dtype), np.full(m, 255, x.dtype))
    np.maximum(flat, b[0][:n], out=flat)
    np.minimum(flat, b[1][:n], out=flat)
    return x


PAD_FAST = 1  # speed, the same arrays: edge padding of the first two axes by _pad_edge (np.empty + slice copies)
# instead of np.pad's machinery (~15-30 us a call less, ~20 calls a P frame); 0 = np.pad


def _pad_edge(a, r):
    """np.pad(a, r, mode="edge") of a 2-D a, or np.pad(a, ((r, r), (r, r), (0, 0)), mode="edge") of a 3-D a: the
    same values, dtype and memory order (np.pad's own rule: Fortran order for a Fortran-only input)."""
    if not PAD_FAST:
        return np.pad(a, r if a.ndim == 2 else ((r, r), (r, r)) + ((0, 0),) * (a.ndim - 2), mode="edge")
    h, w = a.shape[:2]
    q = np.empty((h + 2 * r, w + 2 * r) + a.shape[2:], a.dtype, order="F" if a.flags.fnc else "C")
    q[r : r + h, r : r + w] = a
    q[r : r + h, :r] = a[:, :1]
    q[r : r + h, r + w :] = a[:, -1:]
    q[:r] = q[r]
    q[r + h :] = q[r + h - 1]
    return q


def _pad_zero1(a):
    """np.pad(a, 1) of a 2-D a (zeros around it): the same values, dtype and memory order (PAD_FAST)."""
    if not PAD_FAST:
        return np.pad(a, 1)
    h, w = a.shape
    q = np.zeros((h + 2, w + 2), a.dtype, order="F" if a.flags.fnc else "C")
    q[1 : h + 1, 1 : w + 1] = a
    return q


def _mc_chroma(ref_pad, pad, by, bx, mvy, mvx, size):
    """Chroma prediction of blocks at (by, bx) displaced by mv in 1/8 pel: HEVC 4-tap filters, integer maths."""
    if not ((mvy & 7).any() or (mvx & 7).any()):  # whole samples: phase 0 is the identity (speed: the same numbers)
        return _gather(ref_pad, by + pad + (mvy >> 3), bx + pad + (mvx >> 3), size).astype(np.int32)
    iy = by + pad + (mvy >> 3) - 1
    ix = bx + pad + (mvx >> 3) - 1
    if MC_MATMUL:  # (|horizontal sums| <= 255 * 84, |products| <= 84 x that: below 2^24)
        acc = _filter2d(_gather(ref_pad, iy, ix, size + 3), CHROMA_TAPS, mvy & 7, mvx & 7, size)
        acc += 2048
        acc >>= 12
        return _clip_255(acc)
    ty = CHROMA_TAPS[mvy & 7][:, :, None, None]
    tx = CHROMA_TAPS[mvx & 7][:, :, None, None]
    g = _gather(ref_pad, iy, ix, size + 3).astype(np.int32)
    hz = tx[:, 0] * g[:, :, 0:size] + tx[:, 1] * g[:, :, 1 : size + 1]
    hz += tx[:, 2] * g[:, :, 2 : size + 2] + tx[:, 3] * g[:, :, 3 : size + 3]
    acc = ty[:, 0] * hz[:, 0:size] + ty[:, 1] * hz[:, 1 : size + 1] + 2048
    acc += ty[:, 2] * hz[:, 2 : size + 2] + ty[:, 3] * hz[:, 3 : size + 3]
    return np.clip(acc >> 12, 0, 255)


MC_BANK_CACHE = 1  # speed, the same numbers: _mc_luma_direct's tap tables built once per filter bank, not per call
_LUMA_BANKS = {}  # smooth flag: (bank, used tap positions, first used, span, the used taps contiguous)


def _mc_luma_direct(y_pad, filt, by, bx, mv, size):
    """Quarter-pel luma prediction filtered per block (the same numbers as the phase planes of _subpel_planes:
    (sum of vertical taps x horizontal sums + 2048) >> 12 also gives the unfiltered rows' (h + 32) >> 6)."""
    if not (mv & 3).any():  # integer vectors: phase 0 of both banks is the identity (speed: the same numbers)
        return _gather(y_pad, by + PAD + (mv[:, 0] >> 2), bx + PAD + (mv[:, 1] >> 2), size).astype(np.int32)
    key = bool(filt & FILTER_SMOOTH_LUMA)
    got = _LUMA_BANKS.get(key) if MC_BANK_CACHE else None
    if got is None:
        bank = np.array(SMOOTH_TAPS if key else SUBPEL_TAPS, np.int32)
        used = np.nonzero(bank.any(0))[0]  # the smooth taps leave the outer four positions unused
        lo, span = int(used[0]), int(used[-1] - used[0])  # only the samples the used taps reach are gathered
        got = _LUMA_BANKS[key] = (bank, used, lo, span, np.ascontiguousarray(bank[:, lo : lo + span + 1]))
    bank, used, lo, span, cut = got
    iy = by + PAD + (mv[:, 0] >> 2) - 3 + lo
    ix = bx + PAD + (mv[:, 1] >> 2) - 3 + lo
    if MC_MATMUL:  # (|horizontal sums| and |products| stay below 2^24 for 8-tap banks of sum |taps| <= 128)
        acc = _filter2d(_gather(y_pad, iy, ix, size + span), cut, mv[:, 0] & 3, mv[:, 1] & 3, size)
        acc += 2048
        acc >>= 12
        return _clip_255(acc)
    g = _gather(y_pad, iy, ix, size + span).astype(np.int32)
    tx = bank[mv[:, 1] & 3][:, :, None, None]
    ty = bank[mv[:, 0] & 3][:, :, None, None]
    hz = tx[:, lo] * g[:, :, :size]
    for k in used[1:]:
        hz += tx[:, k] * g[:, :, k - lo : k - lo + size]
    acc = ty[:, lo] * hz[:, :size]
    for k in used[1:]:
        acc += ty[:, k] * hz[:, k - lo : k - lo + size]
    acc += 2048
    return np.clip(acc >> 12, 0, 255)


def _mc_luma(phases, by, bx, mv, size=16):
    """Quarter-pel luma prediction: one flat gather from the precomputed phase planes."""
    if isinstance(phases, tuple):  # the decoder's (y_pad, filter): see _ref_with
        return _mc_luma_direct(*phases, by, bx, mv, size)
    return _phase_blocks(phases, by, bx, mv, size).astype(np.int32)


PHASE_WORDS = 1  # speed, the same samples: _phase_blocks of 8x8 / 16x16 blocks (>= GATHER_WORDS_MIN) from uint8 phase
# planes as one flat-index word gather, the flat offsets from the vectors by two small integer products (no phase / row
# / column temporaries, no _gather dispatch)
_PHASE_COEF = {}  # (h, w): the int64 coefficients of the flat offset in mv and mv >> 2


def _phase_blocks(phases, by, bx, mv, size):
    """The uint8 blocks of _mc_luma from the phase planes."""
    _, _, h, w = phases.shape
    if PHASE_WORDS and (size == 16 or size == 8) and len(by) >= PHASE_WORDS_MIN and phases.dtype == np.uint8 \
            and phases.flags.c_contiguous:
        # flat offset = ((m0 & 3) * 4 + (m1 & 3)) * h * w + (by + PAD + (m0 >> 2)) * w + bx + PAD + (m1 >> 2)
        #             = m0 * 4hw + m1 * hw + (m0 >> 2) * (w - 16hw) + (m1 >> 2) * (1 - 4hw) + (by + PAD) * w + bx + PAD
        coef = _PHASE_COEF.get((h, w))
        if coef is None:
            hw = h * w
            coef = _PHASE_COEF[(h, w)] = (np.array([4 * hw, hw], np.int64), np.array([w - 16 * hw, 1 - 4 * hw], np.int64))
        idx = mv @ coef[0]
        idx += (mv >> 2) @ coef[1]
        idx += by * w
        idx += bx
        idx += PAD * w + PAD
        item = size
        view = None
        for p, s_, v in _WORD_VIEWS:
            if p is phases and s_ == item:
                view = v
                break
        if view is None:
            view = np.ndarray((phases.size - item + 1,), np.uint64 if item == 8 else np.complex128, phases, 0, (1,))
            _WORD_VIEWS.insert(0, (phases, item, view))
            del _WORD_VIEWS[8:]
        off = _WORD_OFFSETS.get((w, size))
        if off is None:
            off = _WORD_OFFSETS[(w, size)] = np.arange(size) * w
        return view[idx[:, None] + off].view(np.uint8).reshape(len(by), size, size)
    phase = (mv[:, 0] & 3) * 4 + (mv[:, 1] & 3)
    # the 16 phase planes stacked as one tall plane: a window gather (as _gather) is ~2x faster than a flat index
    y0 = phase * h + by + PAD + (mv[:, 0] >> 2)
    return _gather(phases, y0, bx + PAD + (mv[:, 1] >> 2), size)


SAD_GEMV = 1  # encoder speed (a decision, motion27b, nearly exact): the motion search's float32 SADs (_sad, the whole-pel
# refinements, the neighbour passes, the split search) summed per block by one BLAS matrix-vector product with a ones
# vector instead of numpy's pairwise sum (~3.5x faster sum; the same values up to float32 rounding in the last bits,
# so only near-ties can choose differently); 0 = numpy's sums
_ONES_F32 = {}  # block samples: a float32 ones vector


def _bsum(d):
    """Encoder: the (k,) float32 sums of the contiguous float32 blocks d (k, s, s) (SAD_GEMV: by one matrix-vector
    product)."""
    if SAD_GEMV:
        m = d.shape[1] * d.shape[2]
        one = _ONES_F32.get(m)
        if one is None:
            one = _ONES_F32[m] = np.ones(m, np.float32)
        return np.matmul(d.reshape(len(d), m), one)
    return d.sum(axis=(1, 2))


def _sad(cur, phases, by, bx, mv, size=16):
    """Encoder: SAD (float32) of the source blocks cur (float32) against their quarter-pel luma predictions (the
    uint8 blocks subtracted directly: no int32 copy)."""
    pred = _mc_luma(phases, by, bx, mv, size) if isinstance(phases, tuple) else _phase_blocks(phases, by, bx, mv, size)
    d = np.subtract(cur, pred, dtype=np.float32)
    return _bsum(np.abs(d, out=d))


def _mc_c(ref, plane, by, bx, mv, size):
    """Chroma prediction with the reference's filter set (1/8 pel: luma quarter-pel vectors on half-size planes)."""
    if not ref[4] & FILTER_SMOOTH_CHROMA:
        return _mc_chroma(plane, PAD // 2, by, bx, mv[:, 0], mv[:, 1], size)
    return _mc(plane, PAD // 2, by, bx, mv[:, 0], mv[:, 1], size, 3)


MC_CHROMA_PAIR = 1  # speed, the same numbers: _predict_mbs filters Cb's and Cr's blocks as one batch (one
# gather-filter-round pass for both planes instead of two; the products are exact, so the order does not matter)


MC_PAIR_F32 = 1  # speed, the same numbers: _mc_c_pair joins the Cb and Cr blocks straight into float32 (one copy)


MC_PAIR_WIDE = 1  # speed, the same numbers: _mc_c_pair's 8x8 blocks gathered as 11 whole 16-byte rows into one float32
# array (contiguous rows: the cast is a plain copy, not numpy's strided buffered cast), filtered from a view of each
# row's first 11 samples


MC_PAIR_SMOOTH = 1  # speed, the same numbers: _mc_c_pair filters both planes' blocks in one batch for the smooth
# (bilinear) chroma filter too (as _mc: 9x9 samples, (sum + 32) >> 6), through _mc_c_pair_wide


def _mc_c_pair_wide(ref, iy, ix, fy, fx, n, taps, rows, size=8):
    """_filter2d of both chroma planes' (size, size) blocks at (iy, ix) (their top-left filter samples) with tap rows
    fy / fx of taps, rows = size + taps - 1 samples, as one (2n, size, size) int32 batch (Cb's then Cr's), from
    16-sample-wide gathered rows; returns (acc, n), or None if a row would reach past a plane's end."""
    w = ref[1].shape[-1]
    idx = iy * w + ix
    off = _WORD_OFFSETS.get((w, rows))
    if off is None:
        off = _WORD_OFFSETS[(w, rows)] = np.arange(rows) * w
    if int(idx.max()) + int(off[-1]) >= ref[1].size - 15:
        return None
    ind = idx[:, None] + off
    g = np.empty((2 * n, rows, 16), np.float32)
    for k, plane in ((0, ref[1]), (1, ref[2])):
        view = None
        for p, s_, v in _WORD_VIEWS:
            if p is plane and s_ == 16:
                view = v
                break
        if view is None:
            view = np.ndarray((plane.size - 15,), np.complex128, plane, 0, (1,))
            _WORD_VIEWS.insert(0, (plane, 16, view))
            del _WORD_VIEWS[8:]
        g[k * n : (k + 1) * n] = view[ind].view(np.uint8).reshape(n, rows, 16)
    mx, my = _banded(taps, size)
    fy2, fx2 = np.concatenate([fy, fy]), np.concatenate([fx, fx])
    hz = np.matmul(g[:, :, :rows], np.take(mx, fx2, axis=0))  # (the first samples of each row: a strided view)
    return np.matmul(np.take(my, fy2, axis=0), hz).astype(np.int32), n


def _mc_c_pair(ref, by, bx, mv, size):
    """(_mc_c of Cb, _mc_c of Cr) for blocks at (by, bx) with vectors mv, the two planes' 4-tap filtering in one
    batch where they share the filter (the sharp chroma bank, matmul path, fractional vectors)."""
    mvy, mvx = mv[:, 0], mv[:, 1]
    if ref[4] & FILTER_SMOOTH_CHROMA and MC_PAIR_SMOOTH and MC_MATMUL and (size == 8 or size == 4) \
            and len(mvy) >= MC_PAIR_WIDE_MIN:
        # (speed, the same numbers: _mc's bilinear 1/8-pel filtering of both planes in one batch, as below)
        pad = PAD // 2
        taps = _BILINEAR.get(8)
        if taps is None:
            taps = _BILINEAR[8] = np.array([(8 - f, f) for f in range(8)], np.int32)
        got = _mc_c_pair_wide(ref, by + pad + (mvy >> 3), bx + pad + (mvx >> 3), mvy & 7, mvx & 7, len(mvy), taps,
                              size + 1, size)
        if got is not None:
            acc, n = got
            acc += 32
            acc >>= 6
            return acc[:n], acc[n:]
    if ref[4] & FILTER_SMOOTH_CHROMA or not MC_MATMUL or not ((mvy & 7).any() or (mvx & 7).any()):
        return _mc_c(ref, ref[1], by, bx, mv, size), _mc_c(ref, ref[2], by, bx, mv, size)
    pad = PAD // 2
    iy = by + pad + (mvy >> 3) - 1
    ix = bx + pad + (mvx >> 3) - 1
    n = mv.shape[0]
    if MC_PAIR_WIDE and (size == 8 or size == 4) and n >= MC_PAIR_WIDE_MIN and ref[1].dtype == np.uint8 and ref[2].dtype == np.uint8 \
            and ref[1].flags.c_contiguous and ref[2].flags.c_contiguous and ref[1].shape == ref[2].shape:
        got = _mc_c_pair_wide(ref, iy, ix, mvy & 7, mvx & 7, n, CHROMA_TAPS, size + 3, size)
        if got is not None:
            acc = got[0]
            acc += 2048
            acc >>= 12
            _clip_255(acc)
            return acc[:n], acc[n:]
    if MC_PAIR_F32:  # (speed, the same samples: the two planes' blocks cast to float32 as they are joined)
        g = np.concatenate([_gather(ref[1], iy, ix, size + 3), _gather(ref[2], iy, ix, size + 3)], dtype=np.float32)
    else:
        g = np.concatenate([_gather(ref[1], iy, ix, size + 3), _gather(ref[2], iy, ix, size + 3)])
    fy, fx = mvy & 7, mvx & 7
    acc = _filter2d(g, CHROMA_TAPS, np.concatenate([fy, fy]), np.concatenate([fx, fx]), size)
    acc += 2048
    acc >>= 12
    _clip_255(acc)
    return acc[:n], acc[n:]


def _ref_with(st, filt, wp=None):
    """The reference (y_pad, cb_pad, cr_pad, luma phase planes, filter, weights) with one filter set's phase
    planes, built on first use and kept for the frame; wp = None or (gain, offset) per plane, gain in 1/64."""
    cache = st["ref_phases"]
    key = filt & FILTER_SMOOTH_LUMA
    if key not in cache and st.get("direct_mc"):
        # the decoder predicts each block once: filtering the blocks it needs is ~5x cheaper than all phases
        cache[key] = (st["ref"][0], key)
    elif key not in cache:
        cache[key] = _planes_for(st, st["ref"][0], key)
    return st["ref"] + (cache[key], filt, wp)


def _weight(pred, gain, offset):
    """Weighted prediction of one plane (HEVC explicit weightp, log2 denominator 6), integer maths."""
    if CLIP_INPLACE:
        return _clip255_inplace(((pred * gain + 32) >> 6) + offset)
    return np.clip(((pred * gain + 32) >> 6) + offset, 0, 255)


def _apply_weights(ref, preds):
    wp = ref[5]
    if wp is None:
        return preds
    return tuple(_weight(p, g, o) for p, (g, o) in zip(preds, wp))


WEIGHTS_FAST = 1  # speed: _estimate_weights skips the SSD change of a plane whose quantised weight is the identity
# (gain 64/64, offset 0: its weighted prediction is the prediction itself, the change is zero)


def _estimate_weights(cur, preds, lam, inside=None):
    """Least-squares gain and offset per plane between the current planes and their motion-compensated
    prediction, quantised; None when the weighted SSD gain does not pay for the 48 header bits. inside: None or the
    macroblocks (bool) to fit and judge on (a pan's entering strip, predicted from the replicated picture edge, is
    new content that no gain predicts: fitted, it made astronaut-pan's frames 5 and 6 weighted, every skip worse)."""
    wp = []
    gain_ssd = 0.0
    if inside is not None and inside.any() and not inside.all():
        cur = [c[inside] for c in cur]
        preds = [p[inside] for p in preds]
    for c, p, cw in zip(cur, preds, (1.0, CB_WEIGHT, CR_WEIGHT)):
        cf = c.astype(np.float64).ravel()
        pf = p.astype(np.float64).ravel()
        # moments as dot products (speed; the sums of integer products are exact in float64, in any order)
        n, sc, sp = cf.size, cf.sum(), pf.sum()
        var = (pf @ pf - sp * sp / n) / n
        w = (cf @ pf - sc * sp / n) / n / var if var > 1e-6 else 1.0
        g = int(_npclip(round(w * 64), 0, 127))
        o = int(_npclip(round(sc / n - g / 64.0 * (sp / n)), -128, 127))
        if WEIGHTS_FAST and g == 64 and o == 0:  # the identity weight (predictions are 0..255): no SSD change
            wp.append((g, o))
            continue
        d0, d1 = cf - pf, cf - _weight(p, g, o).ravel()
        gain_ssd += cw * (d0 @ d0 - d1 @ d1)
        wp.append((g, o))
    if gain_ssd <= lam * 48 or all(g == 64 and o == 0 for g, o in wp):
        return None
    return tuple(wp)


def _shifted(plane_pad, pad, h, w, v):
    """The (h, w) window of a padded plane displaced by the integer vector v = (dy, dx) pel."""
    return plane_pad[pad + v[0] : pad + v[0] + h, pad + v[1] : pad + v[1] + w]


def _layer_planes(st, layer):
    """The two-layer (transparent motion) reference. A frame that cross-fades two layers moving by a and b
    per frame, F_t = alpha C(x - a t) + beta R(x - b t), is predicted exactly, for a constant mix, by
    F_t-1(x - a) + F_t-1(x - b) - F_t-2(x - a - b); the weights (1/256, least squares) absorb a changing mix.
    Integer-pel layer vectors; chroma takes half the luma vector, with the sharp 4-tap filter when odd."""
    (ay, ax, by_, bx_), w, off = layer
    h, w16 = st["mbh"] * 16, st["mbw"] * 16
    planes = []
    for k, (pad, scale) in enumerate(((PAD, 1), (PAD // 2, 2), (PAD // 2, 2))):
        f1, f2 = st["last"][k], st["ref2"][k]
        hh, ww = h // scale, w16 // scale
        preds = []
        for src, (vy, vx) in ((f1, (ay, ax)), (f1, (by_, bx_)), (f2, (ay + by_, ax + bx_))):
            if scale == 1 or (vy % 2 == 0 and vx % 2 == 0):
                preds.append(_shifted(src, pad, hh, ww, (vy // scale, vx // scale)).astype(np.int32))
            else:  # a half-pel chroma shift: the sharp 4-tap chroma filter, macroblock by macroblock
                idx = np.arange(st["mbh"] * st["mbw"])
                mv = np.tile(np.array([[4 * vy, 4 * vx]], np.int64), (idx.size, 1))
                by, bx = (idx // st["mbw"]) * 8, (idx % st["mbw"]) * 8
                blocks = _mc_chroma(src, pad, by, bx, mv[:, 0], mv[:, 1], 8)
                preds.append(_from_mbs(blocks, st["mbh"], st["mbw"]).astype(np.int32))
        acc = w[0] * preds[0] + w[1] * preds[1] + w[2] * preds[2] + (1 << (LAYER_WEIGHT_BITS - 1))
        plane = _npclip((acc >> LAYER_WEIGHT_BITS) + off[k], 0, 255).astype(np.uint8)
        planes.append(np.pad(plane, pad, mode="edge"))
    return tuple(planes)


def _use_layers(st, layer):
    """Make the two-layer reference the prediction source of this frame (encoder and decoder alike)."""
    a, b = layer[0][:2], layer[0][2:]
    if max(abs(x) for x in a + b + (a[0] + b[0], a[1] + b[1])) > LAYER_MAX_MV:
        raise ValueError("corrupt frame: layer vector out of range")
    st["ref"] = _layer_planes(st, layer)
    st["ref_phases"] = {}


BOX4_INPLACE = 1  # speed, the same numbers: _box4's sums accumulated in place (the same additions in the same order)


def _box4(plane):
    """4x4 box means at every position (top-left anchored), float32: (H-3, W-3)."""
    if BOX4_INPLACE:
        p = plane if plane.dtype == np.float32 else plane.astype(np.float32)
        row = p[:, :-3] + p[:, 1:-2]
        row += p[:, 2:-1]
        row += p[:, 3:]
        out = row[:-3] + row[1:-2]
        out += row[2:-1]
        out += row[3:]
        out *= np.float32(1 / 16)
        return out
    p = plane.astype(np.float32)
    row = p[:, :-3] + p[:, 1:-2] + p[:, 2:-1] + p[:, 3:]
    return (row[:-3] + row[1:-2] + row[2:-1] + row[3:]) * np.float32(1 / 16)


def _box4_at4(plane):
    """_box4(plane)[::4, ::4] (the same float32 sums in the same order) without the other positions (speed)."""
    p = plane.astype(np.float32)
    row = p[:, 0::4] + p[:, 1::4] + p[:, 2::4] + p[:, 3::4]
    return (row[0::4] + row[1::4] + row[2::4] + row[3::4]) * np.float32(1 / 16)


LAYER_PLANES_ONCE = 1  # encoder speed, the same planes: _choose_layers makes the two-layer reference's weighted sums
# once (offsets and the planes the decision takes), not twice through _layer_planes (0 = twice)
LAYER_FAST_SETUP = 1  # speed, the same numbers: _choose_layers' vector counts by 1-D keys, reference columns on demand


LAYER_SOLVE_BATCH = 1  # encoder speed (a decision, motion27b, nearly exact): _choose_layers' Gram-matrix fits of every
# candidate pair (and single vector) by one batched np.linalg.solve instead of one np.linalg.lstsq each (~40 us of
# fixed cost a call); the same least-squares fits up to rounding (lstsq one at a time where a system is singular)


def _choose_layers(st, cur, mv_me, base_pred_y):
    """Encoder: is this frame a mix of two layers moving differently? Fitted on the 4x4 means of the luma of
    the source frames (the encoder's own inputs, free of coding noise): the best pair of layer vectors among
    motion field's most frequent integer vectors, zero and the last cross-fade's pair, by least squares
    over F_t-1(x+a), F_t-1(x+b), F_t-2(x+a+b); a layer description (vectors, weights and offsets fitted
    against the reconstructed references) when that fit's SSD is below LAYER_GATE times the best one-vector
    fit's (with gain and offset), or when the same fit on the reconstructed references (every 4th sample) leaves
    less than LAYER_GATE_RECON of the ordinary prediction's SSD; else None. Pairs of nearly equal vectors are
    skipped: they would only imitate sub-pel interpolation, which the ordinary prediction does better.
    mv_me None: the quick check before the motion search, zero and the last pair only, passed below LAYER_ALONE.
    st["layer_alone"]: the layers passed below LAYER_ALONE (the frame is decided against them alone)."""
    src = st.get("src")
    st["layer_alone"] = False
    if st.get("ref2") is None or src is None or src[1] is None:
        return None
    h, w = cur[0].shape

    sub = (slice(1, None, 4), slice(1, None, 4))  # every 4th sample: plenty for four unknowns, and cheap

    def low(p):
        return p[sub].astype(np.float64).ravel()

    def mean4(p):  # 4x4 means of the window at p's top-left (p: a 4x4 box-filtered plane): no texture aliasing
        return p[: h : 4, : w : 4].astype(np.float64).ravel()

    def fit(cols, target, ssd=True):
        # least squares by the normal equations, the Gram matrix from dot products of the columns (speed: ~20x
        # cheaper than lstsq on the full frame; sums of products of 8-bit samples are exact in float64, in any
        # order); lstsq where they are singular (a flat picture)
        k = len(cols)
        gram, rhs = np.empty((k + 1, k + 1)), np.empty(k + 1)
        for i, ci in enumerate(cols):
            for j in range(i, k):
                gram[i, j] = gram[j, i] = ci @ cols[j]
            gram[i, k] = gram[k, i] = ci.sum()
            rhs[i] = ci @ target
        gram[k, k], rhs[k] = target.size, target.sum()
        try:
            coef = np.linalg.solve(gram, rhs)
        except np.linalg.LinAlgError:
            coef = np.linalg.lstsq(np.stack(cols + [np.ones_like(target)], 1), target, rcond=None)[0]
        if not ssd:  # (speed: the caller takes only the coefficients)
            return None, coef
        r = target - coef[k]
        for c, col in zip(coef, cols):
            r -= c * col
        return float(r @ r), coef

    cy = low(cur[0])
    cy4 = _box4_at4(cur[0]).astype(np.float64).ravel()  # = mean4(_box4(cur[0])), only the positions used
    cands = []
    if mv_me is not None:
        v = (mv_me + 2) >> 2
        if LAYER_FAST_SETUP:  # the same rows and counts in the same (lexicographic) order: 1-D keys (speed)
            key, counts = np.unique((v[:, 0] + 8192) * 16384 + (v[:, 1] + 8192), return_counts=True)
            uniq = np.stack([key // 16384 - 8192, key % 16384 - 8192], 1)
        else:
            uniq, counts = np.unique(v, axis=0, return_counts=True)
        cands = [tuple(int(x) for x in uniq[k]) for k in np.argsort(-counts, kind="stable")[:LAYER_CANDIDATES]]
    for extra in ((0, 0),) + st.get("layer_vectors", ()):  # zero, and the last cross-fade's layer motions
        if extra not in cands:
            cands.append(extra)
    cols = {}
    recon = (st["last"][0], st["ref2"][0])

    def col(k, v, which=0):  # 4x4 means of source frame t-k and every 4th sample of its reconstruction, displaced by v
        if (k, v) not in cols:
            if LAYER_FAST_SETUP:  # the reconstruction's column only when a check on the references asks (speed)
                cols[(k, v)] = [mean4(_shifted(src[k - 1], PAD, h, w, v)), None]
            else:
                cols[(k, v)] = [mean4(_shifted(src[k - 1], PAD, h, w, v)), low(_shifted(recon[k - 1], PAD, h, w, v))]
        got = cols[(k, v)]
        if got[1] is None and which == 1:
            got[1] = low(_shifted(recon[k - 1], PAD, h, w, v))
        return got

    def gram_fit(which, target):  # fit() of a key list by the normal equations of one Gram matrix (speed)
        keys = list(cols)
        x = np.stack([col(*kv, which)[which] for kv in keys], 1)
        x -= x.mean(0)  # centred: the intercept is implied, and the 4x4 systems are better conditioned
        t = target - target.mean()
        gram, xt, tt = x.T @ x, x.T @ t, float(t @ t)
        pos = {kv: i for i, kv in enumerate(keys)}

        def ssd(kvs):
            ix = [pos[kv] for kv in kvs]
            coef = np.linalg.lstsq(gram[np.ix_(ix, ix)], xt[ix], rcond=None)[0]
            return tt - float(coef @ xt[ix])

        def ssd_many(kvss):  # (LAYER_SOLVE_BATCH) ssd of each key list (all of one length), one batched solve
            if not LAYER_SOLVE_BATCH or not kvss:
                return [ssd(kvs) for kvs in kvss]
            ix = np.array([[pos[kv] for kv in kvs] for kvs in kvss])
            r = xt[ix]
            try:
                coef = np.linalg.solve(gram[ix[:, :, None], ix[:, None, :]], r[:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:  # (a singular system: lstsq's least-norm fits, one at a time)
                return [ssd(kvs) for kvs in kvss]
            return (tt - (coef * r).sum(1)).tolist()

        ssd.many = ssd_many
        return ssd

    pairs = []
    for i in range(len(cands)):
        for j in range(i + 1, len(cands)):
            a, b = cands[i], cands[j]
            ab = (a[0] + b[0], a[1] + b[1])
            if max(abs(x) for x in a + b + ab) <= LAYER_MAX_MV and max(abs(a[0] - b[0]), abs(a[1] - b[1])) > 1:
                pairs.append((a, b, ab))
    for a in cands:
        col(1, a)
    for a, b, ab in pairs:
        col(2, ab)
    if LAYER_GRAM_FITS:
        src_fit = gram_fit(0, cy4)
        single = min(src_fit.many([[(1, a)] for a in cands]))
    else:
        single = min(fit([col(1, a)[0]], cy4)[0] for a in cands)
    if not pairs or single <= LAYER_STILL * float(((cy4 - cy4.mean()) ** 2).sum()):
        return None
    if LAYER_GRAM_FITS:
        best_src = min(zip(src_fit.many([[(1, a), (1, b), (2, ab)] for a, b, ab in pairs]),
                           [a for a, _, _ in pairs], [b for _, b, _ in pairs]))
    else:
        best_src = min((fit([col(1, a)[0], col(1, b)[0], col(2, ab)[0]], cy4)[0], a, b) for a, b, ab in pairs)
    if mv_me is None:  # the quick check: a clear cross-fade again, or the ordinary motion search and full check
        if best_src[0] >= LAYER_ALONE * single:
            return None
        _, a, b = best_src
        st["layer_alone"] = True
    elif best_src[0] < LAYER_GATE * single:
        _, a, b = best_src
        st["layer_alone"] = best_src[0] < LAYER_ALONE * single
    elif best_src[0] < LAYER_PRESCREEN * single:  # some two-layer structure: check on the references
        if LAYER_GRAM_FITS:
            rec_fit = gram_fit(1, cy)
            fits = list(zip(rec_fit.many([[(1, a), (1, b), (2, ab)] for a, b, ab in pairs]),
                            [a for a, _, _ in pairs], [b for _, b, _ in pairs]))
        else:
            fits = [(fit([col(1, a, 1)[1], col(1, b, 1)[1], col(2, ab, 1)[1]], cy)[0], a, b) for a, b, ab in pairs]
        best_rec = min(fits)
        base_rec = fit([low(_from_mbs(base_pred_y, st["mbh"], st["mbw"]))], cy)[0]  # only needed here (speed)
        if best_rec[0] >= LAYER_GATE_RECON * base_rec:
            return None
        _, a, b = best_rec
        st["layer_alone"] = best_rec[0] < LAYER_ALONE_RECON * base_rec
    else:
        return None
    st["layer_vectors"] = (a, b)
    ab = (a[0] + b[0], a[1] + b[1])
    f1, f2 = st["last"][0], st["ref2"][0]
    cols = [_shifted(f, PAD, h, w, vv).astype(np.float64).ravel() for f, vv in ((f1, a), (f1, b), (f2, ab))]
    _, coef = fit(cols, cur[0].astype(np.float64).ravel(), ssd=False)
    scale = 1 << LAYER_WEIGHT_BITS
    wq = tuple(int(np.clip(round(c * scale), -32768, 32767)) for c in coef[:3])
    layer = (a + b, wq, (0, 0, 0))
    # offsets per plane: the mean difference left by the quantised weights
    if LAYER_PLANES_ONCE:  # speed, the same planes: the weighted sums made once, for the offsets and the reference
        pre = _layer_sums(st, layer)
        off = []
        for k, c in enumerate(cur):
            p = _npclip(pre[k], 0, 255).astype(np.uint8)
            off.append(int(np.clip(round(float(np.mean(c.astype(np.float64) - p))), -128, 127)))
        got = (a + b, wq, tuple(off))
        st["layer_made"] = (got, tuple(np.pad(_npclip(x + o, 0, 255).astype(np.uint8), pad, mode="edge")
                                       for x, o, pad in zip(pre, off, (PAD, PAD // 2, PAD // 2))))
        return got
    planes = _layer_planes(st, layer)
    off = []
    for k, pad in enumerate((PAD, PAD // 2, PAD // 2)):
        c = cur[k]
        p = planes[k][pad : pad + c.shape[0], pad : pad + c.shape[1]]
        off.append(int(np.clip(round(float(np.mean(c.astype(np.float64) - p))), -128, 127)))
    return (a + b, wq, tuple(off))


def _layer_sums(st, layer):
    """Encoder (LAYER_PLANES_ONCE): _layer_planes' three weighted sums (acc >> LAYER_WEIGHT_BITS), before the
    offsets, the clipping and the padding."""
    (ay, ax, by_, bx_), w, _ = layer
    h, w16 = st["mbh"] * 16, st["mbw"] * 16
    out = []
    for k, (pad, scale) in enumerate(((PAD, 1), (PAD // 2, 2), (PAD // 2, 2))):
        f1, f2 = st["last"][k], st["ref2"][k]
        hh, ww = h // scale, w16 // scale
        preds = []
        for src, (vy, vx) in ((f1, (ay, ax)), (f1, (by_, bx_)), (f2, (ay + by_, ax + bx_))):
            if scale == 1 or (vy % 2 == 0 and vx % 2 == 0):
                preds.append(_shifted(src, pad, hh, ww, (vy // scale, vx // scale)).astype(np.int32))
            else:  # a half-pel chroma shift: the sharp 4-tap chroma filter, macroblock by macroblock
                idx = np.arange(st["mbh"] * st["mbw"])
                mv = np.tile(np.array([[4 * vy, 4 * vx]], np.int64), (idx.size, 1))
                by, bx = (idx // st["mbw"]) * 8, (idx % st["mbw"]) * 8
                blocks = _mc_chroma(src, pad, by, bx, mv[:, 0], mv[:, 1], 8)
                preds.append(_from_mbs(blocks, st["mbh"], st["mbw"]).astype(np.int32))
        acc = w[0] * preds[0] + w[1] * preds[1] + w[2] * preds[2] + (1 << (LAYER_WEIGHT_BITS - 1))
        out.append(acc >> LAYER_WEIGHT_BITS)
    return out


def _predict_mbs(ref, idx, mbw, mv):
    """Luma (n,16,16) and chroma (n,8,8) x2 predictions for macroblocks idx with quarter-pel mv (n,2)."""
    rcb, rcr, phases = ref[1], ref[2], ref[3]
    by = (idx // mbw) * 16
    bx = (idx % mbw) * 16
    py = _mc_luma(phases, by, bx, mv)
    if MC_CHROMA_PAIR:
        pcb, pcr = _mc_c_pair(ref, by // 2, bx // 2, mv, 8)
    else:
        pcb = _mc_c(ref, rcb, by // 2, bx // 2, mv, 8)
        pcr = _mc_c(ref, rcr, by // 2, bx // 2, mv, 8)
    return _apply_weights(ref, (py, pcb, pcr))


SUB_DY = np.array([0, 0, 8, 8])
SUB_DX = np.array([0, 8, 0, 8])


MC_SPLIT_PAIR = 1  # speed, the same numbers: _predict_split's chroma 4x4 blocks of both planes through _mc_c_pair


def _predict_split(ref, idx, mbw, mv4):
    """Predictions for macroblocks with one vector per 8x8 luma block (4x4 chroma), mv4 (n,4,2)."""
    rcb, rcr, phases = ref[1], ref[2], ref[3]
    n = idx.size
    by = ((idx // mbw) * 16)[:, None] + SUB_DY
    bx = ((idx % mbw) * 16)[:, None] + SUB_DX
    mv = mv4.reshape(-1, 2)
    py = _join4(_mc_luma(phases, by.ravel(), bx.ravel(), mv, 8).reshape(n, 4, 8, 8))

    def chroma(b):
        return b.reshape(n, 2, 2, 4, 4).transpose(0, 1, 3, 2, 4).reshape(n, 8, 8)

    if MC_SPLIT_PAIR:  # (speed, the same numbers: both planes' 4x4 blocks through _mc_c_pair)
        pcb, pcr = _mc_c_pair(ref, by.ravel() // 2, bx.ravel() // 2, mv, 4)
        return _apply_weights(ref, (py, chroma(pcb), chroma(pcr)))
    return _apply_weights(ref, (py, chroma(_mc_c(ref, rcb, by.ravel() // 2, bx.ravel() // 2, mv, 4)),
                                chroma(_mc_c(ref, rcr, by.ravel() // 2, bx.ravel() // 2, mv, 4))))


def _bi_allowed(st, layer):
    """Whether a P frame's inter macroblocks carry a two-hypothesis flag (encoder and decoder alike)."""
    return bool(BI_PRED) and layer is None and (BI_SOURCE == 1 or st.get("ref2") is not None)


def _bi_predictor(v):
    """The second vector's predictor from the macroblock's vector v (quarter pel): 2v in F-2 (constant motion)."""
    return _npclip(v * BI_SOURCE, -MAX_MV, MAX_MV)


def _bi_ref(st, filt, wp):
    """The second hypothesis's reference tuple (as _ref_with), with the frame's filter set and weights."""
    if BI_SOURCE == 1:
        return _ref_with(st, filt, wp)
    key = filt & FILTER_SMOOTH_LUMA
    phases = st.get("ref2_phases", {}).get(key, (st["ref2"][0], key))  # planes kept from the last frame, or per block
    return st["ref2"] + (phases, filt, wp)


def _average_preds(p1, p2):
    """The rounded mean of two (weighted) predictions, plane by plane."""
    return tuple((a + b + 1) >> 1 for a, b in zip(p1, p2))


PM1_OFFSETS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]  # a +-1 step's nine offsets, in scan order


PM1_INPLACE = 1  # speed, the same numbers: _refine_pm1's running minima updated in place, its offsets as arrays once
_PM1_ARRAYS = [np.array(o) for o in PM1_OFFSETS]


PM1_BATCH = 1  # speed, the same numbers: _refine_pm1 on a small batch (<= PM1_BATCH_MAX vectors) evaluates each
# stride's nine offsets in one SAD call over the stacked blocks (each block's SAD does not depend on its batch)
PM1_BATCH_MAX = 128
_PM1_STACK = np.array(PM1_OFFSETS)[:, None, :]  # (9, 1, 2)


def _refine_pm1(best_v, strides, penalty, sad_for_stride, sad_many=None):
    """Encoder: _refine_pm1_each (see there), or, for a small batch with sad_many(vs) given (the plain SADs of
    stacked offset vectors), _refine_pm1_batched: the same vectors and SADs."""
    if PM1_BATCH and PM1_INPLACE and sad_many is not None and len(best_v) <= PM1_BATCH_MAX:
        return _refine_pm1_batched(best_v, strides, penalty, sad_many)
    return _refine_pm1_each(best_v, strides, penalty, sad_for_stride)


def _refine_pm1_batched(best_v, strides, penalty, sad_many):
    """_refine_pm1 with each stride's offsets evaluated at once: sad_many(vs) gives the (k, n) plain SADs of the
    vectors vs (k, n, 2) (the same numbers as sad_at for each offset); the comparisons are _refine_pm1's."""
    raw = None
    for stride in strides:
        centre = best_v.copy()
        vs = np.minimum(np.maximum(centre[None] + stride * _PM1_STACK, -MAX_MV), MAX_MV)
        sads = sad_many(vs if raw is None else vs[[0, 1, 2, 3, 5, 6, 7, 8]])
        best_sad = np.full(len(best_v), np.inf)
        best_raw = np.zeros(len(best_v), np.float32)
        for k, o in enumerate(PM1_OFFSETS):
            v = vs[k]
            sad_raw = raw if o == (0, 0) and raw is not None else sads[k if raw is None or k < 4 else k - 1]
            sad = sad_raw + penalty * (o != (0, 0))
            better = sad < best_sad
            np.copyto(best_sad, sad, where=better)
            if best_raw.dtype == sad_raw.dtype:
                np.copyto(best_raw, sad_raw, where=better)
            else:
                best_raw = np.where(better, sad_raw, best_raw)
            best_v[better] = v[better]
        raw = best_raw
    return best_v, raw


_PM1_CROSS = [k for k, o in enumerate(PM1_OFFSETS) if 0 in o]  # the centre and its four edge neighbours
_PM1_CROSS_ORDER = _PM1_CROSS
SUBPEL_CROSS_Q = None  # encoder speed (a decision, hq26): at quality >= this the motion search's quarter-pel step
# (the last sub-pel stride) tries the four edge neighbours only, not the diagonals (4 SADs of every macroblock
# fewer); None = all eight. 75: astronaut +0.08 %, coffee +0.09 % BD (first three clips): rejected
_MS_CROSS = [False]  # encoder: SUBPEL_CROSS_Q in force for this frame's motion search (set by _decide_p)
NEIGHBOUR_PASSES_HQ = (75.0, 1)  # encoder speed (a decision, hq26): (quality, passes): at quality >= the first number
# the motion search's whole-pel neighbour passes are this many instead of NEIGHBOUR_PASSES; None = off. (75, 2) on top
# of the other q80 defaults: -0.01 % BD (six clips, 16 frames; four clips +0.00), `_motion_search` ~0.95x at coffee q80
# Sprint 2: (75, 1) [c0023: (75, 2)]: alone +0.011 % BD vs c0023 (six clips, 16 frames; face +0.05)
_MS_HQ = [False]  # encoder: NEIGHBOUR_PASSES_HQ in force for this frame's motion search (set by _decide_p)
SPLIT_STRIDES_HQ = (75.0, (1,))  # encoder speed (a decision, hq26): (quality, strides): at quality >= the first
# number the split search uses these strides instead of SPLIT_STRIDES; None = off. (75, (1,)) (no half-pel step) on
# top of the other q80 defaults: -0.01 % BD (six clips, 16 frames; coffee -0.09, face +0.05, four clips +-0.02);
# coffee q80 split search ~0.54x (~2 ms a frame)
QPEL_PASSES_HQ = (75.0, 1)  # encoder speed (a decision, hq26): (quality, passes): at quality >= the first number the
# motion search's quarter-pel neighbour passes are this many instead of QPEL_NEIGHBOUR_PASSES; None = off. (75, 1) on
# top of the other q80 defaults: -0.00 % BD (six clips, 16 frames; coffee +0.04, face -0.04, the rest +-0.01)
_MS_QUALITY = [50.0]  # encoder: this frame's quality (set by _decide_p before the motion search)
SPLIT_CROSS = 0  # encoder speed (a decision, hq26): 1 = SUBPEL_CROSS_Q also for the split search's quarter-pel step


PM1_FAST = 1  # speed, the same vectors: _refine_pm1_each's offset vectors by one clip call from cached stride multiples,
# the winners copied with one masked copy
_PM1_STRIDED = {}  # stride: the nine offsets x stride (int64 arrays)


def _refine_pm1_each(best_v, strides, penalty, sad_for_stride, raw=None, cross_last=False, cross_first=False):
    """Encoder: +-1 refinement of every vector at each stride in turn: the nine offsets around the current best (the
    first of equal SADs kept), moving off it charged `penalty` (its vector bits), the centre's SAD carried over from
    the stride before. sad_for_stride(centre, stride) gives that stride's sad_at(o, v). Returns the vectors (best_v,
    updated in place) and their plain SADs (None without strides). raw: the first centres' plain SADs if known."""
    for si, stride in enumerate(strides):
        centre = best_v.copy()
        sad_at = sad_for_stride(centre, stride)
        best_sad = np.full(len(best_v), np.inf)
        best_raw = np.zeros(len(best_v), np.float32)
        ks = _PM1_CROSS if (cross_last and si == len(strides) - 1) or (cross_first and si == 0) else range(9)
        fast = PM1_FAST and centre.dtype == np.int64 and centre.ndim == 2
        if fast:
            soa = _PM1_STRIDED.get(stride)
            if soa is None:
                soa = _PM1_STRIDED[stride] = [stride * oa for oa in _PM1_ARRAYS]
        for k in ks:
            o = PM1_OFFSETS[k]
            if fast:  # (the same int64 vectors: one clip ufunc call; the update as one masked copy)
                v = _UM_CLIP(centre + soa[k], -MAX_MV, MAX_MV)
            else:
                v = np.minimum(np.maximum(centre + stride * _PM1_ARRAYS[k], -MAX_MV), MAX_MV)
            sad_raw = raw if o == (0, 0) and raw is not None else sad_at(o, v)
            sad = sad_raw + penalty * (o != (0, 0))
            better = sad < best_sad
            if PM1_INPLACE:  # speed, the same values and dtypes: in-place selects (float32 -> float64 is exact)
                np.copyto(best_sad, sad, where=better)
                if best_raw.dtype == sad_raw.dtype:
                    np.copyto(best_raw, sad_raw, where=better)
                else:  # (float64 SADs: np.where makes best_raw float64, as before)
                    best_raw = np.where(better, sad_raw, best_raw)
            else:
                best_sad = np.where(better, sad, best_sad)
                best_raw = np.where(better, sad_raw, best_raw)
            if fast:
                np.copyto(best_v, v, where=better[:, None])
            else:
                best_v[better] = v[better]
        raw = best_raw
    return best_v, raw


def _motion_search_split(cur_mbs, ref, idx, mbw, mv_me, subpel_cost):
    """Per-8x8 refinement around the macroblock vector: +-1 pel, then half and quarter pel."""
    n = mv_me.shape[0]
    if not n and SPLIT_EMPTY_EXIT:  # (speed: nothing to refine)
        return np.repeat(mv_me, 4, axis=0).reshape(n, 4, 2)
    by = (((idx // mbw) * 16)[:, None] + SUB_DY).ravel()
    bx = (((idx % mbw) * 16)[:, None] + SUB_DX).ravel()
    cur = _split4(cur_mbs).reshape(-1, 8, 8)
    best_v = np.repeat(mv_me, 4, axis=0)

    def sad_many(vs):
        k, m = vs.shape[:2]
        return _sad(np.tile(cur, (k, 1, 1)), ref[3], np.tile(by, k), np.tile(bx, k), vs.reshape(-1, 2), 8).reshape(k, m)
    planes = ref[3] if SPLIT_SEARCH_FAST and isinstance(ref[3], np.ndarray) else None

    def sad_for_stride(centre, stride):
        if planes is None or stride % 4 or (np.abs(centre) + stride > MAX_MV).any():
            return lambda o, v: _sad(cur, ref[3], by, bx, v, 8)
        # whole-pel steps keep the phase: the nine blocks are windows of one gather (the same samples)
        k = stride // 4
        _, _, h, _ = planes.shape
        phase = (centre[:, 0] & 3) * 4 + (centre[:, 1] & 3)
        around = _gather(planes, phase * h + by + PAD + (centre[:, 0] >> 2) - k,
                         bx + PAD + (centre[:, 1] >> 2) - k, 8 + 2 * k)

        def sad_at(o, v):
            d = np.subtract(cur, around[:, k + k * o[0] : k + k * o[0] + 8, k + k * o[1] : k + k * o[1] + 8],
                            dtype=np.float32)
            return _bsum(np.abs(d, out=d))

        return sad_at

    strides = SPLIT_STRIDES
    if SPLIT_STRIDES_HQ is not None and _MS_QUALITY[0] >= SPLIT_STRIDES_HQ[0]:
        strides = SPLIT_STRIDES_HQ[1]
    elif SPLIT_STRIDES_LQ is not None and _MS_QUALITY[0] < SPLIT_STRIDES_LQ[0]:
        strides = SPLIT_STRIDES_LQ[1]
    if SPLIT_CROSS and _MS_CROSS[0]:  # (SUBPEL_CROSS_Q in force: the quarter-pel step's four edge neighbours only)
        best_v, _ = _refine_pm1_each(best_v, strides, subpel_cost * 0.5, sad_for_stride, None, True)
        return best_v.reshape(n, 4, 2)
    best_v, _ = _refine_pm1(best_v, strides, subpel_cost * 0.5, sad_for_stride, sad_many)
    return best_v.reshape(n, 4, 2)


COARSE_SUMS_FAST = 1  # speed, the same numbers: _block4_sums adds each 4-sample row of every block in three vector
# adds over the whole array, then the four row sums in three more (the same additions in the same order as 16 adds)


def _block4_sums(v):
    """v.sum(axis=(2, 4)) of a float32 (d, mbh, 4, mbw, 4) array, bit for bit: numpy's reduction adds each row's
    4 samples (0 + a0 + a1 + a2 + a3) and then the 4 row sums in order; the same additions as strided vector adds
    are ~4x faster. (The current frame's luma is not integer, so the order matters. With mbw == 1 numpy merges the
    axes and sums differently: that case keeps numpy's own sum.)"""
    if v.shape[3] < 2:
        return v.sum(axis=(2, 4))
    if COARSE_SUMS_FAST:  # (speed, the same additions: each row's four samples for all rows at once, then the rows)
        c = v[..., 0] + v[..., 1]
        c += v[..., 2]
        c += v[..., 3]
        out = c[:, :, 0] + c[:, :, 1]
        out += c[:, :, 2]
        out += c[:, :, 3]
        return out
    out = None
    for r in range(4):
        q = v[:, :, r, :, 0] + v[:, :, r, :, 1]
        q += v[:, :, r, :, 2]
        q += v[:, :, r, :, 3]
        if out is None:
            out = q
        else:
            out += q
    return out


NEIGHBOUR_MEMO = 1  # speed, the same choices: _motion_search's neighbour passes (whole- and quarter-pel) skip a
# macroblock's candidate vector already evaluated for it in an earlier candidate of the same passes (~45 % of them)


REFINE_F32 = 1  # speed, the same numbers: _motion_search's +-1 whole-sample refinements subtract a float32 copy of the
# gathered neighbourhood (one cast instead of nine) into one reused difference buffer


TAKE_ROWS = 1  # speed, the same numbers: _motion_search's neighbour passes select their macroblocks' rows with
# np.take (faster than fancy indexing for whole rows) and take the SAD's absolute value in place


SUBPEL_SKIP_RATIO = 20.0  # encoder speed (a decision): _motion_search's half-/quarter-pel refinement skips the
# macroblocks whose whole-pel SAD is below this x the sub-pel vector cost (a move must gain more SAD than that cost;
# such blocks rarely move: q20, ratio 8: ~23 % of the blocks, 0.5 % of the moves; ratio 16: ~50 % at q20, none at
# q80). Six clips, 16 frames vs v8: 8 -0.004 % BD, 16 -0.10 %, 24 -0.02 %, 32 +0.34 %; with the other defaults of
# the tip: 16 -0.258 %, 20 -0.333 %; 0 = all refined


SUBPEL_SKIP_HQ = None  # encoder speed (a decision, motion27): (quality, ratio): at quality >= the first number
# SUBPEL_SKIP_RATIO is this ratio (coffee q80 replays: whole-pel SAD < 60 x the sub-pel cost in 24 % of the
# macroblocks, < 80 x in 41 %); None = off. Not measured for BD: at ratio 60, 45 % of the skipped blocks would move
# in the sub-pel step (mean SAD gain 8.5 of 225), at 40 only 6 % of the blocks skip


_MS_WHOLE_SAD = [0.0]  # encoder: the last motion search's mean whole-pel cost (PRIOR_SEARCH_RISE)
PRIOR_SEARCH_RISE = 1.15  # ... a frame searched from the previous vectors whose mean whole-pel cost exceeds this x the
# previous frame's is searched again in full (new motion); 0 = never
PRIOR_SEARCH_FADE = 1  # ... not after a P frame with a cross-fade candidate (_choose_layers) or weighted prediction
PRIOR_SEARCH = 4  # encoder speed (a decision): with the previous P frame's vectors known, only every this-many-th P
# frame runs the quarter- and half-scale search; the others start the whole-pel +-1 refinement from the previous
# frame's vectors (then the neighbour, sub-pel and quarter-pel neighbour steps as always); 0 = every frame.
# Six clips, 16 frames, on top of the other defaults: alone -0.154 % vs -0.145 % BD (chelsea +1.2 %: its rocket's new
# motion), with PRIOR_SEARCH_RISE 1.15 -0.276 % (chelsea +0.15 %); re-searched: 0-3 of ~7-10 prior frames a clip


PRIOR_SEARCH_HQ = (75.0, 1000)  # encoder speed (a decision, hq26 sprint 2): (quality, n): at quality >= the first number
# PRIOR_SEARCH is n (a full search every n-th P frame; 1000: only the first, then PRIOR_SEARCH_RISE's re-searches); None
# = off. Alone +0.003 % BD vs c0023 (six clips, 16 frames)

# encoder speed (decisions, ent26 sprint 2): (quality, value): below the quality the value replaces the knob's
NEIGHBOUR_PASSES_LQ = (35.0, 2)  # NEIGHBOUR_PASSES
QPEL_PASSES_LQ = (35.0, 1)  # QPEL_NEIGHBOUR_PASSES
SPLIT_STRIDES_LQ = (35.0, (1,))  # SPLIT_STRIDES
BI_STRIDES_LQ = (35.0, (2, 1))  # BI_STRIDES
PRIOR_SEARCH_LQ = (35.0, 8)  # PRIOR_SEARCH
PRIOR_SEARCH_MQ = None  # encoder speed (a decision, motion27): (qlo, qhi, n): at qlo <= quality < qhi PRIOR_SEARCH is n;
# None = off. (35, 75, 1000): astronaut +0.08, chelsea +0.00 (its bytes unchanged at every quality: its fade / weighted
# frames search in full anyway, so no time on the chelsea q50 rung either), coffee -0.13 % (first three clips): left off
PRIOR_AGREE = 0  # encoder speed (a decision): with the previous P frame's vectors known, the macroblocks whose
# quarter-scale vector lies within this many pels of the previous vector skip the half-scale step and start the
# whole-pel +-1 refinement from the previous vector; 0 = off


WHOLE_CROSS_Q = None  # encoder speed (a decision, motion27): (qlo, qhi): at qlo <= quality < qhi the motion search's
# whole-pel +-1 refinement (after the scaled search or from the prior vectors) tries the centre and its four edge
# neighbours only (and the zero vector), not the diagonals; None = all nine. (0, 101): astronaut +1.88 % BD (q20 +4.9 %
# bytes; ab-codecs, 16 frames; stopped there): rejected
HALF_CROSS_Q = None  # encoder speed (a decision, motion27): (qlo, qhi): ... the half-pel step of the sub-pel refinement
# tries the four edge neighbours only; None = all eight. (0, 101): astronaut +0.10, chelsea -0.45, coffee +1.30 % BD
# (ab-codecs, 16 frames; stopped there): rejected


def _q_in(knob):
    """Whether this frame's quality (_MS_QUALITY) lies in a (qlo, qhi) knob's range (None: no)."""
    return knob is not None and knob[0] <= _MS_QUALITY[0] < knob[1]


class _TriedVectors:
    """Encoder: the candidate vectors evaluated so far per macroblock in a neighbour-pass loop. A candidate's cost
    (its SAD less a fixed bonus) is the same number every time it is evaluated, and a macroblock's best cost never
    rises, so one that lost (or won) before cannot now beat the best strictly: skipping it changes nothing."""

    def __init__(self, n, slots):
        self.keys = np.full((slots, n), -(1 << 62), np.int64)
        self.used = 0

    def fresh(self, v, cur):
        """The macroblocks whose candidate v differs from its current vector and was not evaluated before (they
        are recorded as evaluated now)."""
        key = v[:, 0] * 65536 + v[:, 1]
        keep = (v != cur).any(1)
        if self.used:
            keep &= ~(self.keys[: self.used] == key).any(0)
        idx = np.nonzero(keep)[0]
        self.keys[self.used, idx] = key[idx]
        self.used += 1
        return idx


def _motion_search(cur_y, ref, mbh, mbw, search_range, subpel_cost, prior=None, from_prior=False):
    """Hierarchical block matching: full search at 1/4 scale, +-1 refinements at 1/2 and 1/1, then sub-pel.
    from_prior (PRIOR_SEARCH): the whole-pel +-1 refinement starts from the prior field (no 1/4 and 1/2 scale steps)."""
    ry_pad = ref[0]
    h, w = cur_y.shape
    n = mbh * mbw
    if from_prior and prior is not None:
        return _motion_search_rest(cur_y, ref, mbh, mbw, subpel_cost, prior, prior.reshape(n, 2).astype(np.int64))
    ref_y = ry_pad[PAD : PAD + h, PAD : PAD + w].astype(np.float32)
    # (float32: sixteenths below 256, their differences and 16-term sums are exact, so the same costs; speed)
    c4 = _block_mean(cur_y, 4).astype(np.float32)
    r4 = _block_mean(ref_y, 4).astype(np.float32)
    rng4 = max(1, (int(search_range) + 3) // 4)
    r4p = _pad_edge(r4, rng4)
    # all displacements of one row of the window at once (speed): the samples are sixteenths (means of 4x4
    # integers), so every SAD is exact in any summation order; argmin keeps the first of equal costs, as a
    # scan in (dy, dx) order with a strict "<" does
    d = np.arange(-rng4, rng4 + 1)
    cost = np.empty((d.size, d.size, mbh, mbw))
    wins = np.lib.stride_tricks.sliding_window_view(r4p, (h // 4, w // 4))  # (2 rng4 + 1, 2 rng4 + 1, h/4, w/4)
    for i, dy in enumerate(d):
        if COARSE_SUMS_FAST:  # (speed: the absolute difference in place)
            ad = np.subtract(c4, wins[i])
            sad = _block4_sums(np.abs(ad, out=ad).reshape(d.size, mbh, 4, mbw, 4))
        else:
            sad = _block4_sums(np.abs(c4 - wins[i]).reshape(d.size, mbh, 4, mbw, 4))
        cost[i] = sad + (0.5 * (abs(dy) + np.abs(d)))[:, None, None]
    k = np.argmin(cost.reshape(-1, n), 0)
    vec = np.stack([d[k // d.size], d[k % d.size]], 1).astype(np.int64)
    by = (np.arange(n) // mbw) * 16
    bx = (np.arange(n) % mbw) * 16
    offsets = PM1_OFFSETS

    def refine(cur_blocks, ref_pad, pad, scale, centre, extra, sub=None):
        size = 16 // scale
        cands = [centre + np.array(o) for o in offsets] + extra
        by_, bx_ = (by, bx) if sub is None else (by[sub], bx[sub])  # (sub: these macroblocks only)
        best_sad = np.full(len(centre), np.inf)
        best_v = centre.copy()
        # the nine offsets' blocks are windows of one (size + 2)^2 gather around the centre (the same samples)
        around = _gather(ref_pad, by_ // scale + pad + centre[:, 0] - 1, bx_ // scale + pad + centre[:, 1] - 1, size + 2)
        if REFINE_F32:  # (speed, the same numbers: the uint8 samples as float32 once, not cast in each subtraction)
            around = around.astype(np.float32)
            d = np.empty(cur_blocks.shape, np.float32)
        for k, v in enumerate(cands):
            if k < len(offsets):
                dy, dx = offsets[k]
                blk = around[:, 1 + dy : 1 + dy + size, 1 + dx : 1 + dx + size]
            else:
                blk = _gather(ref_pad, by_ // scale + pad + v[:, 0], bx_ // scale + pad + v[:, 1], size)
            if REFINE_F32:
                np.subtract(cur_blocks, blk, out=d, dtype=np.float32)
                sad = _bsum(np.abs(d, out=d)) + 0.25 * np.abs(v).sum(1)
            else:
                sad = np.abs(np.subtract(cur_blocks, blk, dtype=np.float32)).sum(axis=(1, 2)) + 0.25 * np.abs(v).sum(1)
            better = sad < best_sad
            if PM1_INPLACE:  # (float64 costs: the same values in place)
                np.copyto(best_sad, sad, where=better)
            else:
                best_sad = np.where(better, sad, best_sad)
            best_v[better] = v[better]
        return best_v

    c2 = _block_mean(cur_y, 2)
    r2p = _pad_edge(_block_mean(ref_y, 2), PAD // 2)
    if PRIOR_AGREE > 0 and prior is not None:  # speed (a decision): see PRIOR_AGREE
        prior = prior.reshape(n, 2).astype(np.int64)
        off = np.flatnonzero((np.abs(4 * vec - prior) > PRIOR_AGREE).any(1))
        centre = prior.copy()
        if off.size:
            centre[off] = 2 * refine(np.take(_to_mbs(c2, 8), off, axis=0), r2p, PAD // 2, 2, 2 * vec[off], [], off)
        return _motion_search_rest(cur_y, ref, mbh, mbw, subpel_cost, prior, centre, refine)
    vec = refine(_to_mbs(c2, 8), r2p, PAD // 2, 2, 2 * vec, [])
    return _motion_search_rest(cur_y, ref, mbh, mbw, subpel_cost, prior, 2 * vec, refine)


def _whole_refine(cur_blocks, ref_pad, by, bx, centre, offs):
    """_motion_search's whole-pel +-1 refinement (scale 1) over the offsets offs (in scan order), then the zero vector."""
    n = len(centre)
    best_sad = np.full(n, np.inf)
    best_v = centre.copy()
    around = _gather(ref_pad, by + PAD + centre[:, 0] - 1, bx + PAD + centre[:, 1] - 1, 18).astype(np.float32)
    d = np.empty(cur_blocks.shape, np.float32)
    for k in range(len(offs) + 1):
        if k < len(offs):
            dy, dx = offs[k]
            v = centre + np.array(offs[k])
            blk = around[:, 1 + dy : 17 + dy, 1 + dx : 17 + dx]
        else:
            v = np.zeros((n, 2), np.int64)
            blk = _gather(ref_pad, by + PAD, bx + PAD, 16)
        np.subtract(cur_blocks, blk, out=d, dtype=np.float32)
        sad = _bsum(np.abs(d, out=d)) + 0.25 * np.abs(v).sum(1)
        better = sad < best_sad
        np.copyto(best_sad, sad, where=better)
        best_v[better] = v[better]
    return best_v


WHOLE_SUBSET = None  # encoder speed (a decision, motion27b): (qlo, qhi, ratio): at qlo <= quality < qhi, on frames
# searched from the previous frame's vectors, the whole-pel +-1 step (and its zero-vector try) only for the macroblocks
# whose whole-pel SAD at the prior vector is at least ratio x subpel_cost (None = all)
QPEL_EXIT = None  # encoder speed (a decision, motion27b): (qlo, qhi, ratio): at qlo <= quality < qhi the motion
# search's quarter-pel stride refines only the macroblocks that moved in the half-pel stride or whose SAD after it is
# at least ratio x subpel_cost (None = all)
SAD_U8 = 0  # encoder speed (a decision, motion27b): the P motion search from the whole-pel +-1 step on (whole-pel
# refinement, neighbour passes, sub-pel steps, quarter-pel neighbour passes) prices its SADs on the source rounded to
# uint8 (|a - b| as max - min in uint8, summed in uint16: at most 255 x 256) instead of the float32 source (0 = off)


def _absdiff_u8(a, b):
    """Encoder: the (k,) float32 SADs of uint8 blocks a and b (k, 16, 16), exact integers."""
    d = np.maximum(a, b)
    d -= np.minimum(a, b)
    return np.add.reduce(d.reshape(len(d), -1), axis=1, dtype=np.uint16).astype(np.float32)


def _sad_u8(cur8, phases, by, bx, mv, size=16):
    """Encoder: _sad with the source blocks rounded to uint8 (SAD_U8)."""
    return _absdiff_u8(cur8, _phase_blocks(phases, by, bx, mv, size))


def _motion_search_rest(cur_y, ref, mbh, mbw, subpel_cost, prior, centre, refine=None):
    """_motion_search from the whole-pel +-1 refinement around centre on (see there)."""
    ry_pad = ref[0]
    n = mbh * mbw
    by = (np.arange(n) // mbw) * 16
    bx = (np.arange(n) % mbw) * 16
    prior_centred = refine is None  # (the from_prior path: centre = the previous frame's vectors)
    if SAD_U8 and not _q_in(WHOLE_CROSS_Q) and not isinstance(ref[3], tuple):
        return _motion_search_rest_u8(cur_y, ref, mbh, mbw, subpel_cost, prior, centre, by, bx)
    if refine is None:
        offsets = PM1_OFFSETS

        def refine(cur_blocks, ref_pad, pad, scale, centre, extra):  # (as in _motion_search, scale 1)
            size = 16
            cands = [centre + np.array(o) for o in offsets] + extra
            best_sad = np.full(n, np.inf)
            best_v = centre.copy()
            around = _gather(ref_pad, by + pad + centre[:, 0] - 1, bx + pad + centre[:, 1] - 1, size + 2)
            around = around.astype(np.float32)
            d = np.empty(cur_blocks.shape, np.float32)
            for k, v in enumerate(cands):
                if k < len(offsets):
                    dy, dx = offsets[k]
                    blk = around[:, 1 + dy : 1 + dy + size, 1 + dx : 1 + dx + size]
                else:
                    blk = _gather(ref_pad, by + pad + v[:, 0], bx + pad + v[:, 1], size)
                np.subtract(cur_blocks, blk, out=d, dtype=np.float32)
                sad = _bsum(np.abs(d, out=d)) + 0.25 * np.abs(v).sum(1)
                better = sad < best_sad
                np.copyto(best_sad, sad, where=better)
                best_v[better] = v[better]
            return best_v
    cur_blocks = _to_mbs(cur_y, 16)
    # the integer-pel blocks are gathered as uint8 and subtracted in float32 (the same numbers as from a float32
    # copy of the plane, a quarter of the memory traffic)
    if _q_in(WHOLE_CROSS_Q):  # (a decision: the centre and its four edge neighbours, then the zero vector)
        vec = _whole_refine(cur_blocks, ry_pad, by, bx, centre, [PM1_OFFSETS[k] for k in _PM1_CROSS_ORDER])
    elif WHOLE_SUBSET is not None and prior_centred and _q_in(WHOLE_SUBSET[:2]):
        # (a decision: a macroblock whose SAD at the prior vector is below WHOLE_SUBSET[2] x subpel_cost keeps it)
        d0 = np.subtract(cur_blocks, _gather(ry_pad, by + PAD + centre[:, 0], bx + PAD + centre[:, 1], 16),
                         dtype=np.float32)
        go = np.flatnonzero(_bsum(np.abs(d0, out=d0)) >= WHOLE_SUBSET[2] * subpel_cost)
        vec = centre.copy()
        if go.size:
            vec[go] = _whole_refine(np.take(cur_blocks, go, axis=0), ry_pad, np.take(by, go), np.take(bx, go),
                                    np.take(centre, go, axis=0), PM1_OFFSETS)
    else:
        vec = refine(cur_blocks, ry_pad, PAD, 1, centre, [np.zeros((n, 2), np.int64)])
    # neighbours' vectors as candidates: smoother fields, cheaper vector deltas, fewer local minima
    def sad_of(v, idx=slice(None)):
        if TAKE_ROWS and not isinstance(idx, slice):  # (speed: np.take of whole rows, the same rows)
            blk = _gather(ry_pad, np.take(by, idx) + PAD + v[:, 0], np.take(bx, idx) + PAD + v[:, 1], 16)
            d = np.subtract(np.take(cur_blocks, idx, axis=0), blk, dtype=np.float32)
            return _bsum(np.abs(d, out=d)) + 0.25 * np.abs(v).sum(1)
        blk = _gather(ry_pad, by[idx] + PAD + v[:, 0], bx[idx] + PAD + v[:, 1], 16)
        return np.abs(np.subtract(cur_blocks[idx], blk, dtype=np.float32)).sum(axis=(1, 2)) + 0.25 * np.abs(v).sum(1)

    # A macroblock whose candidate is its current vector cannot gain (best_sad is at most that vector's SAD, the
    # bonus being >= 0): only the others are evaluated, few in smooth motion fields (the same choices).
    best_sad = sad_of(vec)
    passes = NEIGHBOUR_PASSES_HQ[1] if NEIGHBOUR_PASSES_HQ is not None and _MS_HQ[0] else NEIGHBOUR_PASSES
    if NEIGHBOUR_PASSES_LQ is not None and _MS_QUALITY[0] < NEIGHBOUR_PASSES_LQ[0]:
        passes = NEIGHBOUR_PASSES_LQ[1]
    memo = _TriedVectors(n, NEIGHBOUR_PASSES * 6) if NEIGHBOUR_MEMO else None
    for k in range(passes):
        gp = _pad_edge(vec.reshape(mbh, mbw, 2), 1)
        cands = [gp[1:-1, :-2], gp[1:-1, 2:], gp[:-2, 1:-1], gp[2:, 1:-1], _vector_predictor(vec, mbh, mbw)]
        if k == 0 and prior is not None:
            cands.append(prior)
        for cand in cands:
            v = cand.reshape(n, 2)
            if memo is not None:
                idx = memo.fresh(v, vec)
            else:
                idx = np.nonzero((v != vec).any(1))[0]
            sad = sad_of(np.take(v, idx, axis=0) if TAKE_ROWS else v[idx], idx) - NEIGHBOUR_BONUS * subpel_cost
            better = sad < best_sad[idx]
            best_sad[idx[better]] = sad[better]
            vec[idx[better]] = v[idx[better]]
    _MS_WHOLE_SAD[0] = float(best_sad.mean())  # (PRIOR_SEARCH_RISE)
    # half-pel, then quarter-pel refinement around the best integer vector
    # (moving off the current best costs vector bits: _refine_pm1 demands a clear SAD gain for it)
    if SUBPEL_SKIP_RATIO > 0:  # speed: no sub-pel step where the whole-pel SAD is too small to pay its vector bits
        best_v = 4 * vec
        raw = _sad(cur_blocks, ref[3], by, bx, best_v)
        ratio = SUBPEL_SKIP_HQ[1] if SUBPEL_SKIP_HQ is not None and _MS_QUALITY[0] >= SUBPEL_SKIP_HQ[0] else SUBPEL_SKIP_RATIO
        go = np.flatnonzero(raw >= ratio * subpel_cost)
        if QPEL_EXIT is not None and _MS_QUALITY[0] >= QPEL_EXIT[0] and _MS_QUALITY[0] < QPEL_EXIT[1] and go.size:
            # (a decision: the half-pel step on the go blocks, then the quarter-pel step only on those that moved
            # in it or whose SAD is still at least QPEL_EXIT[2] x subpel_cost)
            for stride, qsel in ((2, None), (1, True)):
                if qsel:
                    moved = (best_v[go] != v0).any(1)
                    go = go[moved | (raw[go] >= QPEL_EXIT[2] * subpel_cost)]
                    if not go.size:
                        break
                v0 = np.take(best_v, go, axis=0)
                cb, gy, gx = np.take(cur_blocks, go, axis=0), np.take(by, go), np.take(bx, go)
                bv, br = _refine_pm1_each(v0.copy(), (stride,), subpel_cost,
                                          lambda centre, stride: lambda o, v: _sad(cb, ref[3], gy, gx, v), raw[go],
                                          _MS_CROSS[0] and stride == 1, _q_in(HALF_CROSS_Q) and stride == 2)
                best_v[go] = bv
                raw[go] = br
        elif go.size == n:  # (all refined: no copies of the blocks)
            best_v, raw = _refine_pm1_each(best_v, (2, 1), subpel_cost,
                                           lambda centre, stride: lambda o, v: _sad(cur_blocks, ref[3], by, bx, v), raw,
                                           _MS_CROSS[0], _q_in(HALF_CROSS_Q))
        elif go.size:
            cb, gy, gx = np.take(cur_blocks, go, axis=0), np.take(by, go), np.take(bx, go)
            bv, br = _refine_pm1_each(np.take(best_v, go, axis=0), (2, 1), subpel_cost,
                                      lambda centre, stride: lambda o, v: _sad(cb, ref[3], gy, gx, v), raw[go],
                                      _MS_CROSS[0], _q_in(HALF_CROSS_Q))
            best_v[go] = bv
            raw[go] = br
    else:
        best_v, raw = _refine_pm1(4 * vec, (2, 1), subpel_cost,
                                  lambda centre, stride: lambda o, v: _sad(cur_blocks, ref[3], by, bx, v))
    if QPEL_NEIGHBOUR_PASSES:
        cost = raw.astype(np.float64)  # (the costs below are float64)
        best_v = best_v.copy()
        memo = _TriedVectors(n, QPEL_NEIGHBOUR_PASSES * 5) if NEIGHBOUR_MEMO else None
        qpasses = QPEL_NEIGHBOUR_PASSES
        if QPEL_PASSES_HQ is not None and _MS_QUALITY[0] >= QPEL_PASSES_HQ[0]:
            qpasses = QPEL_PASSES_HQ[1]
        elif QPEL_PASSES_LQ is not None and _MS_QUALITY[0] < QPEL_PASSES_LQ[0]:
            qpasses = QPEL_PASSES_LQ[1]
        for _ in range(qpasses):
            gp = _pad_edge(best_v.reshape(mbh, mbw, 2), 1)
            med = _vector_predictor(best_v, mbh, mbw)  # the coded predictor: a zero-cost vector
            for cand in (gp[1:-1, :-2], gp[1:-1, 2:], gp[:-2, 1:-1], gp[2:, 1:-1], med):
                v = cand.reshape(n, 2)
                if memo is not None:
                    idx = memo.fresh(v, best_v)
                else:
                    idx = np.nonzero((v != best_v).any(1))[0]  # as above: only candidates that differ can gain
                if TAKE_ROWS:  # (speed: np.take of whole rows, the same rows)
                    sad = _sad(np.take(cur_blocks, idx, axis=0), ref[3], np.take(by, idx), np.take(bx, idx),
                               np.take(v, idx, axis=0)).astype(np.float64) - subpel_cost
                else:
                    sad = _sad(cur_blocks[idx], ref[3], by[idx], bx[idx], v[idx]).astype(np.float64) - subpel_cost
                better = sad < cost[idx]
                cost[idx[better]] = sad[better]
                best_v[idx[better]] = v[idx[better]]
    return best_v

def _motion_search_rest_u8(cur_y, ref, mbh, mbw, subpel_cost, prior, centre, by, bx):
    """_motion_search_rest (NEIGHBOUR_MEMO / TAKE_ROWS / SUBPEL_SKIP_RATIO > 0 paths) with SAD_U8's uint8 SADs."""
    ry_pad = ref[0]
    phases = ref[3]
    n = mbh * mbw
    cur8 = _to_mbs(cur_y, 16)
    cur8 = _UM_CLIP(np.rint(cur8), 0.0, 255.0).astype(np.uint8)
    # whole-pel +-1 refinement around centre: the nine windows of one 18x18 gather, then the zero vector
    best_sad = np.full(n, np.inf)
    vec = centre.copy()
    around = _gather(ry_pad, by + PAD + centre[:, 0] - 1, bx + PAD + centre[:, 1] - 1, 18)
    mx = np.empty(cur8.shape, np.uint8)
    mn = np.empty(cur8.shape, np.uint8)

    def absdiff(a, b):
        k = len(a)
        x, y = (mx, mn) if k == n else (np.empty(a.shape, np.uint8), np.empty(a.shape, np.uint8))
        np.maximum(a, b, out=x)
        np.minimum(a, b, out=y)
        x -= y
        return np.add.reduce(x.reshape(k, 256), axis=1, dtype=np.uint16).astype(np.float32)

    for k in range(10):
        if k < 9:
            dy, dx = PM1_OFFSETS[k]
            v = centre + _PM1_ARRAYS[k]
            blk = around[:, 1 + dy : 17 + dy, 1 + dx : 17 + dx]
        else:
            v = np.zeros((n, 2), np.int64)
            blk = _gather(ry_pad, by + PAD, bx + PAD, 16)
        sad = absdiff(cur8, blk) + 0.25 * np.abs(v).sum(1)
        better = sad < best_sad
        np.copyto(best_sad, sad, where=better)
        np.copyto(vec, v, where=better[:, None])

    def sad_of(v, idx):
        blk = _gather(ry_pad, np.take(by, idx) + PAD + v[:, 0], np.take(bx, idx) + PAD + v[:, 1], 16)
        return absdiff(np.take(cur8, idx, axis=0), blk) + 0.25 * np.abs(v).sum(1)

    best_sad = sad_of(vec, np.arange(n))
    passes = NEIGHBOUR_PASSES_HQ[1] if NEIGHBOUR_PASSES_HQ is not None and _MS_HQ[0] else NEIGHBOUR_PASSES
    if NEIGHBOUR_PASSES_LQ is not None and _MS_QUALITY[0] < NEIGHBOUR_PASSES_LQ[0]:
        passes = NEIGHBOUR_PASSES_LQ[1]
    memo = _TriedVectors(n, NEIGHBOUR_PASSES * 6)
    for k in range(passes):
        gp = _pad_edge(vec.reshape(mbh, mbw, 2), 1)
        cands = [gp[1:-1, :-2], gp[1:-1, 2:], gp[:-2, 1:-1], gp[2:, 1:-1], _vector_predictor(vec, mbh, mbw)]
        if k == 0 and prior is not None:
            cands.append(prior)
        for cand in cands:
            v = cand.reshape(n, 2)
            idx = memo.fresh(v, vec)
            sad = sad_of(np.take(v, idx, axis=0), idx) - NEIGHBOUR_BONUS * subpel_cost
            better = sad < best_sad[idx]
            best_sad[idx[better]] = sad[better]
            vec[idx[better]] = v[idx[better]]
    _MS_WHOLE_SAD[0] = float(best_sad.mean())  # (PRIOR_SEARCH_RISE)
    best_v = 4 * vec
    raw = _absdiff_u8(cur8, _phase_blocks(phases, by, bx, best_v, 16))
    ratio = SUBPEL_SKIP_HQ[1] if SUBPEL_SKIP_HQ is not None and _MS_QUALITY[0] >= SUBPEL_SKIP_HQ[0] else SUBPEL_SKIP_RATIO
    go = np.flatnonzero(raw >= ratio * subpel_cost)
    if go.size == n:
        best_v, raw = _refine_pm1_each(best_v, (2, 1), subpel_cost,
                                       lambda centre, stride: lambda o, v: absdiff(cur8, _phase_blocks(phases, by, bx, v, 16)),
                                       raw, _MS_CROSS[0], _q_in(HALF_CROSS_Q))
    elif go.size:
        cb, gy, gx = np.take(cur8, go, axis=0), np.take(by, go), np.take(bx, go)
        bv, br = _refine_pm1_each(np.take(best_v, go, axis=0), (2, 1), subpel_cost,
                                  lambda centre, stride: lambda o, v: absdiff(cb, _phase_blocks(phases, gy, gx, v, 16)),
                                  raw[go], _MS_CROSS[0], _q_in(HALF_CROSS_Q))
        best_v[go] = bv
        raw[go] = br
    if QPEL_NEIGHBOUR_PASSES:
        cost = raw.astype(np.float64)
        best_v = best_v.copy()
        memo = _TriedVectors(n, QPEL_NEIGHBOUR_PASSES * 5)
        qpasses = QPEL_NEIGHBOUR_PASSES
        if QPEL_PASSES_HQ is not None and _MS_QUALITY[0] >= QPEL_PASSES_HQ[0]:
            qpasses = QPEL_PASSES_HQ[1]
        elif QPEL_PASSES_LQ is not None and _MS_QUALITY[0] < QPEL_PASSES_LQ[0]:
            qpasses = QPEL_PASSES_LQ[1]
        for _ in range(qpasses):
            gp = _pad_edge(best_v.reshape(mbh, mbw, 2), 1)
            med = _vector_predictor(best_v, mbh, mbw)
            for cand in (gp[1:-1, :-2], gp[1:-1, 2:], gp[:-2, 1:-1], gp[2:, 1:-1], med):
                v = cand.reshape(n, 2)
                idx = memo.fresh(v, best_v)
                sad = absdiff(np.take(cur8, idx, axis=0),
                              _phase_blocks(phases, np.take(by, idx), np.take(bx, idx), np.take(v, idx, axis=0), 16)
                              ).astype(np.float64) - subpel_cost
                better = sad < cost[idx]
                cost[idx[better]] = sad[better]
                best_v[idx[better]] = v[idx[better]]
    return best_v



# ----------------------------------------------------------------------------
# adaptive models and the multi-lane rANS coder


def _new_model(n_ctx, alphabet, first=None):
    """first: None, or per context (or one for all) the prior probability of symbol 0 (PRIOR_FIRST): the rest of
    the mass keeps the default shape, the whole prior counting as PRIOR_FIRST_WEIGHT symbols."""
    prior = 1 + np.floor(8.0 * 0.6 ** np.arange(alphabet)).astype(np.int64)
    counts = np.tile(prior, (n_ctx, 1))
    if first is not None and PRIOR_FIRST:
        f = np.broadcast_to(np.asarray(first, np.float64), (n_ctx,))[:, None]
        rest = prior[1:] / prior[1:].sum()
        p = np.concatenate([f, (1 - f) * rest[None, :]], 1)
        counts = np.maximum(1, np.rint(p * PRIOR_FIRST_WEIGHT * MODEL_INCREMENT)).astype(np.int64)
    model = {
        "counts": counts,
        "freq": np.zeros((n_ctx, alphabet), np.int64),
        "cum": np.zeros((n_ctx, alphabet + 1), np.int64),
        "alphabet": alphabet,
    }
    _refresh(model, np.arange(n_ctx))
    return model


def _refresh(model, rows):
    a = model["alphabet"]
    cnt = model["counts"][rows]
    tot = cnt.sum(1, keepdims=True)
    f = cnt * (PROB_SCALE - a) // tot + 1
    f[np.arange(len(rows)), np.argmax(cnt, 1)] += PROB_SCALE - f.sum(1)
    model["freq"][rows] = f
    model["cum"][rows, 1:] = np.cumsum(f, 1)


def _adapt(model, ctx, sym):
    """Batch adaptation: both sides update after a whole stage, with the same symbols."""
    a = model["alphabet"]
    counts = model["counts"]
    if ctx.size <= ADAPT_SMALL:  # a short segment: touch only its rows (the same counts as the histogram's)
        rows = np.unique(ctx)
        np.add.at(counts, (ctx, sym), MODEL_INCREMENT)
    else:
        hist = np.bincount(ctx * a + sym, minlength=counts.size).reshape(counts.shape)
        rows = np.nonzero(hist.any(1))[0]
        counts[rows] += MODEL_INCREMENT * hist[rows]
    _refresh_counted(model, rows)


ADAPT_SMALL = 64  # segments up to this many symbols update their rows directly (speed only, same counts)


def _refresh_counted(model, rows):
    """_adapt's halving of the rows whose counts passed MODEL_LIMIT, then _refresh's frequencies, with one
    gather of the rows' counts (the same numbers as halving on counts and calling _refresh)."""
    a = model["alphabet"]
    cnt = model["counts"][rows]
    tot = cnt.sum(1)
    if (tot > MODEL_LIMIT).any():
        while True:
            big = tot > MODEL_LIMIT
            if not big.any():
                break
            cnt[big] = (cnt[big] + 1) >> 1
            tot = cnt.sum(1)
        model["counts"][rows] = cnt
    f = cnt * (PROB_SCALE - a) // tot[:, None] + 1
    f[np.arange(len(rows)), np.argmax(cnt, 1)] += PROB_SCALE - f.sum(1)
    model["freq"][rows] = f
    model["cum"][rows, 1:] = np.cumsum(f, 1)


def _new_writer():
    return {"freq": [], "cum": [], "sizes": [], "signs": [], "escapes": []}


def _segments(n):
    """A stage is coded in growing segments (8, 10, 12, 15, ...) with adaptation after each, so that
    even the first frame's models learn quickly; encoder and decoder split identically."""
    bounds = [0]
    size = FIRST_SEGMENT
    while bounds[-1] < n:
        bounds.append(min(n, bounds[-1] + size))
        size = int(size * SEGMENT_GROWTH)
    return zip(bounds[:-1], bounds[1:])


_SEGMENT_SIZES = {}
MERGE_SIZES_CACHED = 1  # encoder speed, the same sizes: the merge stream's per-wave segment sizes from _segment_sizes'
# cache (~60-120 waves a P frame) instead of a fresh _segments generator each; 0 = _segments


def _segment_sizes(n):
    """The sizes of _segments(n), cached per n (encoder speed: the same segments)."""
    sz = _SEGMENT_SIZES.get(n)
    if sz is None:
        sz = _SEGMENT_SIZES[n] = [hi - lo for lo, hi in _segments(n)]
    return sz


def _put(writer, model, ctx, sym):
    """Encoder: one stage of symbols of a model, adapted after each of its segments (_segments)."""
    _put_stages(writer, model, ((ctx, sym),))


def _put_stages(writer, model, stages):
    """Encoder: _put of each (ctx, sym) stage in turn, in one _put_stream pass (speed, the same bits)."""
    if "defer" in writer:  # ENT_ONE_PASS: each stage as a pass of its own (the merged pass takes them in order)
        for c, v in stages:
            if np.size(v):
                writer["defer"].append((model, np.asarray(c, np.int64).ravel(), np.asarray(v, np.int64).ravel(),
                                        _segment_sizes(np.size(v))))
        return
    ctx = np.concatenate([np.asarray(c, np.int64).ravel() for c, _ in stages])
    sym = np.concatenate([np.asarray(v, np.int64).ravel() for _, v in stages])
    sizes = [sz for _, v in stages for sz in _segment_sizes(np.size(v))] if PUT_STREAM_FAST else \
        [hi - lo for _, v in stages for lo, hi in _segments(np.size(v))]
    if sym.size:
        _put_stream(writer, model, ctx, sym, sizes)


def _put_signed_stages(writer, model, stages):
    """_put_signed of each (ctx, values) stage in turn, the magnitudes in one _put_stages."""
    esc = model["alphabet"] - 1
    _put_stages(writer, model, [(c, np.minimum(np.abs(v), esc)) for c, v in stages])
    for _, values in stages:
        mag = np.abs(values)
        writer["signs"].append(values[mag > 0] < 0)
        writer["escapes"].append(mag[mag >= esc] - esc)


def _put_stream(writer, model, ctx, sym, sizes):
    """Encoder speed: _put of consecutive stages of one model (segment sizes `sizes`, each stage's from _segments)
    in one pass, the same frequencies and models. A model's rows adapt independently, so before a segment a row's
    counts are its counts at the start plus MODEL_INCREMENT per occurrence in earlier segments, until the segment
    after which the row passes MODEL_LIMIT (the refresh after it halves that row): each round takes every row up
    to its first such segment, and the next round continues only those rows from their halved counts."""
    if "defer" in writer:  # ENT_ONE_PASS: coded with the frame's other passes (_put_passes)
        if sym.size:
            writer["defer"].append((model, ctx, sym, sizes))
        return
    if PUT_STREAM_FAST and sym.size:  # (an empty pass: the plain loop below, which writes nothing)
        return _put_stream_fast(writer, model, ctx, sym, sizes)
    a = model["alphabet"]
    n = sym.size
    freq_out = np.empty(n, np.int64)
    cum_out = np.empty(n, np.int64)
    seg = np.repeat(np.arange(len(sizes)), sizes)
    idx = np.arange(n)
    key = ctx.astype(np.int16) if model["counts"].shape[0] <= 1 << 15 else ctx  # small ints: a radix sort
    while idx.size:
        order = idx[np.argsort(key[idx], kind="stable")] if idx.size < n else np.argsort(key, kind="stable")
        cs, gs, ss = ctx[order], seg[order], sym[order]  # by row, then stream order (so segment order)
        m = cs.size
        newrow = np.ones(m, bool)
        np.not_equal(cs[1:], cs[:-1], out=newrow[1:])
        newgrp = newrow.copy()
        newgrp[1:] |= gs[1:] != gs[:-1]
        row_id = np.cumsum(newrow) - 1
        grp_id = np.cumsum(newgrp) - 1
        n_grp = int(grp_id[-1]) + 1
        u = cs[newrow]
        counts0 = model["counts"][u]
        gh = np.bincount(grp_id * a + ss, minlength=n_grp * a).reshape(n_grp, a)  # each (row, segment)'s symbols
        grow = row_id[newgrp]
        gcum = np.cumsum(gh, 0)
        row_first = np.nonzero(newrow[newgrp])[0]  # each row's first group
        incl = gcum - (gcum[row_first] - gh[row_first])[grow]  # the row's symbols up to and including the group
        excl = incl - gh
        over = counts0.sum(1)[grow] + MODEL_INCREMENT * incl.sum(1) > MODEL_LIMIT
        first_over = over.copy()
        first_over[1:] &= ~(over[:-1] & (grow[1:] == grow[:-1]))
        take = ~over | first_over  # groups up to each row's first segment past the limit
        r = counts0[grow] + MODEL_INCREMENT * excl
        f = r * (PROB_SCALE - a) // r.sum(1)[:, None] + 1  # _refresh's frequencies of those counts
        at = np.arange(n_grp)
        f[at, np.argmax(r, 1)] += PROB_SCALE - f.sum(1)
        cf = np.cumsum(f, 1) - f
        fresh = ~excl.any(1)  # a row's first group: the model's own numbers
        f[fresh] = model["freq"][u[grow[fresh]]]
        cf[fresh] = model["cum"][u[grow[fresh]], :a]
        ok = take[grp_id]
        dst = order[ok]
        freq_out[dst] = f[grp_id[ok], ss[ok]]
        cum_out[dst] = cf[grp_id[ok], ss[ok]]
        last_take = np.nonzero(take & np.append(grow[1:] != grow[:-1], True) | first_over)[0]
        model["counts"][u] = counts0 + MODEL_INCREMENT * incl[last_take]
        _refresh_counted(model, u)  # halves the rows past MODEL_LIMIT, as the refresh after that segment does
        idx = np.sort(order[~ok])
    if RANS_ENC_FAST:  # the whole pass's arrays and its segment sizes (_rans_encode_flat), no per-segment slices
        writer["freq"].append(freq_out)
        writer["cum"].append(cum_out)
        writer["sizes"].extend(sizes)
        return
    lo = 0
    for size in sizes:
        writer["freq"].append(freq_out[lo : lo + size])
        writer["cum"].append(cum_out[lo : lo + size])
        lo += size


def _put_stream_fast(writer, model, ctx, sym, sizes):
    """PUT_STREAM_FAST: _put_stream's rounds with the same numbers and model updates, fewer whole-table operations:
    the group totals (over, r.sum) from 1-D cumulative group sizes, frequencies computed only for the groups
    that need them (taken and not a row's first group), a row's first group's symbols read straight from the
    model's tables, and flat gathers instead of 2-D ones."""
    a = model["alphabet"]
    n = sym.size
    freq_out = np.empty(n, np.int64)
    cum_out = np.empty(n, np.int64)
    seg = np.repeat(np.arange(len(sizes)), sizes)
    key = ctx.astype(np.int16) if model["counts"].shape[0] <= 1 << 15 else ctx  # small ints: a radix sort
    idx = None
    while True:
        order = np.argsort(key, kind="stable") if idx is None else idx[np.argsort(key[idx], kind="stable")]
        cs, gs, ss = ctx[order], seg[order], sym[order]  # by row, then stream order (so segment order)
        m = cs.size
        newrow = np.empty(m, bool)
        newrow[0] = True
        np.not_equal(cs[1:], cs[:-1], out=newrow[1:])
        newgrp = newrow.copy()
        newgrp[1:] |= gs[1:] != gs[:-1]
        grp_id = np.cumsum(newgrp) - 1
        gstart = np.nonzero(newgrp)[0]
        n_grp = gstart.size
        gsize = np.diff(np.append(gstart, m))
        row_of_grp = np.cumsum(newrow[gstart]) - 1  # grow
        row_first = np.nonzero(newrow[gstart])[0]  # each row's first group
        u = cs[gstart[row_first]]
        counts0 = model["counts"][u]
        gk = grp_id * a + ss
        gh = np.bincount(gk, minlength=n_grp * a).reshape(n_grp, a)  # each (row, segment)'s symbols
        gcum = np.cumsum(gh, 0)
        gcum -= gh  # exclusive: the symbols of earlier groups (all rows)
        base = gcum[row_first]  # per row: the symbols of earlier rows
        csz = np.cumsum(gsize)
        excl_tot = csz - gsize  # the row's symbols before the group (1-D: excl.sum(1))
        excl_tot -= excl_tot[row_first][row_of_grp]
        tot0 = counts0.sum(1)[row_of_grp]
        over = tot0 + MODEL_INCREMENT * (excl_tot + gsize) > MODEL_LIMIT
        first_over = over.copy()
        first_over[1:] &= ~(over[:-1] & (row_of_grp[1:] == row_of_grp[:-1]))
        take = ~over | first_over  # groups up to each row's first segment past the limit
        fresh = excl_tot == 0  # a row's first group: the model's own numbers
        calc = np.nonzero(take & ~fresh)[0]
        ok = take[grp_id]
        all_ok = bool(ok.all())
        sym_fresh = fresh[grp_id]
        if all_ok:
            dst = order
            f_sym = sym_fresh
        else:
            dst = order[ok]
            f_sym = sym_fresh[ok]
        # a row's first group: straight from the model's tables
        fr_at = np.nonzero(f_sym)[0]
        src = order[ok][fr_at] if not all_ok else order[fr_at]
        c_f, s_f = ctx[src], sym[src]
        freq_out[src] = model["freq"].ravel()[c_f * a + s_f]
        cum_out[src] = model["cum"].ravel()[c_f * (a + 1) + s_f]
        if calc.size:
            grc = row_of_grp[calc]
            r = (counts0 - MODEL_INCREMENT * base)[grc] + MODEL_INCREMENT * gcum[calc]
            # floor(num / tot) in float64 is exact here (num < 2^31, tot < 2^17: the quotient is never within
            # rounding of the next integer), and the division vectorises
            f = (r * (PROB_SCALE - a) / (tot0[calc] + MODEL_INCREMENT * excl_tot[calc])[:, None]).astype(np.int64) + 1
            f[np.arange(calc.size), np.argmax(r, 1)] += PROB_SCALE - f.sum(1)
            cf = np.cumsum(f, 1)
            cf -= f
            pos = np.full(n_grp, -1, np.int64)
            pos[calc] = np.arange(calc.size)
            sel = ok & ~sym_fresh
            at = np.nonzero(sel)[0]
            fl = pos[grp_id[at]] * a + ss[at]
            d = order[at]
            freq_out[d] = f.ravel()[fl]
            cum_out[d] = cf.ravel()[fl]
        last_take = np.nonzero(take & np.append(row_of_grp[1:] != row_of_grp[:-1], True) | first_over)[0]
        model["counts"][u] = counts0 + MODEL_INCREMENT * (gcum[last_take] + gh[last_take] - base[row_of_grp[last_take]])
        _refresh_counted(model, u)  # halves the rows past MODEL_LIMIT, as the refresh after that segment does
        if all_ok:
            break
        idx = np.sort(order[~ok])
    if RANS_ENC_FAST:  # the whole pass's arrays and its segment sizes (_rans_encode_flat), no per-segment slices
        writer["freq"].append(freq_out)
        writer["cum"].append(cum_out)
        writer["sizes"].extend(sizes)
        return
    lo = 0
    for size in sizes:
        writer["freq"].append(freq_out[lo : lo + size])
        writer["cum"].append(cum_out[lo : lo + size])
        lo += size


ENT_ONE_PASS = 1  # encoder speed, the same frequencies, models and bits: _encode_syntax collects its _put_stream
# passes and codes all of them in one merged pass per alphabet class (_put_passes) instead of one pass each (~10 a
# frame, ~65 numpy calls each whatever their size); 0 = a _put_stream_fast per pass
ENT_CLASS_EDGES = (17, 32)  # models with alphabets up to each edge share a merged pass (padded to the widest)


ENT_STACKED = 1  # encoder speed, the same models: the encoder's models' counts/freq/cum are views into one stacked
# table per alphabet class (_stack_models, after _reset), so _put_merged neither stacks them nor scatters back


def _stack_models(models):
    """ENT_STACKED: per alphabet class (ENT_CLASS_EDGES) one (rows, widest alphabet) table of counts, of frequencies
    and (+1 column) of cumulative frequencies; each model's arrays become views of its rows and first columns (the
    same numbers), and model["stack"] = (counts, freq, cum tables, each row's alphabet, the model's first row)."""
    groups = {}
    for m in models.values():
        k = 0
        while k < len(ENT_CLASS_EDGES) and m["alphabet"] > ENT_CLASS_EDGES[k]:
            k += 1
        groups.setdefault(k, []).append(m)
    for ms in groups.values():
        A = max(m["alphabet"] for m in ms)
        R = sum(m["counts"].shape[0] for m in ms)
        gc = np.zeros((R, A), np.int64)
        gf = np.zeros((R, A), np.int64)
        gcu = np.zeros((R, A + 1), np.int64)
        alpha = np.empty(R, np.int64)
        o = 0
        for m in ms:
            n, a = m["counts"].shape
            gc[o : o + n, :a] = m["counts"]
            gf[o : o + n, :a] = m["freq"]
            gcu[o : o + n, : a + 1] = m["cum"]
            alpha[o : o + n] = a
            m["counts"], m["freq"], m["cum"] = gc[o : o + n, :a], gf[o : o + n, :a], gcu[o : o + n, : a + 1]
            m["stack"] = (gc, gf, gcu, alpha, o)
            o += n


def _put_passes(writer, passes):
    """ENT_ONE_PASS: the _put_stream passes (model, ctx, sym, sizes), in stream order, as one merged pass per
    alphabet class (_put_merged); the writer gets each pass's frequencies and sizes in the original order."""
    classes = {}
    for i, p in enumerate(passes):
        a = p[0]["alphabet"]
        k = 0
        while k < len(ENT_CLASS_EDGES) and a > ENT_CLASS_EDGES[k]:
            k += 1
        classes.setdefault(k, []).append(i)
    out = [None] * len(passes)
    for idxs in classes.values():
        sel = [passes[i] for i in idxs]
        f, c = _put_merged(sel)
        lo = 0
        for i, p in zip(idxs, sel):
            hi = lo + p[2].size
            out[i] = (f[lo:hi], c[lo:hi])
            lo = hi
    for (f, c), p in zip(out, passes):
        writer["freq"].append(f)
        writer["cum"].append(c)
        writer["sizes"].extend(p[3])


def _put_merged(passes):
    """_put_stream_fast of consecutive passes of several models in one pass, the same frequencies and model
    updates: the models' rows are stacked into one count table (row offset per model, columns padded with zero
    counts to the widest alphabet), the segments numbered across the passes in stream order. A model's rows adapt
    independently of every other row. One sort and one (group x symbol) count table for the whole pass: instead of
    _put_stream_fast's rounds, each row's groups split into epochs (from its first group, or the one after a
    halving, to its first group past MODEL_LIMIT; found by a search on the row's cumulative totals), an epoch's
    counts its base plus the row's symbols since the epoch's start, the next base the halved counts after its last
    group (_refresh_counted). The frequencies use each row's own alphabet (padded columns: count 0, frequency 1,
    taken off the total before the largest count's share), every group's from its counts (a row's first group:
    the model's counts, whose frequencies are the model's tables). At the end the touched rows' counts,
    frequencies and cumulative tables go back to their models."""
    models, seen = [], {}
    for p in passes:
        m = p[0]
        if id(m) not in seen:
            seen[id(m)] = len(models)
            models.append(m)
    stk = models[0].get("stack") if ENT_STACKED else None
    if stk is not None and all(m.get("stack") is not None and m["stack"][0] is stk[0] and m["counts"].base is stk[0]
                               for m in models):  # the models' tables are views of one stacked table (_stack_models)
        table, alpha = stk[0], stk[3]
        n_rows, A = table.shape
        offs = [m["stack"][4] for m in models]
    else:
        stk = None
        offs = []
        n_rows = 0
        for m in models:
            offs.append(n_rows)
            n_rows += m["counts"].shape[0]
        A = max(m["alphabet"] for m in models)
        if len(models) == 1:  # (only read)
            table = models[0]["counts"]
        else:
            table = np.zeros((n_rows, A), np.int64)
            for m, o in zip(models, offs):
                c = m["counts"]
                table[o : o + c.shape[0], : c.shape[1]] = c
        alpha = np.repeat(np.array([m["alphabet"] for m in models], np.int64), [m["counts"].shape[0] for m in models])
    if len(passes) == 1:
        ctx = np.asarray(passes[0][1], np.int64).ravel()
        if offs[0]:
            ctx = ctx + offs[0]
        sym = np.asarray(passes[0][2], np.int64).ravel()
        sizes = passes[0][3]
    else:
        ctx = np.concatenate([np.asarray(p[1], np.int64).ravel() for p in passes])
        pass_off = [offs[seen[id(p[0])]] for p in passes]
        if any(pass_off):
            ctx = ctx + np.repeat(np.array(pass_off, np.int64), [p[2].size for p in passes])
        sym = np.concatenate([np.asarray(p[2], np.int64).ravel() for p in passes])
        sizes = [s for p in passes for s in p[3]]
    n = sym.size
    seg = np.repeat(np.arange(len(sizes)), sizes)
    key = ctx.astype(np.int16) if n_rows <= 1 << 15 else ctx  # small ints: a radix sort
    order = np.argsort(key, kind="stable")
    cs, gs, ss = ctx[order], seg[order], sym[order]  # by row, then stream order (so segment order)
    newrow = np.empty(n, bool)
    newrow[0] = True
    np.not_equal(cs[1:], cs[:-1], out=newrow[1:])
    newgrp = newrow.copy()
    newgrp[1:] |= gs[1:] != gs[:-1]
    grp_id = np.cumsum(newgrp) - 1
    gstart = np.nonzero(newgrp)[0]
    n_grp = gstart.size
    gsize = np.diff(np.append(gstart, n))
    rg = np.cumsum(newrow[gstart]) - 1  # each group's row (0.. over the rows present)
    rf = np.nonzero(newrow[gstart])[0]  # each row's first group
    u = cs[gstart[rf]]
    n_u = u.size
    row_end = np.append(rf[1:], n_grp)
    gh = np.bincount(grp_id * A + ss, minlength=n_grp * A).reshape(n_grp, A)  # each (row, segment)'s symbols
    # the symbols before each group over the whole order, int32 (< n): only differences within a row are used,
    # so the row's own start need not be taken off
    E = np.empty((n_grp, A), np.int32)
    E[0] = 0
    np.cumsum(gh[:-1].astype(np.int32), 0, out=E[1:])  # (an int32 operand: ~2x faster than dtype=)
    Et = np.cumsum(gsize)
    Et -= gsize
    Et -= Et[rf][rg]  # ... in all
    key_t = rg * (n + 1) + Et + gsize  # the row's symbols up to the group, increasing over the whole order
    # epochs: a row's groups from its first (or the one after a halving) up to its first past MODEL_LIMIT adapt
    # from one base; the halved counts after that group are the next epoch's base (_refresh_counted)
    ep_s, ep_d, ep_dt = [], [], []
    act = np.arange(n_u)
    s = rf
    b = table[u]
    bt = b.sum(1)
    final = np.empty((n_u, A), np.int64)
    while True:
        es = E[s]
        ets = Et[s]
        ep_s.append(s)
        ep_d.append((b - MODEL_INCREMENT * es).astype(np.int32))
        ep_dt.append(bt - MODEL_INCREMENT * ets)
        g = np.searchsorted(key_t, act * (n + 1) + ets + (MODEL_LIMIT - bt) // MODEL_INCREMENT, side="right")
        end = row_end[act]
        hit = g < end
        if not hit.all():
            nh = ~hit
            le = end[nh] - 1
            final[act[nh]] = b[nh] + MODEL_INCREMENT * (E[le] + gh[le] - es[nh])
            if not hit.any():
                break
            act, g, b, es, end = act[hit], g[hit], b[hit], es[hit], end[hit]
        b = b + MODEL_INCREMENT * (E[g] + gh[g] - es)
        bt = b.sum(1)
        while True:  # _refresh_counted's halving
            big = bt > MODEL_LIMIT
            if not big.any():
                break
            b[big] = (b[big] + 1) >> 1
            bt = b.sum(1)
        s = g + 1
        done = s == end
        if done.any():
            final[act[done]] = b[done]
            if done.all():
                break
            keep = ~done
            act, s, b, bt = act[keep], s[keep], b[keep], bt[keep]
    if len(ep_s) == 1:
        ep_g = None
        d, dt = ep_d[0][rg], ep_dt[0][rg]
    else:
        starts = np.concatenate(ep_s)
        latest = np.zeros(n_grp, np.int64)
        latest[starts] = starts
        np.maximum.accumulate(latest, out=latest)  # each group's epoch: the latest start at or before it
        eid = np.empty(n_grp, np.int64)
        eid[starts] = np.arange(starts.size)
        ep_g = eid[latest]
        d, dt = np.concatenate(ep_d)[ep_g], np.concatenate(ep_dt)[ep_g]
    r = E  # (E is not needed any more) the group's counts, in place, int32
    r *= MODEL_INCREMENT
    r += d
    tot = dt + MODEL_INCREMENT * Et
    a_g = alpha[u][rg]
    am = np.argmax(r, 1)
    # floor(r (S - a) / tot) + 1 as one multiply by a float64 row scale: the quotient q <= 2^15 is either an
    # integer or at least 1 / tot >= 2^-15 from one, the product's error is below 2^-36, so adding 2^-30 before
    # the truncation gives the exact floor
    sc = (PROB_SCALE - a_g) / tot
    q = r * sc[:, None]
    q += 1.0 + 2.0**-30
    f = q.astype(np.int32)
    f[np.arange(n_grp), am] += PROB_SCALE + A - a_g - f.sum(1)  # padded columns: 1 each
    cf = np.cumsum(f, 1, dtype=np.int32)
    fl = np.empty(n, np.int64)
    fl[order] = grp_id * A + ss
    freq_out = f.ravel()[fl].astype(np.int64)
    cum_out = cf.ravel()[fl]
    cum_out -= freq_out
    # the touched rows back into their models, with _refresh's frequencies of their final counts
    touched = u
    cnt = final
    a_t = alpha[touched]
    f = cnt * (PROB_SCALE - a_t)[:, None] // cnt.sum(1)[:, None] + 1
    f[np.arange(touched.size), np.argmax(cnt, 1)] += PROB_SCALE + A - a_t - f.sum(1)
    cum = np.cumsum(f, 1)
    if stk is not None:  # (padded columns: counts stay 0; frequencies there are outside every model's view)
        stk[0][touched] = cnt
        stk[1][touched] = f
        stk[2][touched, 1:] = cum
        return freq_out, cum_out
    cuts = np.searchsorted(touched, offs + [n_rows]).tolist()
    for j, mo in enumerate(models):
        lo, hi = cuts[j], cuts[j + 1]
        if hi == lo:
            continue
        a = mo["alphabet"]
        rows = touched[lo:hi] - offs[j] if offs[j] else touched[lo:hi]
        mo["counts"][rows] = cnt[lo:hi, :a]
        mo["freq"][rows] = f[lo:hi, :a]
        mo["cum"][rows, 1:] = cum[lo:hi, :a]
    return freq_out, cum_out


def _rans_encode(freqs, cums):
    """Interleaved rANS over `lanes` states; chunks never straddle a stage, so the decoder can mirror it."""
    total = sum(len(f) for f in freqs)
    if total == 0:
        return 0, np.zeros(0, np.uint32), np.zeros(0, np.uint16)
    lanes = int(min(4096, max(1, total // SYMBOLS_PER_LANE)))
    # All chunks as the rows of one table, a stage's last chunk padded with frequency PROB_SCALE and start 0,
    # which leave a state unchanged (x < 2^32 never emits a word, and (x >> 15 << 15) + (x & 0x7FFF) = x):
    # the loop then works on whole rows, without per-chunk slicing and lists.
    sizes = np.array([len(f) for f in freqs], np.int64)
    rows = -(-sizes // lanes)
    first = np.concatenate([[0], np.cumsum(rows)[:-1]]) * lanes  # table position of each stage's first symbol
    at = np.repeat(first - np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes) + np.arange(total)
    freq = np.full(int(rows.sum()) * lanes, PROB_SCALE, np.int64)
    cum = np.zeros_like(freq)
    freq[at] = np.concatenate(freqs)
    cum[at] = np.concatenate(cums)
    freq = freq.reshape(-1, lanes)
    cum = cum.reshape(-1, lanes)
    if lanes <= SCALAR_LANES:
        return lanes, *_rans_encode_scalar(freq.tolist(), cum.tolist(), lanes)
    limit = ((RANS_LOW >> PROB_BITS) << 16) * freq
    gap = PROB_SCALE - freq  # (x // f << 15) + x % f = x + (x // f) * (PROB_SCALE - f): one division
    emitted = np.zeros(freq.shape, bool)
    low = np.zeros(freq.shape, np.int64)
    shift = np.zeros(lanes, np.int64)
    x = np.full(lanes, RANS_LOW, np.int64)
    for i in range(freq.shape[0] - 1, -1, -1):  # ~1000 rows a frame: few numpy calls per row
        np.greater_equal(x, limit[i], out=emitted[i])
        low[i] = x
        np.multiply(emitted[i], 16, out=shift)
        x >>= shift
        x += (x // freq[i]) * gap[i]
        x += cum[i]
    # the decoder reads the words in chunk order, lanes ascending: row-major order of the table
    return lanes, x.astype(np.uint32), (low[emitted] & 0xFFFF).astype(np.uint16)


RANS_ROW_OPS = 1  # encoder speed, the same words: _rans_encode_flat's row loop shifts the emitted flags straight into
# the shift amounts (one numpy call less per row: ~1600 rows a coffee q80 P frame, call-overhead bound); 0 = copy + shift


def _rans_encode_flat(freqs, cums, stage_sizes):
    """RANS_ENC_FAST: _rans_encode of the stages (segments) of sizes stage_sizes laid end to end in the arrays
    freqs / cums (lists of arrays, one per _put_stream pass). The same lanes, states and words, faster: few lanes
    run on Python integers without the padded table (_rans_encode_lists); more lanes run the table's rows with
    the states in a table of their own (row i + 1: before row i, so the words are read from it afterwards) and
    array operands only (a Python scalar operand costs a numpy call ~2x)."""
    if not stage_sizes:
        return 0, np.zeros(0, np.uint32), np.zeros(0, np.uint16)
    f_all = np.concatenate(freqs) if len(freqs) > 1 else freqs[0]
    c_all = np.concatenate(cums) if len(cums) > 1 else cums[0]
    total = f_all.size
    if total == 0:
        return 0, np.zeros(0, np.uint32), np.zeros(0, np.uint16)
    lanes = int(min(4096, max(1, total // SYMBOLS_PER_LANE)))
    if lanes <= RANS_ENC_SCALAR_LANES:
        if RANS_LANE_MAJOR and lanes > 1:
            return lanes, *_rans_encode_lanes(f_all, c_all, stage_sizes, lanes)
        return lanes, *_rans_encode_lists(f_all, c_all, stage_sizes, lanes)
    sizes = np.array(stage_sizes, np.int64)
    rows = -(-sizes // lanes)
    first = np.concatenate([[0], np.cumsum(rows)[:-1]]) * lanes  # table position of each stage's first symbol
    at = np.repeat(first - np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes) + np.arange(total)
    n_rows = int(rows.sum())
    freq = np.full(n_rows * lanes, PROB_SCALE, np.int64)
    cum = np.zeros_like(freq)
    freq[at] = f_all
    cum[at] = c_all
    freq = freq.reshape(-1, lanes)
    cum = cum.reshape(-1, lanes)
    limit = ((RANS_LOW >> PROB_BITS) << 16) * freq
    gap = PROB_SCALE - freq  # (x // f << 15) + x % f = x + (x // f) * (PROB_SCALE - f): one division
    emitted = np.zeros(freq.shape, bool)
    st = np.empty((n_rows + 1, lanes), np.int64)
    st[n_rows] = RANS_LOW
    q = np.zeros(lanes, np.int64)
    sh = np.zeros(lanes, np.int64)
    four = np.full(lanes, 4, np.int64)
    ge, ls, rs, fd, mul, add = np.greater_equal, np.left_shift, np.right_shift, np.floor_divide, np.multiply, np.add
    rows_in = zip(st[:0:-1], st[-2::-1], limit[::-1], emitted[::-1], freq[::-1], gap[::-1], cum[::-1])
    if RANS_ROW_OPS:  # (outputs passed positionally: a keyword costs each call ~0.05 us)
        for xi, xo, li, e, fi, gi, ci in rows_in:
            ge(xi, li, e)
            ls(e, four, sh)  # 16 where a word is emitted (bool << int64: the int64 loop)
            rs(xi, sh, xo)
            fd(xo, fi, q)
            mul(q, gi, q)
            add(xo, q, xo)
            add(xo, ci, xo)
        return lanes, st[0].astype(np.uint32), (st[1:][emitted] & 0xFFFF).astype(np.uint16)
    for xi, xo, li, e, fi, gi, ci in rows_in:
        ge(xi, li, out=e)
        sh[:] = e
        ls(sh, four, out=sh)  # 16 where a word is emitted
        rs(xi, sh, out=xo)
        fd(xo, fi, out=q)
        mul(q, gi, out=q)
        add(xo, q, out=xo)
        add(xo, ci, out=xo)
    # the decoder reads the words in chunk order, lanes ascending: row-major order of the table
    return lanes, st[0].astype(np.uint32), (st[1:][emitted] & 0xFFFF).astype(np.uint16)


def _rans_encode_lists(f_arr, c_arr, stage_sizes, lanes):
    """_rans_encode_flat with Python integers, stage by stage and chunk by chunk without the padded table (a
    padded slot leaves its lane's state unchanged, so skipping it gives the same states and words); one lane: a
    flat loop. The same states and words in the same order (chunk order, lanes ascending)."""
    unit = (RANS_LOW >> PROB_BITS) << 16
    c_all = c_arr.tolist()
    g_all = (PROB_SCALE - f_arr).tolist()  # ((x // f) << 15) + x % f = x + (x // f) * (PROB_SCALE - f)
    lim_all = (f_arr * unit).tolist()
    f_all = f_arr.tolist()
    if lanes == 1:
        x = RANS_LOW
        words = []
        for k in range(len(f_all) - 1, -1, -1):
            if x >= lim_all[k]:
                words.append(x & 0xFFFF)
                x >>= 16
            x += x // f_all[k] * g_all[k] + c_all[k]
        words.reverse()
        return np.array([x], np.int64).astype(np.uint32), np.array(words, np.int64).astype(np.uint16)
    x = [RANS_LOW] * lanes
    rows = []
    end = len(f_all)
    for n in reversed(stage_sizes):
        start = end - n
        for s in range(start + (n - 1) // lanes * lanes, start - 1, -lanes):
            row = []
            j = 0
            for k in range(s, min(s + lanes, end)):
                xj = x[j]
                if xj >= lim_all[k]:
                    row.append(xj & 0xFFFF)
                    xj >>= 16
                x[j] = xj + xj // f_all[k] * g_all[k] + c_all[k]
                j += 1
            rows.append(row)
        end = start
    words = [w for row in reversed(rows) for w in row]
    return np.array(x, np.int64).astype(np.uint32), np.array(words, np.int64).astype(np.uint16)


RANS_LANE_MAJOR = 1  # encoder speed, the same states and words: 2..RANS_ENC_SCALAR_LANES lanes run lane by lane
# (_rans_encode_lanes: one flat Python loop per lane, as the one-lane loop) instead of chunk by chunk


def _rans_encode_lanes(f_arr, c_arr, stage_sizes, lanes):
    """_rans_encode_lists lane by lane: a lane's symbols (its slots of the table, padding left out: a padded slot
    leaves the state unchanged) in one flat loop each; the words then in table order (row-major: chunk order,
    lanes ascending), sorted by the table position of the slot that emitted them."""
    total = f_arr.size
    unit = (RANS_LOW >> PROB_BITS) << 16
    sizes = np.array(stage_sizes, np.int64)
    rows = -(-sizes // lanes)
    ends = np.cumsum(sizes)
    at = np.repeat((np.cumsum(rows) - rows) * lanes - (ends - sizes), sizes) + np.arange(total)  # table positions
    lane = at % lanes
    order = np.argsort(lane, kind="stable")  # lane-major, chunks ascending
    cnt = np.bincount(lane, minlength=lanes).tolist()
    fl = f_arr[order]
    f_all = fl.tolist()
    c_all = c_arr[order].tolist()
    g_all = (PROB_SCALE - fl).tolist()
    lim_all = (fl * unit).tolist()
    words, ks = [], []
    states = [0] * lanes
    hi = total
    for j in range(lanes - 1, -1, -1):
        lo = hi - cnt[j]
        x = RANS_LOW
        for k in range(hi - 1, lo - 1, -1):
            if x >= lim_all[k]:
                words.append(x & 0xFFFF)
                ks.append(k)
                x >>= 16
            x += x // f_all[k] * g_all[k] + c_all[k]
        states[j] = x
        hi = lo
    w = np.array(words, np.int64)[np.argsort(at[order[np.array(ks, np.int64)]])] if words else np.zeros(0, np.int64)
    return np.array(states, np.int64).astype(np.uint32), w.astype(np.uint16)


def _rans_encode_scalar(freq, cum, lanes):
    """_rans_encode's loop with Python integers: at low rates a frame has a few lanes, where a numpy call per
    row costs ~10x more than the integer maths per symbol. The same states and words."""
    x = [RANS_LOW] * lanes
    unit = (RANS_LOW >> PROB_BITS) << 16
    rows = []
    for fr, cr in zip(reversed(freq), reversed(cum)):
        row = []
        for j in range(lanes):
            f, xj = fr[j], x[j]
            if xj >= unit * f:
                row.append(xj & 0xFFFF)
                xj >>= 16
            x[j] = ((xj // f) << PROB_BITS) + xj % f + cr[j]
        rows.append(row)
    words = [w for row in reversed(rows) for w in row]  # chunk order, lanes ascending
    return np.array(x, np.int64).astype(np.uint32), np.array(words, np.int64).astype(np.uint16)


def _new_reader(lanes, states, words):
    return {"lanes": lanes, "x": states.astype(np.int64), "words": words.astype(np.int64), "pos": 0}


def _get_segment(reader, model, ctx):
    ctx = np.asarray(ctx, np.int64)
    n = ctx.size
    out = np.zeros(n, np.int64)
    if n == 0:
        return out
    lanes = reader["lanes"]
    x = reader["x"]
    words = reader["words"]
    a1 = model["alphabet"] + 1
    cum_all = model["cum"][ctx]  # (n, A+1) table rows for the whole stage
    if lanes <= SCALAR_LANES:
        out[:] = _get_segment_scalar(reader, cum_all.tolist())
        _adapt(model, ctx, out)
        return out
    upper = cum_all[:, 1:]
    flat = cum_all.ravel()
    base = np.arange(n) * a1
    mask = PROB_SCALE - 1
    for s in range(0, n, lanes):
        e = min(n, s + lanes)
        m = e - s
        xs = x[:m]
        slot = xs & mask
        sym = (upper[s:e] <= slot[:, None]).sum(1)
        at = base[s:e] + sym
        c = flat[at]
        xs = (flat[at + 1] - c) * (xs >> PROB_BITS) + slot - c
        need = xs < RANS_LOW
        k = int(np.count_nonzero(need))
        if k:
            p = reader["pos"]
            if p + k > words.size:
                raise ValueError("corrupt frame: entropy-coded section is truncated")
            xs[need] = (xs[need] << 16) | words[p : p + k]
            reader["pos"] = p + k
        x[:m] = xs
        out[s:e] = sym
    _adapt(model, ctx, out)
    return out


def _get_segment_scalar(reader, rows):
    """_get_segment's chunk loop with Python integers, symbol by symbol (lane = index % lanes, renormalising
    lanes take the next word in lane order, as there): for the few lanes of low- and mid-rate frames."""
    lanes = reader["lanes"]
    x = reader["x"].tolist()
    if "word_list" not in reader:
        reader["word_list"] = reader["words"].tolist()
    words = reader["word_list"]
    pos = reader["pos"]
    mask = PROB_SCALE - 1
    out = []
    for i, row in enumerate(rows):
        j = i % lanes
        xj = x[j]
        slot = xj & mask
        k = 0
        while row[k + 1] <= slot:  # the rows are strictly increasing and end at PROB_SCALE > slot
            k += 1
        c = row[k]
        xj = (row[k + 1] - c) * (xj >> PROB_BITS) + slot - c
        if xj < RANS_LOW:
            if pos >= len(words):
                raise ValueError("corrupt frame: entropy-coded section is truncated")
            xj = (xj << 16) | words[pos]
            pos += 1
        x[j] = xj
        out.append(k)
    reader["x"][:] = x
    reader["pos"] = pos
    return out


def _get(reader, model, ctx):
    ctx = np.asarray(ctx, np.int64)
    out = np.zeros(ctx.size, np.int64)
    for a, b in _segments(ctx.size):
        out[a:b] = _get_segment(reader, model, ctx[a:b])
    return out


def _get_signed(reader, model, ctx, side):
    """Magnitudes with escapes resolved; signs are applied later (they follow the rANS section)."""
    esc = model["alphabet"] - 1
    mag = _get(reader, model, ctx)
    hit = np.nonzero(mag == esc)[0]
    if hit.size:
        p = side["esc_pos"]
        mag[hit] += side["escapes"][p : p + hit.size]
        side["esc_pos"] = p + hit.size
    return mag


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _read_varint(buf, pos):
    n = 0
    shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("corrupt frame: truncated header")
        b = buf[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return n, pos


ESCAPE_K_MAX = 15  # escape remainders are Exp-Golomb codes of an order 0..this chosen per frame (was: raw u16)


def _eg_lengths(v, k):
    """Lengths of the order-k Exp-Golomb codes of non-negative ints v."""
    x = np.asarray(v, np.int64) + (1 << k)
    return 2 * (np.floor(np.log2(x)).astype(np.int64)) - k + 1


ESCAPE_K_ONE_PASS = 1  # encoder speed, the same order: _escape_section's code lengths of all orders in one pass


def _escape_section(v):
    """The escape remainders v (non-negative ints): count, then (if any) the order k of their Exp-Golomb codes (the
    frame's cheapest) and the codes, padded to a byte."""
    if not v.size:
        return _varint(0)
    if ESCAPE_K_ONE_PASS:  # the same lengths for every order in one (orders x values) table
        ks = np.arange(ESCAPE_K_MAX + 1)
        x = np.asarray(v, np.int64)[None, :] + (1 << ks)[:, None]
        k = int(np.argmin((2 * (np.floor(np.log2(x)).astype(np.int64)) - ks[:, None] + 1).sum(1)))
    else:
        k = int(np.argmin([_eg_lengths(v, k).sum() for k in range(ESCAPE_K_MAX + 1)]))
    if ESCAPE_BITS_NUMPY and v.size >= ESCAPE_BITS_NUMPY:
        return _varint(v.size) + bytes([k]) + _eg_bits_packed(np.asarray(v, np.int64) + (1 << k), k)
    text = "".join("0" * (x.bit_length() - 1 - k) + format(x, "b") for x in (v + (1 << k)).tolist())
    body = np.packbits(np.frombuffer(text.encode(), np.uint8) - 48).tobytes()
    return _varint(v.size) + bytes([k]) + body


ESCAPE_BITS_NUMPY = 256  # encoder speed, the same bytes: from this many escapes their codes are laid out by numpy


def _eg_bits_packed(x, k):
    """_escape_section's code bits of x = v + 2^k (each: bit_length(x) - 1 - k zeros, then x in binary), packed:
    the bit lengths exact from frexp (x < 2^53), every code's bits placed at once."""
    nb = np.frexp(x.astype(np.float64))[1].astype(np.int64)  # bit_length(x)
    ln = 2 * nb - 1 - k
    end = np.cumsum(ln)
    total = int(end[-1])
    idx = np.repeat(np.arange(x.size), nb)
    j = np.arange(idx.size) - np.repeat(np.cumsum(nb) - nb, nb)  # bit index from the top
    shift = nb[idx] - 1 - j
    bits = np.zeros(total, np.uint8)
    bits[(end - nb)[idx] + j] = (x[idx] >> shift) & 1
    return np.packbits(bits).tobytes()


def _read_escapes(data, pos):
    n, pos = _read_varint(data, pos)
    if not n:
        return np.zeros(0, np.int64), pos
    if pos >= len(data):
        raise ValueError("corrupt frame: truncated escape section")
    k = data[pos]
    pos += 1
    if k > ESCAPE_K_MAX:
        raise ValueError("corrupt frame: invalid escape section")
    # the codes are read from the rest of the frame (at most 2 * 64 + k bits each); their end is the section's
    size = min(len(data) - pos, (n * (2 * 64 + k) + 7) // 8)
    text = (np.unpackbits(np.frombuffer(data, np.uint8, size, pos)) + 48).tobytes().decode()
    out = np.empty(n, np.int64)
    at = 0
    for i in range(n):
        one = text.find("1", at)
        end = one + (one - at) + k + 1
        if one < 0 or end > len(text):
            raise ValueError("corrupt frame: truncated escape code")
        out[i] = int(text[one:end], 2) - (1 << k)
        at = end
    return out, pos + (at + 7) // 8


# ----------------------------------------------------------------------------
# syntax shared by encoder and decoder


PRIOR_FIRST = 1  # the last-position and intra-mode models start with the probability of their first symbol (an empty
# block; rank 0 = the most probable mode) set as below, instead of the flat-ish default (0 = v6's start). Measured on
# pictures in neither the bundled nor the held-out clips (skimage's grass, brick, gravel, ihc, hubble_deep_field,
# coins, camera, horse; key frames): empty luma blocks 44 % at q20 .. 14 % at q80, chroma 93 .. 75 %, rank 0 of a
# chroma mode ~85 %, of a luma mode with one / two most probable modes ~75 % / ~20 %, DC ~35 % of the first phase's
# (absolute) luma modes. Six clips, 20 frames: with LEVEL_PRIOR_Q and SDH_P -0.85 % vs v6.
PRIOR_FIRST_WEIGHT = 16  # the prior counts as this many symbols
PRIOR_EMPTY = ((-0.9, -0.8), (1.5, -0.75))  # luma, chroma: logit of P(empty block) at q50, slope per 30 quality units
PRIOR_MODE_FIRST = ((0.35, 0.75, 0.2), (0.85, 0.8))  # ipm_y contexts 0..2, ipm_c contexts 0..1


def _empty_prior(plane, quality):
    a, b = PRIOR_EMPTY[plane]
    return 1.0 / (1.0 + np.exp(-(a + b * (float(quality) - 50.0) / 30.0)))


PRIOR_EMPTY_INTER = None  # None = v7 (PRIOR_EMPTY for every context); else per plane (a, b, c): the inter kinds' (1, 2 and
# the edge-transform) last-position contexts start with P(empty) = logistic(a + b * (quality - 50) / 30 + c * activity
# class) (luma phase 0 and the edge contexts: class 0)


def _last_empty_prior(plane, quality):
    """Per last-position context, the prior probability of an empty block (PRIOR_FIRST)."""
    n_ctx = (3 + 18 + EDGE_LAST_CTX, 18 + 54 + EDGE_LAST_CTX)[plane]
    p = np.full(n_ctx, _empty_prior(plane, quality))
    if PRIOR_EMPTY_INTER is None:
        return p
    a, b, c = PRIOR_EMPTY_INTER[plane]
    ctx = np.arange(n_ctx)
    if plane == 0:
        kind = np.where(ctx < 3, ctx, np.where(ctx < 21, (ctx - 3) // 6, 1))
        cls = np.where((ctx >= 3) & (ctx < 21), (ctx - 3) % 6, 0)
    else:
        kind = np.where(ctx < 18, ctx // 6, np.where(ctx < 72, (ctx - 18) // 18, 1))
        cls = np.where(ctx < 18, ctx % 6, np.where(ctx < 72, ((ctx - 18) // 3) % 6, 0))
    z = a + b * (float(quality) - 50.0) / 30.0 + c * cls
    return np.where(kind > 0, 1.0 / (1.0 + np.exp(-z)), p)


def _new_models(quality=50.0):
    return {
        "mode": _new_model(30, 4),
        "mvd": _new_model(4, MVD_ALPHABET),
        "mvd_sub": _new_model(4, MVD_ALPHABET),
        "last_y": _new_model(3 + 18 + EDGE_LAST_CTX, 65, _last_empty_prior(0, quality)),
        "last_c": _new_model(18 + 54 + EDGE_LAST_CTX, 65, _last_empty_prior(1, quality)),
        "lev_y": _level_model(LEVEL_PRIOR_Y, LEVEL_PRIOR_Q[0], quality, LEVEL_PRIOR_INTER[0]),
        "lev_c": _level_model(LEVEL_PRIOR_C, LEVEL_PRIOR_Q[1], quality, LEVEL_PRIOR_INTER[1]),
        "ipm_y": _new_model(3, IPRED_MODES, PRIOR_MODE_FIRST[0]),
        "ipm_c": _new_model(2, CHROMA_MODES, PRIOR_MODE_FIRST[1]),
        "intra4": _new_model(4, 2),
        "i16": _new_model(4, 1 + I16_MODES),
        "p16": _new_model(2, 2),
        "merge": _new_model(MERGE_MAX - 1, MERGE_MAX),
        "bi": _new_model(2, 2),
        "mvd_bi": _new_model(4, MVD_ALPHABET),
    }


def _ipm_phases(mbh, mbw):
    """Luma prediction modes are coded in two checkerboard phases over the 8x8 block grid: the second phase's
    contexts are the modes of its left and upper neighbours (first phase, 6 = outside the frame)."""
    rows, cols = 2 * mbh, 2 * mbw
    r, c = np.divmod(np.arange(rows * cols), cols)
    first = np.nonzero((r + c) % 2 == 0)[0]
    second = np.nonzero((r + c) % 2 == 1)[0]
    return first, second, cols


def _mpm_order(left, up, n_modes=IPRED_MODES):
    """Per block, the modes ordered most-probable first: the left neighbour's, the upper one's (when it
    differs), then the rest in mode order. Coding a mode as its rank in this order lets a few contexts
    learn "same direction as a neighbour" instead of one distribution per neighbour pair."""
    m = left.size
    order = np.tile(np.arange(n_modes), (m, 1))
    key = order + 2 * n_modes
    key = np.where(order == up[:, None], n_modes + 1, key)
    key = np.where(order == left[:, None], 0, key)
    return np.argsort(key, axis=1, kind="stable")


def _ipm_ctx(grid_modes, second, cols):
    """Neighbour modes (DC where outside the frame) and the context: 1 when left = up, 2 when they differ
    (0 is the first phase's)."""
    r, c = np.divmod(second, cols)
    left = np.where(c > 0, grid_modes[np.maximum(second - 1, 0)], 0)
    up = np.where(r > 0, grid_modes[np.maximum(second - cols, 0)], 0)
    return left, up, 1 + (left != up)


def _to_rank(order, modes):
    return np.argmax(order == modes[:, None], axis=1)


def _i16_contexts(sym, mbh, mbw, black):
    """Contexts of the 16x16 symbols of the second checkerboard phase: 1 + how many (0, 1, 2+) of the four
    first-phase neighbours are 16x16 macroblocks (the first phase has context 0)."""
    g = _pad_zero1((sym > 0).reshape(mbh, mbw) & black.reshape(mbh, mbw)).astype(np.int64)
    count = g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:]
    return 1 + np.minimum(count, 2).ravel()


def _put_i16(writer, models, sym, mbh, mbw):
    """I frames: per macroblock 0 (four 8x8 blocks) or 1 + its 16x16 mode, in two checkerboard phases."""
    ph0, ph1, black = _mode_phases(mbh, mbw)
    _put(writer, models["i16"], np.zeros(ph0.size, np.int64), sym[ph0])
    _put(writer, models["i16"], _i16_contexts(sym, mbh, mbw, black)[ph1], sym[ph1])


def _get_i16(reader, models, mbh, mbw):
    ph0, ph1, black = _mode_phases(mbh, mbw)
    sym = np.zeros(mbh * mbw, np.int64)
    sym[ph0] = _get(reader, models["i16"], np.zeros(ph0.size, np.int64))
    sym[ph1] = _get(reader, models["i16"], _i16_contexts(sym, mbh, mbw, black)[ph1])
    return sym


def _coded_8x8(first, second, sym, mbh, mbw):
    """The blocks of the two luma mode phases whose mode is coded: those outside 16x16 macroblocks."""
    big = _mbs_to_grid(np.repeat(sym[:, None] > 0, 4, 1), mbh, mbw)
    return first[~big[first]], second[~big[second]]


def _put_ipm(writer, models, ipm, mbh, mbw):
    _put_i16(writer, models, ipm[:, COL16], mbh, mbw)
    grid = _mbs_to_grid(ipm[:, :4], mbh, mbw)
    first, second, cols = _ipm_phases(mbh, mbw)
    first, second = _coded_8x8(first, second, ipm[:, COL16], mbh, mbw)
    _put(writer, models["ipm_y"], np.zeros(first.size, np.int64), grid[first])
    left, up, ctx = _ipm_ctx(grid, second, cols)
    _put(writer, models["ipm_y"], ctx, _to_rank(_mpm_order(left, up), grid[second]))
    # chroma: the rank of Cb's mode with luma block 0's first; Cr's with Cb's first
    _put(writer, models["ipm_c"], np.zeros(ipm.shape[0], np.int64),
         _to_rank(_mpm_order(ipm[:, 0], ipm[:, 0], CHROMA_MODES), ipm[:, 4]))
    _put(writer, models["ipm_c"], np.ones(ipm.shape[0], np.int64),
         _to_rank(_mpm_order(ipm[:, 4], ipm[:, 4], CHROMA_MODES), ipm[:, 5]))
    if INTRA4:
        _put_intra4(writer, models, _mbs_to_grid(ipm[:, 6:10], mbh, mbw), mbh, mbw, ipm[:, COL16])


def _get_ipm(reader, models, mbh, mbw):
    n = mbh * mbw
    sym = _get_i16(reader, models, mbh, mbw)
    grid = _mbs_to_grid(np.repeat(np.maximum(sym - 1, 0)[:, None], 4, 1), mbh, mbw)
    first, second, cols = _ipm_phases(mbh, mbw)
    first, second = _coded_8x8(first, second, sym, mbh, mbw)
    grid[first] = _get(reader, models["ipm_y"], np.zeros(first.size, np.int64))
    left, up, ctx = _ipm_ctx(grid, second, cols)
    rank = _get(reader, models["ipm_y"], ctx)
    grid[second] = _mpm_order(left, up)[np.arange(second.size), rank]
    ipm = np.zeros((n, IPM_COLS), np.int64)
    ipm[:, COL16] = sym
    ipm[:, :4] = _grid_to_mbs(grid, mbh, mbw)
    rank = _get(reader, models["ipm_c"], np.zeros(n, np.int64))
    ipm[:, 4] = _mpm_order(ipm[:, 0], ipm[:, 0], CHROMA_MODES)[np.arange(n), rank]
    rank = _get(reader, models["ipm_c"], np.ones(n, np.int64))
    ipm[:, 5] = _mpm_order(ipm[:, 4], ipm[:, 4], CHROMA_MODES)[np.arange(n), rank]
    if INTRA4:
        ipm[:, 6:10] = _grid_to_mbs(_get_intra4(reader, models, mbh, mbw, sym), mbh, mbw)
    return ipm


def _intra4_ctx(grid, second, cols, rows):
    """Context of the second checkerboard phase's split flags: 1 + how many of the four (first-phase)
    neighbours are split, capped at 2; the first phase's is 0."""
    g = _pad_zero1(grid.reshape(rows, cols))
    r, c = np.divmod(second, cols)
    n = g[r, c + 1] + g[r + 2, c + 1] + g[r + 1, c] + g[r + 1, c + 2]
    return 1 + np.minimum(n, 2)


def _put_intra4(writer, models, grid, mbh, mbw, sym):
    """Split flags of the luma 8x8 blocks (I frames) outside 16x16 macroblocks (sym: their 16x16 symbols), in the
    two checkerboard phases of the modes."""
    first, second, cols = _ipm_phases(mbh, mbw)
    first, second = _coded_8x8(first, second, sym, mbh, mbw)
    _put(writer, models["intra4"], np.zeros(first.size, np.int64), grid[first])
    _put(writer, models["intra4"], _intra4_ctx(grid, second, cols, 2 * mbh), grid[second])


def _get_intra4(reader, models, mbh, mbw, sym):
    grid = np.zeros(4 * mbh * mbw, np.int64)
    first, second, cols = _ipm_phases(mbh, mbw)
    first, second = _coded_8x8(first, second, sym, mbh, mbw)
    grid[first] = _get(reader, models["intra4"], np.zeros(first.size, np.int64))
    grid[second] = _get(reader, models["intra4"], _intra4_ctx(grid, second, cols, 2 * mbh))
    return grid


# Initial level statistics: P(level = 0) and the geometric decay of larger magnitudes, each a logistic
# function of a sum of one term per context feature (block kind 2, frequency band 10, neighbour class 5,
# distance-to-last class 4: 21 terms). Fitted by least squares on the level histograms of three
# other pictures (skimage's ihc, grass and brick, panned, q 25/50/75), none of them in the bundled or
# held-out clips; the models still adapt as before, this only replaces the flat start.
LEVEL_PRIOR_Y = (
    (-1.07, -0.71, -2.17, -0.62, -0.31, -0.07, 0.06, 0.21, 0.32, 0.4, 0.51, -0.1, 0.85, 0.12, -0.35, -0.85, -1.54, -5.9, 1.66, 1.69, 0.77),
    (-0.29, -1.04, 2.01, 0.49, 0.17, -0.15, -0.32, -0.55, -0.72, -0.87, -1.08, -0.31, -1.07, -0.77, -0.38, 0.06, 0.83, -1.61, -0.51, -0.3, 1.09),
)
LEVEL_PRIOR_C = (
    (-0.68, 0.4, -2.54, -1.57, -1.48, -1.33, -0.81, -0.36, 0.49, 0.97, 0.79, 5.57, 0.69, 0.43, -0.05, -0.39, -0.95, -5.93, 2.13, 2.07, 1.45),
    (-0.14, -2.31, 1.21, 0.39, 0.38, 0.05, -0.61, -0.74, -1.86, -1.54, -0.12, 0.38, -1.27, -0.8, -0.32, -0.21, 0.15, -1.71, -1.03, -0.4, 0.7),
)
LEVEL_PRIOR_WEIGHT = 16  # the prior counts as this many symbols
# The prior's dependence on the quality setting (known to both sides from the config): per plane (luma, chroma) the
# slopes of the two logits (P(level = 0), decay) per 30 quality units from 50, and split (4x4) intra blocks' offsets
# of the two logits from the intra prior. Fitted like the prior on pictures in neither the bundled nor the held-out
# clips (skimage's grass, brick, gravel, ihc, hubble_deep_field, coins, camera, horse; q 20..80; luma P(0) logit
# +0.4 at q20 .. -0.5 at q80 off the q-blind prior, decay -0.9 .. +0.2, chroma P(0) +1.0 .. -1.8).
LEVEL_PRIOR_Q = ((-0.42, 0.55), (-1.4, 0.2))  # (0, 0), (0, 0) and LEVEL_PRIOR_SPLIT (0, 0) = the q-blind prior of v6
LEVEL_PRIOR_SPLIT = (0.6, 0.0)
LEVEL_PRIOR_INTER = ((0.0, 0.0, 0.0, 0.0), (0.0, 0.0, 0.0, 0.0))  # per plane, inter contexts only: offsets of the P(0)
# logit at q50 and per 30 quality units, then of the decay logit (zeros = v7)


def _level_model(terms, q_slopes=(0.0, 0.0), quality=50.0, inter=(0.0, 0.0, 0.0, 0.0)):
    """A level model whose contexts start from the parametric prior `terms` instead of a flat one."""
    ctx = np.arange((2 + (INTRA4 > 0)) * N_BANDS * 5 * 4)  # kinds: intra, inter (, split intra: intra's prior)
    idx = np.stack([(ctx // 200) % 2, 2 + (ctx // 20) % 10, 12 + (ctx // 4) % 5, 17 + ctx % 4], 1)
    z0, z1 = (np.asarray(t)[idx].sum(1) for t in terms)
    dq = (float(quality) - 50.0) / 30.0
    split = ctx >= 400
    z0 = z0 + q_slopes[0] * dq + LEVEL_PRIOR_SPLIT[0] * split
    z1 = z1 + q_slopes[1] * dq + LEVEL_PRIOR_SPLIT[1] * split
    kind1 = (ctx // 200) == 1
    z0 = z0 + (inter[0] + inter[1] * dq) * kind1
    z1 = z1 + (inter[2] + inter[3] * dq) * kind1
    p0 = 1 / (1 + np.exp(-z0))
    rho = 1 / (1 + np.exp(-z1))
    k = np.arange(1, LEVEL_ALPHABET)
    p = np.empty((ctx.size, LEVEL_ALPHABET))
    p[:, 0] = p0
    p[:, 1:] = ((1 - p0) * (1 - rho))[:, None] * rho[:, None] ** (k - 1)
    p[:, -1] = (1 - p0) * rho ** (LEVEL_ALPHABET - 2)  # escape: the whole tail
    model = _new_model(ctx.size, LEVEL_ALPHABET)
    model["counts"] = np.maximum(1, np.rint(p * LEVEL_PRIOR_WEIGHT * MODEL_INCREMENT)).astype(np.int64)
    _refresh(model, ctx)
    return model


def _class_small(v, edges):
    return np.searchsorted(np.array(edges), v, side="right")


def _level_ctx(p, mags, last, btype):
    if NBR_A[p] >= 0:
        nb = mags[:, NBR_A[p]]
    else:
        nb = np.zeros(mags.shape[0], np.int64)
    if NBR_B[p] >= 0:
        nb = nb + mags[:, NBR_B[p]]
    nbc = _class_small(nb, [1, 2, 3, 5])
    dlc = _class_small(last - p, [1, 3, 8])
    return ((btype * N_BANDS + BAND[p]) * 5 + nbc) * 4 + dlc


def _last_positions(zz):
    nz = zz != 0
    return np.where(nz.any(1), 63 - np.argmax(nz[:, ::-1], axis=1), -1)


def _neighbour_activity(first, coded, mbh, mbw):
    """Mean (last + 1) of the four luma neighbours (all coded in phase one) of blocks 1 and 2 of each coded MB."""
    grid = np.zeros((mbh * mbw, 2, 2))
    grid[coded, 0, 0] = first[:, 0] + 1
    grid[coded, 1, 1] = first[:, 1] + 1
    g = _pad_zero1(grid.reshape(mbh, mbw, 2, 2).transpose(0, 2, 1, 3).reshape(2 * mbh, 2 * mbw))
    act = (g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:]) / 4.0
    act = act.reshape(mbh, 2, mbw, 2).transpose(0, 2, 1, 3).reshape(-1, 4)[coded]
    return act[:, [1, 2]]


ACTIVITY_EDGES = [0.5, 2.0, 5.0, 12.0, 24.0]


def _last_contexts(kind, phase, first=None, act=None, luma=None, cb=None):
    """Contexts of the last-position symbols, coded in phases so later ones can look at earlier ones:
    luma blocks 0 and 3 of each macroblock (a checkerboard over the frame), then blocks 1 and 2 (context:
    their four decoded neighbours), then Cb (context: the MB's luma), then Cr (context: luma and Cb)."""
    if phase == 0:
        return np.repeat(kind, 2)
    if phase == 1:
        return (3 + kind[:, None] * 6 + _class_small(act, ACTIVITY_EDGES)).ravel()
    cls = _class_small((luma + 1).mean(1), ACTIVITY_EDGES)
    if phase == 2:
        return kind * 6 + cls
    return 18 + (kind * 6 + cls) * 3 + _class_small(cb, [0, 4])


EDGE_LAST_CTX = 4  # P frames: edge-transform blocks' last positions have contexts of their own, by (rows - 1) // 2


def _edge_lasts(ctx, edge, base):
    """Contexts ctx with the edge-transform blocks' (edge: their kinds, 0 = none) replaced by base + (rows - 1) // 2."""
    if edge is None:
        return ctx
    return np.where(edge > 0, base + (edge % 8 - 1) // 2, ctx)


def _last_coded(big):
    """Which of the luma last-position symbols of phases 0 (blocks 0, 3) and 1 (blocks 1, 2) are coded: all but
    blocks 1..3 of 16x16 macroblocks (big, per coded MB; None = none), which are empty."""
    k0 = np.ones((big.size, 2), bool)
    k0[big, 1] = False
    return k0.ravel(), np.repeat(~big, 2)


def _pooled_lasts(ctx, i_frame):
    """I frames code every last position of a model (luma, chroma) in its context 0: one key frame has too few
    blocks to teach 65-symbol models per context (fixed decisions, 8 frames: -0.6..-1.0 % of the bits at q20)."""
    return np.zeros_like(ctx) if i_frame else ctx


LASTS_POOLED_FAST = 1  # encoder speed, the same symbols: I frames' last positions without computing pooled contexts
LASTS_FAST = 1  # encoder speed, the same contexts: P frames' last-position contexts in one pass (_put_lasts)
_ACT_EDGES = np.array(ACTIVITY_EDGES)
_CB_EDGES = np.array([0, 4])


def _put_lasts(writer, models, last_y, last_c, kind, coded, mbh, mbw, big=None, edge=None):
    """edge: None or the coded macroblocks' edge-transform kinds (luma (m, 4), chroma (m,))."""
    ly = last_y.reshape(-1, 4)
    lc = last_c.reshape(-1, 2)
    first = ly[:, [0, 3]]
    k0, k1 = _last_coded(np.zeros(kind.size, bool) if big is None else big)
    i_frame = writer.get("i_frame", False)
    if i_frame and LASTS_POOLED_FAST:  # _pooled_lasts: every context 0, the contexts need not be computed
        s0, s1 = first.ravel()[k0] + 1, ly[:, [1, 2]].ravel()[k1] + 1
        _put_stages(writer, models["last_y"], ((np.zeros(s0.size, np.int64), s0), (np.zeros(s1.size, np.int64), s1)))
        z = np.zeros(lc.shape[0], np.int64)
        _put_stages(writer, models["last_c"], ((z, lc[:, 0] + 1), (z, lc[:, 1] + 1)))
        return
    act = _neighbour_activity(first, coded, mbh, mbw)
    if LASTS_FAST and not i_frame:  # the same contexts, the luma class and the chroma edge override computed once
        c0 = np.repeat(kind, 2)
        c1 = (3 + kind[:, None] * 6 + np.searchsorted(_ACT_EDGES, act, side="right")).ravel()
        if edge is not None:
            e0, e1 = edge[0][:, ::3].ravel(), edge[0][:, 1:3].ravel()
            c0 = np.where(e0 > 0, 21 + (e0 % 8 - 1) // 2, c0)
            c1 = np.where(e1 > 0, 21 + (e1 % 8 - 1) // 2, c1)
        _put_stages(writer, models["last_y"], ((c0[k0], first.ravel()[k0] + 1), (c1[k1], ly[:, 1:3].ravel()[k1] + 1)))
        c2 = kind * 6 + np.searchsorted(_ACT_EDGES, (ly + 1).mean(1), side="right")
        c3 = 18 + c2 * 3 + np.searchsorted(_CB_EDGES, lc[:, 0], side="right")
        if edge is not None:
            on = edge[1] > 0
            ev = 72 + (edge[1] % 8 - 1) // 2
            c2 = np.where(on, ev, c2)
            c3 = np.where(on, ev, c3)
        _put_stages(writer, models["last_c"], ((c2, lc[:, 0] + 1), (c3, lc[:, 1] + 1)))
        return
    ey0, ey1, ec = (None, None, None) if edge is None else (edge[0][:, [0, 3]].ravel(), edge[0][:, [1, 2]].ravel(), edge[1])
    c0 = _edge_lasts(_last_contexts(kind, 0), ey0, 21)[k0]
    c1 = _edge_lasts(_last_contexts(kind, 1, first, act), ey1, 21)[k1]
    _put_stages(writer, models["last_y"], ((_pooled_lasts(c0, i_frame), first.ravel()[k0] + 1),
                                           (_pooled_lasts(c1, i_frame), ly[:, [1, 2]].ravel()[k1] + 1)))
    c2 = _edge_lasts(_last_contexts(kind, 2, first, act, ly), ec, 72)
    c3 = _edge_lasts(_last_contexts(kind, 3, first, act, ly, lc[:, 0]), ec, 72)
    _put_stages(writer, models["last_c"], ((_pooled_lasts(c2, i_frame), lc[:, 0] + 1),
                                           (_pooled_lasts(c3, i_frame), lc[:, 1] + 1)))


def _get_lasts(reader, models, kind, coded, mbh, mbw, big=None, edge=None):
    m = kind.size
    ly = np.zeros((m, 4), np.int64)
    lc = np.zeros((m, 2), np.int64)
    k0, k1 = _last_coded(np.zeros(m, bool) if big is None else big)
    first = np.full(2 * m, -1, np.int64)
    i_frame = reader.get("i_frame", False)
    ey0, ey1, ec = (None, None, None) if edge is None else (edge[0][:, [0, 3]].ravel(), edge[0][:, [1, 2]].ravel(), edge[1])
    c0 = _edge_lasts(_last_contexts(kind, 0), ey0, 21)[k0]
    first[k0] = _get(reader, models["last_y"], _pooled_lasts(c0, i_frame)) - 1
    ly[:, [0, 3]] = first.reshape(m, 2)
    first = ly[:, [0, 3]]
    act = _neighbour_activity(first, coded, mbh, mbw)
    second = np.full(2 * m, -1, np.int64)
    c1 = _edge_lasts(_last_contexts(kind, 1, first, act), ey1, 21)[k1]
    second[k1] = _get(reader, models["last_y"], _pooled_lasts(c1, i_frame)) - 1
    ly[:, [1, 2]] = second.reshape(m, 2)
    c2 = _edge_lasts(_last_contexts(kind, 2, first, act, ly), ec, 72)
    lc[:, 0] = _get(reader, models["last_c"], _pooled_lasts(c2, i_frame)) - 1
    c3 = _edge_lasts(_last_contexts(kind, 3, first, act, ly, lc[:, 0]), ec, 72)
    lc[:, 1] = _get(reader, models["last_c"], _pooled_lasts(c3, i_frame)) - 1
    return ly.ravel(), lc.ravel()


def _skip_class(modes, mbh, mbw, known):
    """0 / 1 / 2 = none / some / all of a macroblock's known 4-neighbours are skips (0 when none is known)."""
    g = _pad_zero1((modes == MODE_SKIP).reshape(mbh, mbw)).astype(np.int64)
    k = _pad_zero1(known.reshape(mbh, mbw)).astype(np.int64)
    skips = g[:-2, 1:-1] * k[:-2, 1:-1] + g[2:, 1:-1] * k[2:, 1:-1] + g[1:-1, :-2] * k[1:-1, :-2] + g[1:-1, 2:] * k[1:-1, 2:]
    total = k[:-2, 1:-1] + k[2:, 1:-1] + k[1:-1, :-2] + k[1:-1, 2:]
    return np.where(skips == 0, 0, np.where(skips == total, 2, 1)).ravel()


def _mode_phases(mbh, mbw):
    """Macroblock modes are coded in two checkerboard phases, the second seeing the first's skips."""
    black = ((np.arange(mbh)[:, None] + np.arange(mbw)[None, :]) % 2 == 0).ravel()
    return np.nonzero(black)[0], np.nonzero(~black)[0], black


def _mode_contexts(phase, prev_modes, modes, mbh, mbw, black):
    """Context = co-located mode of the previous frame x skip class of the neighbours: in phase 0 the
    previous frame's, in phase 1 the current frame's phase-0 macroblocks."""
    if phase == 0:
        cls = _skip_class(prev_modes, mbh, mbw, np.ones(mbh * mbw, bool))
        return prev_modes * 3 + cls
    return 15 + prev_modes * 3 + _skip_class(modes, mbh, mbw, black)


MODE_CTX_FAST = 1  # encoder speed, the same contexts: _encode_syntax's mode contexts by _mode_contexts_enc
_SKIP_TOTALS = {}  # (mbh, mbw) -> known neighbours per macroblock: all of them (phase 0), the black ones (phase 1)


def _neighbour_sum4(x, mbh, mbw):
    """Sum of the 4-neighbours of an (mbh * mbw) 0/1 grid, outside the frame 0 (int8)."""
    p = np.zeros((mbh + 2, mbw + 2), np.int8)
    p[1:-1, 1:-1] = x.reshape(mbh, mbw)
    s = p[:-2, 1:-1] + p[2:, 1:-1]
    s += p[1:-1, :-2]
    s += p[1:-1, 2:]
    return s.ravel()


def _mode_contexts_enc(prev_modes, modes, mbh, mbw, black):
    """MODE_CTX_FAST: _mode_contexts of both phases (all macroblocks) with int8 neighbour sums; a class is
    (skips > 0) * (1 + (skips == known)), _skip_class's where chain."""
    tots = _SKIP_TOTALS.get((mbh, mbw))
    if tots is None:
        tots = _SKIP_TOTALS[(mbh, mbw)] = (_neighbour_sum4(np.ones(mbh * mbw, bool), mbh, mbw),
                                          _neighbour_sum4(black, mbh, mbw))
    base = prev_modes * 3
    s0 = _neighbour_sum4(prev_modes == MODE_SKIP, mbh, mbw)
    s1 = _neighbour_sum4((modes == MODE_SKIP) & black, mbh, mbw)
    ctx0 = base + (s0 > 0) * (1 + (s0 == tots[0]))
    ctx1 = base + (s1 > 0) * (1 + (s1 == tots[1]))
    ctx1 += 15
    return ctx0, ctx1


def _block_kind(modes, mvd):
    """0 intra, 1 inter with a coded vector, 2 inter with the predicted vector (so it must carry residual)."""
    inter = modes == MODE_INTER
    kind = np.where(inter, np.where((mvd != 0).any(1), 1, 2), 0)
    return np.where(modes == MODE_SPLIT, 1, kind).astype(np.int64)


def _write_levels(writer, model, zz, last, btype, hidden=None):
    """Levels in zigzag order, one stage per position (the blocks whose last position reaches it), all stages
    in one _put_stream: the encoder knows every magnitude, so every stage's contexts are known up front."""
    k = int(last.max()) + 1 if last.size else 0
    if k <= 0:
        return
    if LEVELS_TABLES and last.size * k >= 20000:  # the same pairs: block-major, then a stable sort by position
        cnt = np.maximum(last + 1, 0)
        b = np.repeat(np.arange(last.size), cnt)
        p = np.arange(b.size) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        o = np.argsort(p.astype(np.int8), kind="stable")
        p, b = p[o], b[o]
    else:
        p, b = np.nonzero(last[None, :] >= np.arange(k)[:, None])  # stage order: position, then block
    if LEVELS_TABLES:
        return _write_levels_tab(writer, model, zz, last, btype, hidden, k, p, b)
    mags = np.zeros((zz.shape[0], 65), np.int64)
    mags[:, :64] = np.abs(zz)
    if PUT_STREAM_FAST:  # flat gathers (the same numbers)
        flat = mags.ravel()
        b65 = b * 65
        nb = flat[b65 + NBR_A_PAD[p]] + flat[b65 + NBR_B_PAD[p]]
        mag = flat[b65 + p]
        values = np.ascontiguousarray(zz).ravel()[b * 64 + p]
    else:
        nb = mags[b, NBR_A_PAD[p]] + mags[b, NBR_B_PAD[p]]
        values = zz[b, p]
        mag = mags[b, p]
    nbc = np.searchsorted(np.array([1, 2, 3, 5]), nb, side="right")
    dlc = np.searchsorted(np.array([1, 3, 8]), last[b] - p, side="right")
    ctx = ((btype[b] * N_BANDS + BAND[p]) * 5 + nbc) * 4 + dlc
    esc = model["alphabet"] - 1
    stage = np.bincount(p, minlength=k)
    sizes = [sz for n_p in stage.tolist() for sz in _segment_sizes(n_p)] if PUT_STREAM_FAST else \
        [hi - lo for n_p in stage.tolist() for lo, hi in _segments(n_p)]
    _put_stream(writer, model, ctx, np.minimum(mag, esc), sizes)
    signed = mag > 0
    if hidden is not None:  # drop the hidden signs (sign data hiding)
        signed &= hidden[b] != p
    writer["signs"].append(values[signed] < 0)
    writer["escapes"].append(mag[mag >= esc] - esc)


LEVELS_TABLES = 1  # encoder speed, the same contexts: _write_levels' contexts from lookup tables (_write_levels_tab)
_LEV_CTX_TAB = np.array([[[(bt * N_BANDS + BAND[p]) * 20 + int(np.searchsorted([1, 3, 8], max(last - p, 0), side="right"))
                           for p in range(64)] for last in range(64)] for bt in range(3)], np.int64).ravel()
_LEV_NBC4 = 4 * np.searchsorted(np.array([1, 2, 3, 5]), np.arange(11), side="right").astype(np.int64)


def _write_levels_tab(writer, model, zz, last, btype, hidden, k, p, b):
    """LEVELS_TABLES: _write_levels with the context (block type, band, distance-to-last class) of a (block, last,
    position) read from one table (_LEV_CTX_TAB) and the neighbour class from the sum of the two neighbours'
    magnitudes each clipped at 5 (the classes stop at 5: a sum >= 5 stays >= 5), a small table (_LEV_NBC4)."""
    n = zz.shape[0]
    m5 = np.zeros((n, 65), np.int8)
    np.minimum(np.abs(zz), 5, out=m5[:, :64], casting="unsafe")
    flat = m5.ravel()
    i64 = b * 64
    i64 += p
    values = np.ascontiguousarray(zz).ravel()[i64]
    mag = np.abs(values)
    b65 = i64 + b  # b * 65 + p
    b65 -= p
    nb = flat[b65 + NBR_A_PAD[p]] + flat[b65 + NBR_B_PAD[p]]
    ctx = _LEV_CTX_TAB[(btype * 4096 + last * 64)[b] + p]
    ctx += _LEV_NBC4[nb]
    esc = model["alphabet"] - 1
    stage = np.bincount(p, minlength=k)
    sizes = [sz for n_p in stage.tolist() for sz in _segment_sizes(n_p)]
    _put_stream(writer, model, ctx, np.minimum(mag, esc), sizes)
    signed = mag > 0
    if hidden is not None:  # drop the hidden signs (sign data hiding)
        signed &= hidden[b] != p
    writer["signs"].append(values[signed] < 0)
    writer["escapes"].append(mag[mag >= esc] - esc)


def _read_levels(reader, model, last, btype, side):
    n = last.size
    mags = np.zeros((n, 64), np.int64)
    order = []
    for p in range(64):
        act = np.nonzero(last >= p)[0]
        if act.size == 0:
            break
        ctx = _level_ctx(p, mags[act], last[act], btype[act])
        mags[act, p] = _get_signed(reader, model, ctx, side)
        order.append((act[mags[act, p] > 0], p))
    return mags, order


def _put_bi(writer, models, bi, modes, mvd, kind=None, one=None):
    """Two-hypothesis flags of the inter macroblocks (context: block kind), then the second vectors' deltas
    against _bi_predictor (|dx| then |dy| in the context of |dx|, own model). kind, one: _block_kind(modes, mvd)
    and the inter macroblocks, if the caller has them."""
    flags, dw = bi
    if one is None:
        one = np.nonzero(modes == MODE_INTER)[0]
    if kind is None:
        kind = _block_kind(modes, mvd)
    _put(writer, models["bi"], kind[one] - 1, flags[one].astype(np.int64))
    on = np.nonzero(flags)[0]
    dx, dy = dw[on, 1], dw[on, 0]
    _put_signed_stages(writer, models["mvd_bi"], ((np.zeros(on.size, np.int64), dx), (1 + np.minimum(np.abs(dx), 2), dy)))


def _get_bi(reader, models, modes, mvd, side):
    """_put_bi's flags and second-vector delta magnitudes (signs follow in the sign section)."""
    n = modes.size
    flags = np.zeros(n, bool)
    dw = np.zeros((n, 2), np.int64)
    one = np.nonzero(modes == MODE_INTER)[0]
    flags[one] = _get(reader, models["bi"], _block_kind(modes, mvd)[one] - 1) > 0
    on = np.nonzero(flags)[0]
    dw[on, 1] = _get_signed(reader, models["mvd_bi"], np.zeros(on.size, np.int64), side)
    dw[on, 0] = _get_signed(reader, models["mvd_bi"], 1 + np.minimum(dw[on, 1], 2), side)
    return flags, dw


_MODE_PHASES = {}  # _encode_syntax's cache of _mode_phases per frame size (read only)


def _encode_syntax(st, ftype, pp, modes, mvd, sub, ly, lcb, lcr, ipm):
    """Entropy-code one frame's decisions. Levels are natural-order ints: ly (n,4,8,8), lcb/lcr (n,8,8)."""
    models = st["models"]
    w = _new_writer()
    w["i_frame"] = ftype == FRAME_I  # I frames pool last contexts (_pooled_lasts)
    if ENT_ONE_PASS:
        w["defer"] = []
    if ftype == FRAME_P:
        mbh, mbw = st["mbh"], st["mbw"]
        ph = _MODE_PHASES.get((mbh, mbw))
        if ph is None:
            ph = _MODE_PHASES[(mbh, mbw)] = _mode_phases(mbh, mbw)
        ph0, ph1, black = ph
        if MODE_CTX_FAST:
            ctx0, ctx1 = _mode_contexts_enc(st["prev_modes"], modes, mbh, mbw, black)
        else:
            ctx0 = _mode_contexts(0, st["prev_modes"], None, mbh, mbw, black)
            ctx1 = _mode_contexts(1, st["prev_modes"], modes, mbh, mbw, black)
        _put_stages(w, models["mode"], ((ctx0[ph0], modes[ph0]), (ctx1[ph1], modes[ph1])))
        inter = np.nonzero((modes == MODE_INTER) | (modes == MODE_SPLIT))[0]
        dx = mvd[inter, 1]
        dy = mvd[inter, 0]
        _put_signed_stages(w, models["mvd"], ((np.zeros(inter.size, np.int64), dx), (1 + np.minimum(np.abs(dx), 2), dy)))
        split = np.nonzero(modes == MODE_SPLIT)[0]
        sx = sub[split, :, 1].ravel()
        sy = sub[split, :, 0].ravel()
        _put_signed_stages(w, models["mvd_sub"], ((np.zeros(sx.size, np.int64), sx), (1 + np.minimum(np.abs(sx), 2), sy)))
        one = np.nonzero(modes == MODE_INTER)[0]  # inter macroblocks: 16x16 transform flag, context = block kind
        kind_all = _block_kind(modes, mvd)
        _put(w, models["p16"], kind_all[one] - 1, ipm[one, COL16])
        if st.get("bi") is not None:  # the decision found _bi_allowed
            _put_bi(w, models, st["bi"], modes, mvd, kind_all, one)
    else:
        _put_ipm(w, models, ipm, st["mbh"], st["mbw"])
    coded = np.nonzero(modes != MODE_SKIP)[0]
    btype_mb = (modes[coded] != MODE_INTRA).astype(np.int64)
    zy = ly[coded].reshape(-1, 64)[:, ZIGZAG].astype(np.int64)
    zc = np.stack([lcb[coded], lcr[coded]], 1).reshape(-1, 64)[:, ZIGZAG].astype(np.int64)
    nz_y, nz_c = zy != 0, zc != 0  # (shared by the last positions and the sign hiding: the same numbers)
    last_y = np.where(nz_y.any(1), 63 - np.argmax(nz_y[:, ::-1], axis=1), -1)  # _last_positions
    last_c = np.where(nz_c.any(1), 63 - np.argmax(nz_c[:, ::-1], axis=1), -1)
    bt_y = np.repeat(btype_mb, 4)
    bt_c = np.repeat(btype_mb, 2)
    if ftype == FRAME_I and INTRA4:
        bt_y = np.where(ipm[coded, 6:10].ravel() > 0, LEV_SPLIT, bt_y)
    big = ipm[coded, COL16] > 0
    edge = None
    if ftype == FRAME_P and st["merge_stream"][2]:  # the skips' merge indices, before the levels (the decoder knows
        # every vector difference: their signs lead the sign section); one stage per wave (_merge_chain's batches)
        _put_stream(w, models["merge"], *st["merge_stream"])
    if ftype == FRAME_P and EDGE_TX:  # the final vectors are known: the edge blocks' last positions get own contexts
        ky, kc = _edge_kinds_mbs(st["mbh"], st["mbw"], st["mvs_now"], modes)
        ky[ipm[:, COL16] > 0] = 0
        edge = (ky[coded], kc[coded])
    _put_lasts(w, models, last_y, last_c, (kind_all if ftype == FRAME_P else _block_kind(modes, mvd))[coded], coded,
               st["mbh"], st["mbw"], big, edge)
    sdh = SDH and (ftype == FRAME_I or SDH_P)
    ex_y, ex_c = _sdh_excluded(bt_y, edge)
    sd = SDH_DIST if ftype == FRAME_I else SDH_DIST_P
    hid_y = _sign_hidden(nz_y, last_y, ex_y, sd) if sdh else None  # (mags > 0 of the flags: the flags)
    hid_c = _sign_hidden(nz_c, last_c, ex_c, sd) if sdh else None
    _write_levels(w, models["lev_y"], zy, last_y, bt_y, hid_y)
    _write_levels(w, models["lev_c"], zc, last_c, bt_c, hid_c)
    if ENT_ONE_PASS and w["defer"]:
        _put_passes(w, w.pop("defer"))
    if st.get("models_only"):  # _trial_models: only the adapted models are wanted, not the bytes
        return None
    if RANS_ENC_FAST:
        lanes, states, words = _rans_encode_flat(w["freq"], w["cum"], w["sizes"])
    else:
        lanes, states, words = _rans_encode(w["freq"], w["cum"])
    escapes = np.concatenate(w["escapes"]).astype(np.int64) if w["escapes"] else np.zeros(0, np.int64)
    signs = np.concatenate(w["signs"]) if w["signs"] else np.zeros(0, bool)
    out = bytearray()
    filt, wp, layer = pp
    alf = st.get("alf")
    alf_on = alf is not None and any(pr is not None and pr[0] != ALF_OFF for pr in alf)
    ext = (wp is not None) | ((layer is not None) << 1) | (alf_on << 2)
    out += struct.pack("<B", (FORMAT_VERSION << 4) | ((ext != 0) << 3) | (filt << 1) | ftype)
    if ext:
        out += struct.pack("<B", ext)
    if wp is not None:
        out += struct.pack("<6b", *(v for g, o in wp for v in (g - 64, o)))
    if layer is not None:
        out += struct.pack("<4b3h3b", *layer[0], *layer[1], *layer[2])
    if alf_on:
        out += _alf_header(alf, (st["mbh"] * 16, st["mbw"] * 16))
    out += _escape_section(escapes)
    out += _varint(lanes) + _varint(words.size)
    out += states.astype("<u4").tobytes() + words.astype("<u2").tobytes()
    out += np.packbits(signs).tobytes()
    return bytes(out)


def _decode_syntax(st, data, mbh, mbw):
    models = st["models"]
    n = mbh * mbw
    if len(data) < 1:
        raise ValueError("corrupt frame: empty payload")
    head = data[0]
    if head >> 4 != FORMAT_VERSION:
        raise ValueError("frame was written by another codec version")
    ftype = head & 1
    filt = (head >> 1) & 3
    pos = 1
    wp = None
    layer = None
    ext = data[1] if head & 8 and len(data) > 1 else 0
    if head & 8:
        pos = 2
        need = 2 + 6 * (ext & 1) + LAYER_BYTES * ((ext >> 1) & 1)
        if len(data) < need or ext == 0 or ext > 7:
            raise ValueError("corrupt frame: truncated or invalid header extension")
    if ext & 1:
        v = struct.unpack_from("<6b", data, pos)
        wp = tuple((v[2 * k] + 64, v[2 * k + 1]) for k in range(3))
        pos += 6
    if ext & 2:
        v = struct.unpack_from("<4b3h3b", data, pos)
        layer = (v[0:4], v[4:7], v[7:10])
        pos += LAYER_BYTES
    st["alf"] = None
    if ext & 4:
        st["alf"], pos = _read_alf_header(data, pos, (mbh * 16, mbw * 16))
    escapes, pos = _read_escapes(data, pos)
    lanes, pos = _read_varint(data, pos)
    n_words, pos = _read_varint(data, pos)
    states = np.frombuffer(data, "<u4", lanes, pos)
    pos += 4 * lanes
    words = np.frombuffer(data, "<u2", n_words, pos)
    pos += 2 * n_words
    sign_bits = np.unpackbits(np.frombuffer(data, np.uint8, len(data) - pos, pos))
    reader = _new_reader(max(lanes, 1), states, words)
    reader["i_frame"] = ftype == FRAME_I
    side = {"escapes": escapes, "esc_pos": 0}
    sign_pos = 0

    def take_signs(count):
        nonlocal sign_pos
        s = sign_bits[sign_pos : sign_pos + count]
        if s.size != count:
            raise ValueError("corrupt frame: sign section is truncated")
        sign_pos += count
        return s.astype(bool)

    mvd = np.zeros((n, 2), np.int64)
    sub = np.zeros((n, 3, 2), np.int64)

    def with_signs(mag):
        s = take_signs(int((mag > 0).sum()))
        v = mag.copy()
        v[np.nonzero(mag > 0)[0][s]] *= -1
        return v

    if ftype == FRAME_P:
        ph0, ph1, black = _mode_phases(mbh, mbw)
        modes = np.zeros(n, np.int64)
        modes[ph0] = _get(reader, models["mode"], _mode_contexts(0, st["prev_modes"], None, mbh, mbw, black)[ph0])
        modes[ph1] = _get(reader, models["mode"], _mode_contexts(1, st["prev_modes"], modes, mbh, mbw, black)[ph1])
        inter = np.nonzero((modes == MODE_INTER) | (modes == MODE_SPLIT))[0]
        ax = _get_signed(reader, models["mvd"], np.zeros(inter.size, np.int64), side)
        ay = _get_signed(reader, models["mvd"], 1 + np.minimum(ax, 2), side)
        mvd[inter, 1] = ax  # magnitudes for now: contexts only need to know which are zero
        mvd[inter, 0] = ay
        split = np.nonzero(modes == MODE_SPLIT)[0]
        bx_ = _get_signed(reader, models["mvd_sub"], np.zeros(3 * split.size, np.int64), side)
        by_ = _get_signed(reader, models["mvd_sub"], 1 + np.minimum(bx_, 2), side)
        ipm = np.zeros((n, IPM_COLS), np.int64)
        one = np.nonzero(modes == MODE_INTER)[0]
        ipm[one, COL16] = _get(reader, models["p16"], _block_kind(modes, mvd)[one] - 1)
        st["bi"] = _get_bi(reader, models, modes, mvd, side) if _bi_allowed(st, layer) else None
    else:
        modes = np.full(n, MODE_INTRA, np.int64)
        ipm = _get_ipm(reader, models, mbh, mbw)
    coded = np.nonzero(modes != MODE_SKIP)[0]
    btype_mb = (modes[coded] != MODE_INTRA).astype(np.int64)
    bt_y = np.repeat(btype_mb, 4)
    bt_c = np.repeat(btype_mb, 2)
    if ftype == FRAME_I and INTRA4:
        bt_y = np.where(ipm[coded, 6:10].ravel() > 0, LEV_SPLIT, bt_y)
    big = ipm[coded, COL16] > 0
    edge = None
    # signs, in the order the encoder emitted them: the vector differences' first
    if ftype == FRAME_P:
        mvd[inter, 1] = with_signs(ax)
        mvd[inter, 0] = with_signs(ay)
        sub[split, :, 1] = with_signs(bx_).reshape(-1, 3)
        sub[split, :, 0] = with_signs(by_).reshape(-1, 3)
        if st["bi"] is not None:
            flags, dw = st["bi"]
            on = np.nonzero(flags)[0]
            dw[on, 1] = with_signs(dw[on, 1])
            dw[on, 0] = with_signs(dw[on, 0])
        st["chain"] = _merge_chain(modes, mvd, _prev_chain(st), mbh, mbw, models["merge"], reader)
        if EDGE_TX:
            ky, kc = _edge_kinds_mbs(mbh, mbw, _mvs_from_chain(st["chain"], modes, sub), modes)
            ky[ipm[:, COL16] > 0] = 0
            edge = (ky[coded], kc[coded])
    last_y, last_c = _get_lasts(reader, models, _block_kind(modes, mvd)[coded], coded, mbh, mbw, big, edge)
    my, order_y = _read_levels(reader, models["lev_y"], last_y, bt_y, side)
    mc_, order_c = _read_levels(reader, models["lev_c"], last_c, bt_c, side)
    sdh = SDH and (ftype == FRAME_I or SDH_P)
    ex_y, ex_c = _sdh_excluded(bt_y, edge)
    sd = SDH_DIST if ftype == FRAME_I else SDH_DIST_P
    hid_y = _sign_hidden(my, last_y, ex_y, sd) if sdh else np.full(last_y.size, -1)
    hid_c = _sign_hidden(mc_, last_c, ex_c, sd) if sdh else np.full(last_c.size, -1)
    odd_y, odd_c = (my.sum(1) & 1).astype(bool), (mc_.sum(1) & 1).astype(bool)  # before any sign is applied
    for mags, order, hid, odd in ((my, order_y, hid_y, odd_y), (mc_, order_c, hid_c, odd_c)):
        for rows, p in order:
            h = hid[rows] == p
            neg = odd[rows].copy()  # hidden: the parity; the others from the sign section
            neg[~h] = take_signs(int((~h).sum()))
            mags[rows[neg], p] *= -1
    zy, zc = my, mc_
    ly = np.zeros((n, 4, 64), np.int64)
    lc = np.zeros((n, 2, 64), np.int64)
    ly[coded] = zy[:, ZZ_POS].reshape(-1, 4, 64) if coded.size else ly[coded]
    lc[coded] = zc[:, ZZ_POS].reshape(-1, 2, 64) if coded.size else lc[coded]
    ly, lcb, lcr = ly.reshape(n, 4, 8, 8), lc[:, 0].reshape(n, 8, 8), lc[:, 1].reshape(n, 8, 8)
    return ftype, (filt, wp, layer), modes, mvd, sub, ly, lcb, lcr, ipm


# ----------------------------------------------------------------------------
# reconstruction (identical in encoder and decoder)


def _median3(a, b, c):
    return np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))


def _vector_predictor(field, mbh, mbw):
    """Median of left, top and left + top - top-left (JPEG-LS's MED) of every macroblock's chain vector,
    with zero vectors outside the frame: exact for any affine field (pan, zoom, rotation), robust at edges."""
    g = np.zeros((mbh + 1, mbw + 1, 2), np.int64)
    g[1:, 1:] = field.reshape(mbh, mbw, 2)
    left, top, top_left = g[1:, :-1], g[:-1, 1:], g[:-1, :-1]
    return _median3(left, top, left + top - top_left).reshape(-1, 2)


FINAL_MVS_FAST = 1  # speed, the same numbers: _final_mvs' MED chain as a flat scalar loop (0 = the list-of-pairs loop)


def _chain_loop(dl, mbh, mbw):
    """The chain vectors (n, 2) from the coded differences dl (mbh, mbw, 2 nested lists): MED prediction in raster order."""
    prev = [[0, 0] for _ in range(mbw + 1)]  # row above, with a zero column on the left
    rows = []
    for r in range(mbh):
        cur = [[0, 0]]
        drow = dl[r]
        for c in range(mbw):
            left, top, tl = cur[c], prev[c + 1], prev[c]
            v = []
            for k in (0, 1):
                a, b = left[k], top[k]
                lo, hi = (a, b) if a < b else (b, a)
                g = a + b - tl[k]
                p = lo if g < lo else (hi if g > hi else g)
                v.append(min(max(p + drow[c][k], -MAX_MV), MAX_MV))
            cur.append(v)
        rows.append(cur[1:])
        prev = cur
    return np.array(rows, np.int64).reshape(-1, 2)


def _chain_scalar(dl, mbh, mbw):
    """_chain_loop with each row's differences flat (mbh, 2 * mbw lists): the same vectors, fewer Python objects."""
    lim = MAX_MV
    prev = [0] * (2 * mbw + 2)  # row above, with a zero column on the left: (y, x) pairs flat
    out = []
    for r in range(mbh):
        drow = dl[r]
        cur = [0, 0]
        ly, lx = 0, 0
        for c in range(mbw):
            ty, tx, gy, gx = prev[2 * c + 2], prev[2 * c + 3], prev[2 * c], prev[2 * c + 1]
            g = ly + ty - gy
            lo, hi = (ly, ty) if ly < ty else (ty, ly)
            py = lo if g < lo else (hi if g > hi else g)
            g = lx + tx - gx
            lo, hi = (lx, tx) if lx < tx else (tx, lx)
            px = lo if g < lo else (hi if g > hi else g)
            py += drow[2 * c]
            px += drow[2 * c + 1]
            ly = -lim if py < -lim else (lim if py > lim else py)
            lx = -lim if px < -lim else (lim if px > lim else px)
            cur.append(ly)
            cur.append(lx)
        out.extend(cur[2:])
        prev = cur
    return np.array(out, np.int64).reshape(-1, 2)


def _final_mvs(modes, mvd, sub, mbh, mbw):
    """Per-8x8 vectors (n,4,2). Chain vectors are coded against the MED predictor of the left, top and
    top-left chain vectors (raster order; skip and intra macroblocks take the predictor); a split
    macroblock's other three vectors are coded against its chain vector (sub-block 1)."""
    d = np.where(((modes == MODE_INTER) | (modes == MODE_SPLIT))[:, None], mvd, 0).reshape(mbh, mbw, 2)
    if FINAL_MVS_FAST:
        chain = _chain_scalar(d.reshape(mbh, 2 * mbw).tolist(), mbh, mbw)
    else:
        chain = _chain_loop(d.tolist(), mbh, mbw)
    mv4 = np.repeat(chain[:, None, :], 4, axis=1)
    split = modes == MODE_SPLIT
    mv4[:, list(SUB_OTHERS)] += np.where(split[:, None, None], sub, 0)
    return _npclip(mv4, -MAX_MV, MAX_MV)


def _merge_list(med, left, top, top_right, col):
    """A skip macroblock's merge candidates: the MED predictor, the left, top, previous frame's co-located and
    top-right chain vectors, zero; duplicates dropped, at most MERGE_MAX (the same list in encoder and decoder)."""
    out = [med]
    for v in (left, top, col, top_right, [0, 0]):
        if len(out) >= MERGE_MAX:
            break
        if v not in out:
            out.append(v)
    return out


def _merge_chain(modes, mvd, prev_chain, mbh, mbw, model, reader):
    """Decoder: the chain vectors (n, 2): skips take the candidate of _merge_list their merge index names, inter
    and split macroblocks MED + mvd, intra the MED. Worked in waves of 2 x row + column (every neighbour of the
    list is in an earlier wave), each wave's indices of skips with two or more candidates read as one batch,
    context = candidate count - 2 (the encoder's _merge_skips writes the same batches)."""
    n = mbh * mbw
    md, mo, col = mvd.tolist(), modes.tolist(), prev_chain.tolist()
    grid = [[None] * mbw for _ in range(mbh)]
    zero = [0, 0]
    for t in range(2 * (mbh - 1) + mbw):
        wave = []
        ask = []
        for r in range(max(0, (t - mbw + 2) // 2), min(mbh - 1, t // 2) + 1):
            c = t - 2 * r
            left = grid[r][c - 1] if c else zero
            top = grid[r - 1][c] if r else zero
            tl = grid[r - 1][c - 1] if r and c else zero
            tr = grid[r - 1][c + 1] if r and c + 1 < mbw else zero
            med = []
            for k in (0, 1):
                a, b = left[k], top[k]
                lo, hi = (a, b) if a < b else (b, a)
                g = a + b - tl[k]
                med.append(lo if g < lo else (hi if g > hi else g))
            lst = _merge_list(med, left, top, tr, col[r * mbw + c]) if mo[r * mbw + c] == MODE_SKIP else [med]
            if len(lst) > 1:
                ask.append((len(wave), len(lst)))
            wave.append([r, c, lst, 0])
        if ask:
            for (k, _), v in zip(ask, _get(reader, model, [m - 2 for _, m in ask]).tolist()):
                wave[k][3] = v
        for r, c, lst, pick in wave:
            i = r * mbw + c
            if mo[i] == MODE_SKIP:
                if pick >= len(lst):
                    raise ValueError("corrupt frame: merge index out of the candidate list")
                v = lst[pick]
            elif mo[i] == MODE_INTRA:
                v = lst[0]
            else:
                v = [min(max(lst[0][k] + md[i][k], -MAX_MV), MAX_MV) for k in (0, 1)]
            grid[r][c] = v
    return np.array(grid, np.int64).reshape(n, 2)


def _prev_chain(st):
    """The previous frame's chain vectors (zero after a key frame): the merge lists' temporal candidate."""
    got = st.get("prev_chain")
    return got if got is not None else np.zeros((st["mbh"] * st["mbw"], 2), np.int64)


def _mvs_from_chain(chain, modes, sub):
    """Per-8x8 vectors (n,4,2) from the chain vectors (as _final_mvs, with merge candidates)."""
    mv4 = np.repeat(chain[:, None, :], 4, axis=1)
    split = modes == MODE_SPLIT
    mv4[:, list(SUB_OTHERS)] += np.where(split[:, None, None], sub, 0)
    return _npclip(mv4, -MAX_MV, MAX_MV)


MV_KEY_SHIFT = 16  # encoder: a vector as one int64 key, (y << 16) + x (|x| <= MAX_MV < 2^15)
MERGE_EARLIER = np.tri(6, k=-1, dtype=bool)  # slot i's earlier slots (_merge_slots' duplicate test)


def _mv_keys(v):
    """Encoder: vectors (..., 2) as int64 keys (..., ), equal exactly where the vectors are."""
    return (v[..., 0] << MV_KEY_SHIFT) + v[..., 1]


def _mv_unkey(k):
    """Encoder: _mv_keys' inverse."""
    half = 1 << (MV_KEY_SHIFT - 1)
    x = ((k + half) & ((1 << MV_KEY_SHIFT) - 1)) - half
    return np.stack([(k - x) >> MV_KEY_SHIFT, x], -1)


def _merge_slots(chain, med, prev_chain, mbh, mbw, idx=None):
    """Encoder: _merge_list of every macroblock (or of macroblocks idx) from the frame's chain vectors, vectorised:
    the six raw candidates in the list's order (MED, left, top, co-located, top-right, zero) as _mv_keys (m, 6),
    and each slot's rank (m, 6): its list index + 1, 0 where it repeats an earlier slot or falls past MERGE_MAX
    (the lists the decoder's _merge_chain builds wave by wave)."""
    g = np.zeros((mbh + 1, mbw + 2), np.int64)
    g[1:, 1:-1] = _mv_keys(chain).reshape(mbh, mbw)
    if idx is None:
        idx = slice(None)
    keys = np.zeros((med[idx].shape[0], 6), np.int64)  # slot 5, the zero vector, stays 0
    keys[:, 0] = _mv_keys(med[idx])
    keys[:, 1] = g[1:, :-2].ravel()[idx]
    keys[:, 2] = g[:-1, 1:-1].ravel()[idx]
    keys[:, 3] = _mv_keys(prev_chain[idx])
    keys[:, 4] = g[:-1, 2:].ravel()[idx]
    first = ~((keys[:, :, None] == keys[:, None, :]) & MERGE_EARLIER).any(2)
    rank = np.cumsum(first, 1) * first
    rank[rank > MERGE_MAX] = 0
    return keys, rank


def _merge_skips(st, modes, mvd, ly, lcb, lcr, ipm):
    """Encoder: a one-vector inter macroblock without levels whose vector is in its merge list is coded as a skip
    with that candidate's index (its vector, and so every chain vector and predictor, stays). Updates modes, mvd
    and ipm in place, keeps the indices to code in st["merge_stream"] and returns the chain vectors."""
    mbh, mbw = st["mbh"], st["mbw"]
    n = mbh * mbw
    chain = _final_mvs(modes, mvd, np.zeros((n, 3, 2), np.int64), mbh, mbw)[:, 1]
    med = _vector_predictor(chain, mbh, mbw)
    keys, rank = _merge_slots(chain, med, _prev_chain(st), mbh, mbw)
    counts = rank.max(1)
    at = (rank * (keys == _mv_keys(chain)[:, None])).max(1)  # the chain vector's list index + 1 (0: not in it)
    bare = ~(ly.any(axis=(1, 2, 3)) | lcb.any(axis=(1, 2)) | lcr.any(axis=(1, 2)))
    to_skip = (modes == MODE_INTER) & bare & (at > 0)
    if st.get("bi") is not None:  # a two-hypothesis macroblock carries its flag as inter
        to_skip &= ~st["bi"][0]
    modes[to_skip] = MODE_SKIP
    mvd[to_skip] = 0
    ipm[to_skip, COL16] = 0
    merge = np.where(to_skip, at - 1, 0)
    # the indices the decoder reads: skips with two or more candidates, wave by wave (2 x row + column), rows
    # ascending within a wave (as _merge_chain visits them)
    ask = np.nonzero((modes == MODE_SKIP) & (counts > 1))[0]
    r, c = ask // mbw, ask % mbw
    ask = ask[np.lexsort((r, 2 * r + c))]
    wave = 2 * (ask // mbw) + ask % mbw
    cuts = np.concatenate([[0], np.nonzero(np.diff(wave))[0] + 1, [ask.size]]).tolist()
    # one _put_stages stage per wave, written as one _put_stream (the same segments, so the same bits)
    sizes = [sz for a, b in zip(cuts[:-1], cuts[1:]) for sz in _segment_sizes(b - a)] if MERGE_SIZES_CACHED else \
        [hi - lo for a, b in zip(cuts[:-1], cuts[1:]) for lo, hi in _segments(b - a)]
    st["merge_stream"] = (counts[ask] - 2, merge[ask], sizes)
    return chain


def _edge_filter(p1, p0, q0, q1, active, alpha, beta, tc):
    """H.264-style normal-strength edge filter on (p1 p0 | q0 q1) sample lines, integer maths."""
    d0 = q0 - p0
    on = active & (np.abs(d0) < alpha) & (np.abs(p1 - p0) < beta) & (np.abs(q1 - q0) < beta)
    if CLIP_INPLACE:  # (int32 samples, int64 tc: the same int64 results as np.clip's)
        delta = np.maximum((4 * d0 + (p1 - q1) + 4) >> 3, -tc)
        np.minimum(delta, tc, out=delta)
        delta *= on
        return _clip255_inplace(p0 + delta), _clip255_inplace(q0 - delta)
    delta = np.clip((4 * d0 + (p1 - q1) + 4) >> 3, -tc, tc) * on
    return np.clip(p0 + delta, 0, 255), np.clip(q0 - delta, 0, 255)


def _deblock(plane, coded, intra, mv, step):
    """In-loop deblocking of the 8x8 block grid; an edge is filtered when either side is intra, has
    coefficients, or moves differently (>= 1 pel). Thresholds scale with the quantiser step."""
    s = float(DEBLOCK_STRENGTH)
    alpha = int(round(s * 1.0 * step)) + 1
    beta = int(round(s * 0.25 * step)) + 1
    tc_inter = int(round(s * 0.10 * step)) + 1
    p = plane.astype(np.int32)
    h, w = p.shape
    for axis in (1, 0):
        if axis == 0:
            p = p.T
            coded_a, intra_a, mv_a = coded.T, intra.T, mv.transpose(1, 0, 2)
        else:
            coded_a, intra_a, mv_a = coded, intra, mv
        nb = coded_a.shape[1]
        if nb < 2:
            p = p.T if axis == 0 else p
            continue
        left, right = slice(0, nb - 1), slice(1, nb)
        moves = (np.abs(mv_a[:, left] - mv_a[:, right]) >= 4).any(-1)
        strong = intra_a[:, left] | intra_a[:, right]
        active = strong | coded_a[:, left] | coded_a[:, right] | moves
        tc = np.where(strong, 2 * tc_inter, tc_inter)
        rows = p.shape[0] // active.shape[0]
        active = np.repeat(active, rows, 0)
        tc = np.repeat(tc, rows, 0)
        xs = np.arange(1, nb) * 8
        new_p0, new_q0 = _edge_filter(p[:, xs - 2], p[:, xs - 1], p[:, xs], p[:, xs + 1], active, alpha, beta, tc)
        p[:, xs - 1] = new_p0
        p[:, xs] = new_q0
        if axis == 0:
            p = p.T
    return np.ascontiguousarray(p.reshape(h, w)).astype(np.uint8)


DEBLOCK_FAST = 1  # encoder speed, the same samples: _reconstruct's deblocking on the encoder side runs _deblock_fast
# (the decoder keeps _deblock); 0 = _deblock on both sides


def _edge_filter_views(p1, p0, q0, q1, active, alpha, beta, tc, ntc):
    """_edge_filter on strided views of an int32 plane, written into p0 and q0 (the same integers: all values are
    small, int32 holds every intermediate; active / tc / ntc broadcast against the views)."""
    d0 = q0 - p0
    on = np.abs(d0) < alpha
    t = p1 - p0
    np.abs(t, out=t)
    on &= t < beta
    np.subtract(q1, q0, out=t)
    np.abs(t, out=t)
    on &= t < beta
    on &= active
    delta = d0
    delta *= 4
    delta += p1
    delta -= q1
    delta += 4
    delta >>= 3
    np.maximum(delta, ntc, out=delta)
    np.minimum(delta, tc, out=delta)
    delta *= on
    a = p0 + delta
    np.subtract(q0, delta, out=delta)
    np.maximum(a, 0, out=a)
    np.minimum(a, 255, out=p0)
    np.maximum(delta, 0, out=delta)
    np.minimum(delta, 255, out=q0)


def _deblock_fast(plane, coded, intra, mv, step):
    """_deblock (the same samples): the edges' sample columns / rows as strided views of the plane reshaped to its
    8x8 grid (no transposes, gathers or scatters), the grid's flags broadcast instead of repeated."""
    h, w = plane.shape
    nbr, nbc = coded.shape
    if h != 8 * nbr or w != 8 * nbc or nbr < 2 or nbc < 2:
        return _deblock(plane, coded, intra, mv, step)
    s = float(DEBLOCK_STRENGTH)
    alpha = int(round(s * 1.0 * step)) + 1
    beta = int(round(s * 0.25 * step)) + 1
    tc_inter = int(round(s * 0.10 * step)) + 1
    p = plane.astype(np.int32)
    v = p.reshape(nbr, 8, nbc, 8)
    # vertical edges first (filtering along rows), as _deblock's axis 1
    moves = np.abs(mv[:, :-1] - mv[:, 1:]) >= 4
    moves = moves[..., 0] | moves[..., 1]
    strong = intra[:, :-1] | intra[:, 1:]
    active = strong | coded[:, :-1] | coded[:, 1:] | moves
    tc = np.where(strong, 2 * tc_inter, tc_inter).astype(np.int32)
    _edge_filter_views(v[:, :, :-1, 6], v[:, :, :-1, 7], v[:, :, 1:, 0], v[:, :, 1:, 1], active[:, None, :], alpha,
                       beta, tc[:, None, :], -tc[:, None, :])
    # then horizontal edges (filtering along columns) on the result, as _deblock's axis 0
    moves = np.abs(mv[:-1] - mv[1:]) >= 4
    moves = moves[..., 0] | moves[..., 1]
    strong = intra[:-1] | intra[1:]
    active = strong | coded[:-1] | coded[1:] | moves
    tc = np.where(strong, 2 * tc_inter, tc_inter).astype(np.int32)
    _edge_filter_views(v[:-1, 6], v[:-1, 7], v[1:, 0], v[1:, 1], active[:, :, None], alpha, beta, tc[:, :, None],
                       -tc[:, :, None])
    return p.astype(np.uint8)


# adaptive loop filter (after deblocking, in the loop): symmetric Wiener filters per frame and plane in the form
# rec + sum_k c_k (rec(x + o_k) + rec(x - o_k) - 2 rec(x)) (DC gain 1 for any coefficients), estimated by least
# squares against the source on the encoder, coefficients in 1/2^ALF_SHIFT; luma 4x4 blocks fall into 25 classes
# (activity x direction, as VVC's ALF) that share up to 25 filters; on/off per region, all chosen by RD cost

ALF_TAPS_LUMA = ((0, 1), (0, 2), (0, 3), (1, -2), (1, -1), (1, 0), (1, 1), (1, 2), (2, -1), (2, 0), (2, 1), (3, 0))
ALF_TAPS_CHROMA = ((0, 1), (0, 2), (1, -1), (1, 0), (1, 1), (2, 0))  # 7x7 / 5x5 diamonds, one tap per mirror pair
ALF_SHIFT = 7
ALF_COEF_MAX = 127
ALF_BLOCK = 64  # luma pels per side of an on/off region (chroma: half)
ALF_OFF, ALF_ALL, ALF_FLAGS = 0, 1, 2  # per-plane mode: off, every region, per-region flags
ALF_CLASSES = 25  # luma classes: 5 directions x 5 activities; 25 or 1 (= one filter per plane, no class map)
ALF_ACTIVITY = (2, 5, 10, 20)  # class edges of the mean |horizontal| + |vertical| Laplacian of a 4x4 block
ALF_EG_K = 1  # exp-Golomb order of the coefficients
ALF_STATS_STEP = 2  # encoder: the least-squares statistics use every this-many-th row
ALF_PASSES = (2, 2)  # encoder, I / P frames: 2 = a second estimate on the regions that kept the filter (P: 1 -> 2,
# bundled -0.32 % for 1.09x time)
ALF_P_STATS_STEP = 4  # encoder: ALF_STATS_STEP of P frames
ALF_P_STATS_STEP_HQ = None  # encoder speed (a decision, hq26 sprint 2): (quality, step): at quality >= the first
# number P frames' ALF statistics use this row step instead of ALF_P_STATS_STEP; None = off
ALF_P_STATS_STEP_LQ = None  # encoder speed (a decision, post27): (quality, step): below the first number P frames'
# ALF statistics use every step-th row (None = ALF_P_STATS_STEP). (35, 8): astronaut +0.10 %, chelsea +0.10 % BD (q20 bytes +0.6 %, +1.5 %): off
ALF_P_REMERGE = 0  # encoder: P frames' second estimate merges the classes again (0 = keeps the first's class-to-filter map)
ALF_P_REFIT_MIN = 0.0  # encoder: P frames re-estimate only where at least this share of regions dropped the filter
ALF_P_MERGE_EVERY = 1  # encoder: P frames merge the luma classes afresh only every this-many-th P frame (others
# reuse the last merged class-to-filter map; 1 = every frame)
ALF_P_ONE_REFRESH = 16  # encoder speed (a decision): after a P frame whose fresh luma class merge kept a single filter,
# the following P frames decide one luma filter without classes (no classification, class sort or merge; the same
# header as a one-filter merge), with a fresh classified decision at least every this-many-th P frame; 0 = off
# (post27b: 8 -> 16, six clips x 16 frames byte-identical at q20 (BD +0.000 on each), one fresh merge fewer in
# the astronaut and face paired rungs)
ALF_P_ONE_START = 0  # encoder speed (a decision, post27b): 1 = at qualities up to ALF_P_ONE_QMAX the first P frame
# already decides one luma filter (no fresh class merge first; on all six clips at q20 the first P frame's fresh
# merge kept one filter anyway); 0 = a fresh merge first (next27)
ALF_P_ONE_QMAX = 34  # ... only at qualities up to this (above it the merges keep two or more filters more often)
ALF_P_ONE_MARGIN = 0.0  # ... and only after merges where one filter beat the best of more by at least this many bits
ALF_P_ONE_CLASSES = 2  # ... 1: those frames still gather the class statistics and sum them (the same numbers as a
# merge that keeps one filter: only the merge is skipped); 0: one luma filter from unclassified statistics (faster;
# float32 sums over the whole plane: +0.4 % on astronaut); 2: the same in float64
ALF_P_REFIT_GAIN = 1  # encoder speed (a decision): P frames' second filter estimate only when the first one pays
# (some mode beats off): 1 = chroma planes, 2 = all planes, 0 = always (ALF_PASSES)
ALF_P_LUMA_REFIT_QMAX = 74  # encoder speed (a decision): P frames above this quality estimate the luma filter once
# (no second estimate on the regions that kept it: at q80 it rarely changes the choice). hq26: 74 (q80 only; was 100
# = off): six clips x 16 frames vs c0022 +0.01 % BD (-0.04..+0.04 per clip), ~3 ms of a coffee q80 P frame
ALF_P_MERGE_EVERY_HQ = (75.0, 3)  # encoder speed (a decision, hq26): (quality, n): at quality >= the first number
# ALF_P_MERGE_EVERY is n (the luma class merge afresh every n-th P frame, the last map reused between); None = off.
# (75, 2) with ALF_P_LUMA_REFIT_QMAX 74: +0.02 % BD vs c0022 (six clips, 16 frames; retina +0.08, the rest +-0.04)
# Sprint 2: (75, 3) [c0023: (75, 2)]: alone +0.013 % BD vs c0023; (75, 4) in the sprint-2 set +0.016 % more (chelsea +0.10)
ALF_P_ONE_Q = None  # encoder speed (a decision, hq26): P frames at quality >= this decide one luma filter (no classes,
# class sort or merge; float64 statistics as ALF_P_ONE_CLASSES 2); None = off. 75: ALF at q80 0.46x, but +0.19 % BD
# (chelsea +0.81: q80 +16.6 % rate / +0.30 dB, face +0.18): rejected
ALF_P_MERGE_EVERY_MQ = (45.0, 75.0, 2)  # encoder speed (a decision, ent26): (qlo, qhi, n): at qlo <= quality < qhi
# ALF_P_MERGE_EVERY is n (the mid-rate mirror of ALF_P_MERGE_EVERY_HQ); None = off
ALF_P_LUMA_ONCE_MQ = (45.0, 75.0)  # encoder speed (a decision, ent26): (qlo, qhi): P frames at qlo <= quality < qhi estimate
# the luma filter once (as ALF_P_LUMA_REFIT_QMAX above it); None = off
ALF_P_CHROMA_SKIP_MQ = (45.0, 75.0, 4)  # encoder speed (a decision, ent26): (qlo, qhi, n): ALF_P_CHROMA_SKIP is n at qlo <=
# quality < qhi; None = off. The three together at (45, 75) (so q50, q65): +0.07 % BD vs c0023 with the *_LQ knobs
# (six clips x 16 frames: astronaut +0.12, chelsea +0.24, coffee -0.04, face -0.01, motorcycle +0.15, retina -0.03);
# P-frame ALF at chelsea q50 0.61x, face q50 0.70x (P 0.91x, 0.92x in one loaded run). At (35, 75): +0.29 % (retina
# q35 +2.0 % bytes): rejected
ALF_P_ONE_STEP_LQ = None  # encoder speed (a decision, post27): (quality, step): below the first number the P frames'
# one-luma-filter estimates of ALF_P_ONE_REFRESH (no classes, float64 sums) use every step-th row; None = step_s.
# (35, 8): astronaut +0.09 %, coffee +0.16 % BD (q20 bytes +0.4 %, +1.5 %), stopped after three clips: off
ALF_P_CHROMA_SKIP_LQ = (35.0, 8)  # encoder speed (a decision, post27): (quality, n): below the first number
# ALF_P_CHROMA_SKIP is n (at q20 the P-frame chroma filters of astronaut and face are off in every frame); None = off
# (post27b: n 4 -> 8, six clips x 16 frames byte-identical at q20 (BD +0.000 on each))
ALF_P_CHROMA_SKIP = 0  # encoder speed (a decision): a chroma plane whose last fresh P-frame filter decision was
# off stays off without a decision, with a fresh decision at least every this-many-th P frame; 0 = always decided
ALF_P_CHROMA_SKIP_HQ = (75.0, 3)  # encoder speed (a decision, hq26 sprint 3): (quality, n): at quality >= the first
# number ALF_P_CHROMA_SKIP is n (coffee q80's chroma filters are off in ~2/3 of its P frames); None = off.
# With P16_ADAPT_HQ (0.004, 3) and the sprint-2 set: six clips x 16 frames vs c0023 +0.01 % BD (ab-codecs; fast BD
# +0.037 -> +0.006 %); 6 gave the same bytes. On top, ALF_P_STATS_STEP_HQ (75, 8): +0.048 % more (chelsea +0.16)
ALF_P_LUMA_SKIP_HQ = (75.0, 2)  # encoder speed (a decision, hq26 sprint 3): (quality, n): at quality >= the first number
# the luma plane follows ALF_P_CHROMA_SKIP's rule with n (a last fresh decision of off stays off for n - 1 P frames);
# None = off. Fast BD (q80 points vs c0023) on top of the rest: +0.006 -> +0.015 % (coffee +0.011); (75, 3) +0.021 %
ALF_P_LUMA_SKIP_MQ = (45.0, 75.0, 2)  # encoder speed (a decision, post27b): (qlo, qhi, n): at qlo <= quality < qhi
# the luma plane follows ALF_P_LUMA_SKIP_HQ's rule with n (a last fresh decision of off stays off for n - 1 P frames;
# chelsea q50 has luma ALF off in 8 of 15 P frames); None = off. BD vs next27 (six clips, 16 frames, q50/q65 points):
# n 2: -0.021 % (astronaut -0.020, chelsea +0.079, coffee -0.106, face -0.012, motorcycle +0.040, retina -0.107),
# the chelsea q50 paired rung byte-identical, its ALF time 99.9 -> 87.9 ms; n 3: +0.030 % (astronaut +0.168) for
# 85.0 ms
ALF_BLOCK_COEFS = 1  # speed: the classified filter multiplies by per-4x4-block coefficients (no per-sample gathers)
ALF_P_CLASSES = 1  # encoder: P frames also try the 25 luma classes (else one luma filter; with ALF_STATS_STEP 2
# on c0017: six clips -1.38 % BD, chelsea -5.5 %, for ~8 % encode time)


def _alf_features(p, taps, row_step=1):
    """(len(taps) + 1, rows * w) float32 of every row_step-th row: the mirror-pair sums p(x + o) + p(x - o) of a
    plane (edge-padded), then p itself; the filter's second differences are sum - 2 p (_alf_extend)."""
    r = max(max(abs(dy), abs(dx)) for dy, dx in taps)
    q = _pad_edge(p, r)
    h, w = p.shape
    rows = p[::row_step]
    out = np.empty((len(taps) + 1,) + rows.shape, np.float32)
    for k, (dy, dx) in enumerate(taps):
        a = q[r + dy : r + dy + h : row_step, r + dx : r + dx + w]
        np.add(a, q[r - dy : r - dy + h : row_step, r - dx : r - dx + w], out=out[k])
    out[-1] = rows
    return out.reshape(len(taps) + 1, -1)


def _alf_extend(coefs):
    """Coefficients on _alf_features' rows: c_k on each pair sum, -2 sum(c) on the centre sample."""
    c = np.asarray(coefs, np.float32)
    return np.concatenate([c, -2 * c.sum(axis=1, keepdims=True)], axis=1)


_ALF_TR = {}  # k: _alf_second_diff_stats' transform (speed: built once)


def _alf_second_diff_stats(g, bf):
    """Normal equations of the second-difference features from those of _alf_features' rows (..., k+1)."""
    k = g.shape[-1] - 1
    tr = _ALF_TR.get(k)
    if tr is None:
        tr = _ALF_TR[k] = np.concatenate([np.eye(k), -2 * np.ones((k, 1))], axis=1)
    return tr @ g @ tr.T, bf @ tr.T


def _alf_classes(plane, per_block=False):
    """Class 0..24 of every sample (flattened): per 4x4 block, the sums of |1-D Laplacians| give the direction
    (none / horizontal / vertical / two diagonals, a 2:1 dominance) and the activity (ALF_ACTIVITY), in integers.
    per_block: the (h / 4, w / 4) classes of the 4x4 blocks instead (None where the plane is not in 4x4 blocks)."""
    h, w = plane.shape
    if ALF_CLASSES <= 1 or h % 4 or w % 4:
        return None if per_block else np.zeros(h * w, np.int64)
    q = _pad_edge(plane.astype(np.int16), 1)  # |2 c - a - b| <= 510: int16 (speed, the same integers)
    c2 = 2 * q[1:-1, 1:-1]

    def lap(a, b):
        s = c2 - a
        s -= b
        np.abs(s, out=s)
        # 4x4 block sums as strided int16 additions (speed, ~10x faster than a 2-axis int64 reduction; the same
        # integers: a block sum is at most 16 x 510 = 8160)
        r = s[0::4] + s[1::4]
        r += s[2::4]
        r += s[3::4]
        t = r[:, 0::4] + r[:, 1::4]
        t += r[:, 2::4]
        t += r[:, 3::4]
        return t.astype(np.int64)

    gv = lap(q[:-2, 1:-1], q[2:, 1:-1])
    gh = lap(q[1:-1, :-2], q[1:-1, 2:])
    gd1 = lap(q[:-2, :-2], q[2:, 2:])
    gd2 = lap(q[:-2, 2:], q[2:, :-2])
    hv_hi, hv_lo = np.maximum(gv, gh), np.minimum(gv, gh)
    d_hi, d_lo = np.maximum(gd1, gd2), np.minimum(gd1, gd2)
    use_hv = hv_hi * d_lo >= d_hi * hv_lo  # the stronger of the two ratios (cross-multiplied: exact)
    strong_hv = hv_hi > 2 * hv_lo
    strong_d = d_hi > 2 * d_lo
    direction = np.where(use_hv, np.where(strong_hv, np.where(gh > gv, 1, 2), 0),
                         np.where(strong_d, np.where(gd1 > gd2, 3, 4), 0))
    activity = np.searchsorted(16 * np.array(ALF_ACTIVITY), gv + gh, side="right")
    cls = 5 * direction + activity
    if per_block:
        return cls
    return np.repeat(np.repeat(cls, 4, 0), 4, 1).ravel()


def _alf_region_grid(shape, block):
    """Region index of every sample of a plane: (rows // block) * columns-of-regions + cols // block."""
    h, w = shape
    nx = -(-w // block)
    return (np.arange(h)[:, None] // block) * nx + np.arange(w)[None, :] // block, -(-h // block) * nx


def _alf_filter(p, taps, coefs, fidx=None):
    """Integer filtering p + floor((sum_k c_k (p(x + o_k) + p(x - o_k) - 2 p) + 2^(ALF_SHIFT-1)) / 2^ALF_SHIFT),
    clipped to 0..255, of a float32 plane of integers (coefs: (filters, taps), fidx: each sample's filter, or
    with ALF_BLOCK_COEFS each 4x4 block's, (h / 4, w / 4)), accumulated tap by tap without a features array: every
    term and partial sum is an integer below 2^24 (|c| <= 127, pair sums <= 510, 12 taps), so float32 arithmetic
    is exact."""
    c = _alf_extend(coefs)
    per_sample = c.shape[0] > 1 and fidx is not None
    r = max(max(abs(dy), abs(dx)) for dy, dx in taps)
    q = _pad_edge(p, r)
    h, w = p.shape
    pair = np.empty_like(p)
    if per_sample and fidx.ndim == 2:  # speed: per-block coefficients broadcast over 4x4 views (the same products)
        blocks = (h // 4, 4, w // 4, 4)
        cb = c[fidx][:, None, :, None, :]  # (h / 4, 1, w / 4, 1, taps + 1)
        s = np.multiply(cb[..., -1], p.reshape(blocks)).reshape(h, w)
        pv = pair.reshape(blocks)
        for k, (dy, dx) in enumerate(taps):
            np.add(q[r + dy : r + dy + h, r + dx : r + dx + w], q[r - dy : r - dy + h, r - dx : r - dx + w], out=pair)
            pv *= cb[..., k]
            s += pair
    else:
        s = (c[:, -1][fidx].reshape(h, w) if per_sample else c[0, -1]) * p
        for k, (dy, dx) in enumerate(taps):
            np.add(q[r + dy : r + dy + h, r + dx : r + dx + w], q[r - dy : r - dy + h, r - dx : r - dx + w], out=pair)
            pair *= c[:, k][fidx].reshape(h, w) if per_sample else c[0, k]
            s += pair
    s += 1 << (ALF_SHIFT - 1)
    s *= 1.0 / (1 << ALF_SHIFT)
    np.floor(s, out=s)
    s += p
    if CLIP_INPLACE:  # (no NaN; floor(x) + p with p >= 0 is never -0.0)
        return _clip255_inplace(s)
    return np.clip(s, 0, 255, out=s)


def _alf_apply(plane, taps, params, block):
    """The decoder's (and the encoder's) filtering of one plane with params = (mode, coefs, fmap, flags) or None."""
    if params is None or params[0] == ALF_OFF:
        return plane
    mode, coefs, fmap, flags = params
    p = plane.astype(np.float32)
    grid = _alf_classes(plane, True) if ALF_BLOCK_COEFS and fmap is not None else None
    fidx = (fmap[_alf_classes(plane)] if grid is None else fmap[grid]) if fmap is not None else None
    out = _alf_filter(p, taps, coefs, fidx)
    if mode == ALF_FLAGS:
        grid, _ = _alf_region_grid(p.shape, block)
        out = np.where(flags[grid], out, p)
    return out.astype(np.uint8)


def _alf_reg(a):
    """Ridge term of the normal equations (keeps a class with few or flat samples solvable)."""
    k = a.shape[-1]
    return 1e-3 * (np.einsum("...ii->...", a)[..., None, None] / k + 1.0) * np.eye(k)


ALF_LEAN = 1  # encoder speed, the same numbers: _alf_region_sums' zero padding by one copy instead of np.pad (0 = np.pad)


ALF_SOLVE_FAST = 1  # encoder speed, the same numbers: _alf_min_err adds the ridge term on the diagonal only and calls
# numpy's solve gufunc directly (the same LAPACK gesv call as np.linalg.solve, without its Python wrapper); 0 = as before
_ALF_EYE_DIAG = {}  # k -> flat indices of the diagonal of a (k, k) matrix
try:
    from numpy.linalg import _umath_linalg as _np_umath_linalg
    from numpy.linalg.linalg import get_linalg_error_extobj as _np_linalg_extobj, \
        _raise_linalgerror_singular as _np_linalg_singular
    _ALF_SOLVE_EXTOBJ = _np_linalg_extobj(_np_linalg_singular)
except Exception:  # (another numpy layout: the plain path)
    _np_umath_linalg = None


def _alf_solve_reg(a, b):
    """np.linalg.solve(a + _alf_reg(a), b[..., None])[..., 0] (the same numbers, see ALF_SOLVE_FAST)."""
    if not ALF_SOLVE_FAST or _np_umath_linalg is None or a.dtype != np.float64 or b.dtype != np.float64:
        return np.linalg.solve(a + _alf_reg(a), b[..., None])[..., 0]
    k = a.shape[-1]
    # a + 1e-3 * (tr / k + 1.0) * I: off the diagonal a + 0.0 (a -0.0 becomes +0.0 as before), on it the same sum
    d = 1e-3 * (np.einsum("...ii->...", a) / k + 1.0)
    a2 = a + 0.0
    a2.reshape(a.shape[:-2] + (k * k,))[..., ::k + 1] += d[..., None]
    return _np_umath_linalg.solve(a2, b[..., None], signature="dd->d", extobj=_ALF_SOLVE_EXTOBJ)[..., 0]


def _alf_min_err(a, b, e):
    """Least-squares residual e - b' a^-1 b of stacked normal equations (the SSD after the ideal filter)."""
    c = _alf_solve_reg(a, b)
    return e - (b * c).sum(-1)


def _alf_quantise(a, b):
    """Least-squares coefficients of stacked normal equations a c = b in 1/2^ALF_SHIFT, clipped."""
    c = _alf_solve_reg(a, b)
    return _npclip(np.rint(c * (1 << ALF_SHIFT)), -ALF_COEF_MAX, ALF_COEF_MAX).astype(np.int32)


def _eg_bits(v, k=ALF_EG_K):
    """Bits of signed values in exp-Golomb order k (zigzag mapping 0, -1, 1, -2, ...)."""
    u = np.where(np.asarray(v) > 0, 2 * np.abs(v) - 1, 2 * np.abs(v)) + (1 << k)
    return (2 * np.floor(np.log2(u)).astype(np.int64) - k + 1).sum()


def _alf_class_stats(f, t, cls, n_cls):
    """Per-class normal equations (a, b) and target energy e of the samples (features f, target t, classes cls)."""
    k = f.shape[0] - 1
    order = np.argsort(cls.astype(np.uint8), kind="stable")  # a radix sort
    bounds = np.concatenate([[0], np.cumsum(np.bincount(cls, minlength=n_cls))])
    fs, ts = f.T.take(order, axis=0).T, t.take(order)  # = f[:, order] (the same (4, 4 * rows) strides), faster
    g = np.zeros((n_cls, k + 1, k + 1), f.dtype)
    bf = np.zeros((n_cls, k + 1), f.dtype)
    e = np.zeros(n_cls)
    for c in range(n_cls):
        s = slice(bounds[c], bounds[c + 1])
        if s.stop > s.start:
            g[c] = fs[:, s] @ fs[:, s].T
            bf[c] = fs[:, s] @ ts[s]
            e[c] = ts[s] @ ts[s]
    # speed: the second-difference transform of all classes in one product (the same numbers: every entry of the
    # transform's products is a sum of one to four non-zero terms with power-of-two factors, the rest exact zeros,
    # so the summation order does not matter); empty classes stay exact zeros as before
    a, b = _alf_second_diff_stats(g, bf)
    empty = bounds[1:] == bounds[:-1]
    a[empty] = 0.0
    b[empty] = 0.0
    return a, b, e


_ALF_MERGE_MARGIN = [0.0]  # encoder: the last _alf_merge's cost margin of one filter over the best of more, in bits


def _alf_merge(a, b, e, weight, lam):
    """Greedy merging of classes into shared filters (the pair whose merge costs least SSD first); returns the
    class-to-filter map with the least estimated RD cost (SSD after the ideal filters + coefficient and map bits).
    Speed (the same numbers as re-solving): a merged group's own error is the stored error of the pair's merge
    (the same sums of the same statistics, so the same system), the alive groups are a mask and the best map is
    built once at the end."""
    if ALF_MERGE_LEAN:
        return _alf_merge_lean(a, b, e, weight, lam)
    n = a.shape[0]
    k = a.shape[1]
    ga, gb, ge = a.copy(), b.copy(), e.copy()
    alive = np.ones(n, bool)
    fmap = np.arange(n)
    err = _alf_min_err(ga, gb, ge)
    pair = np.full((n, n), np.inf)
    joint = np.zeros((n, n))  # least-squares error of each pair's merged statistics
    iu = np.triu_indices(n, 1)
    joint[iu] = _alf_min_err(ga[iu[0]] + ga[iu[1]], gb[iu[0]] + gb[iu[1]], ge[iu[0]] + ge[iu[1]])
    pair[iu] = joint[iu] - err[iu[0]] - err[iu[1]]
    best = (np.inf, None, None)
    coef_bits = 5.0 * k  # typical exp-Golomb cost of one filter
    m = n
    other = np.inf  # (the least cost with two or more filters: ALF_P_ONE_MARGIN)
    while True:
        map_bits = n * math.ceil(math.log2(m)) if m > 1 else 0
        cost = weight * err[alive].sum() + lam * (5 + m * coef_bits + map_bits)
        if cost < best[0]:
            best = (cost, fmap.copy(), alive.copy())
        if m == 1:
            _ALF_MERGE_MARGIN[0] = (other - cost) / lam if lam > 0 else 0.0
            break
        other = min(other, cost)
        i, j = divmod(int(np.argmin(pair)), n)
        ga[i] += ga[j]
        gb[i] += gb[j]
        ge[i] += ge[j]
        fmap[fmap == j] = i
        alive[j] = False
        m -= 1
        pair[j, :] = np.inf
        pair[:, j] = np.inf
        err[i] = joint[i, j]
        others = np.flatnonzero(alive)
        others = others[others != i]
        if others.size:
            e2 = _alf_min_err(ga[i] + ga[others], gb[i] + gb[others], ge[i] + ge[others])
            lo, hi = np.minimum(i, others), np.maximum(i, others)
            joint[lo, hi] = e2
            pair[lo, hi] = e2 - err[i] - err[others]
    remap = np.cumsum(best[2]) - 1  # alive group -> filter index, in group order
    return remap[best[1]]


ALF_MERGE_LEAN = 1  # encoder speed, the same numbers: _alf_merge_lean (fewer numpy calls a merge step); 0 = _alf_merge's loop
_ALF_TRIU = {}  # n -> np.triu_indices(n, 1)


def _alf_merge_lean(a, b, e, weight, lam):
    """_alf_merge with the same arithmetic and the same result (and _ALF_MERGE_MARGIN): the alive groups also as a
    sorted Python list, argmin / flat index as ndarray methods, the pair updates split at i without minimum/maximum."""
    n = a.shape[0]
    k = a.shape[1]
    ga, gb, ge = a.copy(), b.copy(), e.copy()
    alive = np.ones(n, bool)
    live = list(range(n))
    fmap = np.arange(n)
    err = _alf_min_err(ga, gb, ge)
    pair = np.full((n, n), np.inf)
    joint = np.zeros((n, n))
    iu = _ALF_TRIU.get(n)
    if iu is None:
        iu = _ALF_TRIU[n] = np.triu_indices(n, 1)
    i0, i1 = iu
    joint[iu] = _alf_min_err(ga[i0] + ga[i1], gb[i0] + gb[i1], ge[i0] + ge[i1])
    pair[iu] = joint[iu] - err[i0] - err[i1]
    best = (np.inf, None, None)
    coef_bits = 5.0 * k
    m = n
    other = np.inf
    pflat = pair.reshape(-1)
    while True:
        map_bits = n * math.ceil(math.log2(m)) if m > 1 else 0
        cost = weight * err[alive].sum() + lam * (5 + m * coef_bits + map_bits)
        if cost < best[0]:
            best = (cost, fmap.copy(), alive.copy())
        if m == 1:
            _ALF_MERGE_MARGIN[0] = (other - cost) / lam if lam > 0 else 0.0
            break
        other = min(other, cost)
        i, j = divmod(int(pflat.argmin()), n)
        ga[i] += ga[j]
        gb[i] += gb[j]
        ge[i] += ge[j]
        fmap[fmap == j] = i
        alive[j] = False
        live.remove(j)
        m -= 1
        pair[j, :] = np.inf
        pair[:, j] = np.inf
        err[i] = joint[i, j]
        others = [o for o in live if o != i]
        if others:
            oa = np.array(others)
            e2 = _alf_min_err(ga[i] + ga[oa], gb[i] + gb[oa], ge[i] + ge[oa])
            pe = e2 - err[i] - err[oa]
            nlo = 0  # others below i: pairs (o, i); the rest: (i, o)
            while nlo < len(others) and others[nlo] < i:
                nlo += 1
            if nlo:
                lo = oa[:nlo]
                joint[lo, i] = e2[:nlo]
                pair[lo, i] = pe[:nlo]
            if nlo < len(others):
                hi = oa[nlo:]
                joint[i, hi] = e2[nlo:]
                pair[i, hi] = pe[nlo:]
    remap = np.cumsum(best[2]) - 1
    return remap[best[1]]


def _alf_region_sums(x, block):
    """Sums of a 2-D array over the on/off regions, in _alf_region_grid's order."""
    h, w = x.shape
    ph, pw = -(-h // block) * block, -(-w // block) * block
    if (ph, pw) != (h, w):
        if ALF_LEAN:  # (the same zero padding)
            xp = np.zeros((ph, pw), x.dtype)
            xp[:h, :w] = x
            x = xp
        else:
            x = np.pad(x, ((0, ph - h), (0, pw - w)))
    return x.reshape(ph // block, block, pw // block, block).sum(axis=(1, 3), dtype=np.float64).ravel()


def _alf_choose(plane, src, taps, block, weight, lam, classify, passes, stats_step=ALF_STATS_STEP, remerge=True,
                refit_min=0.0, merged=None, refit_gain=False):
    """Encoder: the rate-distortion choice of one plane's filter (off, on everywhere, or per-region flags)
    and the filtered plane; distortion weighted like the mode decision, rate = the header bits it adds."""
    if ALF_CHOOSE_FAST:
        return _alf_choose_fast(plane, src, taps, block, weight, lam, classify, passes, stats_step, remerge, refit_min,
                                merged, refit_gain)
    h, w = plane.shape
    p = plane.astype(np.float32)
    k = len(taps)
    t2 = np.subtract(src, p, dtype=np.float32)
    cgrid = _alf_classes(plane, True) if classify and ALF_BLOCK_COEFS else None
    cls = (_alf_classes(plane) if cgrid is None else np.repeat(np.repeat(cgrid, 4, 0), 4, 1).ravel()) if classify else None
    n_cls = ALF_CLASSES if classify else 1
    grid, n_reg = _alf_region_grid(p.shape, block)
    err0 = _alf_region_sums(t2 * t2, block)
    best = (0.0, None, plane)  # (cost relative to off, params, output)
    rows = slice(None, None, stats_step)  # statistics from every stats_step-th row
    fs = fs0 = _alf_features(p, taps, stats_step)
    ts = ts0 = t2[rows].ravel()
    cs = cs0 = cls.reshape(h, w)[rows].ravel() if classify else None
    map_bits = 5 if taps is ALF_TAPS_LUMA and ALF_CLASSES > 1 else 0
    for pass_no in range(passes):
        if ts.size < 4 * k:
            break
        if classify:
            a, b, e = _alf_class_stats(fs, ts, cs, n_cls)
            if pass_no == 0 and merged is not None and merged.get("reuse") is not None:
                fmap = merged["reuse"]  # speed: an earlier frame's class-to-filter map (ALF_P_MERGE_EVERY)
            elif pass_no == 0 or remerge:
                fmap = _alf_merge(a, b, e, weight, lam)
                if merged is not None and pass_no == 0:
                    merged["new"] = fmap
        else:
            a, b = _alf_second_diff_stats((fs @ fs.T).astype(np.float64)[None], (fs @ ts).astype(np.float64)[None])
            fmap = np.zeros(1, np.int64)
        m = int(fmap.max()) + 1
        ma = np.stack([a[fmap == j].sum(0) for j in range(m)])
        mb = np.stack([b[fmap == j].sum(0) for j in range(m)])
        coefs = _alf_quantise(ma, mb)
        if not coefs.any():
            break
        out = _alf_filter(p, taps, coefs, (fmap[cls] if cgrid is None else fmap[cgrid]) if m > 1 else None)
        e2 = src - out
        gain = err0 - _alf_region_sums(e2 * e2, block)  # per-region SSD reduction
        bits_all = 2 + _eg_bits(coefs) + map_bits + (n_cls * math.ceil(math.log2(m)) if m > 1 else 0)
        on = gain > 0
        cost_all = -weight * gain.sum() + lam * bits_all
        cost_flags = -weight * gain[on].sum() + lam * (bits_all + n_reg)
        fm = fmap if m > 1 else None
        if cost_all < best[0] and cost_all <= cost_flags:
            best = (cost_all, (ALF_ALL, coefs, fm, None), out.astype(np.uint8))
        elif cost_flags < best[0]:
            best = (cost_flags, (ALF_FLAGS, coefs, fm, on), np.where(on[grid], out, p).astype(np.uint8))
        if not on.any() or on.all() or pass_no == passes - 1:  # (speed: no re-estimate after the last pass)
            break
        if (~on).mean() < refit_min:  # speed: too few regions dropped the filter to change the estimate much
            break
        if refit_gain and best[1] is None:  # speed (ALF_P_REFIT_GAIN): no re-estimate unless the first one pays
            break
        keep = on[grid[rows]].ravel()  # re-estimate on the regions that kept the filter
        fs, ts, cs = np.compress(keep, fs0, axis=1), ts0[keep], cs0[keep] if classify else None
    return best[1], best[2]


ALF_CHOOSE_FAST = 1  # speed (encoder, byte-identical): _alf_choose_fast (the pair sums once per plane, shared by the
# statistics and every pass's filtering; sample-major features so the class sort gathers whole rows; region maps
# from the small grids; the chosen plane built once at the end)


def _alf_pair_planes(p, taps):
    """(len(taps) + 1, h, w) float32: the mirror-pair sums p(x + o) + p(x - o) of an edge-padded plane, then p
    (the rows of _alf_features with row_step 1, exact integers)."""
    r = max(max(abs(dy), abs(dx)) for dy, dx in taps)
    h, w = p.shape
    q = np.empty((h + 2 * r, w + 2 * r), np.float32)  # = np.pad(p, r, mode="edge") (speed: no np.pad machinery)
    q[r : r + h, r : r + w] = p
    q[r : r + h, :r] = p[:, :1]
    q[r : r + h, r + w :] = p[:, -1:]
    q[:r] = q[r]
    q[r + h :] = q[r + h - 1]
    out = np.empty((len(taps) + 1, h, w), np.float32)
    for k, (dy, dx) in enumerate(taps):
        np.add(q[r + dy : r + dy + h, r + dx : r + dx + w], q[r - dy : r - dy + h, r - dx : r - dx + w], out=out[k])
    out[-1] = p
    return out


ALF_PAIRS_FROM_U8 = 1  # encoder speed, the same numbers: _alf_pair_planes_u8 (0 = a float32 plane, then _alf_pair_planes)


def _alf_pair_planes_u8(plane, taps):
    """_alf_pair_planes(plane.astype(np.float32), taps), its last plane (= the float32 plane) cast straight from the
    uint8 plane into place (one pass fewer)."""
    r = max(max(abs(dy), abs(dx)) for dy, dx in taps)
    h, w = plane.shape
    out = np.empty((len(taps) + 1, h, w), np.float32)
    p = out[-1]
    np.copyto(p, plane)
    q = np.empty((h + 2 * r, w + 2 * r), np.float32)
    q[r : r + h, r : r + w] = p
    q[r : r + h, :r] = p[:, :1]
    q[r : r + h, r + w :] = p[:, -1:]
    q[:r] = q[r]
    q[r + h :] = q[r + h - 1]
    for k, (dy, dx) in enumerate(taps):
        np.add(q[r + dy : r + dy + h, r + dx : r + dx + w], q[r - dy : r - dy + h, r - dx : r - dx + w], out=out[k])
    return out


def _alf_filter_pairs(pl, coefs, fidx=None):
    """_alf_filter from _alf_pair_planes' planes pl (the same integers: every term and partial sum is an integer
    below 2^24 in float32, so the order of the sums does not matter)."""
    c = _alf_extend(coefs)
    n, h, w = pl.shape
    p = pl[-1]
    per_sample = c.shape[0] > 1 and fidx is not None
    tmp = np.empty((h, w), np.float32) if per_sample else None
    if per_sample and fidx.ndim == 2:  # each 4x4 block's coefficients repeated along its rows (long inner loops)
        rows4 = (h // 4, 4, w)
        cw = np.ascontiguousarray(c.T).take(np.repeat(fidx, 4, axis=1), axis=1)[:, :, None, :]  # (taps + 1, h / 4, 1, w)
        s = np.multiply(cw[-1], p.reshape(rows4)).reshape(h, w)
        s += 1 << (ALF_SHIFT - 1)
        sv, tv = s.reshape(rows4), tmp.reshape(rows4)
        for k in range(n - 1):
            np.multiply(pl[k].reshape(rows4), cw[k], out=tv)
            sv += tv
    elif per_sample:
        s = c[:, -1][fidx].reshape(h, w) * p
        s += 1 << (ALF_SHIFT - 1)
        for k in range(n - 1):
            np.multiply(pl[k], c[:, k][fidx].reshape(h, w), out=tmp)
            s += tmp
    else:  # one filter: a float32 vector-matrix product (exact in any order, see above)
        s = (c[0] @ pl.reshape(n, -1)).reshape(h, w)
        s += 1 << (ALF_SHIFT - 1)
    s *= 1.0 / (1 << ALF_SHIFT)
    np.floor(s, out=s)
    s += p
    if CLIP_MINMAX and CLIP_INPLACE:  # (the same maximum + minimum against bound arrays: ~3x faster than scalars)
        return _clip255_inplace(s)
    if CLIP_MINMAX:
        np.maximum(s, 0, out=s)
        return np.minimum(s, 255, out=s)
    return np.clip(s, 0, 255, out=s)


def _alf_class_stats_rows(ft, t, cls, n_cls, chunk=1, idx=None):
    """_alf_class_stats of sample-major features ft (samples, k + 1), C-contiguous, in chunks of `chunk`
    consecutive samples of one class each (cls: one class per chunk), restricted to the chunks idx (None = all):
    the class sort gathers whole chunks, and the sorted arrays are the same (C-contiguous (samples, k + 1),
    transposed; the stable order of the samples) as _alf_class_stats' after np.compress."""
    k = ft.shape[1] - 1
    if idx is not None:
        cls = cls[idx]
    order = np.argsort(cls.astype(np.uint8), kind="stable")  # a radix sort
    if idx is not None:
        order = idx[order]
    bounds = np.concatenate([[0], np.cumsum(chunk * np.bincount(cls, minlength=n_cls))])
    fs = ft.reshape(-1, chunk * (k + 1)).take(order, axis=0).reshape(-1, k + 1).T
    ts = t.reshape(-1, chunk).take(order, axis=0).reshape(-1)
    g = np.zeros((n_cls, k + 1, k + 1), ft.dtype)
    bf = np.zeros((n_cls, k + 1), ft.dtype)
    e = np.zeros(n_cls)
    for c in range(n_cls):
        s = slice(bounds[c], bounds[c + 1])
        if s.stop > s.start:
            g[c] = fs[:, s] @ fs[:, s].T
            bf[c] = fs[:, s] @ ts[s]
            e[c] = ts[s] @ ts[s]
    a, b = _alf_second_diff_stats(g, bf)
    empty = bounds[1:] == bounds[:-1]
    a[empty] = 0.0
    b[empty] = 0.0
    return a, b, e


ALF_KEEP_RUNS = 1  # encoder speed, the same arrays: the second estimate's kept statistics columns (unclassified planes)
# as a few block copies (runs of statistics rows with the same region flags x runs of kept regions) instead of
# np.compress / boolean indexing with the repeated per-sample mask (a per-element gather)


def _alf_keep_runs(onr, block, w):
    """[(r0, r1, [(x0, x1), ...]), ...]: the runs of consecutive rows of onr (rows x region columns, bool) with the
    same flags, each with its kept sample column ranges (merged runs of kept regions, clipped to w)."""
    out = []
    prev = None
    for r, row in enumerate(onr.tolist()):
        if row != prev:
            ranges = []
            x = 0
            nb = len(row)
            while x < nb:
                if row[x]:
                    x1 = x
                    while x1 < nb and row[x1]:
                        x1 += 1
                    ranges.append((x * block, min(x1 * block, w)))
                    x = x1
                else:
                    x += 1
            out.append([r, r + 1, ranges])
            prev = row
        else:
            out[-1][1] = r + 1
    return out


def _alf_keep_cols(f0, runs, w):
    """np.compress(keep, f0, axis=1) of f0 (n, rows * w) for the mask of _alf_keep_runs' runs (the same array)."""
    n = f0.shape[0]
    f3 = f0.reshape(n, -1, w)
    total = sum((r1 - r0) * sum(x1 - x0 for x0, x1 in ranges) for r0, r1, ranges in runs)
    out = np.empty((n, total), f0.dtype)
    off = 0
    for r0, r1, ranges in runs:
        kw = sum(x1 - x0 for x0, x1 in ranges)
        if not kw:
            continue
        o3 = out[:, off : off + (r1 - r0) * kw].reshape(n, r1 - r0, kw)
        c = 0
        for x0, x1 in ranges:
            o3[:, :, c : c + x1 - x0] = f3[:, r0:r1, x0:x1]
            c += x1 - x0
        off += (r1 - r0) * kw
    return out


ALF_F64_ONCE = 1  # encoder speed, the same numbers: _alf_choose_fast's float64 statistics rows (ALF_P_ONE_CLASSES 2)
# are cast once from the pair planes and compressed as float64 (0 = a float32 copy, then a cast per estimate)


ALF_GRAM_DROP = 1  # encoder speed, the same numbers: a one-filter float64 re-estimate (ALF_P_ONE_CLASSES 2) whose
# kept samples are the majority takes its Gram matrix as the first estimate's less the dropped samples' (every entry
# is a sum of products of integers below 2^9, a few 10^4 of them: exact in float64 in any order, so the difference
# is the kept samples' sum exactly); the cross terms with the (fractional) target are summed afresh; 0 = afresh


def _alf_choose_fast(plane, src, taps, block, weight, lam, classify, passes, stats_step=ALF_STATS_STEP, remerge=True,
                     refit_min=0.0, merged=None, refit_gain=False):
    """_alf_choose, the same decisions and output (see ALF_CHOOSE_FAST)."""
    if merged is not None and merged.get("step"):  # (ALF_P_ONE_STEP_LQ)
        stats_step = merged["step"]
    h, w = plane.shape
    k = len(taps)
    if ALF_PAIRS_FROM_U8:  # (speed: the float32 plane is the pair planes' last plane, cast once from the uint8 plane)
        pl = _alf_pair_planes_u8(plane, taps)
        p = pl[-1]
    else:
        p = plane.astype(np.float32)
    t2 = np.subtract(src, p, dtype=np.float32)
    cgrid = _alf_classes(plane, True) if classify and ALF_BLOCK_COEFS else None
    rows = slice(None, None, stats_step)
    srows = np.arange(0, h, stats_step)
    chunk = 1
    if classify and cgrid is not None and block % 4 == 0:  # chunks of 4 samples (a 4x4 block's row) share a class
        cls, chunk = None, 4
        cs0 = cgrid[srows // 4].ravel()
    elif classify:
        cls = _alf_classes(plane)
        cs0 = cls.reshape(h, w)[rows].ravel()
    else:
        cls = cs0 = None
    kept = None
    n_cls = ALF_CLASSES if classify else 1
    nby, nbx = -(-h // block), -(-w // block)
    n_reg = nby * nbx
    err0 = _alf_region_sums(t2 * t2, block)
    best = (0.0, None, None, None)  # (cost relative to off, params, filtered plane, region flags or None)
    if not ALF_PAIRS_FROM_U8:
        pl = _alf_pair_planes(p, taps)
    f64_0 = None
    g64_0 = g64_next = None  # (ALF_GRAM_DROP: the first estimate's float64 Gram matrix, the next one's)
    if classify:  # sample-major statistics rows (speed: the class sort gathers contiguous rows)
        ft0 = np.ascontiguousarray(pl[:, rows].transpose(1, 2, 0)).reshape(-1, k + 1)
    elif ALF_F64_ONCE and merged is not None and merged.get("f64"):
        fs = fs0 = None  # (the float64 rows only, made at the first estimate)
    else:
        fs = fs0 = np.ascontiguousarray(pl[:, rows]).reshape(k + 1, -1)
    ts = ts0 = t2[rows].ravel()
    n_stat = ts.size  # samples in the statistics
    map_bits = 5 if taps is ALF_TAPS_LUMA and ALF_CLASSES > 1 else 0
    for pass_no in range(passes):
        if n_stat < 4 * k:
            break
        if classify:
            a, b, e = _alf_class_stats_rows(ft0, ts0, cs0, n_cls, chunk, kept)
            if pass_no == 0 and merged is not None and merged.get("reuse") is not None:
                fmap = merged["reuse"]
            elif pass_no == 0 or remerge:
                fmap = _alf_merge(a, b, e, weight, lam)
                if merged is not None and pass_no == 0:
                    merged["new"] = fmap
        else:
            if merged is not None and merged.get("f64"):  # (ALF_P_ONE_CLASSES 2: one luma filter, float64 sums)
                if ALF_F64_ONCE:  # (speed: the float64 rows made once from the pair planes, the same numbers)
                    if f64_0 is None:
                        f64_0 = np.empty((k + 1, ts0.size), np.float64)
                        np.copyto(f64_0.reshape(k + 1, -1, w), pl[:, rows])
                        t64_0 = ts0.astype(np.float64)
                        f64, t64 = f64_0, t64_0
                else:
                    f64, t64 = fs.astype(np.float64), ts.astype(np.float64)
                if g64_next is not None:  # (ALF_GRAM_DROP: the first Gram matrix less the dropped columns')
                    g64, g64_next = g64_next, None
                else:
                    g64 = f64 @ f64.T
                if pass_no == 0:
                    g64_0 = g64
                a, b = _alf_second_diff_stats(g64[None], (f64 @ t64)[None])
            else:
                a, b = _alf_second_diff_stats((fs @ fs.T).astype(np.float64)[None], (fs @ ts).astype(np.float64)[None])
            fmap = np.zeros(1, np.int64)
        m = int(fmap.max()) + 1
        ma = np.stack([a[fmap == j].sum(0) for j in range(m)])
        mb = np.stack([b[fmap == j].sum(0) for j in range(m)])
        coefs = _alf_quantise(ma, mb)
        if not coefs.any():
            break
        out = _alf_filter_pairs(pl, coefs, (fmap[cls] if cgrid is None else fmap[cgrid]) if m > 1 else None)
        e2 = np.subtract(src, out, dtype=np.float32)
        e2 *= e2
        gain = err0 - _alf_region_sums(e2, block)
        bits_all = 2 + _eg_bits(coefs) + map_bits + (n_cls * math.ceil(math.log2(m)) if m > 1 else 0)
        on = gain > 0
        cost_all = -weight * gain.sum() + lam * bits_all
        cost_flags = -weight * gain[on].sum() + lam * (bits_all + n_reg)
        fm = fmap if m > 1 else None
        if cost_all < best[0] and cost_all <= cost_flags:
            best = (cost_all, (ALF_ALL, coefs, fm, None), out, None)
        elif cost_flags < best[0]:
            best = (cost_flags, (ALF_FLAGS, coefs, fm, on), out, on)
        if not on.any() or on.all() or pass_no == passes - 1:
            break
        if (~on).mean() < refit_min:
            break
        if refit_gain and best[1] is None:  # speed (ALF_P_REFIT_GAIN): no re-estimate unless the first one pays
            break
        onr = on.reshape(nby, nbx)[srows // block]
        if classify:  # the kept chunks (the class sort gathers them directly)
            kept = np.flatnonzero(onr[:, np.arange(0, w, chunk) // block])
            n_stat = kept.size * chunk
        elif ALF_KEEP_RUNS:  # (speed: the kept columns as block copies, see _alf_keep_runs)
            runs = _alf_keep_runs(onr, block, w)
            ts = _alf_keep_cols(ts0[None], runs, w)[0]
            n_stat = ts.size
            if f64_0 is not None:
                f64, t64 = _alf_keep_cols(f64_0, runs, w), _alf_keep_cols(t64_0[None], runs, w)[0]
                if ALF_GRAM_DROP and g64_0 is not None and 2 * n_stat > ts0.size:
                    fd = _alf_keep_cols(f64_0, _alf_keep_runs(~onr, block, w), w)
                    g64_next = g64_0 - fd @ fd.T
            else:
                fs = _alf_keep_cols(fs0, runs, w)
        else:
            keep = np.repeat(onr, block, axis=1)[:, :w].ravel()
            ts = ts0[keep]
            n_stat = ts.size
            if f64_0 is not None:  # (ALF_F64_ONCE: the kept float64 columns directly)
                f64, t64 = np.compress(keep, f64_0, axis=1), t64_0[keep]
            else:
                fs = np.compress(keep, fs0, axis=1)
    if best[1] is None:
        return None, plane
    out, on = best[2], best[3]
    if on is not None:  # = np.where(on[grid], out, p) (speed: the regions that dropped the filter copied back)
        for r in np.flatnonzero(~on):
            y, x = divmod(int(r), nbx)
            out[y * block : (y + 1) * block, x * block : (x + 1) * block] = p[y * block : (y + 1) * block,
                                                                             x * block : (x + 1) * block]
    return best[1], out.astype(np.uint8)


def _alf_specs():
    return ((ALF_TAPS_LUMA, ALF_BLOCK, 1.0, ALF_CLASSES > 1), (ALF_TAPS_CHROMA, ALF_BLOCK // 2, CB_WEIGHT, False),
            (ALF_TAPS_CHROMA, ALF_BLOCK // 2, CR_WEIGHT, False))


ALF_P_LAMBDA = 1  # encoder: P frames' loop filter decisions use _p_lambda's lambda (P_LAMBDA_Q; 0 = LAMBDA_SCALE * step**2 as v7)


def _adaptive_loop_filter(st, ftype, y, cb, cr, step):
    """After deblocking: the encoder (st["alf_src"] = source planes) chooses and stores st["alf"], the decoder
    applies the st["alf"] its _decode_syntax read; both filter with the same integer arithmetic."""
    src = st.pop("alf_src", None)
    planes = (y, cb, cr)
    if src is not None:
        lam = _p_lambda(st, step) if ALF_P_LAMBDA and ftype == FRAME_P else LAMBDA_SCALE * step**2
        classify = ftype == FRAME_I or ALF_P_CLASSES
        passes = ALF_PASSES[ftype]
        i_frame = ftype == FRAME_I
        step_s = ALF_STATS_STEP if i_frame else ALF_P_STATS_STEP
        if not i_frame and ALF_P_STATS_STEP_HQ is not None and st.get("quality", 50.0) >= ALF_P_STATS_STEP_HQ[0]:
            step_s = ALF_P_STATS_STEP_HQ[1]
        if not i_frame and ALF_P_STATS_STEP_LQ is not None and st.get("quality", 50.0) < ALF_P_STATS_STEP_LQ[0]:
            step_s = ALF_P_STATS_STEP_LQ[1]
        remerge = i_frame or ALF_P_REMERGE
        refit_min = 0.0 if i_frame else ALF_P_REFIT_MIN
        merged = None
        every = ALF_P_MERGE_EVERY
        if ALF_P_MERGE_EVERY_HQ is not None and st.get("quality", 50.0) >= ALF_P_MERGE_EVERY_HQ[0]:
            every = ALF_P_MERGE_EVERY_HQ[1]
        q_st = st.get("quality", 50.0)
        if ALF_P_MERGE_EVERY_MQ is not None and ALF_P_MERGE_EVERY_MQ[0] <= q_st < ALF_P_MERGE_EVERY_MQ[1]:
            every = ALF_P_MERGE_EVERY_MQ[2]
        luma_once = q_st > ALF_P_LUMA_REFIT_QMAX or ALF_P_LUMA_ONCE_MQ is not None and \
            ALF_P_LUMA_ONCE_MQ[0] <= q_st < ALF_P_LUMA_ONCE_MQ[1]
        c_skip = ALF_P_CHROMA_SKIP
        if ALF_P_CHROMA_SKIP_MQ is not None and ALF_P_CHROMA_SKIP_MQ[0] <= q_st < ALF_P_CHROMA_SKIP_MQ[1]:
            c_skip = ALF_P_CHROMA_SKIP_MQ[2]
        if ALF_P_CHROMA_SKIP_LQ is not None and q_st < ALF_P_CHROMA_SKIP_LQ[0]:
            c_skip = ALF_P_CHROMA_SKIP_LQ[1]
        if not i_frame and every > 1 and classify:
            count = st.get("alf_p_count", 0)
            st["alf_p_count"] = count + 1
            merged = {"reuse": st.get("alf_p_fmap") if count % every else None}
        one = None
        if not i_frame and ALF_P_ONE_REFRESH > 1 and classify and st.get("quality", 50.0) <= ALF_P_ONE_QMAX:
            # speed: after a P frame whose fresh luma merge kept one filter, the next ones (up to a fresh decision
            # every ALF_P_ONE_REFRESH-th P frame) decide one luma filter directly: no classes, class sort or merge
            run = st.get("alf_p_one_run", 0)
            if st.get("alf_p_one", bool(ALF_P_ONE_START)) and run < ALF_P_ONE_REFRESH - 1:
                if ALF_P_ONE_CLASSES == 1:  # the classes' statistics as before, one filter without the merge (the same
                    merged = {"reuse": np.zeros(ALF_CLASSES, np.int64)}  # numbers as a merge that keeps one)
                else:
                    classify = False
                    merged = {"reuse": None, "f64": ALF_P_ONE_CLASSES == 2}
                    if ALF_P_ONE_STEP_LQ is not None and q_st < ALF_P_ONE_STEP_LQ[0]:
                        merged["step"] = ALF_P_ONE_STEP_LQ[1]
                st["alf_p_one_run"] = run + 1
            else:
                st["alf_p_one_run"] = 0
                merged = one = {"reuse": None}  # (a fresh merge, also with ALF_P_MERGE_EVERY)
        if not i_frame and ALF_P_ONE_Q is not None and classify and st.get("quality", 50.0) >= ALF_P_ONE_Q:
            classify = False  # ALF_P_ONE_Q: one luma filter, no classes (as ALF_P_ONE_CLASSES 2's frames)
            merged = {"reuse": None, "f64": True}
            one = None
        skip = (False, False, False)
        if ALF_P_CHROMA_SKIP_HQ is not None and st.get("quality", 50.0) >= ALF_P_CHROMA_SKIP_HQ[0]:
            c_skip = ALF_P_CHROMA_SKIP_HQ[1]
        y_skip = 0
        if ALF_P_LUMA_SKIP_HQ is not None and st.get("quality", 50.0) >= ALF_P_LUMA_SKIP_HQ[0]:
            y_skip = ALF_P_LUMA_SKIP_HQ[1]
        if ALF_P_LUMA_SKIP_MQ is not None and ALF_P_LUMA_SKIP_MQ[0] <= q_st < ALF_P_LUMA_SKIP_MQ[1]:
            y_skip = ALF_P_LUMA_SKIP_MQ[2]
        if not i_frame and (c_skip > 1 or y_skip > 1):
            # speed: a chroma plane whose last fresh P-frame decision was off stays off (not decided) until a fresh
            # decision at least every ALF_P_CHROMA_SKIP-th P frame
            runs = st.get("alf_c_run", [0, 0, 0])
            offs = st.get("alf_c_off", [False, False, False])
            skip = tuple(offs[k] and runs[k] < (c_skip if k else y_skip) - 1 for k in range(3))
        chosen = [(None, pl) if sk else
                  _alf_choose(pl, s, taps, blk, wt, lam, cl and classify,
                              1 if cl and not i_frame and luma_once else passes,
                              step_s, remerge, refit_min,
                              merged if cl else None, not i_frame and (ALF_P_REFIT_GAIN >= 2 or not cl and ALF_P_REFIT_GAIN))
                  for pl, s, (taps, blk, wt, cl), sk in zip(planes, src, _alf_specs(), skip)]
        if not i_frame and (c_skip > 1 or y_skip > 1):
            st["alf_c_run"] = [runs[k] + 1 if skip[k] else 0 for k in range(3)]
            st["alf_c_off"] = [offs[k] if skip[k] else chosen[k][0] is None for k in range(3)]
        if one is not None:
            st["alf_p_one"] = one.get("new") is not None and int(one["new"].max()) == 0 and \
                _ALF_MERGE_MARGIN[0] >= ALF_P_ONE_MARGIN
        if merged is not None and merged.get("new") is not None:
            st["alf_p_fmap"] = merged["new"]
        st["alf"] = tuple(c[0] for c in chosen)
        return tuple(c[1] for c in chosen)
    params = st.pop("alf", None) or (None, None, None)
    return tuple(_alf_apply(pl, taps, pr, blk) for pl, pr, (taps, blk, _, _) in zip(planes, params, _alf_specs()))


def _put_bits(bits, value, n):
    bits.extend((value >> (n - 1 - i)) & 1 for i in range(n))


def _put_eg(bits, v, k=ALF_EG_K):
    u = (2 * v - 1 if v > 0 else -2 * v) + (1 << k)
    n = u.bit_length()
    _put_bits(bits, 0, n - 1 - k)
    _put_bits(bits, u, n)


def _alf_header(params, shape_y):
    """Header bytes of a frame's filter, a bit string (np.packbits): 2-bit plane modes; per filtered plane, for
    luma with classes the filter count - 1 (5 bits) and each class's filter index, the exp-Golomb coefficients
    and, in ALF_FLAGS mode, the region flags."""
    if ALF_HEADER_TEXT:
        return _alf_header_text(params)
    bits = []
    for pr in params:
        _put_bits(bits, 0 if pr is None else pr[0], 2)
    for k, pr in enumerate(params):
        if pr is None or pr[0] == ALF_OFF:
            continue
        mode, coefs, fmap, flags = pr
        if k == 0 and ALF_CLASSES > 1:  # m = 1 when the encoder did not classify (fmap None)
            m = len(coefs)
            _put_bits(bits, m - 1, 5)
            nb = math.ceil(math.log2(m)) if m > 1 else 0
            for j in fmap if nb else ():
                _put_bits(bits, int(j), nb)
        for c in np.asarray(coefs).ravel():
            _put_eg(bits, int(c))
        if mode == ALF_FLAGS:
            bits.extend(int(x) for x in flags)
    return np.packbits(np.array(bits, np.uint8)).tobytes()


ALF_HEADER_TEXT = 1  # encoder speed, the same bytes: _alf_header's bits as a '0'/'1' string (_alf_header_text)


def _alf_header_text(params):
    """_alf_header's bit string built with format() (the same bits: _put_bits' low n bits, _put_eg's zeros and
    code), then packed as _escape_section packs its codes."""
    parts = [format((0 if pr is None else pr[0]) & 3, "02b") for pr in params]
    k0 = ALF_EG_K
    for k, pr in enumerate(params):
        if pr is None or pr[0] == ALF_OFF:
            continue
        mode, coefs, fmap, flags = pr
        if k == 0 and ALF_CLASSES > 1:
            m = len(coefs)
            parts.append(format((m - 1) & 31, "05b"))
            nb = math.ceil(math.log2(m)) if m > 1 else 0
            if nb:
                mask = (1 << nb) - 1
                fm = "0%db" % nb
                parts.extend(format(int(j) & mask, fm) for j in fmap)
        for v in np.asarray(coefs).ravel().tolist():
            v = int(v)
            u = (2 * v - 1 if v > 0 else -2 * v) + (1 << k0)
            parts.append("0" * (u.bit_length() - 1 - k0) + format(u, "b"))
        if mode == ALF_FLAGS:
            parts.append("".join("1" if int(x) else "0" for x in flags))
    text = "".join(parts)
    return np.packbits(np.frombuffer(text.encode(), np.uint8) - 48).tobytes()


def _read_alf_header(data, pos, shape_y):
    """Inverse of _alf_header: (params, new position); raises on a truncated or invalid header."""
    bits = np.unpackbits(np.frombuffer(data, np.uint8, len(data) - pos, pos))
    at = 0

    def get(n):
        nonlocal at
        if at + n > bits.size:
            raise ValueError("corrupt frame: truncated loop-filter header")
        v = 0
        for b in bits[at : at + n]:
            v = (v << 1) | int(b)
        at += n
        return v

    def get_eg():
        zeros = 0
        while get(1) == 0:
            zeros += 1
            if zeros > 16:
                raise ValueError("corrupt frame: invalid loop-filter coefficient")
        u = ((1 << (zeros + ALF_EG_K)) | get(zeros + ALF_EG_K)) - (1 << ALF_EG_K)
        return (u + 1) // 2 if u & 1 else -(u // 2)

    modes = [get(2) for _ in range(3)]
    params = []
    for k, mode in enumerate(modes):
        if mode == ALF_OFF:
            params.append(None)
            continue
        if mode > ALF_FLAGS:
            raise ValueError("corrupt frame: invalid loop-filter mode")
        taps = ALF_TAPS_LUMA if k == 0 else ALF_TAPS_CHROMA
        shape = shape_y if k == 0 else (shape_y[0] // 2, shape_y[1] // 2)
        block = ALF_BLOCK if k == 0 else ALF_BLOCK // 2
        m, fmap = 1, None
        if k == 0 and ALF_CLASSES > 1:
            m = get(5) + 1
            nb = math.ceil(math.log2(m)) if m > 1 else 0
            fmap = np.array([get(nb) for _ in range(ALF_CLASSES)], np.int64)
            if fmap.max() >= m:
                raise ValueError("corrupt frame: invalid loop-filter class map")
            fmap = fmap if m > 1 else None
        coefs = np.array([get_eg() for _ in range(m * len(taps))], np.int32).reshape(m, len(taps))
        flags = None
        if mode == ALF_FLAGS:
            n_reg = _alf_region_grid(shape, block)[1]
            flags = np.array([get(1) for _ in range(n_reg)], bool)
        params.append((mode, coefs, fmap, flags))
    return tuple(params), pos + (at + 7) // 8


CLIP_MINMAX = 1  # speed, the same samples: the P-frame reconstruction's rounding clip and the encoder's ALF filter
# clip (_alf_filter_pairs) as np.maximum + np.minimum in place: numpy's np.clip runs a NaN-aware float loop ~2-7x slower
# (no NaN can occur here; a -0.0 becomes 0 in the uint8 cast and in the SSD alike); 0 = np.clip


def _reconstruct(st, ftype, pp, modes, mvs, ly, lcb, lcr, step, ipm):
    mbh, mbw = st["mbh"], st["mbw"]
    n = mbh * mbw
    qy, qc = _qmatrices(step)
    intra_rec = st.pop("intra_rec", None)
    if ftype == FRAME_I and intra_rec is not None:  # the encoder's _decide_i already built it (the same numbers)
        y, cb, cr = intra_rec
    elif ftype == FRAME_I:
        (y, cb, cr), _, _, _, _ = _intra_frame(mbh, mbw, step, ipm, ly, lcb, lcr)
    else:
        hook = st.pop("sdh_hook", None)  # encoder only (SDH_IN_RECON): fixes the levels given the predictions
        if hook is not None:
            pre = _recon_preds(st, pp, modes, mvs)
            hook(pre)
        r8 = _idct_coded(ly, qy)
        res_cb = _idct_coded(lcb, qc)
        res_cr = _idct_coded(lcr, qc)
        if EDGE_TX:
            ky, kc = _edge_kinds_mbs(mbh, mbw, mvs, modes)
            if st.get("bi") is not None:  # two-hypothesis macroblocks code whole blocks (_decide_bi's _code_blocks)
                ky[st["bi"][0]] = 0
                kc[st["bi"][0]] = 0
            if ky.any():
                _edge_residual(r8.reshape(-1, 8, 8), ly.reshape(-1, 8, 8), qy, ky.ravel())
            if kc.any():
                _edge_residual(res_cb, lcb, qc, kc)
                _edge_residual(res_cr, lcr, qc, kc)
        t16 = np.nonzero(ipm[:, COL16] > 0)[0]
        if RECON_Y_SPLIT and CLIP_MINMAX and CLIP_INPLACE and RECON_FINISH_INPLACE and r8.flags.c_contiguous:
            res_y = None  # (luma finished in r8's 8x8 layout below: no float64 _join4 copy)
            if t16.size:
                r8[t16] = _split4(_i16_inverse(_dequantise(ly[t16, 0], _i16_qm(qy[0, 0]))))
        else:
            res_y = _join4(r8)
            if t16.size:
                res_y[t16] = _i16_inverse(_dequantise(ly[t16, 0], _i16_qm(qy[0, 0])))
        if hook is not None:  # (the encoder's predictions, made above)
            py, pcb, pcr = pre
        else:
            ref = _ref_with(st, pp[0], pp[1])
            py, pcb, pcr = _predict_mbs(ref, np.arange(n), mbw, mvs[:, 1])
            split = np.nonzero(modes == MODE_SPLIT)[0]
            if split.size:
                py[split], pcb[split], pcr[split] = _predict_split(ref, split, mbw, mvs[split])
            if st.get("bi") is not None and st["bi"][0].any():
                _bi_apply(st, pp, mvs, st["bi"], (py, pcb, pcr))
            intra = modes == MODE_INTRA
            py[intra] = 128
            pcb[intra] = 128
            pcr[intra] = 128

        def finish(pred, res):
            if CLIP_MINMAX:  # (the same samples: np.clip's float loop is ~7x slower than maximum + minimum here)
                if RECON_FINISH_INPLACE and res.dtype == np.float64 and res.shape == pred.shape:
                    r = np.add(pred, res, out=res)  # (res: this frame's fresh residual, not used again)
                    np.rint(r, out=r)
                else:
                    r = np.rint(pred + res)
                if CLIP_INPLACE:  # (the same maximum + minimum, against bound arrays)
                    return _clip255_inplace(r).astype(np.uint8)
                np.maximum(r, 0, out=r)
                np.minimum(r, 255, out=r)
                return r.astype(np.uint8)
            return np.clip(np.rint(pred + res), 0, 255).astype(np.uint8)

        if res_y is None:  # RECON_Y_SPLIT: finish's numbers on r8 with the prediction seen in the same layout
            r5 = r8.reshape(n, 2, 2, 8, 8)
            np.add(py.reshape(n, 2, 8, 2, 8).transpose(0, 1, 3, 2, 4), r5, out=r5)
            np.rint(r5, out=r5)
            y = _clip255_inplace(r5).astype(np.uint8).reshape(mbh, mbw, 2, 2, 8, 8).transpose(0, 2, 4, 1, 3, 5) \
                .reshape(mbh * 16, mbw * 16)
        else:
            y = _from_mbs(finish(py, res_y), mbh, mbw)
        cb = _from_mbs(finish(pcb, res_cb), mbh, mbw)
        cr = _from_mbs(finish(pcr, res_cr), mbh, mbw)
    if DEBLOCK_STRENGTH > 0:
        intra_mb = np.ones(n, bool) if ftype == FRAME_I else modes == MODE_INTRA
        coded_y = ly.any(axis=(2, 3)).reshape(mbh, mbw, 2, 2).transpose(0, 2, 1, 3).reshape(2 * mbh, 2 * mbw)
        up = np.ones((2, 2), bool)
        mv_grid = mvs.reshape(mbh, mbw, 2, 2, 2).transpose(0, 2, 1, 3, 4).reshape(2 * mbh, 2 * mbw, 2)
        grid_y = (np.kron(intra_mb.reshape(mbh, mbw), up).astype(bool), mv_grid)
        step_y, step_c = qy[0, 0], qc[0, 0]
        dbk = _deblock_fast if DEBLOCK_FAST and "alf_src" in st else _deblock  # (the encoder: alf_src is set)
        y = dbk(y, coded_y, *grid_y, step_y)
        mv_mb = mvs[:, 1].reshape(mbh, mbw, 2)
        intra_g = intra_mb.reshape(mbh, mbw)
        cb = dbk(cb, lcb.any(axis=(1, 2)).reshape(mbh, mbw), intra_g, mv_mb, step_c)
        cr = dbk(cr, lcr.any(axis=(1, 2)).reshape(mbh, mbw), intra_g, mv_mb, step_c)
    y, cb, cr = _adaptive_loop_filter(st, ftype, y, cb, cr, step)
    y_pad = _pad_edge(y, PAD)
    st["ref2"] = st["last"]  # the frame before: the two-layer reference's second source
    st["ref2_phases"] = st.get("ref_phases", {}) if st["ref"] is st["last"] else {}  # its phase planes (_bi_ref)
    st["ref"] = st["last"] = (y_pad, _pad_edge(cb, PAD // 2), _pad_edge(cr, PAD // 2))
    st["ref_phases"] = {}
    st["prev_modes"] = modes.astype(np.int64) if ftype == FRAME_P else np.full(n, 4, np.int64)
    if ftype != FRAME_P:  # (FILTER_KEEP, encoder: the P frames after a key frame choose their filters again)
        st["filt_keep"] = (0, None)
        st["filt_first"] = True
    return y, cb, cr


RECON_FINISH_INPLACE = 1  # speed, the same samples (decide27): _reconstruct's P-frame finish adds the prediction into
# its fresh float64 residual and rounds it there (no two whole-plane temporaries)
RECON_Y_SPLIT = 1  # speed, the same samples (decide27): _reconstruct's P-frame luma is finished in the 8x8 block layout
# of its residual (the prediction read through a transposed view), not after a float64 _join4 copy (decoder too)
RECON_PRED_ME = 1  # encoder speed, byte-identical (hiq; with SDH_IN_RECON): _reconstruct's P-frame predictions copy the
# decision's whole-frame predictions at the searched vectors (pred_me) where the final vector is that one, and predict
# only the other macroblocks (0 = all predicted again)
RECON_PRED_ME_MIN = 0.3  # ... when at least this share of the macroblocks is (below, one whole-frame prediction is cheaper)


RECON_PRED_SPLIT = 1  # encoder speed, byte-identical (hq26): _recon_preds takes the decision's split predictions
# (st["pred_split"], the split coding's rows) for split macroblocks whose four vectors are the ones coded there


def _recon_preds(st, pp, modes, mvs):
    """Encoder (SDH_IN_RECON): _reconstruct's P-frame predictions (py, pcb, pcr), the same lines."""
    n, mbw = st["mbh"] * st["mbw"], st["mbw"]
    ref = _ref_with(st, pp[0], pp[1])
    got = st.pop("pred_me", None) if RECON_PRED_ME and pp[2] is None else None
    same = None
    if got is not None:  # the decision's predictions at its searched vectors: the same numbers (its predict_at's rows)
        same = (mvs[:, 1] == got[0]).all(1)
        if same.mean() < RECON_PRED_ME_MIN:
            same = None
    if same is None:
        py, pcb, pcr = _predict_mbs(ref, np.arange(n), mbw, mvs[:, 1])
    else:
        py, pcb, pcr = (p.copy() for p in got[1])
        other = np.nonzero(~same)[0]
        if RECON_PRED_LOG:  # split and intra macroblocks' rows are replaced below: not predicted here
            mo = modes.take(other)
            other = other.compress((mo != MODE_SPLIT) & (mo != MODE_INTRA))
        log = st.pop("pred_log", None) if RECON_PRED_LOG else None
        if other.size and log:  # RECON_PRED_LOG: the decision's predictions at these vectors (the same numbers)
            v = mvs[other, 1]
            keys = (other << 32) + ((v[:, 0] + 32768) << 16) + (v[:, 1] + 32768)
            allk = _cat([k for k, _ in log])
            order = allk.argsort(kind="stable")
            sk = allk.take(order)
            pos = np.minimum(sk.searchsorted(keys), sk.size - 1)
            hit = sk.take(pos) == keys
            if hit.any():
                sizes = [k.size for k, _ in log]
                starts = np.cumsum([0] + sizes[:-1])
                at = order.take(pos.compress(hit))  # (positions in the concatenated log)
                bid = np.searchsorted(starts, at, side="right") - 1
                dst_all = other.compress(hit)
                for b in np.unique(bid).tolist():
                    sel = (bid == b).nonzero()[0]
                    rows = at.take(sel) - starts[b]
                    dst = dst_all.take(sel)
                    out = log[b][1]
                    py[dst], pcb[dst], pcr[dst] = out[0].take(rows, 0), out[1].take(rows, 0), out[2].take(rows, 0)
                other = other.compress(~hit)
        if other.size:
            py[other], pcb[other], pcr[other] = _predict_mbs(ref, other, mbw, mvs[other, 1])
    split = np.nonzero(modes == MODE_SPLIT)[0]
    kept = st.pop("pred_split", None) if RECON_PRED_SPLIT and pp[2] is None else None
    if split.size and kept is not None:  # the decision's split predictions where the four vectors are its searched
        cand, v4, sp = kept  # ones (the same numbers); only the others predicted here
        pos = np.full(n, -1)
        pos[cand] = np.arange(cand.size)
        at = pos[split]
        hit = at >= 0
        hit[hit] = (v4[at[hit]] == mvs[split[hit]]).all((1, 2))
        if hit.any():
            rows = at[hit]
            py[split[hit]], pcb[split[hit]], pcr[split[hit]] = sp[0][rows], sp[1][rows], sp[2][rows]
            split = split[~hit]
    if split.size:
        py[split], pcb[split], pcr[split] = _predict_split(ref, split, mbw, mvs[split])
    if st.get("bi") is not None and st["bi"][0].any():
        _bi_apply(st, pp, mvs, st["bi"], (py, pcb, pcr))
    intra = modes == MODE_INTRA
    py[intra] = 128
    pcb[intra] = 128
    pcr[intra] = 128
    return py, pcb, pcr


RECON_PRED_BI = 1  # encoder speed, byte-identical (hq26): _bi_apply takes _decide_bi's averaged predictions of the
# two-hypothesis winners (st["pred_bi"]) when the final vectors and second vectors are the ones coded there


def _bi_apply(st, pp, mvs, bi, preds):
    """Replace the predictions (py, pcb, pcr) of the two-hypothesis macroblocks by the rounded mean of the
    one-vector prediction and the second one (_bi_ref at _bi_predictor + the coded delta), in place."""
    idx = np.nonzero(bi[0])[0]
    w = _npclip(_bi_predictor(mvs[idx, 1]) + bi[1][idx], -MAX_MV, MAX_MV)
    kept = st.pop("pred_bi", None) if RECON_PRED_BI and pp[2] is None else None
    if kept is not None and kept[0].size == idx.size and (kept[0] == idx).all() and \
            (kept[1] == mvs[idx, 1]).all() and (kept[2] == w).all():  # the decision's averaged predictions
        for p, q in zip(preds, kept[3]):
            p[idx] = q
        return
    p2 = _predict_mbs(_bi_ref(st, pp[0], pp[1]), idx, st["mbw"], w)
    for p, q in zip(preds, _average_preds(tuple(p[idx] for p in preds), p2)):
        p[idx] = q


def _reset(st, width, height, quality=50.0):
    st.clear()
    h16, w16 = _padded_size(width, height)
    st.update(
        {
            "width": width,
            "height": height,
            "mbh": h16 // 16,
            "mbw": w16 // 16,
            "models": _new_models(quality),
            "prev_modes": np.full((h16 // 16) * (w16 // 16), 4, np.int64),
            "ref": None,
            "last": None,
            "ref2": None,
            "next_index": 0,
        }
    )


# ----------------------------------------------------------------------------
# encoder decisions


def _scan_cumsum(x):
    """np.cumsum(x, axis=0) of a (positions, blocks) float array, the same numbers (one add per position,
    in scan order): numpy's cumsum takes ~3.5 ns an element, a vector add per position ~0.2 ns."""
    if x.shape[1] < 256:  # few blocks: the per-position Python loop would cost more than it saves
        return np.cumsum(x, axis=0)
    out = np.empty_like(x)
    out[0] = x[0]
    for k in range(1, x.shape[0]):
        np.add(out[k - 1], x[k], out=out[k])
    return out


def _rd_truncate(coefs, levels, qm, lam):
    """Rate-distortion choice of each block's last coded zigzag position: every nonzero position k is a
    candidate end (the levels after it dropped); the cost is minus the distortion its kept levels save plus
    lambda times the estimated bits of what is kept (_block_bits' model)."""
    shape = levels.shape
    out = np.array(levels, order="C").reshape(-1, 64)  # one copy (levels may be a transposed layout)
    # Only blocks with two or more nonzero levels have a choice, and no end lies past the last nonzero
    # position of any of them: the costs are computed for those blocks and positions only, laid out
    # (position, block) so that the running sums along the scan are vector adds (_scan_cumsum). Zero
    # levels add exactly 0 to every running sum, so the costs at the candidate ends are the same numbers.
    rows = np.nonzero(np.count_nonzero(out, axis=1) >= 2)[0]
    if rows.size == 0:
        return out.reshape(shape)
    lv = out[rows[None, :], ZIGZAG[:, None]]
    end = int(np.nonzero(lv.any(1))[0][-1]) + 1
    zz = ZIGZAG[:end, None]
    lv = lv[:end]
    c = coefs.reshape(-1, 8, 8)[rows[None, :], zz // 8, zz % 8].astype(np.float64)  # no copy of all of coefs
    q = np.broadcast_to(qm, shape).reshape(-1, 64)[rows[None, :], zz] if np.ndim(qm) > 2 else np.reshape(qm, 64)[zz]
    rec = lv * q
    a = np.minimum(np.abs(lv), 255)
    nz = a > 0
    terms = np.empty((end, 3, rows.size))
    terms[:, 0] = c**2 - (c - rec) ** 2  # distortion saved by each level
    terms[:, 1] = ~nz  # zeros before the end (the run-length part of the bit estimate)
    terms[:, 2] = LOG2_COST[a]
    sums = _scan_cumsum(terms.reshape(end, -1)).reshape(end, 3, -1)
    bits = 5.0 + 0.6 * sums[:, 1] + sums[:, 2]
    cost = lam * bits - sums[:, 0]
    cost[~nz] = np.inf
    best = np.argmin(cost, 0)
    out[rows[None, :], zz] = np.where(np.arange(end)[:, None] <= best[None, :], lv, 0)
    return out.reshape(shape)


# Context classes of the level models as lookup tables: neighbour magnitude sum (edges 1, 2, 3, 5, capped at 5)
# and distance to the last position (edges 1, 3, 8), as _level_ctx computes them.
NB_CLASS = np.array([0, 1, 2, 3, 3, 4], np.int64)
DLC_CLASS = np.searchsorted(np.array([1, 3, 8]), np.arange(64), side="right").astype(np.int64)
ESCAPE_BITS = 6.0  # encoder: rough bits of a level escape remainder's Exp-Golomb code (_escape_section)
ESCAPE_BITS_MV = 16.0  # encoder: the same for a vector difference's (kept at the old raw u16's price)
NBR_A_PAD = np.where(NBR_A >= 0, NBR_A, 64)  # the neighbours with "outside" as column 64 (a zero)
NBR_B_PAD = np.where(NBR_B >= 0, NBR_B, 64)
BAND_CTX = BAND * 20  # band part of a level context (band * 5 neighbour classes * 4 distance classes)


LEVEL_SYMS_FAST = 1  # encoder speed, byte-identical: _split_bits' and _online_update's level symbols by _level_syms
_R64 = np.arange(64)
_LS_NB = (4 * LEVEL_ALPHABET * NB_CLASS).astype(np.int64)  # neighbour class part of a level symbol, by min(sum, 5)
_LS_DLC = (LEVEL_ALPHABET * DLC_CLASS[np.maximum(np.arange(-64, 64), 0)]).astype(np.int64)  # by last - position + 64
_LS_DLC_AT = 64 - _R64  # the columns of _LS_DLC: last + 64 - position
_LS_BAND = (LEVEL_ALPHABET * BAND_CTX).astype(np.int64)


def _level_syms(lv):
    """Encoder: the last position (zigzag, -1 if none) of blocks' levels lv (m, 64 raster) and each zigzag
    position's level symbol (context * LEVEL_ALPHABET + capped magnitude, block type 0) as the syntax codes them
    (every position; those past the last are not coded): the numbers of _split_bits' original computation."""
    m = lv.shape[0]
    ap = np.zeros((m, 65), np.int64)
    np.abs(lv.reshape(m, 64).take(ZIGZAG, 1), out=ap[:, :64], casting="unsafe")
    a = ap[:, :64]
    nz = a > 0
    last = _where(_or_r(nz, 1), 63 - nz[:, ::-1].argmax(1), -1)
    nb = np.minimum(ap.take(NBR_A_PAD, 1) + ap.take(NBR_B_PAD, 1), 5)
    return last, _LS_BAND + _LS_NB.take(nb) + _LS_DLC.take(last[:, None] + _LS_DLC_AT) + np.minimum(a, LEVEL_ALPHABET - 1)


def _rate_tables(models):
    """Bit costs the encoder's quantiser uses, read from the entropy models as they stand before a frame (so
    they follow what the coder really spends): per block type (0 intra, 1 inter), level bits per context
    (band, neighbour class, distance-to-last class) and magnitude, sign and escape bits included; and the
    last-position bits, marginal over the contexts the block's type can take (its phase and neighbour activity
    are not known while deciding). One table per model (_rate_table)."""
    return {name: _rate_table(models, name) for name in ("lev_y", "last_y", "lev_c", "last_c", "intra4")}


RATE_TABLE_FLAT_ADD = 1  # encoder speed, the same numbers: _rate_table's sign bit as one contiguous add of a 0/1 table
_RATE_SIGN_ONES = {}  # _rate_table's cache: shape -> 0 in column 0, 1 elsewhere
_RATE_LAST_KINDS = {}  # _rate_table's cache: (plane, contexts) -> the context masks of block kinds (0,) and (1, 2)


def _rate_table(models, name):
    """The one table of _rate_tables read from models[name] alone (lev_*, last_* or intra4)."""
    if name == "intra4":
        return (PROB_BITS - np.log2(models["intra4"]["freq"][0].astype(np.float64))).astype(np.float32)
    if name.startswith("lev_"):
        freq = models[name]["freq"].astype(np.float64)
        lev = PROB_BITS - np.log2(freq)
        if RATE_TABLE_FLAT_ADD:  # speed: one contiguous add (x + 0.0 is x: the sign bit's column unchanged)
            ones = _RATE_SIGN_ONES.get(lev.shape)
            if ones is None:
                ones = _RATE_SIGN_ONES[lev.shape] = np.broadcast_to((np.arange(lev.shape[1]) > 0) * 1.0, lev.shape).copy()
            lev += ones
        else:
            lev[:, 1:] += 1.0
        lev[:, -1] += ESCAPE_BITS
        return lev.astype(np.float32).reshape(-1, N_BANDS * 5 * 4 * LEVEL_ALPHABET)
    plane = name[5:]
    counts = models[name]["counts"].astype(np.float64)
    masks = _RATE_LAST_KINDS.get((plane, counts.shape[0]))
    if masks is None:
        ctx = np.arange(counts.shape[0])
        if plane == "y":  # contexts: kind (phase 0), then 3 + kind * 6 + activity class
            kind = np.where(ctx < 3, ctx, (ctx - 3) // 6)
        else:  # kind * 6 + luma class (Cb), then 18 + (kind * 6 + luma class) * 3 + Cb class (Cr)
            kind = np.where(ctx < 18, ctx // 6, (ctx - 18) // 18)
        masks = _RATE_LAST_KINDS[(plane, counts.shape[0])] = [np.isin(kind, kinds) for kinds in ((0,), (1, 2))]
    tabs = []
    for mask in masks:
        m = counts[mask].sum(0)
        tabs.append(-np.log2(m / m.sum()).astype(np.float32))
    return np.stack(tabs)


def _row_prefix_sums(x):
    """np.cumsum(x, 1) of a 2-D array, bit for bit: with many rows as one vector addition per column (numpy's
    accumulate runs row by row, ~5x slower for float32 with a thousand rows), the same additions in the same order."""
    if x.shape[0] < 256:
        return np.cumsum(x, 1)
    out = np.empty((x.shape[1], x.shape[0]), x.dtype)
    xt = x.T
    out[0] = xt[0]
    for j in range(1, x.shape[1]):
        np.add(out[j - 1], xt[j], out=out[j])
    return out.T


_NB_SYM = (4 * LEVEL_ALPHABET * NB_CLASS).astype(np.int32)  # _rdoq: neighbour class part of a level symbol
_BAND_SYM = (LEVEL_ALPHABET * BAND_CTX).astype(np.int32)  # _rdoq: band part of a level symbol


RDOQ_SPARSE = 1  # speed, byte-identical: _rdoq's level choice, contexts and last-position costs on the coefficients
# that round to non-zero (gathers/scatters) instead of whole (blocks, positions) arrays; 0 = the dense original


_RDOQ_TABS = {}  # _rdoq_tables' cache: id(rates["lev_*"]) -> (that array, {block type: tables})
_RDOQ_PAD = 8  # left padding columns of _rdoq's dense (blocks, PAD + positions) arrays: zeros (zero bits) before position 0
_RDOQ_NB_A = np.where(NBR_A >= 0, NBR_A + _RDOQ_PAD, 0)  # neighbour columns in the padded layout (outside: column 0)
_RDOQ_NB_B = np.where(NBR_B >= 0, NBR_B + _RDOQ_PAD, 0)
_RDOQ_NB_CTX = (4 * LEVEL_ALPHABET * NB_CLASS[np.minimum(np.arange(31), 5)]).astype(np.int64)  # neighbour sum (<= 30)
_RDOQ_NB_SYM = (LEVEL_ALPHABET * NB_CLASS[np.minimum(np.arange(31), 5)]).astype(np.int64)  # the same, class-free symbols
_RDOQ_BAND_CTX = (LEVEL_ALPHABET * BAND_CTX).astype(np.int64)
_RDOQ_BAND_SYM = (5 * LEVEL_ALPHABET * BAND).astype(np.int64)
_RDOQ_DLC = (LEVEL_ALPHABET * DLC_CLASS[np.maximum(np.arange(-64, 64), 0)]).astype(np.int64)  # index: distance + 64


def _rdoq_tables(rates, key, typ):
    """_rdoq's level bits re-laid per distance-to-last class: symbol (band * 5 + neighbour class) * 16 + level ->
    class 0 and class 1 bits (float32) and classes 2 + 3j (complex64, so one prefix sum does both), each with a
    zero-bit entry 800 for the padding; cached per rates array (the cache holds the array, so its id stays its own)."""
    arr = rates["lev_" + key]
    ent = _RDOQ_TABS.get(id(arr))
    if ent is None or ent[0] is not arr:
        if len(_RDOQ_TABS) > 8:
            _RDOQ_TABS.clear()
        ent = _RDOQ_TABS[id(arr)] = (arr, {})
    tabs = ent[1].get(typ)
    if tabs is None:
        lt = arr[typ].reshape(N_BANDS * 5, 4, LEVEL_ALPHABET)
        size = N_BANDS * 5 * LEVEL_ALPHABET
        t01 = np.zeros(2 * size + 2, np.float32)  # class 0 bits, then class 1 bits (_RDOQ_T1_OFF)
        t23 = np.zeros(size + 1, np.complex64)
        t01[:size], t01[size + 1 : 2 * size + 1] = lt[:, 0].ravel(), lt[:, 1].ravel()
        t23.real[:size], t23.imag[:size] = lt[:, 2].ravel(), lt[:, 3].ravel()
        # RDOQ_INT_BITS: the same in fixed point (1 / _RDOQ_BIT_ONE bit), classes 2 and 3 packed in one int64
        t01i = np.rint(t01.astype(np.float64) * _RDOQ_BIT_ONE).astype(np.int64)
        t23i = np.rint(t23.real.astype(np.float64) * _RDOQ_BIT_ONE).astype(np.int64)
        t23i += np.rint(t23.imag.astype(np.float64) * _RDOQ_BIT_ONE).astype(np.int64) << 32
        tabs = ent[1][typ] = (t01, t23, t01i, t23i)
    return tabs


def _rdoq_last_int(rates, key, k):
    """RDOQ_INT_BITS: the last-position bits rates["last_" + key][k] in fixed point (cached with _rdoq_tables')."""
    ent = _RDOQ_TABS[id(rates["lev_" + key])][1]
    got = ent.get(("last", k))
    if got is None or got[0] is not rates["last_" + key]:
        arr = rates["last_" + key]
        got = ent[("last", k)] = (arr, np.rint(arr[k].astype(np.float64) * _RDOQ_BIT_ONE).astype(np.int64))
    return got[1]


_RDOQ_QM = {}  # _rdoq_qm's cache


def _rdoq_qm(qm):
    """The zigzag quantiser steps (qm's dtype), their float32 reciprocals and the float32 steps as float64,
    cached by value (a few matrices per frame)."""
    k = (qm.dtype.str, qm.tobytes())
    got = _RDOQ_QM.get(k)
    if got is None:
        if len(_RDOQ_QM) > 64:
            _RDOQ_QM.clear()
        qz = qm.reshape(64)[ZIGZAG]
        got = _RDOQ_QM[k] = (qz, (1.0 / qz).astype(np.float32), qz.astype(np.float32).astype(np.float64))
    return got


RDOQ_LEAN27 = 63  # encoder speed, byte-identical (key27): fewer / narrower passes in the RDOQ kernels, bits: 1 _rdoq_sparse's
# |c| gather, 2 its ge threshold, 4 its context table, 8 its one trial-bits gather, 16 _rdoq_int_ends' in-place terms,
# 32 _rdoq_sub4's (0 = next26's formulation; settings 0, 1, 2, 4, 8, 15, 31, 63 replayed bit-equal)


def _rdoq_ge_threshold():
    """The least float32 x with float32(x + 0.5) >= 1 (x + 0.5 rounds up to 1 just below 0.5): ratio >= this is
    exactly (ratio + float32(0.5)) >= 1.0, the monotone rounding's set."""
    t = np.float32(0.5)
    while True:
        p = np.nextafter(t, np.float32(0.0))
        if not (p + np.float32(0.5)) >= 1.0:
            return t
        t = p


_RDOQ_GE_T = _rdoq_ge_threshold()
_RDOQ_BD = (_RDOQ_BAND_CTX[None, :] + _RDOQ_DLC[np.arange(-1, 64)[:, None] - np.arange(64)[None, :] + 64]).ravel()
# (_rdoq_sparse: band + distance-to-last context part at (last + 1) * 64 + position, last = -1..63)


_RDOQ_QZ32 = {}  # _rdoq_qz32's cache: id(qz) -> (qz, its float32 copy)


def _rdoq_qz32(qz):
    """_rdoq_qm's zigzag steps qz as float32 (cached per qz array)."""
    got = _RDOQ_QZ32.get(id(qz))
    if got is None or got[0] is not qz:
        if len(_RDOQ_QZ32) > 64:
            _RDOQ_QZ32.clear()
        got = _RDOQ_QZ32[id(qz)] = (qz, qz.astype(np.float32))
    return got[1]


_RDOQ_HV = np.array([-1.0, 0.0])  # _rdoq_sparse: the two trial levels hv - 1 and hv
_RDOQ_HV32 = _RDOQ_HV.astype(np.float32)
RDOQ_F32_TRIALS = 1  # encoder, near-identical: _rdoq's level trials (0, hv - 1, hv) in float32 (v7: hv - 1 and hv in float64)
_RDOQ_SHIFT = np.array([0, 1, 2], np.int64)  # rate terms at k, k - 1, k - 2 (times the row length)


def _rdoq_sparse(coefs, qm, deadzone, lam, intra, chroma):
    """_rdoq (same arguments, the same numbers bit for bit) computed where it matters: the level choice, its
    contexts and the candidate ends only at the coefficients that round to a non-zero level; the neighbour sums,
    level symbols and prefix sums (the class-2 and class-3 bits as one complex64 prefix sum, the SSD saved in
    float64) as dense position-major (positions, live blocks) arrays with PAD zero rows in front, so the shifted
    terms of a candidate end's rate are plain gathers (a padding term adds an exact 0.0). Every float operation
    is the original's with its operands' types (mixed-type operations as the explicit casts numpy makes)."""
    rates = _ENCODER["rates"]
    key = "c" if chroma else "y"
    typ = LEV_SPLIT if intra == LEV_SPLIT else 0 if intra else 1
    lev_tab = rates["lev_" + key][typ]
    last_tab = rates["last_" + key][0 if intra else 1]
    shape = coefs.shape
    raster = coefs.reshape(-1, 64)
    n = raster.shape[0]
    # position-major: the original's (n, 64) zigzag gather is laid out so (its total's summation order: per block
    # 0 + c0^2 + c1^2 + ... in float64, as this axis-0 sum of a C-contiguous (64, n) array)
    if RDOQ_LEAN27 & 1:  # speed, the same values: |float32(c)| = float32(|c|) (round to nearest is symmetric)
        ct = np.empty((64, n), np.float32)
        np.abs(raster.T, out=ct, casting="unsafe")
        ct = ct.take(ZIGZAG, 0)
    else:
        ct = np.abs(raster.astype(np.float32)).take(ZIGZAG, 1).T
        if not ct.flags.c_contiguous:
            ct = np.ascontiguousarray(ct)
    cct = ct * ct
    total = _add_r(cct, 0, np.float64)
    qz, inv_q, qz64 = _rdoq_qm(qm)
    ratio = ct * inv_q[:, None]
    per_block = isinstance(lam, np.ndarray)
    if per_block:
        lam64 = lam.reshape(-1).astype(np.float64)
        lam32 = lam64.astype(np.float32)
    live_mask = _or_r(ratio >= 0.5, 0)  # the blocks with a level that rounds to non-zero (the others stay empty)
    m = int(_add_r(live_mask, None))
    dist = total
    nbits = last_tab[:1].repeat(n)
    lv = np.zeros((n, 64), np.int32)
    if not m:
        return lv.reshape(shape), dist.reshape(shape[:-2]), nbits.reshape(shape[:-2])
    everyone = 4 * m >= 3 * n  # speed: then all n blocks are columns of the arrays below (those without a
    if everyone:  # candidate come out empty), else only the live ones (gathered)
        live, m, tot = None, n, total
    else:
        live = live_mask.nonzero()[0]
        ct, cct, tot, ratio = ct.take(live, 1), cct.take(live, 1), total.take(live), ratio.take(live, 1)
    if RDOQ_LEAN27 & 2:  # speed, the same sets and values: fl(ratio + 0.5) >= 1 exactly where ratio >= _RDOQ_GE_T
        ge = ratio >= _RDOQ_GE_T
    else:
        rh = ratio + np.float32(0.5)
        ge = rh >= 1.0  # round(|c|/q) >= 1: these have a choice, all others are 0
    if everyone and m < n:
        ge &= live_mask  # (ratio just below 0.5 can round to 1: the original leaves such blocks out)
    flat = ge.ravel().nonzero()[0]  # position-major
    p_i, r_i = np.divmod(flat, m)
    kz = int(p_i[-1]) + 1
    pad = _RDOQ_PAD
    fw = flat + pad * m  # the same coefficient in the padded (PAD + kz, m) arrays
    if RDOQ_LEAN27 & 2:
        rv = ratio.take(flat)
        cv, hv = ct.take(flat), (rv + np.float32(0.5)).astype(np.int32)
    else:
        cv, hv = ct.take(flat), rh.take(flat).astype(np.int32)
        rv = ratio.take(flat)
    ccv = cv * cv  # (cct's values: the same float32 products)
    # contexts of the level choice from the plain deadzone quantiser, non-zero only where hv is (deadzone >= 0)
    iv = rv + (0.5 - deadzone)
    if deadzone > 0.5:  # (else positive already: ratio >= 0.5 - 2^-25 here)
        iv = np.maximum(iv, 0)
    iv = iv.astype(np.int32)
    init = np.zeros((kz + pad, m), np.int32)
    init.reshape(-1)[fw] = np.minimum(iv, 15)  # neighbour sums are capped at 5: magnitudes capped at 15 change nothing
    sel = iv > 0
    nbv = init.take(_RDOQ_NB_A[:kz], 0)
    nbv += init.take(_RDOQ_NB_B[:kz], 0)
    if RDOQ_LEAN27 & 4:  # speed, the same numbers: band + distance-to-last parts as one (last + 1, position) table
        l64 = np.zeros(m, np.int64)
        l64.reshape(-1)[r_i.compress(sel)] = p_i.compress(sel) * 64 + 64  # (positions rising: the last put is the last non-zero)
        lp = l64.take(r_i)
        lp += p_i
        ctx = _RDOQ_NB_CTX.take(nbv.take(flat))
        ctx += _RDOQ_BD.take(lp)
    else:
        last0 = _full(m, -1, np.int64)
        last0[r_i[sel]] = p_i[sel]  # positions rising: each block's last assignment is its last non-zero
        ctx = _RDOQ_BAND_CTX.take(p_i) + _RDOQ_NB_CTX.take(nbv.take(flat)) + _RDOQ_DLC.take(last0.take(r_i) - p_i + 64)
    if per_block:
        lam_r = lam32 if everyone else lam32.take(live)
        lam_c = lam_r.take(r_i)
    else:
        lam_c = lam
    # the three trials (0, hv - 1, hv) as the original's: 0 in float32, the others in float64
    hm1 = hv - 1
    if not (RDOQ_F32_TRIALS and RDOQ_LEAN27 & 8):
        ix = np.empty((2, flat.size), np.int64)
        np.minimum(hm1, LEVEL_ALPHABET - 1, out=ix[0])
        np.minimum(hv, LEVEL_ALPHABET - 1, out=ix[1])
        ix += ctx
    if RDOQ_F32_TRIALS and RDOQ_LEAN27 & 8:  # (speed, the same numbers: one gather of the three trials' bits)
        ix3 = np.empty((3, flat.size), np.int64)
        ix3[0] = ctx
        np.minimum(hm1, LEVEL_ALPHABET - 1, out=ix3[1])
        np.minimum(hv, LEVEL_ALPHABET - 1, out=ix3[2])
        ix3[1:] += ctx
        lb = lam_c * lev_tab.take(ix3)
        j0 = ccv + lb[0]
        e = cv - (hv.astype(np.float32) + _RDOQ_HV32[:, None]) * _rdoq_qz32(qz).take(p_i)
        j = e * e
        j += lb[1:]
    elif RDOQ_F32_TRIALS:  # near-identical: all three trials in float32
        j0 = ccv + lam_c * lev_tab.take(ctx)
        e = cv - (hv.astype(np.float32) + _RDOQ_HV32[:, None]) * qz.take(p_i).astype(np.float32)
        j = e * e
        j += lam_c * lev_tab.take(ix)
    else:
        j0 = (ccv + lam_c * lev_tab.take(ctx)).astype(np.float64)
        e = cv.astype(np.float64) - (hv.astype(np.float64) + _RDOQ_HV[:, None]) * qz64.take(p_i)
        j = e * e
        j += (lam_c * lev_tab.take(ix)).astype(np.float64)
    j1, j2 = j[0], j[1]
    b1 = j1 < j0
    b2 = j2 < _where(b1, j1, j0)
    pick = _where(b2, hv, _where(b1, hm1, 0))
    ci = (pick > 0).nonzero()[0]  # the candidate ends (the chosen non-zero levels)
    if not ci.size:  # every block is empty (the original's costs are all inf)
        return lv.reshape(shape), dist.reshape(shape[:-2]), nbits.reshape(shape[:-2])
    t01, t23, t01i, t23i = _rdoq_tables(rates, key, typ)
    kc = int(p_i[ci[-1]]) + 1  # past the last chosen level no block can end: the dense work stops there
    r_c, p_c, fwc, fc, pc = r_i.take(ci), p_i.take(ci), fw.take(ci), flat.take(ci), pick.take(ci)
    ec = _where(b2, e[1], e[0]).take(ci).astype(np.float64)  # c - level * q of the chosen levels (the trials')
    # dense: chosen magnitudes (capped at 15), neighbour sums, symbols, class-2/3 bit prefix sums, SSD saved
    best = np.zeros((kc + pad, m), np.int32)
    best.reshape(-1)[fwc] = np.minimum(pc, 15)
    ns = best.take(_RDOQ_NB_A[:kc], 0)
    ns += best.take(_RDOQ_NB_B[:kc], 0)
    sym = np.empty((kc + pad, m), np.int64)
    sym[:pad] = N_BANDS * 5 * LEVEL_ALPHABET  # the zero-bit entry
    body = sym[pad:]
    np.add(_RDOQ_NB_SYM.take(ns), _RDOQ_BAND_SYM[:kc, None], out=body)
    body += best[pad:]
    if RDOQ_INT_BITS:
        return _rdoq_int_ends(rates, key, intra, last_tab, shape, raster, lv, dist, nbits, everyone, live, m, tot,
                              lam_r if per_block else lam, (lam64 if everyone else lam64.take(live)) if per_block
                              else lam, kc, sym, body, t01i, t23i, ci, r_c, p_c, fwc, fc, pc, ec, ccv)
    pre = np.empty((kc + pad, m), np.complex64)
    pre[:pad] = 0
    _col_prefix_sums(t23.take(body), pre[pad:])
    c64 = ct[:kc].astype(np.float64)
    d = cct[:kc].astype(np.float64)
    d -= c64 * c64
    # where a level is chosen: c*c - (c - level*q)^2
    e = ec
    d.reshape(-1)[fc] = ccv.take(ci).astype(np.float64) - e * e
    saved = np.empty((kc, m))
    _col_prefix_sums(d, saved)
    # the rate of ending at each candidate, term by term as the original's dense rows: class-0 bits at k plus the
    # last symbol, class-1 bits at k - 1 and k - 2, class-2 prefix at k - 3 minus at k - 8, class-3 prefix at k - 8
    b = t01.take(sym.take(fwc - _RDOQ_SHIFT[:, None] * m) + _RDOQ_T1_OFF[:, None])
    rate = b[0] + last_tab.take(p_c + 1)
    rate += b[1]
    rate += b[2]
    pp = pre.take(fwc - _RDOQ_PSHIFT[:, None] * m)
    rate += pp[0].real
    rate -= pp[1].real
    rate += pp[1].imag
    lam_v = lam_r.take(r_c) if per_block else lam
    fk = r_c * kc + p_c  # block-major (m, kc) for the argmin
    cost = np.full((m, kc), np.inf)
    cost.reshape(-1)[fk] = (tot.take(r_c) - saved.take(fc)) + (lam_v * rate).astype(np.float64)
    rate_d = np.empty((m, kc), np.float32)
    rate_d.reshape(-1)[fk] = rate
    end = np.argmin(cost, 1)
    rows = np.arange(m)
    fe = rows * kc + end
    lam_end = (lam64 if everyone else lam64.take(live)) if per_block else lam
    empty = tot + lam_end * last_tab[0] <= cost.take(fe)
    dd = _where(empty, tot, tot - saved.take(end * m + rows))
    bb = _where(empty, last_tab[0], rate_d.take(fe))
    if everyone:
        dist, nbits = dd, bb
    else:
        dist[live], nbits[live] = dd, bb
    # kept levels (the others write zeros) back to raster order with the coefficients' signs
    lev = pc * (p_c <= _where(empty, -1, end).take(r_c))
    gidx = (r_c if everyone else live.take(r_c)) * 64 + ZIGZAG.take(p_c)
    lv.reshape(-1)[gidx] = _where(raster.take(gidx) < 0, -lev, lev)
    return lv.reshape(shape), dist.reshape(shape[:-2]), nbits.reshape(shape[:-2])


_RDOQ_PSHIFT = np.array([3, 8], np.int64)

RDOQ_INT_BITS = 1  # encoder, near-identical: _rdoq's last-position search sums bits in fixed point (int64, 1/65536
# bit, exact prefix sums ~4x faster than float ones) and the SSD saved from the chosen levels only (v7 also adds the
# float32 rounding residues of c*c at zero levels), also in fixed point; 0 = v7's float sums bit for bit
_RDOQ_BIT_ONE = 65536.0
_RDOQ_SSD_ONE = 65536.0
_RDOQ_LOW = (1 << 32) - 1


def _rdoq_int_ends(rates, key, intra, last_tab, shape, raster, lv, dist, nbits, everyone, live, m, tot, lam_r, lam_end,
                   kc, sym, body, t01i, t23i, ci, r_c, p_c, fwc, fc, pc, e, ccv):
    """RDOQ_INT_BITS: the end of _rdoq_sparse (every block's last position, or empty) with the bits and the SSD
    saved summed in fixed point: the rate of ending at k as v7's (class-0 bits at k and the last symbol, class-1 bits
    at k-1 and k-2, class-2 prefix at k-3 minus at k-8, class-3 prefix at k-8), up to rounding of each term."""
    # one flat prefix sum over the blocks' rows (block-major): integers, so a block's sums are differences of it
    g = np.empty(m * kc + 1, np.int64)
    g[0] = 0
    _add_acc(t23i.take(body.T).ravel(), out=g[1:])
    rb = r_c * kc
    fk = rb + p_c  # block-major (m, kc)
    fk1 = fk + 1
    dq = np.zeros(m * kc + 1, np.int64)
    if RDOQ_LEAN27 & 16:  # speed, the same numbers: in place (float32 - float64 casts as astype), the integer
        sv = e * e  # terms summed by one reduce (integers: any order)
        np.subtract(ccv.take(ci), sv, out=sv)
        sv *= _RDOQ_SSD_ONE
        np.rint(sv, out=sv)
        dq.reshape(-1)[fk1] = sv  # (assignment casts to int64 as astype: integral values)
        _add_acc(dq, out=dq)
        si = fwc - _RDOQ_SHIFT[:, None] * m
        sym.take(si, out=si)
        si += _RDOQ_T1_OFF[:, None]
        rate = _add_r(t01i.take(si), 0)
        rate += _rdoq_last_int(rates, key, 0 if intra else 1).take(p_c + 1)
    else:
        dq.reshape(-1)[fk1] = np.rint((ccv.take(ci).astype(np.float64) - e * e) * _RDOQ_SSD_ONE).astype(np.int64)
        _add_acc(dq, out=dq)
        b = t01i.take(sym.take(fwc - _RDOQ_SHIFT[:, None] * m) + _RDOQ_T1_OFF[:, None])
        rate = b[0] + _rdoq_last_int(rates, key, 0 if intra else 1).take(p_c + 1)
        rate += b[1]
        rate += b[2]
    g8 = g.take(rb + np.maximum(p_c - 7, 0))  # (the block's sums to k - 8 and k - 3; before its start: its base)
    rate += (g.take(rb + np.maximum(p_c - 2, 0)) - g8) & _RDOQ_LOW
    rate += (g8 - g.take(rb)) >> 32
    rate_f = rate * (1.0 / _RDOQ_BIT_ONE)
    saved_f = (dq.take(fk1) - dq.take(rb)) * (1.0 / _RDOQ_SSD_ONE)
    lam_v = lam_r.take(r_c) if isinstance(lam_r, np.ndarray) else lam_r
    cost = _full((m, kc), np.inf, np.float64)
    cost.reshape(-1)[fk] = (tot.take(r_c) - saved_f) + lam_v * rate_f
    rate_d = np.empty((m, kc))
    rate_d.reshape(-1)[fk] = rate_f
    end = cost.argmin(1)
    rk = np.arange(0, m * kc, kc)
    fe = rk + end
    empty = tot + lam_end * last_tab[0] <= cost.take(fe)
    dd = _where(empty, tot, tot - (dq.take(fe + 1) - dq.take(rk)) * (1.0 / _RDOQ_SSD_ONE))
    bb = _where(empty, last_tab[0], rate_d.take(fe)).astype(np.float32)
    if everyone:
        dist, nbits = dd, bb
    else:
        dist[live], nbits[live] = dd, bb
    lev = pc * (p_c <= _where(empty, -1, end).take(r_c))
    gidx = (r_c if everyone else live.take(r_c)) * 64 + ZIGZAG.take(p_c)
    if RDOQ_LEAN27 & 16:
        np.negative(lev, out=lev, where=raster.take(gidx) < 0)
        lv.reshape(-1)[gidx] = lev
    else:
        lv.reshape(-1)[gidx] = _where(raster.take(gidx) < 0, -lev, lev)
    return lv.reshape(shape), dist.reshape(shape[:-2]), nbits.reshape(shape[:-2])
_RDOQ_T1_OFF = np.array([0, N_BANDS * 5 * LEVEL_ALPHABET + 1, N_BANDS * 5 * LEVEL_ALPHABET + 1], np.int64)


def _col_prefix_sums(x, out):
    """out[:] = np.cumsum(x, 0) of a 2-D C-contiguous array, bit for bit (sequential additions down each column):
    numpy's accumulate for few columns, one vector addition per row for many (numpy's is ~2x slower there)."""
    if x.shape[1] < 256:
        np.cumsum(x, 0, out=out)
        return out
    out[0] = x[0]
    for j in range(1, x.shape[0]):
        np.add(out[j - 1], x[j], out=out[j])
    return out


def _rdoq(coefs, qm, deadzone, lam, intra, chroma):
    """Rate-distortion optimised quantisation of (..., 8, 8) blocks with the entropy models' costs.

    Each coefficient takes the level among round(|c|/q), one less, and zero with the least squared error plus
    lambda times its bits, its context (neighbour magnitudes, distance to last) estimated from the plain
    deadzone quantiser. Then every block's last position is chosen, the empty block included, by the exact
    cost of what is kept: contexts from the chosen levels, each kept level's distance class relative to the
    candidate end, plus the last-position symbol. Blocks whose every coefficient rounds to zero skip all this.
    lam: a number, or an array with one lambda per block (RDOQ_CHROMA_BATCH: the same numbers as separate calls).
    Returns levels, SSD and bits per block."""
    if RDOQ_SPARSE and deadzone >= 0:
        return _rdoq_sparse(coefs, qm, deadzone, lam, intra, chroma)
    rates = _ENCODER["rates"]
    key = "c" if chroma else "y"
    lev_tab = rates["lev_" + key][LEV_SPLIT if intra == LEV_SPLIT else 0 if intra else 1]  # flat (N_BANDS * 5 * 4 * LEVEL_ALPHABET,)
    last_tab = rates["last_" + key][0 if intra else 1]
    shape = coefs.shape
    raster = coefs.reshape(-1, 64)
    c_all = np.abs(raster.astype(np.float32))[:, ZIGZAG]  # cast and abs before the gather: half the bytes moved
    total = (c_all * c_all).sum(1, dtype=np.float64)
    inv_q = (1.0 / qm.reshape(64)[ZIGZAG]).astype(np.float32)
    ratio_all = c_all * inv_q
    n = c_all.shape[0]
    per_block = isinstance(lam, np.ndarray)
    if per_block:  # float32 products as a Python float's (cast to float32), float64 ones as its own
        lam64 = lam.reshape(-1).astype(np.float64)
        lam32 = lam64.astype(np.float32)
    live_mask = (ratio_all >= 0.5).any(1)  # the others round to an empty block
    everyone = bool(live_mask.all())  # speed: then no gathers and scatters of the live rows
    live = slice(None) if everyone else np.nonzero(live_mask)[0]
    m = n if everyone else live.size
    dist = total.copy()
    nbits = np.full(n, last_tab[0])
    if m:
        c, ratio = (c_all, ratio_all) if everyone else (c_all[live], ratio_all[live])
        hi = (ratio + 0.5).astype(np.int32)
        flat = np.flatnonzero(hi)  # only coefficients that round to a non-zero level have a choice
        r_i, p_i = flat >> 6, flat & 63  # (the indices of np.nonzero, which is slower on a 2-D array)
        cv, hv = c.take(flat), hi.take(flat)  # (c still (m, 64) and contiguous: c_all is a gather's result)
        # speed: past the last position that rounds to non-zero in any live block every level is 0 and no block
        # can end, and contexts and prefix sums only look back in the zigzag, so the per-position work stops
        # there (with a negative deadzone the plain quantiser could reach further: then all 64 positions)
        kz = int(p_i.max()) + 1 if deadzone >= 0 and p_i.size else 64
        c, ratio = np.ascontiguousarray(c[:, :kz]), ratio[:, :kz]
        nbr_a, nbr_b = np.minimum(NBR_A_PAD[:kz], kz), np.minimum(NBR_B_PAD[:kz], kz)  # kz: outside (a zero)
        qz = qm.reshape(64)[ZIGZAG].astype(np.float32)[:kz]
        pos = np.arange(kz)
        # contexts of the level choice, from the plain deadzone quantiser (column kz: outside the block)
        init = np.zeros((m, kz + 1), np.int32)
        init[:, :kz] = np.maximum(ratio + (0.5 - deadzone), 0)  # truncation = floor (non-negative)
        nz = init[:, :kz] > 0
        last0 = np.where(nz, pos, -1).max(1)
        nbv = np.minimum(init[r_i, nbr_a[p_i]] + init[r_i, nbr_b[p_i]], 5)
        ctx = (BAND_CTX[p_i] + 4 * NB_CLASS[nbv] + DLC_CLASS[np.maximum(last0[r_i] - p_i, 0)]) * LEVEL_ALPHABET
        qv = qz[p_i]
        if per_block:
            lam_r = (lam32 if everyone else lam32[live])
            lam_c, lam_row, lam_end = lam_r[r_i], lam_r[:, None], (lam64 if everyone else lam64[live])
        else:
            lam_c = lam_row = lam_end = lam
        best_j = cv * cv + lam_c * lev_tab.take(ctx)
        pick = np.zeros_like(hv)
        for cand in (hv - 1, hv):
            err = cv - cand * qv
            j = err * err + lam_c * lev_tab.take(ctx + np.minimum(cand, LEVEL_ALPHABET - 1))
            better = j < best_j
            best_j = np.where(better, j, best_j)
            pick = np.where(better, cand, pick)
        best = np.zeros((m, kz + 1), np.int32)
        best[r_i, p_i] = pick
        best_l = best[:, :kz]
        nz = best_l > 0
        # (BAND_CTX + 4 * NB_CLASS[..]) * LEVEL_ALPHABET + level as int32 sums of pre-scaled tables (speed)
        nbc = _NB_SYM.take(np.minimum(best.take(nbr_a, 1) + best.take(nbr_b, 1), 5))
        sym = np.minimum(best_l, LEVEL_ALPHABET - 1) + _BAND_SYM[:kz] + nbc
        # the rate of ending at k: the level at k priced in distance class 0, those at k-2..k-1 in class 1,
        # k-7..k-3 in class 2 (difference of prefix sums), the rest in class 3 (prefix sum), plus the last symbol
        rate = lev_tab.take(sym) + last_tab[1 : kz + 1]
        b1 = lev_tab.take(sym + LEVEL_ALPHABET)
        rate[:, 1:] += b1[:, :-1]
        rate[:, 2:] += b1[:, :-2]
        pre = _row_prefix_sums(lev_tab.take(sym + 2 * LEVEL_ALPHABET))
        rate[:, 3:] += pre[:, :-3]
        rate[:, 8:] -= pre[:, :-8]
        rate[:, 8:] += _row_prefix_sums(lev_tab.take(sym + 3 * LEVEL_ALPHABET))[:, :-8]
        err = c - best_l * qz
        saved = _row_prefix_sums(c * c - err * err)  # float64 (err is)
        tot = total if everyone else total[live]
        cost = np.where(nz, tot[:, None] - saved + lam_row * rate, np.inf)
        end = np.argmin(cost, 1)
        rows = np.arange(m)
        empty = tot + lam_end * last_tab[0] <= cost[rows, end]
        keep = (pos[None, :] <= end[:, None]) & ~empty[:, None]
        out = np.zeros((m, 64), np.int32)
        out[:, :kz] = np.where(keep, best_l, 0)
        dist[live] = np.where(empty, tot, tot - saved[rows, end])
        nbits[live] = np.where(empty, last_tab[0], rate[rows, end])
        # back to raster order by a gather (ZZ_POS inverts ZIGZAG) of the live blocks only: the others stay zero
        out = out.take(ZZ_POS, axis=1)
        if everyone:  # speed: no zeroed array to scatter into
            lv = np.where(raster < 0, -out, out)
        else:
            lv = np.zeros((n, 64), np.int32)
            lv[live] = np.where(raster[live] < 0, -out, out)
    else:
        lv = np.zeros((n, 64), np.int32)
    return lv.reshape(shape), dist.reshape(shape[:-2]), nbits.reshape(shape[:-2])


RDOQ_SUB4 = 1  # encoder speed, byte-identical: the split trials' RDOQ (_intra4_trial) by _rdoq_sub4, on the 16
# coefficients of each 4x4 sub-block instead of an 8x8 block with 48 zeros (0 = _code_plane_blocks on the 8x8 block)


def _sub4_static():
    """_rdoq_sub4's constant tables. A sub-block k's 16 coefficients sit at the interleaved 8x8 raster positions
    IL4[k] (rows 2u + a, columns 2v + b), so no two are raster neighbours: the level-choice contexts' neighbour
    sums are 0, and a chosen level changes the neighbour class of just two other (zero) positions, the one below
    and the one to the right (each of which has no other non-zero neighbour). Returns the columns' zigzag
    positions P (4, 16, ascending) and their sub-block raster indices O, the 0/1 matrices W (64, 12, 16) that
    sum a column's three symbols' (own, below, right) bit changes per distance class (12 = 3 x 4) into the rate
    of each candidate end, the indices of those symbols' bits (DI, DB) in the flat (4, size + 1) class table,
    and the 0/1 matrix W2 (64, 256) summing the all-zero block's bits (class x position) per end."""
    size1 = N_BANDS * 5 * LEVEL_ALPHABET + 1
    zz = ZZ_POS[IL4]
    order = np.argsort(zz, 1, kind="stable")
    P = np.take_along_axis(zz, order, 1)
    cls_of = lambda d: 0 if d == 0 else 1 if d <= 2 else 2 if d <= 7 else 3
    W = np.zeros((4, 16, 3, 4, 16))
    DI = np.zeros((4, 16, 3, 4, LEVEL_ALPHABET), np.int64)
    DB = np.zeros((4, 16, 3, 4), np.int64)
    L = np.arange(LEVEL_ALPHABET)
    for k in range(4):
        for t in range(16):
            r = int(ZIGZAG[P[k, t]])
            assoc = [(int(P[k, t]), L), (int(ZZ_POS[r + 8]) if r // 8 < 7 else -1, _RDOQ_NB_SYM[L]),
                     (int(ZZ_POS[r + 1]) if r % 8 < 7 else -1, _RDOQ_NB_SYM[L])]
            for j, (pos, dsym) in enumerate(assoc):
                if pos < 0:
                    continue
                base = int(_RDOQ_BAND_SYM[pos])
                for c in range(4):
                    DI[k, t, j, c] = c * size1 + base + dsym
                    DB[k, t, j, c] = c * size1 + base
                for e in range(16):
                    if pos <= P[k, e]:
                        W[k, t, j, cls_of(int(P[k, e]) - pos), e] = 1.0
    W2 = np.zeros((4, 16, 4, 64))
    for k in range(4):
        for e in range(16):
            for j in range(int(P[k, e]) + 1):
                W2[k, e, cls_of(int(P[k, e]) - j), j] = 1.0
    cidx = (np.arange(4)[:, None] * size1 + _RDOQ_BAND_SYM[None, :]).ravel()  # (class, position) of W2's columns
    return (P, order, W.reshape(64, 12, 16), DI.reshape(64, 12, LEVEL_ALPHABET).transpose(0, 2, 1).copy(),
            DB.reshape(64, 1, 12), W2.reshape(64, 256), cidx)


_S4_P, _S4_O, _S4_W, _S4_DI, _S4_DB, _S4_W2, _S4_CIDX = _sub4_static()
_S4_R = ZIGZAG[_S4_P]  # (4, 16): the columns' 8x8 raster positions
_S4_TOFF = ((np.arange(4) * 256)[:, None] + np.arange(16) * LEVEL_ALPHABET).T  # (t, k): Q's row of (k, t, level 0)
_S4_BCTX = _RDOQ_BAND_CTX[_S4_P]  # (4, 16)
_S4_TABS = {}  # _sub4_tables' cache: (id lev, id last) -> (lev array, last array, Q, C)
_S4_QM = {}  # _rdoq_sub4's per (qm, ks) cache
_S4_ROW16 = [np.arange(0, 16 * 1024, 16)]  # _rdoq_sub4: 16 x row index (grown on demand)
_S4_LAM = {}  # _rdoq_sub4's (id lev, lambda) -> (lev array, lambda x split level bits)


def _sub4_tables(rates):
    """_rdoq_sub4's rate tables for the current split level table and intra last table, in _rdoq_sparse's fixed
    point (RDOQ_INT_BITS): Q (4 x 16 x 16, 16) the change of the rate of ending at each column when column t of
    sub-block k holds level l (capped at 15) rather than 0, plus (in the rows of column t = 0, any level) C (4, 16)
    the rate of ending there with all levels zero (last-position symbol included), so a sub-block's rates are the
    sum of its 16 columns' rows. Exact integers (float64 products of 0/1 matrices)."""
    lev_arr, last_arr = rates["lev_y"], rates["last_y"]
    got = _S4_TABS.get((id(lev_arr), id(last_arr)))
    if got is not None and got[0] is lev_arr and got[1] is last_arr:
        return got[2], got[3]
    if len(_S4_TABS) > 8:
        _S4_TABS.clear()
    _, _, t01i, t23i = _rdoq_tables(rates, "y", LEV_SPLIT)
    size1 = N_BANDS * 5 * LEVEL_ALPHABET + 1
    tf = _cat([t01i[:size1], t01i[size1:], t23i & _RDOQ_LOW, t23i >> 32])  # (class, symbol)
    d = (tf.take(_S4_DI) - tf.take(_S4_DB)).astype(np.float64)  # (64, level, 12)
    q = (d @ _S4_W).astype(np.int64).reshape(4, 16, LEVEL_ALPHABET, 16)  # (exact: integers well below 2^53)
    last_int = np.rint(last_arr[0 if LEV_SPLIT else 1].astype(np.float64) * _RDOQ_BIT_ONE).astype(np.int64)
    c = (_S4_W2 @ tf.take(_S4_CIDX).astype(np.float64)).astype(np.int64).reshape(4, 16) + last_int[_S4_P + 1]
    q[:, 0] += c[:, None, :]  # C folded into column 0's rows: every sub-block sums exactly one of them
    q = q.reshape(-1, 16)
    _S4_TABS[(id(lev_arr), id(last_arr))] = (lev_arr, last_arr, q, c)
    return q, c


def _rdoq_sub4(c4, ks, qm, deadzone, lam, want_bits=False):
    """_rdoq(c8, qm, deadzone, lam, LEV_SPLIT, False) with RDOQ_SPARSE, RDOQ_INT_BITS and RDOQ_F32_TRIALS (the same
    numbers) for split trials' sub-blocks: c4 (len(ks) x m, 16) holds m sub-blocks ks[0] (their DST coefficients
    in sub-block raster order, as placed at IL4[k] of an otherwise zero 8x8 block c8), then m sub-blocks ks[1], ...
    Everything runs on the 16 positions in zigzag order: the level choice position-major (16, s, m) (its context
    neighbour sums are 0, see _sub4_static), the SSD saved (fixed point, prefix sums over the 16) and the rate of
    ending at each column from the tables of _sub4_tables (the same fixed-point integers as _rdoq_int_ends') block-
    major (s, m, 16). Returns the signed levels (16, s, m) of the columns (zigzag order: the 8x8 raster positions
    _S4_R[k]) and the SSD per sub-block (n,) (and the bits, want_bits)."""
    rates = _ENCODER["rates"]
    lev_arr, last_tab = rates["lev_y"], rates["last_y"][0 if LEV_SPLIT else 1]
    got = _S4_LAM.get((id(lev_arr), lam))
    if got is None or got[0] is not lev_arr:
        if len(_S4_LAM) > 8:
            _S4_LAM.clear()
        got = _S4_LAM[(id(lev_arr), lam)] = (lev_arr, lam * lev_arr[LEV_SPLIT])
    lam_tab = got[1]  # lam x the split level bits: the products lam x lev_tab.take(...) would make (float32)
    n = c4.shape[0]
    s = len(ks)
    m = n // s
    got = _S4_QM.get((id(qm), ks))
    if got is None or got[0] is not qm:
        if len(_S4_QM) > 64:
            _S4_QM.clear()
        qz, inv_q, _ = _rdoq_qm(qm)
        kl = list(ks)
        kp = _S4_P[kl].T  # (16, s)
        got = _S4_QM[(id(qm), ks)] = (qm, _S4_O[kl].T[:, :, None], inv_q[kp][:, :, None],
                                      qz[kp].astype(np.float32)[:, :, None], kp[:, :, None], (64 - kp)[:, :, None],
                                      _S4_BCTX[kl].T[:, :, None], _S4_TOFF[:, kl][:, :, None], {},
                                      (kp[:, :, None] + 1) * 64)
    _, col, inv_q, qz32, kp, kp64, bctx, toff = got[:8]
    lean = RDOQ_LEAN27 & 32
    if _S4_ROW16[0].size < n:
        _S4_ROW16[0] = np.arange(0, 32 * n, 16)
    row16 = _S4_ROW16[0][:n]  # (a view: 16 x the row index)
    if lean:  # speed, the same numbers: the gather indices cached per (qm, ks, m), abs in place, the band and
        # distance-to-last context parts as one table (_RDOQ_BD), the three trials' bits as one gather
        idx = got[8].get(m)
        if idx is None:
            if len(got[8]) > 256:
                got[8].clear()
            idx = got[8][m] = col + row16.reshape(1, s, m)
        cz = c4.take(idx)
        ct = cz.astype(np.float32)
        np.abs(ct, out=ct)
    else:
        idx = col + row16.reshape(1, s, m)  # (16, s, m): the zigzag-ordered columns' flat positions in c4
        cz = c4.take(idx)
        ct = np.abs(cz.astype(np.float32))
    cct = ct * ct
    total = _add_r(cct, 0, np.float64)  # (s, m): sequential in zigzag order, as _rdoq_sparse's (zeros add 0)
    ratio = ct * inv_q
    live = _or_r(ratio >= 0.5, 0)
    if not _or_r(live, None):  # every sub-block empty: zero levels, the whole SSD (and the empty-block bits, want_bits)
        out = (np.zeros((16, s, m), np.int32), total.reshape(n))
        return out + (np.full(n, last_tab[0]),) if want_bits else out
    rh = ratio + np.float32(0.5)
    ge = rh >= 1.0
    ge &= live
    hv = rh.astype(np.int32)
    iv = ratio + (0.5 - deadzone)  # the plain quantiser's level is non-zero where this is >= 1 (truncation)
    nzi = iv >= 1.0
    nzi &= ge
    hm1 = hv - 1
    if lean:
        lp = _max_r(_where(nzi, got[9], 0), 0)  # (last + 1) * 64 (0: none)
        ix = np.empty((3,) + hv.shape, np.int64)
        np.add(lp, kp, out=ix[0])
        _RDOQ_BD.take(ix[0], out=ix[0], mode="clip")  # (in range: clip is raise's values, unbuffered)
        np.minimum(hm1, LEVEL_ALPHABET - 1, out=ix[1])
        np.minimum(hv, LEVEL_ALPHABET - 1, out=ix[2])
        ix[1:] += ix[0]
        lb = lam_tab.take(ix)
        j0 = cct + lb[0]
        e = ct - (hv.astype(np.float32) + _RDOQ_HV32[:, None, None, None]) * qz32
        j = e * e
        j += lb[1:]
    else:
        last0 = _max_r(_where(nzi, kp, -1), 0)
        ctx = _RDOQ_DLC.take(last0 + kp64)
        ctx += bctx
        j0 = cct + lam_tab.take(ctx)
        ix = np.empty((2,) + hv.shape, np.int64)
        np.minimum(hm1, LEVEL_ALPHABET - 1, out=ix[0])
        np.minimum(hv, LEVEL_ALPHABET - 1, out=ix[1])
        ix += ctx
        e = ct - (hv.astype(np.float32) + _RDOQ_HV32[:, None, None, None]) * qz32
        j = e * e
        j += lam_tab.take(ix)
    b1 = j[0] < j0
    b2 = j[1] < _where(b1, j[0], j0)
    pick = _where(b2, hv, hm1 * b1)
    pick *= ge
    chosen = pick > 0
    ec = _where(b2, e[1], e[0]).astype(np.float64)
    ec *= ec
    dq = np.subtract(cct, ec, out=ec)  # (float32 - float64: cct's exact float64 values)
    dq *= _RDOQ_SSD_ONE
    np.rint(dq, out=dq)
    dq *= chosen  # (integers below 2^53 in float64: their prefix sums are exact, the fixed-point sums' values)
    q, c = _sub4_tables(rates)
    np.minimum(pick, LEVEL_ALPHABET - 1, out=hm1)
    hm1 += toff
    rate = _add_r(q.take(hm1, 0), 0)  # (s, m, 16 ends): C is in Q's rows of column 0 (any level)
    saved_f = _add_acc(dq.transpose(1, 2, 0), 2) * (1.0 / _RDOQ_SSD_ONE)  # (s, m, 16), exact
    # (total - saved) + lam x rate x 2^-16 as _rdoq_int_ends' lam x (rate x 2^-16): the same exactly rounded product
    cost = _where(chosen.transpose(1, 2, 0), (total[:, :, None] - saved_f) + (lam * (1.0 / _RDOQ_BIT_ONE)) * rate,
                    np.inf).reshape(n, 16)
    fe = cost.argmin(1)
    fe += row16
    tot = total.reshape(n)
    empty = tot + lam * last_tab[0] <= cost.take(fe)
    dist = _where(empty, tot, tot - saved_f.take(fe))
    fe -= row16
    fe[empty] = -1
    lev = pick * (_R16[:, None, None] <= fe.reshape(s, m))
    lev = _where(cz < 0, -lev, lev)
    if want_bits:
        return lev, dist, _where(empty, last_tab[0], rate.take(fe + row16) * (1.0 / _RDOQ_BIT_ONE)).astype(np.float32)
    return lev, dist


# Sign data hiding (HEVC's SDH, per 8x8 block of I frames): where a block's first and last non-zero zigzag
# positions are SDH_DIST or more apart, the first non-zero level's sign is not sent; it is negative when the sum
# of the block's magnitudes is odd. After the block's mode choice the encoder makes the parity agree by the
# cheapest +-1 change of one level between the two positions. Split (4x4) luma blocks do not hide (their
# sub-blocks are quantised one after another, before the block's sum is known).
SDH = 1  # 0 = off
SDH_DIST = 4
SDH_DIST_P = 4  # P frames' SDH_DIST
SDH_BITS = (3.0, 1.0)  # encoder: rough bits of a level going 0 <-> 1, and of any other +-1 change
SDH_BITS_P = SDH_BITS  # encoder (hiq): P frames' SDH_BITS (_p_sign_hiding's parity fixes)


SDH_P = 1  # P frames hide signs too (not in edge-transform blocks), fixed after the whole decision (0 = I frames only)
SDH_CHROMA_PAIR = 1  # encoder speed, byte-identical (hiq): P frames' sign hiding fixes Cb and Cr in one _hide_signs call
# (levels only, a lambda per block) instead of two; 0 = one call per plane
SDH_LEVELS_ONLY = 1  # encoder speed, byte-identical (hiq): P frames' luma sign hiding asks _hide_signs for the levels only
# (its SSD / bits updates and whole-array zigzag gather back were discarded); 0 = with the unused SSD and bits
SDH_IN_RECON = 1  # encoder speed, byte-identical (hiq): P frames' sign hiding runs inside _reconstruct on its whole-frame
# predictions (computed there first, then the levels fixed, then the residuals) instead of predicting the macroblocks
# it fixes once more (at q80 nearly every coded macroblock: ~2-3 % of the P time); 0 = _p_sign_hiding's own predictions


def _sdh_excluded(bt_y, edge):
    """The luma and chroma blocks (coded order) that never hide a sign: split (4x4) luma blocks of I frames and the
    edge-transform blocks of P frames (edge: the coded macroblocks' kinds, luma (m, 4), chroma (m,), or None)."""
    ex_y = bt_y == LEV_SPLIT
    if edge is None:
        return ex_y, None
    return ex_y | (edge[0].ravel() > 0), np.repeat(edge[1] > 0, 2)


def _p_sign_hiding(st, cur, pp, modes, mvs, ly, lcb, lcr, ipm, step, full=None):
    """Encoder: SDH for a P frame's final levels (in place), before reconstruction. Only the macroblocks with a
    block whose parity disagrees with its hidden sign are predicted again (as _reconstruct does) to get their
    coefficients; the cheapest +-1 level change (SSD + lambda x rough bits) restores the parity. full: None, or
    _reconstruct's whole-frame predictions (py, pcb, pcr) (SDH_IN_RECON), whose rows are taken instead."""
    mbh, mbw = st["mbh"], st["mbw"]
    n = mbh * mbw
    if EDGE_TX:
        ky, kc = _edge_kinds_mbs(mbh, mbw, mvs, modes)
        ky[ipm[:, COL16] > 0] = 0
        ex_y, ex_c = ky > 0, kc > 0
    else:
        ex_y, ex_c = np.zeros((n, 4), bool), np.zeros(n, bool)

    def wrong(levels, ex):
        z = levels.reshape(levels.shape[0], -1, 64)[:, :, ZIGZAG]
        a = np.abs(z).reshape(-1, 64)
        nz = a > 0
        last = np.where(nz.any(1), 63 - np.argmax(nz[:, ::-1], axis=1), -1)
        hid = _sign_hidden(a, last, ex.ravel(), SDH_DIST_P)
        neg = np.take_along_axis(z.reshape(-1, 64), np.maximum(hid, 0)[:, None], 1)[:, 0] < 0
        return ((hid >= 0) & ((a.sum(1) & 1).astype(bool) != neg)).reshape(levels.shape[0], -1).any(1)

    if SDH_ONE_PASS and PSH_FAST and full is not None and SDH_LEVELS_ONLY and SDH_CHROMA_PAIR:
        return _p_sign_hiding_one(st, cur, modes, ly, lcb, lcr, ipm, step, full, ex_y, ex_c)
    if PSH_FAST:  # the parity test on the coded macroblocks only (skips are never fixed): the same idx
        cm = np.nonzero(modes != MODE_SKIP)[0]
        if not cm.size:  # an all-skip frame: nothing to fix (and no blocks to reshape)
            return
        idx = cm[wrong(ly[cm], ex_y[cm]) | wrong(lcb[cm], ex_c[cm]) | wrong(lcr[cm], ex_c[cm])]
    else:
        idx = np.nonzero((modes != MODE_SKIP) & (wrong(ly, ex_y) | wrong(lcb, ex_c) | wrong(lcr, ex_c)))[0]
    if not idx.size:
        return
    qy, qc = _qmatrices(step)
    lam = _p_lambda(st, step)
    if full is not None:  # SDH_IN_RECON: _reconstruct's rows (split, two-hypothesis and intra ones included)
        preds = [p[idx] for p in full]
    else:
        ref = _ref_with(st, pp[0], pp[1])
        preds = list(_predict_mbs(ref, idx, mbw, mvs[idx, 1]))
        split = np.nonzero(modes[idx] == MODE_SPLIT)[0]
        if split.size:
            for p, q in zip(preds, _predict_split(ref, idx[split], mbw, mvs[idx[split]])):
                p[split] = q
        bi = st.get("bi")
        sel = np.nonzero(bi[0][idx])[0] if bi is not None else np.zeros(0, np.int64)
        if sel.size:
            i2 = idx[sel]
            w = _npclip(_bi_predictor(mvs[i2, 1]) + bi[1][i2], -MAX_MV, MAX_MV)
            p2 = _predict_mbs(_bi_ref(st, pp[0], pp[1]), i2, mbw, w)
            for p, q in zip(preds, _average_preds(tuple(p[sel] for p in preds), p2)):
                p[sel] = q
        intra = modes[idx] == MODE_INTRA
        for p in preds:
            p[intra] = 128
    res_y = _to_mbs(cur[0], 16)[idx].astype(np.float64) - preds[0]
    t16 = ipm[idx, COL16] > 0
    n8, n16 = np.nonzero(~t16)[0], np.nonzero(t16)[0]
    zeros = np.zeros(idx.size)
    if n8.size:
        z4 = np.zeros((n8.size, 4))
        if SDH_LEVELS_ONLY:  # (the levels only: the SSD and bits were never read)
            z4 = None
        ly[idx[n8]] = _hide_signs(_dct(_split4(res_y[n8])), ly[idx[n8]], z4, z4, qy, lam, ex_y[idx[n8]].ravel(), SDH_DIST_P, SDH_BITS_P)[0]
    if n16.size:
        z16 = None if SDH_LEVELS_ONLY else zeros[n16]
        ly[idx[n16], 0] = _hide_signs(_i16_forward(res_y[n16]), ly[idx[n16], 0], z16, z16,
                                      _i16_qm(qy[0, 0]), lam, ex_y[idx[n16], 0], SDH_DIST_P, SDH_BITS_P)[0]
    if SDH_CHROMA_PAIR:  # Cb and Cr in one _hide_signs call, a lambda per block (the same numbers: every step is per block)
        m = idx.size
        res = np.concatenate([_to_mbs(cur[1], 8)[idx].astype(np.float64) - preds[1],
                              _to_mbs(cur[2], 8)[idx].astype(np.float64) - preds[2]])
        lams = np.repeat(np.array([lam / CB_WEIGHT, lam / CR_WEIGHT]), m)
        got = _hide_signs(_dct(res), np.concatenate([lcb[idx], lcr[idx]]), None, None, qc, lams,
                          np.concatenate([ex_c[idx], ex_c[idx]]), SDH_DIST_P, SDH_BITS_P)[0]
        lcb[idx], lcr[idx] = got[:m], got[m:]
        return
    for k, (lv, weight) in enumerate(((lcb, CB_WEIGHT), (lcr, CR_WEIGHT))):
        res = _to_mbs(cur[1 + k], 8)[idx].astype(np.float64) - preds[1 + k]
        lv[idx] = _hide_signs(_dct(res), lv[idx], zeros, zeros, qc, lam / weight, ex_c[idx], SDH_DIST_P, SDH_BITS_P)[0]


SDH_ONE_PASS = 1  # encoder speed, byte-identical (hq26): P sign hiding (SDH_IN_RECON) in one pass over the coded
# macroblocks' blocks: zigzag, first / last, parity once, then only the blocks whose parity is wrong transformed and
# fixed (_hide_signs' arithmetic, levels only), instead of every block of a macroblock with one wrong block twice


def _p_sign_hiding_one(st, cur, modes, ly, lcb, lcr, ipm, step, full, ex_y, ex_c):
    """_p_sign_hiding with _reconstruct's predictions full (the same levels, see SDH_ONE_PASS)."""
    cm = np.nonzero(modes != MODE_SKIP)[0]
    m = cm.size
    if not m:
        return
    lv = np.concatenate([ly[cm].reshape(-1, 64), lcb[cm].reshape(-1, 64), lcr[cm].reshape(-1, 64)])
    excl = np.concatenate([ex_y[cm].reshape(-1), ex_c[cm], ex_c[cm]])
    if SDH_LIVE_ROWS and SDH_DIST_P >= 1:  # (speed, the same rows: a block with fewer than two levels has
        # last - first = 0 < SDH_DIST_P; only the others are scanned)
        live = (np.count_nonzero(lv, axis=1) >= 2).nonzero()[0]
        if not live.size:
            return
        z = lv.take(live, 0).take(ZIGZAG, 1)
        excl = excl.take(live)
    else:
        live = None
        z = lv.take(ZIGZAG, 1)
    nz = z != 0
    first = np.argmax(nz, 1)
    last = 63 - np.argmax(nz[:, ::-1], axis=1)
    ok = nz.any(1) & (last - first >= SDH_DIST_P)
    ok &= ~excl
    rows = np.flatnonzero(ok)
    if not rows.size:
        return
    f_r = first[rows]
    z_r = z[rows]
    a_r = np.abs(z_r)
    bad = (a_r.sum(1) & 1).astype(bool) != (z_r[np.arange(rows.size), f_r] < 0)
    r = rows[bad]
    if not r.size:
        return
    f, e, a, zr = f_r[bad], last[r], a_r[bad], z_r[bad]
    if live is not None:
        r = live.take(r)  # (rows of lv from here on)
    qy, qc = _qmatrices(step)
    lam = _p_lambda(st, step)
    nr = r.size
    cs = np.empty((nr, 64))
    q = np.empty((nr, 64))
    lams = np.empty((nr, 1))
    yb = np.flatnonzero(r < 4 * m)
    if yb.size:
        mb, k = cm[r[yb] >> 2], r[yb] & 3
        mbw = st["mbw"]
        t16 = ipm[mb, COL16] > 0
        s8, s16 = np.flatnonzero(~t16), np.flatnonzero(t16)
        if s8.size:  # the 8x8 blocks straight from the planes (the same samples as _split4 of _to_mbs' rows)
            m8, k8 = mb[s8], k[s8]
            src = cur[0].reshape(cur[0].shape[0] // 8, 8, -1, 8)[2 * (m8 // mbw) + (k8 >> 1), :, 2 * (m8 % mbw) + (k8 & 1), :]
            pr = full[0].reshape(-1, 2, 8, 2, 8)[m8, k8 >> 1, :, k8 & 1, :]
            cs[yb[s8]] = _dct(src.astype(np.float64) - pr).reshape(-1, 64)[:, ZIGZAG]
            q[yb[s8]] = qy.reshape(64)[ZIGZAG]
        if s16.size:
            m16 = mb[s16]
            src = cur[0].reshape(cur[0].shape[0] // 16, 16, -1, 16)[m16 // mbw, :, m16 % mbw, :]
            cs[yb[s16]] = _i16_forward(src.astype(np.float64) - full[0][m16]).reshape(-1, 64)[:, ZIGZAG]
            q[yb[s16]] = _i16_qm(qy[0, 0]).reshape(64)[ZIGZAG]
        lams[yb] = lam
    cb = np.flatnonzero(r >= 4 * m)
    if cb.size:
        rc = r[cb] - 4 * m
        is_cr = rc >= m
        mb = cm[rc - m * is_cr]
        res = np.empty((cb.size, 8, 8))
        mbw = st["mbw"]
        for plane, sel in ((1, np.flatnonzero(~is_cr)), (2, np.flatnonzero(is_cr))):
            if sel.size:
                ms = mb[sel]
                src = cur[plane].reshape(cur[plane].shape[0] // 8, 8, -1, 8)[ms // mbw, :, ms % mbw, :]
                res[sel] = src.astype(np.float64) - full[plane][ms]
        cs[cb] = _dct(res).reshape(-1, 64)[:, ZIGZAG]
        q[cb] = qc.reshape(64)[ZIGZAG]
        lams[cb, 0] = np.where(is_cr, lam / CR_WEIGHT, lam / CB_WEIGHT)
    # _hide_signs' choice (dist None), row by row the same arithmetic
    sbits = SDH_BITS_P
    c = np.abs(cs)
    lr = a.astype(np.float64)
    pos = np.arange(64)[None, :]
    inside = (pos >= f[:, None]) & (pos <= e[:, None])
    d0 = (c - q * lr) ** 2
    up = (c - q * (lr + 1)) ** 2 - d0 + lams * np.where(lr == 0, sbits[0], sbits[1])
    dn = (c - q * (lr - 1)) ** 2 - d0 - lams * np.where(lr == 1, sbits[0], sbits[1])
    dn_ok = (lr >= 1) & ~((lr == 1) & ((pos == f[:, None]) | (pos == e[:, None])))
    cost = np.concatenate([np.where(inside, up, np.inf), np.where(inside & dn_ok, dn, np.inf)], 1)
    kk = np.argmin(cost, 1)
    p, stp = kk % 64, np.where(kk < 64, 1, -1)
    i = np.arange(nr)
    new = lr[i, p] + stp
    old = zr[i, p]
    sign = np.where(old != 0, np.sign(old), np.where(cs[i, p] < 0, -1, 1))
    lv[r, ZIGZAG[p]] = (sign * new).astype(lv.dtype)
    if SDH_WRITE_CHANGED:  # (speed, the same levels: only the changed blocks written back, by index)
        y_r = r.compress(r < 4 * m)
        if y_r.size:
            ly[cm.take(y_r >> 2), y_r & 3] = lv.take(y_r, 0).reshape(-1, 8, 8)
        c_r = r.compress(r >= 4 * m) - 4 * m
        for plane, sel in ((lcb, c_r.compress(c_r < m)), (lcr, c_r.compress(c_r >= m) - m)):
            if sel.size:
                plane[cm.take(sel)] = lv.take(sel + (4 * m if plane is lcb else 5 * m), 0).reshape(-1, 8, 8)
        return
    ly[cm] = lv[: 4 * m].reshape(ly[cm].shape)
    lcb[cm] = lv[4 * m : 5 * m].reshape(lcb[cm].shape)
    lcr[cm] = lv[5 * m :].reshape(lcr[cm].shape)


def _sign_hidden(mags, last, excluded=None, dist=SDH_DIST):
    """Per block (zigzag magnitudes (m, 64), last position (m,)), the position whose sign is hidden, or -1."""
    first = np.argmax(mags > 0, 1)
    ok = (last >= 0) & (last - first >= dist)
    if excluded is not None:
        ok &= ~excluded
    return np.where(ok, first, -1)


def _hide_signs(coefs, levels, dist, bits, qm, lam, excluded=None, min_dist=SDH_DIST, sbits=SDH_BITS):
    """Encoder: give every hiding block the parity its first level's sign needs (the +-1 change of least
    SSD + lambda x rough bits), and update its SSD and bits (one sign fewer; dist None: the levels only)."""
    shape = levels.shape
    lv = levels.reshape(-1, 64).take(ZIGZAG, 1)
    # _sign_hidden's choice with fewer whole-array operations (speed): blocks with levels whose first and last
    # are min_dist or more apart and not excluded; magnitudes of those rows only
    nz = lv != 0
    first = np.argmax(nz, 1)
    last = 63 - np.argmax(nz[:, ::-1], axis=1)
    ok = nz.any(1) & (last - first >= min_dist)
    if excluded is not None:
        ok &= ~np.asarray(excluded, bool).reshape(-1)
    rows = np.nonzero(ok)[0]
    if dist is None:  # speed: the levels only (the encoder's mode decision has priced them already)
        if rows.size == 0:
            return levels, None, None
    else:
        dist = np.array(dist, np.float64).reshape(-1)
        bits = np.array(bits, np.float64).reshape(-1)
        if rows.size == 0:
            return levels, dist.reshape(shape[:-2]), bits.reshape(shape[:-2])
        bits[rows] -= 1.0
    first = first[rows]
    a_rows = np.abs(lv[rows])
    bad = (a_rows.sum(1) & 1).astype(bool) != (lv[rows, first] < 0)
    r = rows[bad]
    if r.size == 0 and dist is None:
        return levels, None, None
    if r.size:
        if isinstance(lam, np.ndarray):  # one lambda per block (I_CHROMA_PAIR): the rows' own, as a column
            lam = lam.reshape(-1)[r][:, None]
        f, e = first[bad], last[r]
        cs = coefs.reshape(-1, 64)[r][:, ZIGZAG].astype(np.float64)
        c = np.abs(cs)
        q = qm.reshape(64)[ZIGZAG]
        lr = a_rows[bad].astype(np.float64)
        pos = np.arange(64)[None, :]
        inside = (pos >= f[:, None]) & (pos <= e[:, None])
        d0 = (c - q * lr) ** 2
        up = (c - q * (lr + 1)) ** 2 - d0 + lam * np.where(lr == 0, sbits[0], sbits[1])
        dn = (c - q * (lr - 1)) ** 2 - d0 - lam * np.where(lr == 1, sbits[0], sbits[1])
        dn_ok = (lr >= 1) & ~((lr == 1) & ((pos == f[:, None]) | (pos == e[:, None])))
        cost = np.concatenate([np.where(inside, up, np.inf), np.where(inside & dn_ok, dn, np.inf)], 1)
        k = np.argmin(cost, 1)
        p, step = k % 64, np.where(k < 64, 1, -1)
        i = np.arange(r.size)
        old = lr[i, p]
        new = old + step
        sign = np.where(lv[r, p] != 0, np.sign(lv[r, p]), np.where(cs[i, p] < 0, -1, 1))
        if dist is None:  # only the changed levels, in raster order
            out = levels.reshape(-1, 64).copy()
            out[r, ZIGZAG[p]] = (sign * new).astype(levels.dtype)
            return out.reshape(shape), None, None
        lv[r, p] = (sign * new).astype(lv.dtype)
        dist[r] += (c[i, p] - q[p] * new) ** 2 - (c[i, p] - q[p] * old) ** 2
        bits[r] += np.where((old == 0) | (new == 0), sbits[0], sbits[1]) * step
    out = lv[:, ZZ_POS].reshape(shape).astype(levels.dtype)
    return out, dist.reshape(shape[:-2]), bits.reshape(shape[:-2])


SDH_I_FAST = 1  # encoder speed, byte-identical: I frames' sign hiding (levels only) by _hide_signs_levels (0 = _hide_signs)
_SDH_OFF3 = np.array([0.0, 1.0, -1.0])[:, None]  # _hide_signs_levels: the level, one more, one less
_SDH_BTAB = np.array([SDH_BITS[0], SDH_BITS[1], SDH_BITS[1], -SDH_BITS[1], -SDH_BITS[0], -SDH_BITS[1]])  # by min(|l|, 2)
_SDH_BOFF = np.array([0, 3])[:, None]  # ... + 3 for a step down (its bits subtracted)


def _hide_signs_levels(coefs, levels, qm, lam, min_dist=SDH_DIST):
    """_hide_signs(coefs, levels, None, None, qm, lam, None, min_dist)[0] (the same levels) with fewer numpy calls:
    the level, one more and one less as one (rows, 3, 64) array, the up and down costs as one (rows, 2, 64) array
    (down's bits as negative entries of one table: x - y is x + -y exactly), the down step's validity as
    |level| > (first or last position)."""
    if not SDH_I_FAST:
        return _hide_signs(coefs, levels, None, None, qm, lam, None, min_dist)[0]
    shape = levels.shape
    lvr = levels.reshape(-1, 64)
    lv = lvr.take(ZIGZAG, 1)
    nz = lv != 0
    first = nz.argmax(1)
    last = 63 - nz[:, ::-1].argmax(1)
    ok = _or_r(nz, 1) & (last - first >= min_dist)
    rows = ok.nonzero()[0]
    if rows.size == 0:
        return levels
    first = first.take(rows)
    a_rows = np.abs(lv.take(rows, 0))
    bad = (_add_r(a_rows, 1) & 1) != (lv.take(rows * 64 + first) < 0)
    r = rows[bad]
    if r.size == 0:
        return levels
    nr = r.size
    f, e = first[bad][:, None], last.take(r)[:, None]
    a = a_rows[bad]
    cs = coefs.reshape(-1, 64).take(r, 0).take(ZIGZAG, 1).astype(np.float64)
    c = np.abs(cs)
    lr = a.astype(np.float64)
    t = c[:, None, :] - qm.reshape(64).take(ZIGZAG) * (lr[:, None, :] + _SDH_OFF3)
    t *= t
    cost = t[:, 1:] - t[:, :1]  # (nr, 2, 64): up, down, less the level's own squared error
    if isinstance(lam, np.ndarray):  # one lambda per block (I_CHROMA_PAIR): the rows' own
        lam = lam.reshape(-1).take(r)[:, None, None]
    cost += lam * _SDH_BTAB.take(np.minimum(a, 2)[:, None, :] + _SDH_BOFF)
    inside = (_R64 >= f) & (_R64 <= e)
    mask = np.empty((nr, 2, 64), bool)
    mask[:, 0] = inside
    np.logical_and(inside, a > ((_R64 == f) | (_R64 == e)), out=mask[:, 1])
    k = _where(mask, cost, np.inf).reshape(nr, 128).argmin(1)
    p = k & 63
    step = _where(k < 64, 1, -1)
    fp = np.arange(0, 64 * nr, 64) + p  # (speed: flat gathers)
    new = lr.take(fp) + step
    v = lv.take(r * 64 + p)
    sign = _where(v != 0, np.sign(v), _where(cs.take(fp) < 0, -1, 1))
    out = lvr.copy()
    out.reshape(-1)[r * 64 + ZIGZAG.take(p)] = (sign * new).astype(levels.dtype)
    return out.reshape(shape)


def _code_plane_blocks(coefs, qm, deadzone, lam, intra=True, chroma=False, rdoq=True):
    """Quantise (…, 8, 8) blocks, drop the ones not worth their bits; returns levels, SSD and bits per block."""
    if RDOQ and rdoq:
        return _rdoq(coefs, qm, deadzone, lam, intra, chroma)
    levels = _quantise(coefs, qm, deadzone)
    if RD_TRUNCATE:
        levels = _rd_truncate(coefs, levels, qm, lam)
    d_coded = ((coefs - _dequantise(levels, qm)) ** 2).sum(axis=(-2, -1))
    d_zero = (coefs**2).sum(axis=(-2, -1))
    # _block_bits gives 1 bit to a block without levels: estimated for the others only (most at low rates)
    bits = np.ones(d_zero.shape)
    blocks = levels.reshape(-1, 8, 8)
    nzb = np.nonzero(np.count_nonzero(blocks.reshape(-1, 64), axis=1))[0]
    bits.reshape(-1)[nzb] = _block_bits(blocks[nzb])
    keep = d_coded + lam * RD_ZERO * bits < d_zero + lam * RD_ZERO
    levels *= keep[..., None, None]
    return levels, np.where(keep, d_coded, d_zero), np.where(keep, bits, 1.0)


RDOQ_CHROMA_BATCH = 1  # speed: _code_blocks quantises Cb and Cr in one _rdoq call (the same numbers)
P16 = 1  # P frames: inter macroblocks may code their luma residual with the 16x16 zero-out transform (0 = off)
P16_FLAG_BITS = 5.0  # encoder: rough extra cost of a set 16x16 flag over a clear one
P16_HQ = 75.0  # encoder speed (a decision, hq26 sprint 2): P frames at quality >= this try no 16x16 luma transform
# (_MS_QUALITY, set by _decide_p); None = off. Alone +0.074 % BD vs c0023 (face +0.25, chelsea +0.16, coffee -0.02)
P16_ADAPT_HQ = (0.004, 3)  # encoder speed (a decision, hq26 sprint 3): with P16_HQ, a P frame at quality >= P16_HQ
# still tries the 16x16 luma transform (a probe) unless the last probe's gain was below [0] of the 8x8 cost of the
# macroblocks tried (sum over every trial of the frame: winners' 8x8 cost - 16x16 cost, over all trials' 8x8 cost);
# after such a low probe the next [1] frames skip the trial, then one probes again. None = never try at >= P16_HQ.
# Probe gains at q80 (10 frames): coffee 0.09-0.24 %, face 0.7-9 %, chelsea 0.0-0.1 % (fade start) then 1.3-6 %.
# Fast BD (q80 points vs c0023) with the sprint-2 set: P16_HQ alone +0.061 %, (0.004, 1) +0.024 %, (0.004, 3) +0.037 %
_P16_OFF = [False]  # encoder: this P frame tries no 16x16 luma transform (set by _decide_p)
_P16_STAT = [0.0, 0.0, False]  # encoder: this frame's 16x16 trial gain and 8x8 cost, and whether they are collected
P16_BOUND = 2  # encoder speed: the 16x16 test skips macroblocks whose 8x8 cost is below lambda x P16_FLAG_BITS (1), or
# below that + the energy the 16x16 transform's kept frequencies leave out (2): the same choices (d, b >= 0)


def _p16_luma(resid, ly, dy, by, qy, deadzone, lam):
    """Encoder: the inter macroblocks (resid (n, 16, 16)) whose luma residual costs less as the kept 8x8 low
    frequencies of a 16x16 DCT (in block 0) than as four 8x8 blocks (ly, dy, by: levels, SSD, bits per block,
    replaced in place where it does). Returns the choice (n,) bool."""
    if _P16_STAT[2]:  # P16_ADAPT_HQ's probe: the trial's gain over the 8x8 cost of every macroblock tried
        cost8 = dy.sum(1) + lam * by.sum(1)
        use = _p16_luma_run(resid, ly, dy, by, qy, deadzone, lam)
        _P16_STAT[0] += float((cost8[use] - dy[use].sum(1) - lam * (by[use].sum(1) + P16_FLAG_BITS)).sum())
        _P16_STAT[1] += float(cost8.sum())
        return use
    return _p16_luma_run(resid, ly, dy, by, qy, deadzone, lam)


def _p16_luma_run(resid, ly, dy, by, qy, deadzone, lam):
    """_p16_luma's trial."""
    if P16_BOUND:  # speed, the same choices: d, b >= 0, so a macroblock whose 8x8 cost is at most lambda x the
        # flag's bits cannot gain; only the others are tried
        cost8_all = dy.sum(1) + lam * by.sum(1)
        at = np.nonzero(cost8_all > lam * P16_FLAG_BITS)[0]
        if at.size < resid.shape[0]:
            use = np.zeros(resid.shape[0], bool)
            if at.size:
                if P16_ROWS:  # (speed, the same numbers: the chosen rows written in place, no subset copies)
                    use[at] = _p16_core(resid[at], ly, dy, by, qy, deadzone, lam, at, cost8_all.take(at))
                    return use
                sub_ly, sub_dy, sub_by = ly[at], dy[at], by[at]
                got = _p16_core(resid[at], sub_ly, sub_dy, sub_by, qy, deadzone, lam)
                ly[at], dy[at], by[at] = sub_ly, sub_dy, sub_by
                use[at] = got
            return use
    return _p16_core(resid, ly, dy, by, qy, deadzone, lam)


P16_ROWS = 1  # encoder speed, the same numbers (decide27): _p16_luma_run's subset writes its winners straight into the
# caller's rows (no copies of the subset's levels, SSD and bits and back)


def _p16_core(resid, ly, dy, by, qy, deadzone, lam, rows=None, cost8=None):
    """_p16_luma on every macroblock given (rows: resid's rows of ly, dy, by, and their 8x8 cost cost8)."""
    r64 = resid.astype(np.float64)  # (once: the same numbers)
    coefs = _i16_forward(r64)
    rest = np.maximum((r64 ** 2).sum(axis=(1, 2)) - (coefs * coefs).sum(axis=(1, 2)), 0.0)
    if cost8 is None:
        cost8 = dy.sum(1) + lam * by.sum(1)
    if P16_BOUND > 1:  # speed, the same choices: the energy the kept frequencies leave out is a lower bound of d
        at = np.nonzero(rest + lam * P16_FLAG_BITS < cost8)[0]
        if at.size < coefs.shape[0]:
            use = np.zeros(coefs.shape[0], bool)
            if at.size:
                lv, d, b = _code_plane_blocks(coefs[at], _i16_qm(float(qy[0, 0])), deadzone, lam, False)
                d = d + rest[at]
                win = (d + lam * (b + P16_FLAG_BITS) < cost8[at]) & lv.any(axis=(1, 2))
                on = at[win]
                use[on] = True
                if rows is not None:
                    on = rows[on]
                ly[on] = 0
                ly[on, 0] = lv[win]
                dy[on] = 0
                dy[on, 0] = d[win]
                by[on] = 0
                by[on, 0] = b[win]
            return use
    lv, d, b = _code_plane_blocks(coefs, _i16_qm(float(qy[0, 0])), deadzone, lam, False)
    d = d + rest
    use = (d + lam * (b + P16_FLAG_BITS) < cost8) & lv.any(axis=(1, 2))
    on = use if rows is None else rows[use]
    ly[on] = 0
    ly[on, 0] = lv[use]
    dy[on] = 0
    dy[on, 0] = d[use]
    by[on] = 0
    by[on, 0] = b[use]
    return use


def _edge_coefs(resid, kinds):
    """Encoder: _dct of residual blocks (..., 8, 8), the blocks of edge kinds (same leading shape) > 0 edge-transformed;
    and the energy per block the edge transforms leave uncoded."""
    coefs = np.ascontiguousarray(_dct(resid))
    rest = np.zeros(kinds.shape)
    flat_k = kinds.reshape(-1)
    at = np.nonzero(flat_k > 0)[0]
    if at.size:
        r = resid.reshape(-1, 64)[at].astype(np.float64)
        k = flat_k[at]
        if at.size >= EDGE_GROUP_MIN:  # one product per kind (no (m, 64, 64) gather of the matrices): the same sums
            out = np.empty((at.size, 64))
            for u in np.unique(k).tolist():
                g = (k == u).nonzero()[0]
                out[g] = np.einsum("ij,mj->mi", EDGE_MATS[u], r.take(g, 0))
            coefs.reshape(-1, 64)[at] = out
        else:
            coefs.reshape(-1, 64)[at] = np.einsum("mij,mj->mi", EDGE_MATS[k], r)
        rest.reshape(-1)[at] = (r * r * (1.0 - EDGE_KEEP[k])).sum(1)
    return coefs, rest


SDH_LIVE_ROWS = 1  # encoder speed, the same levels (decide27): _p_sign_hiding_one scans (zigzag, first / last) only the
# blocks with two levels or more
SDH_WRITE_CHANGED = 1  # encoder speed, the same levels (decide27): _p_sign_hiding_one writes back only the blocks
# whose parity it fixed (not every coded macroblock's three level arrays)
EDGE_GROUP_MIN = 32  # encoder speed, the same coefficients (decide27): _edge_coefs of at least this many edge blocks
# multiplies each kind's matrix with its blocks ("ij,mj->mi": einsum's same inner sums, checked bit-equal) instead of
# gathering a 64 x 64 matrix per block


RDOQ_MERGE = 1  # speed, byte-identical: _code_blocks quantises luma, Cb and Cr in ONE _rdoq call (_rdoq_multi: a
# table offset and a lambda per block; ~130 us of numpy overhead per call saved), and for batches of at most
# RDOQ_MERGE_P16 macroblocks also the 16x16 trial of every macroblock (_p16_luma then only picks from those
# results: each block's result is independent of the others in a call); 0 = separate calls (m4)
RDOQ_MERGE_P16 = 32  # (recorded 5-64-macroblock calls, min of 15: 4 -> 32 is 0.69 -> 0.56 ms coffee q80, 0.58 -> 0.45 astronaut q20; 64 is slower at coffee q80)
RDOQ_MERGE_MAX = 64  # ... only for batches of at most this many macroblocks (whole-frame calls, 475-560 macroblocks:
# merged about even, 0.85-1.15x call by call on a busy box: the merged dense arrays run to the luma's last position
# for every chroma block too)
RDOQ_MULTI_LEAN = 1  # encoder speed, the same numbers (key27b): _rdoq_multi takes RDOQ_LEAN27's 1, 2, 4 and 8 forms
# (one strided abs-cast |c|, the ge threshold without the dense ratio + 0.5, the (last + 1, position) context table,
# one gather of the three trials' bits); 0 = next27's
_RDOQ_MULTI = {}  # _rdoq_multi's merged tables, by segment kinds: (source arrays, tables)


def _rdoq_multi_tables(rates, kinds):
    """Merged level / fixed-point tables of segments kinds ((chroma, typ, last row), ...), segment s at offset s *
    the table length; cached while the rates arrays are the same."""
    got = _RDOQ_MULTI.get(kinds)
    if got is not None:
        a = got[0]
        if (rates["lev_y"] is a[0] and rates["lev_c"] is a[1] and rates["last_y"] is a[2]
                and rates["last_c"] is a[3]):
            return got[1]
    srcs = (rates["lev_y"], rates["lev_c"], rates["last_y"], rates["last_c"])
    lev, t01i, t23i, lasti, last0 = [], [], [], [], []
    for c, typ, k in kinds:
        key = "c" if c else "y"
        lev.append(rates["lev_" + key][typ])
        tabs = _rdoq_tables(rates, key, typ)
        t01i.append(tabs[2])
        t23i.append(tabs[3])
        lasti.append(_rdoq_last_int(rates, key, k))
        last0.append(rates["last_" + key][k][0])
    out = (_cat(lev), _cat(t01i), _cat(t23i), _cat(lasti),
           np.array(last0, np.float32), lev[0].size, t01i[0].size, t23i[0].size, lasti[0].size)
    if len(_RDOQ_MULTI) > 16:
        _RDOQ_MULTI.clear()
    _RDOQ_MULTI[kinds] = (srcs, out)
    return out


_RDOQ_SETUP = {}  # _rdoq_multi_setup's cache


RDOQ_SETUP_RUNS = 1  # encoder speed, the same arrays (key27b): _rdoq_multi_setup builds its per-block arrays from
# per-run values (one np.repeat each; the float32-rounded lambdas in Python, as astype's rounding) with the segments'
# zigzag steps cached by value, instead of keying a cache on every call's sizes (it missed on most calls: ~50 us each)
_RDOQ_QZS = {}  # RDOQ_SETUP_RUNS: the stacked float32 zigzag steps, by the segments' quantiser matrices' values


def _rdoq_multi_setup_runs(segs, last0s):
    """RDOQ_SETUP_RUNS: _rdoq_multi_setup's arrays (the same dtypes and values) when no segment has an array lambda."""
    sids, v64, vr, cnt, qk = [], [], [], [], []
    for s, sg in enumerate(segs):
        lam = sg[3]
        qm = sg[2]
        qk.append(qm.dtype.str)
        qk.append(qm.tobytes())
        if sg[4]:
            for v, c in lam:
                v = float(v)
                sids.append(s)
                v64.append(v)
                vr.append(float(np.float32(v)))
                cnt.append(c)
        else:
            v = float(lam)
            sids.append(s)
            v64.append(v)
            vr.append(v)
            cnt.append(sg[0])
    qk = tuple(qk)
    got = _RDOQ_QZS.get(qk)
    if got is None:
        qms = [_rdoq_qm(sg[2]) for sg in segs]
        if len(_RDOQ_QZS) > 64:
            _RDOQ_QZS.clear()
        got = _RDOQ_QZS[qk] = (np.stack([q[1] for q in qms], 1) if RDOQ_MULTI_LEAN else qms,
                               np.stack([q[0] for q in qms], 1).astype(np.float32).reshape(-1))
    qms, qzs = got  # (RDOQ_MULTI_LEAN: the (64, segments) float32 reciprocal steps in place of the list)
    cnt = np.array(cnt, np.int64)
    sid = np.repeat(np.array(sids, np.int64), cnt)
    lam64 = np.repeat(np.array(v64, np.float64), cnt)
    return (sid, qms, qzs, lam64, lam64.astype(np.float32), np.repeat(np.array(vr, np.float64), cnt),
            last0s.take(sid))


def _rdoq_multi_setup(segs, counts, last0s):
    """_rdoq_multi's per-block segment ids, quantiser steps and lambdas (float64, float32, and the rate product's),
    and empty-block bits, cached by the segments' sizes, steps and lambdas (a per-block lambda: runs ((value,
    count), ...) or an array, the latter not cached)."""
    key = None
    if RDOQ_SETUP_RUNS and all(not sg[4] or isinstance(sg[3], tuple) for sg in segs):
        return _rdoq_multi_setup_runs(segs, last0s)
    if not any(isinstance(sg[3], np.ndarray) for sg in segs):
        key = (tuple((sg[0], sg[2].dtype.str, sg[2].tobytes(), sg[3], sg[4]) for sg in segs), id(last0s))
        got = _RDOQ_SETUP.get(key)
        if got is not None and got[0] is last0s:
            return got[1]
    sid = np.repeat(np.arange(len(segs)), counts)
    qms = [_rdoq_qm(sg[2]) for sg in segs]
    qzs = np.stack([q[0] for q in qms], 1).astype(np.float32).reshape(-1)
    l64, lr = [], []
    for sg in segs:
        lam = sg[3]
        if sg[4]:  # a lambda per block: float32 everywhere (the float64 one only in the empty block's cost)
            if isinstance(lam, tuple):
                lam = np.repeat(np.array([v for v, _ in lam], np.float64), [c for _, c in lam])
            l64.append(np.asarray(lam, np.float64).reshape(-1))
            lr.append(l64[-1].astype(np.float32).astype(np.float64))
        else:
            l64.append(np.full(sg[0], lam, np.float64))
            lr.append(l64[-1])
    lam64 = _cat(l64)
    out = (sid, qms, qzs, lam64, lam64.astype(np.float32), _cat(lr), last0s.take(sid))
    if key is not None:
        if len(_RDOQ_SETUP) > 256:
            _RDOQ_SETUP.clear()
        _RDOQ_SETUP[key] = (last0s, out)
    return out


def _rdoq_multi(raster, segs, deadzone):
    """_rdoq_sparse with RDOQ_INT_BITS and RDOQ_F32_TRIALS (the defaults) on several calls' blocks at once, the same
    numbers bit for bit: raster (blocks, 64) holds the segments' blocks one after another, segs = [(block count,
    leading shape, qm, lam, per_block, intra, chroma), ...], lam a number (as the
    call with a number: float32 products in float32, the rate product in float64) or per_block (an array with one
    lambda per block, as _rdoq_sparse's per-block lambda: float32 lambda in both). Returns [(levels, SSD, bits)]."""
    rates = _ENCODER["rates"]
    kinds = tuple((bool(c), LEV_SPLIT if it == LEV_SPLIT else 0 if it else 1, 0 if it else 1)
                  for _, _, _, _, _, it, c in segs)
    lev_tab, t01i, t23i, lasti, last0s, n_lev, n_01, n_23, n_last = _rdoq_multi_tables(rates, kinds)
    counts = [sg[0] for sg in segs]
    n = raster.shape[0]
    sid, qms, qzs, lam64, lam32, lamr, last0 = _rdoq_multi_setup(segs, counts, last0s)
    lean = RDOQ_MULTI_LEAN
    if lean:  # (RDOQ_LEAN27 1's |c|: |float32(c)| = float32(|c|))
        ct = np.empty((64, n), np.float32)
        np.abs(raster.T, out=ct, casting="unsafe")
        ct = ct.take(ZIGZAG, 0)
    else:
        ct = np.abs(raster.astype(np.float32)).take(ZIGZAG, 1).T
        if not ct.flags.c_contiguous:
            ct = np.ascontiguousarray(ct)
    cct = ct * ct
    total = _add_r(cct, 0, np.float64)
    ratio = np.empty_like(ct)  # ct * each segment's float32 reciprocal steps, segment by segment
    if isinstance(qms, np.ndarray):  # (RDOQ_SETUP_RUNS + RDOQ_MULTI_LEAN: each block's column; the same products)
        np.multiply(ct, qms.take(sid, 1), out=ratio)
    else:
        a = 0
        for q, c in zip(qms, counts):
            np.multiply(ct[:, a:a + c], q[1][:, None], out=ratio[:, a:a + c])
            a += c
    live_mask = _or_r(ratio >= 0.5, 0)
    m = int(_add_r(live_mask, None))
    dist = total
    nbits = last0.copy()
    lv = np.zeros((n, 64), np.int32)

    def split():
        out, a = [], 0
        for sg in segs:
            c, sh = sg[0], sg[1]
            out.append((lv[a:a + c].reshape(sh + (8, 8)), dist[a:a + c].reshape(sh), nbits[a:a + c].reshape(sh)))
            a += c
        return out

    if not m:
        return split()
    everyone = 4 * m >= 3 * n
    if everyone:
        live, m, tot, sid_r, qz32 = None, n, total, sid, None
    else:
        live = live_mask.nonzero()[0]
        ct, cct, tot, ratio = ct.take(live, 1), cct.take(live, 1), total.take(live), ratio.take(live, 1)
        sid_r = sid.take(live)
    if lean:  # (RDOQ_LEAN27 2's threshold: fl(ratio + 0.5) >= 1 exactly where ratio >= _RDOQ_GE_T)
        ge = ratio >= _RDOQ_GE_T
    else:
        rh = ratio + np.float32(0.5)
        ge = rh >= 1.0
    if everyone and m < n:
        ge &= live_mask
    flat = ge.ravel().nonzero()[0]
    p_i, r_i = np.divmod(flat, m)
    kz = int(p_i[-1]) + 1
    pad = _RDOQ_PAD
    fw = flat + pad * m
    if lean:
        rv = ratio.take(flat)
        cv, hv = ct.take(flat), (rv + np.float32(0.5)).astype(np.int32)
        iv = rv + (0.5 - deadzone)
    else:
        cv, hv = ct.take(flat), rh.take(flat).astype(np.int32)
        iv = ratio.take(flat) + (0.5 - deadzone)
    ccv = cv * cv
    if deadzone > 0.5:
        iv = np.maximum(iv, 0)
    iv = iv.astype(np.int32)
    init = np.zeros((kz + pad, m), np.int32)
    init.reshape(-1)[fw] = np.minimum(iv, 15)
    sel = iv > 0
    nbv = init.take(_RDOQ_NB_A[:kz], 0)
    nbv += init.take(_RDOQ_NB_B[:kz], 0)
    s_i = sid_r.take(r_i)
    if lean:  # (RDOQ_LEAN27 4's (last + 1, position) table)
        l64 = np.zeros(m, np.int64)
        l64.reshape(-1)[r_i.compress(sel)] = p_i.compress(sel) * 64 + 64  # (positions rising: the last put wins)
        lp = l64.take(r_i)
        lp += p_i
        ctx = _RDOQ_NB_CTX.take(nbv.take(flat))
        ctx += _RDOQ_BD.take(lp)
    else:
        last0i = _full(m, -1, np.int64)
        last0i[r_i[sel]] = p_i[sel]
        ctx = _RDOQ_BAND_CTX.take(p_i) + _RDOQ_NB_CTX.take(nbv.take(flat)) + _RDOQ_DLC.take(last0i.take(r_i) - p_i + 64)
    ctx += s_i * n_lev
    lam_r = lam32 if everyone else lam32.take(live)
    lam_c = lam_r.take(r_i)
    hm1 = hv - 1
    qz = qzs.take(p_i * len(segs) + s_i)
    if lean:  # (RDOQ_LEAN27 8's one gather of the three trials' bits: the same float32 products)
        ix3 = np.empty((3, flat.size), np.int64)
        ix3[0] = ctx
        np.minimum(hm1, LEVEL_ALPHABET - 1, out=ix3[1])
        np.minimum(hv, LEVEL_ALPHABET - 1, out=ix3[2])
        ix3[1:] += ctx
        lb = lam_c * lev_tab.take(ix3)
        j0 = ccv + lb[0]
        e = cv - (hv.astype(np.float32) + _RDOQ_HV32[:, None]) * qz
        j = e * e
        j += lb[1:]
    else:
        ix = np.empty((2, flat.size), np.int64)
        np.minimum(hm1, LEVEL_ALPHABET - 1, out=ix[0])
        np.minimum(hv, LEVEL_ALPHABET - 1, out=ix[1])
        ix += ctx
        j0 = ccv + lam_c * lev_tab.take(ctx)
        e = cv - (hv.astype(np.float32) + _RDOQ_HV32[:, None]) * qz
        j = e * e
        j += lam_c * lev_tab.take(ix)
    j1, j2 = j[0], j[1]
    b1 = j1 < j0
    b2 = j2 < _where(b1, j1, j0)
    pick = _where(b2, hv, _where(b1, hm1, 0))
    ci = (pick > 0).nonzero()[0]
    if not ci.size:
        return split()
    kc = int(p_i[ci[-1]]) + 1
    r_c, p_c, fwc, fc, pc = r_i.take(ci), p_i.take(ci), fw.take(ci), flat.take(ci), pick.take(ci)
    ec = _where(b2, e[1], e[0]).take(ci).astype(np.float64)
    best = np.zeros((kc + pad, m), np.int32)
    best.reshape(-1)[fwc] = np.minimum(pc, 15)
    ns = best.take(_RDOQ_NB_A[:kc], 0)
    ns += best.take(_RDOQ_NB_B[:kc], 0)
    sym = np.empty((kc + pad, m), np.int64)
    sym[:pad] = N_BANDS * 5 * LEVEL_ALPHABET
    body = sym[pad:]
    np.add(_RDOQ_NB_SYM.take(ns), _RDOQ_BAND_SYM[:kc, None], out=body)
    body += best[pad:]
    # _rdoq_int_ends with the per-block table offsets
    s_c = s_i.take(ci)
    g = np.empty(m * kc + 1, np.int64)
    g[0] = 0
    bt = body.T + (sid_r * n_23)[:, None]
    _add_acc(t23i.take(bt).ravel(), out=g[1:])
    rb = r_c * kc
    fk = rb + p_c
    fk1 = fk + 1
    dq = np.zeros(m * kc + 1, np.int64)
    dq.reshape(-1)[fk1] = np.rint((ccv.take(ci).astype(np.float64) - ec * ec) * _RDOQ_SSD_ONE).astype(np.int64)
    _add_acc(dq, out=dq)
    b = t01i.take(sym.take(fwc - _RDOQ_SHIFT[:, None] * m) + (_RDOQ_T1_OFF[:, None] + s_c * n_01))
    rate = b[0] + lasti.take(p_c + 1 + s_c * n_last)
    rate += b[1]
    rate += b[2]
    g8 = g.take(rb + np.maximum(p_c - 7, 0))
    rate += (g.take(rb + np.maximum(p_c - 2, 0)) - g8) & _RDOQ_LOW
    rate += (g8 - g.take(rb)) >> 32
    rate_f = rate * (1.0 / _RDOQ_BIT_ONE)
    saved_f = (dq.take(fk1) - dq.take(rb)) * (1.0 / _RDOQ_SSD_ONE)
    lam_v = (lamr if everyone else lamr.take(live)).take(r_c)
    cost = _full((m, kc), np.inf, np.float64)
    cost.reshape(-1)[fk] = (tot.take(r_c) - saved_f) + lam_v * rate_f
    rate_d = np.empty((m, kc))
    rate_d.reshape(-1)[fk] = rate_f
    end = cost.argmin(1)
    rk = np.arange(0, m * kc, kc)
    fe = rk + end
    lam_end = lam64 if everyone else lam64.take(live)
    l0 = last0 if everyone else last0.take(live)
    empty = tot + lam_end * l0 <= cost.take(fe)
    dd = _where(empty, tot, tot - (dq.take(fe + 1) - dq.take(rk)) * (1.0 / _RDOQ_SSD_ONE))
    bb = _where(empty, l0, rate_d.take(fe)).astype(np.float32)
    if everyone:
        dist, nbits = dd, bb
    else:
        dist[live], nbits[live] = dd, bb
    lev = pc * (p_c <= _where(empty, -1, end).take(r_c))
    gidx = (r_c if everyone else live.take(r_c)) * 64 + ZIGZAG.take(p_c)
    lv.reshape(-1)[gidx] = _where(raster.take(gidx) < 0, -lev, lev)
    return split()


def _code_blocks(cur_y, cur_cb, cur_cr, py, pcb, pcr, qy, qc, deadzone, lam, intra=False, rdoq=None, tx16=False,
                 kinds=None, blocks_out=None, known=None):
    """Transform + quantise residuals; returns levels, weighted SSD and estimated bits per macroblock.
    Intra macroblocks of P frames (DCT against 128) get the rough quantiser unless rdoq is set: every one of
    them is tried, few are chosen, and their many levels would make RDOQ the largest part of the encode time.
    kinds: None or the edge-transform kinds (luma (n, 4), chroma (n,)) of _edge_kinds_mbs."""
    rd = (not intra) if rdoq is None else rdoq
    batch = RDOQ_CHROMA_BATCH and RDOQ and rd and cur_cb.shape[0] > 0

    def chroma(ccb, ccr):
        if not batch:
            return (_code_plane_blocks(ccb, qc, deadzone, lam / CB_WEIGHT, intra, True, rd),
                    _code_plane_blocks(ccr, qc, deadzone, lam / CR_WEIGHT, intra, True, rd))
        m = ccb.shape[0]  # speed: Cb and Cr in one _rdoq call, a lambda per block (the same numbers)
        lams = np.repeat(np.array([lam / CB_WEIGHT, lam / CR_WEIGHT]), m)
        lv, d, b = _rdoq(np.concatenate([ccb, ccr]), qc, deadzone, lams, intra, True)
        return (lv[:m], d[:m], b[:m]), (lv[m:], d[m:], b[m:])

    merge_ok = RDOQ_MERGE and RDOQ_SPARSE and RDOQ_INT_BITS and RDOQ_F32_TRIALS and deadzone >= 0
    if known is not None and batch and merge_ok and not tx16 and known[0].any():
        return _code_blocks_known(cur_y, cur_cb, cur_cr, py, pcb, pcr, qy, qc, deadzone, lam, intra, kinds, known)
    if batch and merge_ok and cur_y.shape[0] <= RDOQ_MERGE_MAX:
        return _code_blocks_merged(cur_y, cur_cb, cur_cr, py, pcb, pcr, qy, qc, deadzone, lam, intra, tx16, kinds,
                                   blocks_out)
    ry = None
    if kinds is None or not (kinds[0].any() or kinds[1].any()):
        ry = np.subtract(cur_y, py, dtype=np.float32)  # (kept for the 16x16 trial below: the same numbers)
        ly, dy, by = _code_plane_blocks(_dct(_split4(ry)), qy, deadzone, lam, intra, rdoq=rd)
        (lcb, dcb, bcb), (lcr, dcr, bcr) = chroma(_dct(np.subtract(cur_cb, pcb, dtype=np.float32)),
                                                  _dct(np.subtract(cur_cr, pcr, dtype=np.float32)))
    else:
        ry = np.subtract(cur_y, py, dtype=np.float32)
        cy, rest_y = _edge_coefs(_split4(ry), kinds[0])
        ccb, rcb = _edge_coefs(np.subtract(cur_cb, pcb, dtype=np.float32), kinds[1])
        ccr, rcr = _edge_coefs(np.subtract(cur_cr, pcr, dtype=np.float32), kinds[1])
        ly, dy, by = _code_plane_blocks(cy, qy, deadzone, lam, intra, rdoq=rd)
        (lcb, dcb, bcb), (lcr, dcr, bcr) = chroma(ccb, ccr)
        dy = dy + rest_y
        dcb = dcb + rcb
        dcr = dcr + rcr
    if blocks_out is not None:  # SPLIT_LUMA_REUSE: the luma blocks' SSD and bits (rows a 16x16 choice replaces are
        blocks_out[:] = [dy, by]  # changed in place below; only the others are reused)
    t16 = np.zeros(ly.shape[0], bool)
    if tx16 and P16 and ly.shape[0] and not _P16_OFF[0]:
        t16 = _p16_luma(ry, ly, dy, by, qy, deadzone, lam)
    dist = dy.sum(1) + CB_WEIGHT * dcb + CR_WEIGHT * dcr
    return ly, lcb, lcr, dist, by.sum(1) + bcb + bcr, t16


SPLIT_LUMA_REUSE = 1  # encoder speed, byte-identical (hq26): the split coding reuses the searched vector's coding of
# each 8x8 luma block whose split vector, edge kind and prediction are the searched vector's (and whose macroblock
# did not take the 16x16 transform): only the other luma blocks and the chroma are quantised (every block's RDOQ
# result depends on its own coefficients alone). Coffee q80: ~42 % of the split candidates' luma blocks.


def _code_blocks_known(cur_y, cur_cb, cur_cr, py, pcb, pcr, qy, qc, deadzone, lam, intra, kinds, known):
    """_code_blocks (RDOQ, no 16x16 trial) with some luma blocks' results known: known = (mask (m, 4), levels
    (m, 4, 8, 8), SSD (m, 4), bits (m, 4)); the others coded as _code_blocks_merged / the separate calls do."""
    kmask, klv, kd, kb = known
    n = cur_y.shape[0]
    m = cur_cb.shape[0]
    todo = np.flatnonzero(~kmask.reshape(-1))
    u = todo.size
    ry = _split4(np.subtract(cur_y, py, dtype=np.float32)).reshape(-1, 8, 8)
    res = np.concatenate([ry[todo], np.subtract(cur_cb, pcb, dtype=np.float32),
                          np.subtract(cur_cr, pcr, dtype=np.float32)])
    edge = not (kinds is None or not (kinds[0].reshape(-1)[todo].any() or kinds[1].any()))
    if not edge:
        coefs = _dct(res)
    else:
        coefs, rest_e = _edge_coefs(res, np.concatenate([kinds[0].reshape(-1)[todo], kinds[1], kinds[1]]))
    if n <= RDOQ_MERGE_MAX:  # as _code_blocks_merged: one _rdoq_multi call
        lams = ((lam / CB_WEIGHT, m), (lam / CR_WEIGHT, m))
        segs = [(2 * m, (2 * m,), qc, lams, True, intra, True)]
        if u:
            segs.insert(0, (u, (u,), qy, lam, False, intra, False))
        got = _rdoq_multi(coefs.reshape(-1, 64), segs, deadzone)
    else:  # as _code_blocks' separate calls (big batches)
        got = [_rdoq(coefs[u:], qc, deadzone, np.repeat(np.array([lam / CB_WEIGHT, lam / CR_WEIGHT]), m), intra, True)]
        if u:
            got.insert(0, _code_plane_blocks(coefs[:u], qy, deadzone, lam, intra, rdoq=True))
    lc, dc, bc = got[-1]
    ly = klv.copy()
    dy = kd.copy()
    by = kb.copy()
    if u:
        lvu, du, bu = got[0]
        if edge:
            du = du + rest_e[:u]
        ly.reshape(-1, 64)[todo] = lvu.reshape(-1, 64)
        dy.reshape(-1)[todo] = du
        by.reshape(-1)[todo] = bu
    if edge:
        lc = lc.copy()
        dc = dc + rest_e[u:]
    dist = dy.sum(1) + CB_WEIGHT * dc[:m] + CR_WEIGHT * dc[m:]
    return ly, lc[:m], lc[m:], dist, by.sum(1) + bc[:m] + bc[m:], np.zeros(n, bool)


def _code_blocks_merged(cur_y, cur_cb, cur_cr, py, pcb, pcr, qy, qc, deadzone, lam, intra, tx16, kinds,
                        blocks_out=None):
    """RDOQ_MERGE: _code_blocks with RDOQ (luma, Cb + Cr and, for small batches, every 16x16 trial in one
    _rdoq_multi call; luma, Cb and Cr transformed in one _dct / _edge_coefs call), the same numbers as m4's
    separate calls (every step is per block)."""
    ry = np.subtract(cur_y, py, dtype=np.float32)
    n = ry.shape[0]
    m = cur_cb.shape[0]
    res = np.concatenate([_split4(ry).reshape(-1, 8, 8), np.subtract(cur_cb, pcb, dtype=np.float32),
                          np.subtract(cur_cr, pcr, dtype=np.float32)])
    edge = not (kinds is None or not (kinds[0].any() or kinds[1].any()))
    if not edge:
        coefs = _dct(res)
    else:
        coefs, rest_e = _edge_coefs(res, np.concatenate([kinds[0].reshape(-1), kinds[1], kinds[1]]))
    lams = ((lam / CB_WEIGHT, m), (lam / CR_WEIGHT, m))  # (as m4's np.repeat of the two: the same float64 values)
    segs = [(4 * n, (n, 4), qy, lam, False, intra, False), (2 * m, (2 * m,), qc, lams, True, intra, True)]
    p16 = bool(tx16 and P16 and n) and not _P16_OFF[0]
    spec = p16 and P16_BOUND == 2 and n <= RDOQ_MERGE_P16
    raster = coefs.reshape(-1, 64)
    if spec:  # every macroblock's 16x16 trial in the same call (_p16_luma codes a subset: the same numbers)
        r64 = ry.astype(np.float64)
        c16 = _i16_forward(r64)
        rest = np.maximum((r64 ** 2).sum(axis=(1, 2)) - (c16 * c16).sum(axis=(1, 2)), 0.0)
        segs.append((n, (n,), _i16_qm(float(qy[0, 0])), lam, False, False, False))
        raster = np.concatenate([raster, c16.reshape(-1, 64)])
    got = _rdoq_multi(raster, segs, deadzone)
    ly, dy, by = got[0]
    lc, dc, bc = got[1]
    if edge:
        dy = dy + rest_e[:4 * n].reshape(n, 4)
        dc = dc + rest_e[4 * n:]
    lcb, dcb, bcb, lcr, dcr, bcr = lc[:m], dc[:m], bc[:m], lc[m:], dc[m:], bc[m:]
    if blocks_out is not None:  # (SPLIT_LUMA_REUSE, as in _code_blocks)
        blocks_out[:] = [dy, by]
    t16 = np.zeros(n, bool)
    if spec:
        lv, d, b = got[2]
        cost8 = dy.sum(1) + lam * by.sum(1)
        at = np.nonzero((cost8 > lam * P16_FLAG_BITS) & (rest + lam * P16_FLAG_BITS < cost8))[0]
        if at.size:
            d = d[at] + rest[at]
            lv, b = lv[at], b[at]
            win = (d + lam * (b + P16_FLAG_BITS) < cost8[at]) & lv.any(axis=(1, 2))
            on = at[win]
            if _P16_STAT[2]:  # P16_ADAPT_HQ's probe
                _P16_STAT[0] += float((cost8[on] - d[win] - lam * (b[win] + P16_FLAG_BITS)).sum())
            t16[on] = True
            ly[on] = 0
            ly[on, 0] = lv[win]
            dy[on] = 0
            dy[on, 0] = d[win]
            by[on] = 0
            by[on, 0] = b[win]
        if _P16_STAT[2]:
            _P16_STAT[1] += float(cost8.sum())
    elif p16:
        t16 = _p16_luma(ry, ly, dy, by, qy, deadzone, lam)
    dist = dy.sum(1) + CB_WEIGHT * dcb + CR_WEIGHT * dcr
    return ly, lcb, lcr, dist, by.sum(1) + bcb + bcr, t16

def _mv_bits(d):
    a = np.abs(d)
    return (1.0 + np.where(a > 0, 1.0 + 2.0 * np.log2(a + 1), 0.0)).sum(-1)


def _signed_bits(model):
    """Encoder: bits (n_ctx, alphabet) of a _put_signed magnitude from its model as it stands, sign bit and
    escape remainder (ESCAPE_BITS_MV) included."""
    bits = PROB_BITS - np.log2(model["freq"].astype(np.float64))
    bits[:, 1:] += 1.0
    bits[:, -1] += ESCAPE_BITS_MV
    return bits


def _mvd_bits(tab, d):
    """Encoder: bits of vector differences d (..., 2: y, x) as the syntax codes them, x first, then y in the
    context of |x|; tab from _signed_bits."""
    esc = tab.shape[1] - 1
    ax = np.minimum(np.abs(d[..., 1]), esc)
    ay = np.minimum(np.abs(d[..., 0]), esc)
    return tab[0, ax] + tab[1 + np.minimum(ax, 2), ay]


def _p_mode_bits(st, mbh, mbw):
    """Encoder: bits (n, 4) of each macroblock mode symbol from the mode model as it stands, in the macroblock's
    context (phase 1's neighbour skip class guessed from the previous frame's modes)."""
    ph0, ph1, black = _mode_phases(mbh, mbw)
    prev = st["prev_modes"]
    ctx = _mode_contexts(0, prev, None, mbh, mbw, black)
    ctx[ph1] = _mode_contexts(1, prev, prev, mbh, mbw, black)[ph1]
    return PROB_BITS - np.log2(st["models"]["mode"]["freq"][ctx].astype(np.float64))


def _diagonals(mbh, mbw):
    """Macroblock indices of each anti-diagonal (row + column = t), in raster order."""
    rr, cc = np.divmod(np.arange(mbh * mbw), mbw)
    return [np.nonzero(rr + cc == t)[0] for t in range(mbh + mbw - 1)]


CHAIN_FAST = 1  # encoder speed, the same numbers: _chain_predictors' raster loop with the chosen fixed vectors gathered
# up front (one list per component, None where the macroblock passes its predictor on) and stores by index (0 = the loop
# with the choice tests inside)


def _chain_predictors_fast(choice, mv_me, mv_split, mbh, mbw):
    """CHAIN_FAST: _chain_predictors, the same MED chain and output."""
    n = mbh * mbw
    two = choice == 2
    fixed = two | (choice == 4)
    fy = np.where(two, mv_me[:, 0], mv_split[:, 0]).tolist()
    fx = np.where(two, mv_me[:, 1], mv_split[:, 1]).tolist()
    for i in np.flatnonzero(~fixed).tolist():
        fy[i] = None
    out_y = [0] * n
    out_x = [0] * n
    up_y, up_x = [0] * (mbw + 1), [0] * (mbw + 1)  # final vectors of the row above, with a zero column on the left
    i = 0
    for _ in range(mbh):
        row_y, row_x = [0] * (mbw + 1), [0] * (mbw + 1)
        left_y = left_x = 0
        tl_y = tl_x = 0  # up_*[c]: the top-left (0 at the left edge)
        for c in range(1, mbw + 1):
            a, b = left_y, up_y[c]
            g = a + b - tl_y
            tl_y = b
            if a > b:
                a, b = b, a
            vy = a if g < a else (b if g > b else g)
            a, b = left_x, up_x[c]
            g = a + b - tl_x
            tl_x = b
            if a > b:
                a, b = b, a
            vx = a if g < a else (b if g > b else g)
            out_y[i] = vy
            out_x[i] = vx
            f = fy[i]
            if f is not None:
                vy, vx = f, fx[i]
            row_y[c] = left_y = vy
            row_x[c] = left_x = vx
            i += 1
        up_y, up_x = row_y, row_x
    out = np.empty((n, 2), np.int64)
    out[:, 0] = out_y
    out[:, 1] = out_x
    return out


CHAIN_MEMO = 1  # encoder speed, the same numbers: _chain_predictors recomputes only the rows whose inputs (fixed
# vectors) or row above (final vectors) differ from the last call's; a row's predictors and final vectors depend on
# nothing else (0 = every row every call)
_CHAIN_MEMO = {}  # (mbh, mbw) -> the last call's input signature, predictors and final vectors (_chain_predictors_memo)
_CHAIN_NONE = -(1 << 40)  # the signature of a macroblock that passes its predictor on (never a vector component)


def _chain_predictors_memo(choice, mv_me, mv_split, mbh, mbw):
    """CHAIN_MEMO: _chain_predictors_fast's chain, row by row, reusing the last call's rows where a row's fixed
    vectors and the final vectors of the row above are the same (then so are its predictors and final vectors)."""
    n = mbh * mbw
    two = choice == 2
    fixed = two | (choice == 4)
    sy = np.where(fixed, np.where(two, mv_me[:, 0], mv_split[:, 0]), _CHAIN_NONE)
    sx = np.where(fixed, np.where(two, mv_me[:, 1], mv_split[:, 1]), _CHAIN_NONE)
    memo = _CHAIN_MEMO.get((mbh, mbw))
    if memo is None:
        changed = [True] * mbh
        out_y, out_x = [0] * n, [0] * n
        fin_y, fin_x = [None] * mbh, [None] * mbh
    else:
        py, px, out_y, out_x, fin_y, fin_x = memo
        changed = ((sy != py) | (sx != px)).reshape(mbh, mbw).any(1).tolist()
    fy, fx = sy.tolist(), sx.tolist()
    none = _CHAIN_NONE
    up_y, up_x = [0] * (mbw + 1), [0] * (mbw + 1)  # final vectors of the row above, with a zero column on the left
    above = False  # the row above's final vectors differ from the last call's
    for r in range(mbh):
        if not (above or changed[r]):
            up_y, up_x = fin_y[r], fin_x[r]
            continue
        row_y, row_x = [0] * (mbw + 1), [0] * (mbw + 1)
        left_y = left_x = 0
        tl_y = tl_x = 0
        i = r * mbw
        for c in range(1, mbw + 1):
            a, b = left_y, up_y[c]
            g = a + b - tl_y
            tl_y = b
            if a > b:
                a, b = b, a
            vy = a if g < a else (b if g > b else g)
            a, b = left_x, up_x[c]
            g = a + b - tl_x
            tl_x = b
            if a > b:
                a, b = b, a
            vx = a if g < a else (b if g > b else g)
            out_y[i] = vy
            out_x[i] = vx
            f = fy[i]
            if f != none:
                vy, vx = f, fx[i]
            row_y[c] = left_y = vy
            row_x[c] = left_x = vx
            i += 1
        above = row_y != fin_y[r] or row_x != fin_x[r]
        fin_y[r], fin_x[r] = row_y, row_x
        up_y, up_x = row_y, row_x
    _CHAIN_MEMO.clear()
    _CHAIN_MEMO[(mbh, mbw)] = (sy, sx, out_y, out_x, fin_y, fin_x)
    out = np.empty((n, 2), np.int64)
    out[:, 0] = out_y
    out[:, 1] = out_x
    return out


CHAIN_COLS = 1  # encoder speed, the same numbers: CHAIN_MEMO's rows resumed at their first column whose inputs changed
# (a column depends only on its left neighbour's final vector, the row above's final vectors at its column and the
# one before, and its own fixed vector): the sweep's fronts leave the left part of most rows as it was


_CHAIN_COLS_MEMO = {}  # (mbh, mbw) -> _chain_predictors_cols' last call: signature arrays and lists, output lists,
# final vectors per row, output array


def _chain_predictors_cols(choice, mv_me, mv_split, mbh, mbw):
    """CHAIN_COLS: _chain_predictors_memo's chain, each row recomputed from the first column whose fixed vector or
    whose row above's final vector (at that column or, as the top-left, the one before) changed; the fixed vectors'
    lists and the output array updated only where they changed (list <-> array conversions are most of a call)."""
    n = mbh * mbw
    two = choice == 2
    fixed = two | (choice == 4)
    sy = np.where(fixed, np.where(two, mv_me[:, 0], mv_split[:, 0]), _CHAIN_NONE)
    sx = np.where(fixed, np.where(two, mv_me[:, 1], mv_split[:, 1]), _CHAIN_NONE)
    memo = _CHAIN_COLS_MEMO.get((mbh, mbw))
    if memo is None:
        first = [1] * mbh
        fy, fx = sy.tolist(), sx.tolist()
        out_y, out_x = [0] * n, [0] * n
        fin_y, fin_x = [[0] * (mbw + 1) for _ in range(mbh)], [[0] * (mbw + 1) for _ in range(mbh)]
        out = None
    else:
        py, px, fy, fx, out_y, out_x, fin_y, fin_x, out = memo
        chf = (sy != py) | (sx != px)
        ch = chf.reshape(mbh, mbw)
        first = np.where(ch.any(1), ch.argmax(1) + 1, mbw + 1).tolist()  # (row lists: column c at index c + 1)
        k = np.flatnonzero(chf)
        if k.size:
            for i, a, b in zip(k.tolist(), sy[k].tolist(), sx[k].tolist()):
                fy[i] = a
                fx[i] = b
    none = _CHAIN_NONE
    chg = []  # the outputs that changed
    up_y, up_x = [0] * (mbw + 1), [0] * (mbw + 1)  # final vectors of the row above, with a zero column on the left
    u = mbw + 1  # the first index of the row above whose final vector changed (mbw + 1: none)
    for r in range(mbh):
        start = min(u, first[r])
        row_y, row_x = fin_y[r], fin_x[r]  # (updated in place: from start on; before it, the same as the last call)
        u = mbw + 1
        if start <= mbw:
            left_y, left_x = row_y[start - 1], row_x[start - 1]
            tl_y, tl_x = up_y[start - 1], up_x[start - 1]
            i = r * mbw + start - 1
            for c in range(start, mbw + 1):
                a, b = left_y, up_y[c]
                g = a + b - tl_y
                tl_y = b
                if a > b:
                    a, b = b, a
                vy = a if g < a else (b if g > b else g)
                a, b = left_x, up_x[c]
                g = a + b - tl_x
                tl_x = b
                if a > b:
                    a, b = b, a
                vx = a if g < a else (b if g > b else g)
                if vy != out_y[i] or vx != out_x[i]:
                    out_y[i] = vy
                    out_x[i] = vx
                    chg.append(i)
                f = fy[i]
                if f != none:
                    vy, vx = f, fx[i]
                if c < u and (vy != row_y[c] or vx != row_x[c]):
                    u = c
                row_y[c] = left_y = vy
                row_x[c] = left_x = vx
                i += 1
        up_y, up_x = row_y, row_x
    if out is None:
        out = np.empty((n, 2), np.int64)
        out[:, 0] = out_y
        out[:, 1] = out_x
    elif chg:
        out[chg] = [(out_y[i], out_x[i]) for i in chg]
    _CHAIN_COLS_MEMO.clear()
    _CHAIN_COLS_MEMO[(mbh, mbw)] = (sy, sx, fy, fx, out_y, out_x, fin_y, fin_x, out)
    return out.copy()


def _chain_predictors(choice, mv_me, mv_split, mbh, mbw):
    """Encoder: every macroblock's vector predictor (_vector_predictor's MED, raster order) when every macroblock
    keeps its choice (0, 1, 3: skip, predicted vector, intra take the predictor; 2: mv_me; 4: mv_split)."""
    if CHAIN_MEMO and CHAIN_COLS:
        return _chain_predictors_cols(choice, mv_me, mv_split, mbh, mbw)
    if CHAIN_MEMO:
        return _chain_predictors_memo(choice, mv_me, mv_split, mbh, mbw)
    if CHAIN_FAST:
        return _chain_predictors_fast(choice, mv_me, mv_split, mbh, mbw)
    # scalar Python (the chain is sequential), one list per component: ~2x faster than pairs of lists
    kind = choice.tolist()
    me_y, me_x, sp_y, sp_x = mv_me[:, 0].tolist(), mv_me[:, 1].tolist(), mv_split[:, 0].tolist(), mv_split[:, 1].tolist()
    out_y, out_x = [], []
    up_y, up_x = [0] * (mbw + 1), [0] * (mbw + 1)  # final vectors of the row above, with a zero column on the left
    i = 0
    for _ in range(mbh):
        row_y, row_x = [0], [0]
        left_y = left_x = 0
        for c in range(mbw):
            a, b = left_y, up_y[c + 1]
            g = a + b - up_y[c]
            if a > b:
                a, b = b, a
            vy = a if g < a else (b if g > b else g)
            a, b = left_x, up_x[c + 1]
            g = a + b - up_x[c]
            if a > b:
                a, b = b, a
            vx = a if g < a else (b if g > b else g)
            out_y.append(vy)
            out_x.append(vx)
            k = kind[i]
            if k == 2:
                vy, vx = me_y[i], me_x[i]
            elif k == 4:
                vy, vx = sp_y[i], sp_x[i]
            row_y.append(vy)
            row_x.append(vx)
            left_y, left_x = vy, vx
            i += 1
        up_y, up_x = row_y, row_x
    out = np.empty((mbh * mbw, 2), np.int64)
    out[:, 0] = out_y
    out[:, 1] = out_x
    return out


MERGE_SKIP_PRICE = 1  # encoder: price merge skips where the decision's guess of the vector field puts the vector
# in the list (0 = off): the searched vector, and (MERGE_OTHERS) one other candidate of the list, the one nearest
# the searched vector (all frames of six clips vs v5: -1.27 % BD with it, -0.56 % without; every other candidate
# instead of the nearest: -1.23 % for twice the skip predictions)
MERGE_OTHERS = 1


def _merge_skip_prices(st, field, med, mv_me, d_me, j_me, j_now, skip_cost, mode_bits, lam):
    """Encoder: a second price for the searched-vector choice: the cost of a skip with merge index k > 0 of the
    list the guessed vector field gives (field, med), at the searched vector (d_me: its distortion) or, where a
    bare skip is competitive with the guess's best cost j_now, at the list's candidate nearest the searched vector
    where its skip beats the searched vector coded (j_me, at the guessed predictor) and as a merge skip;
    skip_cost(idx, v) gives skip distortions. Returns the cost (infinity where none), the vector and where that
    vector is not the searched one. The exact rounds drop a chosen price wherever the choices leave its vector out
    of the list (_merge_member)."""
    n = mv_me.shape[0]
    if not MERGE_SKIP_PRICE:
        return np.full(n, np.inf), mv_me, np.zeros(n, bool)
    keys, rank = _merge_slots(field, med, _prev_chain(st), st["mbh"], st["mbw"])
    valid = rank > 1  # index 0, the predictor, is the ordinary skip
    tab = PROB_BITS - np.log2(st["models"]["merge"]["freq"].astype(np.float64))
    bits = mode_bits[:, MODE_SKIP][:, None] + tab[np.maximum(rank.max(1) - 2, 0)[:, None], np.maximum(rank - 1, 0)]
    hit = (keys == _mv_keys(mv_me)[:, None]) & valid  # (n, 6 slots)
    k = np.argmax(hit, 1)
    j_bare = np.where(hit.any(1), d_me + lam * bits[np.arange(n), k], np.inf)
    vec = mv_me.copy()
    alt = np.zeros(n, bool)
    if MERGE_OTHERS:
        close = d_me + lam * mode_bits[:, MODE_SKIP] < j_now
        others = (valid & ~hit) & close[:, None]
        mi = np.nonzero(others.any(1))[0]
        if mi.size:  # one candidate per macroblock: the one nearest the searched vector (the most likely winner)
            cand = _mv_unkey(keys[mi])
            dist = np.where(others[mi], np.abs(cand - mv_me[mi, None]).sum(2), 1 << 30)
            mk = np.argmin(dist, 1)
            v = cand[np.arange(mi.size), mk]
            j_k = skip_cost(mi, v) + lam * bits[mi, mk]
            won = j_k < np.minimum(j_me, j_bare)[mi]
            alt[mi[won]] = True
            vec[mi[won]] = v[won]
            j_bare[mi[won]] = j_k[won]
    return j_bare, vec, alt


def _merge_member(st, field, med, vec, idx):
    """Encoder: whether macroblock idx's vec is in its merge list (_merge_slots of the chain vectors field)."""
    keys, rank = _merge_slots(field, med, _prev_chain(st), st["mbh"], st["mbw"], idx)
    return ((keys == _mv_keys(vec[idx])[:, None]) & (rank > 0)).any(1)


INTRA_P_MIN_COST = 32.0  # encoder speed: P frames try intra only where the searched vector's cost exceeds this x lambda
INTRA_P_AC_RATIO = 8.0  # ... and the source's AC energy is below this x the searched vector's residual energy (0 = all)
INTRA_P_LOW_RATIO = 1.0  # encoder speed: ... and (INTRA_P_LOW_RATIO) that AC energy is below this x the residual energy (the
# searched vector predicts worse than a flat block) or (INTRA_P_HIGH_COST) the searched vector's cost exceeds this x
# lambda (None = neither: every macroblock passing the two tests above). Six clips, q20/50/80, 8 frames: intra won 13 of
# ~13100 macroblocks tried, all at ratio < 0.8 (pans, q20-80) or at cost > 800 lambda (face-rotate q80); these keep
# ~600 of the tries and all 13. A scene cut (ratio ~0.5 everywhere) still passes.
INTRA_P_HIGH_COST = 600.0
INTRA_P_MIN_TRIES = 16  # encoder speed: a P frame with fewer intra contenders (_intra_p_contenders) than this tries none
# (0 = all): the rough coding and RDOQ calls' fixed costs (~0.5 ms each) dominate there; a scene cut passes everywhere


def _intra_p_contenders(cur_y, cur_cb, cur_cr, pred_me, me, lam):
    """Encoder: the macroblocks of a P frame where intra (flat prediction) could win: the searched vector's rough
    cost is high (in all six clips intra won only above 39 x lambda) and the source's AC energy (what intra must
    code) is not far above the searched vector's residual energy (intra won only below 4.1 x). A scene cut
    passes both tests everywhere, so the switch to a key frame still sees it."""
    def energy(x, pred, axes):  # (copy=False: x is float32 already here, the same numbers without a copy)
        return ((x.astype(np.float32, copy=False) - pred) ** 2).sum(axis=axes, dtype=np.float64)

    if INTRA_P_LOW_RATIO is not None and INTRA_P_AC_RATIO > 0:  # speed: the energies only where the cost test passes
        ok = me[3] + lam * me[4] > INTRA_P_MIN_COST * lam
        at = np.nonzero(ok)[0]
        if at.size:
            sub = _intra_p_contenders_at(cur_y[at], cur_cb[at], cur_cr[at], [p[at] for p in pred_me], me[3][at],
                                         me[4][at], lam, energy)
            ok[at] = sub
        return ok
    yb = _split4(cur_y).astype(np.float32)
    ac = energy(yb, yb.mean(axis=(2, 3), keepdims=True), (1, 2, 3))
    res = energy(cur_y, pred_me[0], (1, 2))
    for w, c, p in ((CB_WEIGHT, cur_cb, pred_me[1]), (CR_WEIGHT, cur_cr, pred_me[2])):
        cf = c.astype(np.float32)
        ac += w * energy(cf, cf.mean(axis=(1, 2), keepdims=True), (1, 2))
        res += w * energy(c, p, (1, 2))
    ok = me[3] + lam * me[4] > INTRA_P_MIN_COST * lam
    if INTRA_P_AC_RATIO > 0:
        ok &= ac < INTRA_P_AC_RATIO * res
    if INTRA_P_LOW_RATIO is not None:
        ok &= (ac < INTRA_P_LOW_RATIO * res) | (me[3] + lam * me[4] > INTRA_P_HIGH_COST * lam)
    return ok


def _intra_p_contenders_at(cur_y, cur_cb, cur_cr, pred_me, me3, me4, lam, energy):
    """_intra_p_contenders' energy tests (INTRA_P_AC_RATIO, INTRA_P_LOW_RATIO / INTRA_P_HIGH_COST) on the macroblocks
    given (those passing the cost test)."""
    yb = _split4(cur_y).astype(np.float32, copy=False)
    ac = energy(yb, yb.mean(axis=(2, 3), keepdims=True), (1, 2, 3))
    res = energy(cur_y, pred_me[0], (1, 2))
    for w, c, p in ((CB_WEIGHT, cur_cb, pred_me[1]), (CR_WEIGHT, cur_cr, pred_me[2])):
        cf = c.astype(np.float32, copy=False)
        ac += w * energy(cf, cf.mean(axis=(1, 2), keepdims=True), (1, 2))
        res += w * energy(c, p, (1, 2))
    ok = ac < INTRA_P_AC_RATIO * res
    ok &= (ac < INTRA_P_LOW_RATIO * res) | (me3 + lam * me4 > INTRA_P_HIGH_COST * lam)
    return ok


FILTER_KEEP = 4  # encoder speed (a decision): where two P frames in a row (not counting the first after a key frame)
# chose sharp luma and chroma (from the whole-frame predictions at the searched vectors), the next this - 2 P frames
# take sharp / sharp without the whole-frame smooth prediction and its SSDs; then a frame chooses again (one more sharp
# choice keeps it again); <= 2 = every frame chooses (next27). (Keeping any choice for 4 frames, smooth ones too, cost
# +0.73 % BD: face +3.18, retina +1.21, mostly the first P frame's atypical smooth choice kept). Six clips 16 frames vs
# next27: 4 = -0.01 % mean (astronaut +0.00, chelsea -0.01, coffee +0.00, face -0.03, motorcycle +0.00, retina -0.00);
# 6 = +0.02 % (retina +0.12, coffee +0.03) for one more kept frame in 11 on coffee / face: keep 4
FILTER_KEEP_ANY = 0  # ... 1: any choice (smooth luma and / or chroma too) made twice in a row is kept the same way; the
# kept frames make only the smooth planes it takes (0 = only sharp / sharp). Off: six clips 16 frames vs next27 +0.00 %
# mean, but astronaut +0.05 % against +0.00 % with 0, for ~0.4 % of astronaut q20's P time (in-process A/B)
SWEEP_ROUNDS = 0  # encoder speed: the exact sweep's pricing rounds stop after this many (0 = until exact, v7). The
# macroblocks still priced at a stale predictor keep their choice: skips and predicted-vector macroblocks take the
# real predictor (the latter's residual coded again there, one _code_blocks call), merge skips whose vector left
# their list fall back to the searched vector coded. A zoom (coffee q20) needs 15-22 rounds of ~3 ms each.
PRED_GATE = 1.0  # encoder speed: a predicted vector other than the searched one is coded (RDOQ) only where its
# uncoded distortion exceeds the searched vector's by at most this x lambda x the vector bits it saves (the searched
# vector coded is then the better bet; choice 1 wins in < 1 % of the sweep's macroblocks); codings already made
# are used anyway; < 0 = none but those, None = v7 (price all)
SWEEP_WINDOW = 12  # encoder speed: below quality SWEEP_WINDOW_QMAX a sweep round re-prices only the macroblocks on
# the first this + 1 anti-diagonals that hold a mispriced one (those before are exact; a macroblock depends only on
# earlier diagonals, so the window's prices are the full round's; those further on would mostly be priced at
# predictors that change again); 0 = all mispriced (v8). q20, 6 P frames: face-rotate 17628 -> 7403 macroblocks
# re-priced in 105 -> 104 rounds, coffee-zoom 20178 -> 7886 in 105 -> 102, astronaut-pan 6349 -> 3566 in 43 -> 55
# (s24's 6 gave 17 -> 19-24 rounds). At q50-80 the rounds are few and coded (RDOQ) macroblocks dominate them: a
# window only adds rounds there (coffee q80 49 -> 71, face q80 37 -> 59)
SWEEP_WINDOW_QMAX = 40.0
MERGE_CHECK_EMPTY = 1  # encoder speed, the same numbers: the sweep builds no merge lists when no held merge-skip price
# needs a check (0 = _merge_member called anyway). (Checking only every 2nd / 3rd round was tried: more rounds, e.g.
# coffee-zoom q80 49 -> 60 in 6 P frames, and more macroblocks re-priced: slower)
SWEEP_RASTER = 1  # encoder speed (a decision path, not byte-identical to c0022): the exact sweep as scalar raster
# scans over cached prices, a round's unknown (macroblock, predictor) prices made as one batch, the next scan resumed
# at the first of them (every macroblock before it is then decided exactly), predicted-vector codings made only where
# they decide between passing the predictor on and a fixed vector (the rest in one batch at the end); 0 = c0022's
# rounds of _chain_predictors and re-priced anti-diagonals. Without merge-skip prices (MERGE_SKIP_PRICE = 0) the two
# give the same bytes: they differ only in which held merge prices get dropped on the way (SWEEP_RASTER_DROP).
# Rounds, 7 P frames q20: face-rotate 143 -> 62-70, astronaut-pan 50 -> 20-28; coffee-zoom q80 64 -> 37
SWEEP_RASTER_ROWS = 0  # ... a round makes only the unknown prices within this many rows of its first (0 = all; 2 / 4 /
# 8 make fewer prices for many more rounds, e.g. face q20 70 -> 188 / 134 / 99 rounds: slower)
SWEEP_RASTER_SPEC = 0  # ... an unknown macroblock's guessed choice in a scan: 0 = its last decision's, 1 = passing the
# predictor on (face q20 70 -> 90 rounds), 2 = its choice at the price its last batch made (66 rounds, no faster)
SWEEP_RASTER_ME = 1  # ... the prices at the searched vector as predictor filled in up front (pred_me's rows, no
# prediction: the same numbers; astronaut q20 2106 -> 1616 prices made)
SWEEP_RASTER_DIRTY = 1  # ... a scan decides again only the macroblocks unknown in the last one or whose left, top,
# top-left or top-right final vector changed (the same decisions)
SWEEP_RASTER_DROP = 2  # ... held merge-skip prices dropped for good as c0022 does: 2 = c0022's first-round check
# plus a drop wherever a scan finds the vector out of its list (six clips 16 frames vs c0022 -0.03 % BD: -0.04 +0.00
# +0.11 -0.12 -0.05 -0.07); 1 = only the first-round check (+0.15 %); 0 = none, each held price checked against its
# final neighbours only (+0.22 %: coffee +0.23, retina +1.26)
SWEEP_RASTER_LAZY = 0  # ... 1: a round makes the deciding codings only up to the first guess its batch shows wrong
# (face q20 43 -> 21 coded macroblocks, coffee-zoom q80 39 -> 57 rounds; with DROP 2 a path change, not measured)
SWEEP_RASTER_CAP = 0  # encoder speed (a decision): after this many rounds (0 = no cap) the macroblocks still unknown
# keep their last guess (a fixed vector stands; a skip-like guess takes the best of skip / predicted / intra at the
# predictor the guesses give), so nothing downstream moves; one last batch prices them, and the merge lists and
# levels are made consistent as SWEEP_ROUNDS's truncation does. Measured (sweep s26 sprint 3, six clips, 16 frames, vs
# c0023): 3 = +1.33 % BD (coffee +3.15, retina +4.23, face +0.63) for ~5 % less P time on face/coffee q20 only; 6 = +0.56 %
# (retina +2.59); at q >= 65 only +0.02 % but no time gain on coffee q80. Not worth it: keep 0
SWEEP_RASTER_CAP_FREE = 0  # ... 1: a capped macroblock takes the best choice at that predictor instead (its vector may
# differ from the guess the macroblocks after it were decided with; the truncation then moves their predictors)
_RASTER_GRID = {}  # (mbh, mbw): SWEEP_RASTER's grid positions, key bases and dependents of every macroblock
_SWEEP_LOG = None  # (instrumentation: a list to collect (rounds, prices made, codings, waiting codings) per sweep)
SWEEP_ROUND_LEAN = 1  # encoder speed, the same numbers: SWEEP_RASTER's rounds price their unknowns in fewer numpy calls
# (take, both vector-bit lookups in one, no searched-vector masks: every unknown's predictor differs from it)
SWEEP_MAPS = 1  # encoder speed, the same numbers: the sweep's seen skip distortions looked up in one map() pass
# (dict.get with the default -1, never a distortion) instead of two Python loops (0 = the loops)
CODED_ROWS = 1  # encoder speed, the same numbers: _decide_p's coding cache (code_pred) keeps each batch's result with
# a row number per (macroblock, vector) instead of six cut-out rows per macroblock (0 = the cut-out rows)
SWEEP_LEAN = 1  # encoder speed, the same numbers: the exact sweep's rounds predict only new predictors, gate and
# code only where a coding can follow, and write levels only where the predicted-vector choice can take them (0 = v7's)
PRED_GATE_PASS = 1  # ... also in the whole-frame pass (0 = only in the exact sweep's rounds)
PRED_GATE_EST = 1.0  # ... instead of PRED_GATE's test: where its cost guessed from the searched vector's coding
# (that coding's gain at this predictor) is at most this x the best other choice's (None = PRED_GATE's test)
PRED_GATE_GAIN = 0.0  # ... or where coding the searched vector's residual gained at least this x lambda x the extra
# mode bits of a coded predicted vector over a skip (its coding pays: the predictor's likely does too; None = off)
PRED_GATE_REL = 0.5  # encoder speed: PRED_GATE_GAIN's test passes only where the predicted vector's uncoded distortion
# exceeds the searched vector's by less than this share of it, or (PRED_GATE_MVD) where the predicted vector saves more
# than this many vector bits (None = everywhere, c0020). At q65-80 coding nearly always gains, so the gain test passed
# everywhere: coffee-zoom q80 coded ~480 predicted vectors per frame for ~14 wins. Recorded codings (7 clips x q, 8
# frames): 0.5 / 8 keep 51 % of coffee q80's (1650 of 3386) and 57 % of face q80's for 22 / 208 lambda of the
# codings' value; astronaut (large vector differences) keeps all.
PRED_GATE_MVD = 8.0
PRED_GATE_REL_HQ = (75.0, 0.05)  # encoder speed (hiq, from s24's q80screen): at quality >= the first number
# PRED_GATE_REL is the second (None = PRED_GATE_REL at every quality, v8). At q75-80 coding the searched vector's
# residual nearly always gains, so the gain test passed for ~60 % of coffee-zoom q80's predicted vectors (818 codings
# in 7 frames for 76 wins); 0.05 keeps about half. At q65 (0.1) it cost astronaut / chelsea / retina 0.1-0.16 % BD.
# hiq, six clips 16 frames vs v8: +0.01 % BD mean alone (coffee +0.03, face +0.04, retina -0.04), +0.03 % with
# SWEEP_PRED_HQ; with BI_MIN_COST_HQ -0.03 % (the same as that alone). Coffee q80's predicted-vector codings 2341 ->
# 1010 MBs (11 frames): ~1 % of its P time.
SWEEP_PRED_HQ = None  # (off; tried 75.0) encoder speed (hiq, from q80screen): at quality >= this the exact sweep's rounds code a
# predicted vector only where the gate passes it AND it saves more than PRED_GATE_MVD vector bits (codings already
# made are priced anyway; None = gated as in the whole-frame pass, v8). hiq: +0.01 % BD alone (six clips, 16 frames),
# but coffee q80's rounds still code 272 MBs in 53 calls (v8: 610 in 53): zooms' vectors save many bits too.
PRED_SKIP_MARGIN = 32.0  # encoder speed: the predicted vector is coded (RDOQ) only where the skip's distortion exceeds
# lambda x (this + the inter mode and zero-vector bits - the skip mode bits); below, skip beats it (exact at 0: the
# coded cost is at least lambda x those bits); < 0 = price it everywhere


def _pred_contenders(d_skip, mode_bits, zero_mvd, lam):
    """Encoder: macroblocks where coding the predicted vector's residual could beat skipping it (see PRED_SKIP_MARGIN)."""
    if PRED_SKIP_MARGIN < 0:
        return np.ones(d_skip.shape, bool)
    floor = mode_bits[:, MODE_INTER] + zero_mvd - mode_bits[:, MODE_SKIP] + PRED_SKIP_MARGIN
    return d_skip >= lam * floor


BI_MIN_COST = 128.0  # only macroblocks whose best one-hypothesis cost exceeds this x lambda try two: at 0 (c0013's)
# cheap skips took it at low qualities for more bits than it saved (coffee-zoom q20 +4.6 % bytes, +0.03 dB); six clips,
# 20 frames vs c0017: 0 -0.75 % BD (1.18x encode time in process), 128 -0.91 % (1.05x); the encoder's own estimate kept
# 98 % of its gain on 42 % of the candidates


BI_MIN_COST_HQ = (75.0, 256.0)  # encoder speed and bits (hiq): (quality, cost): at quality >= the first number BI_MIN_COST
# is the second (None = BI_MIN_COST everywhere, v8). At q80 the cheaper candidates' estimated wins do not pay (the flag
# every inter macroblock codes, and the second vectors, cost more than the estimate says): six clips, 16 frames, vs v8
# (only q80 changes): (75, 192) -0.04 % BD, (75, 256) -0.03 % (astronaut -0.04, coffee +0.01, motorcycle +0.03,
# retina -0.18), (75, 320) -0.01 %, (75, 512) +0.04 %; from q65: (65, 192) +0.01 %, (65, 256) +0.18 %. At (75, 256)
# coffee q80's bi codings drop 1018 -> 370 in 5 P frames (wins 308 -> 143), astronaut q80's 1125 -> 225, face q80's
# 906 -> 772, and the bi search shrinks with them (bi was ~7 % of coffee q80's P time, ~11 % of astronaut q80's)
BI_MIN_CANDIDATES = 16  # encoder speed: a P frame with fewer two-hypothesis candidates than this tries none (0 = all).
# The search's and coding's fixed costs (~35 block-filter calls) dominate there: astronaut-pan q20 spent ~3 % of its P
# time on ~5 candidates per frame. Six clips, q20/50/80, 8 frames: such frames held 53 lambda of the 90,000 lambda
# that two hypotheses saved (astronaut q20 19, face q20 12, retina q50 11).


def _bi_sad(target, phases, by, bx, v):
    """Encoder: half the SAD of target (2 cur - p1, float32) against the second hypothesis's luma blocks at v. The
    uint8 blocks are subtracted directly and summed in float32 (speed: no int32 copy, no float64 pass); the sums of
    256 integers below 2^24 are exact, so the same numbers as in float64."""
    pred = _mc_luma(phases, by, bx, v) if isinstance(phases, tuple) else _phase_blocks(phases, by, bx, v, 16)
    d = np.subtract(target, pred, dtype=np.float32)
    return 0.5 * np.abs(d, out=d).sum(axis=(1, 2)).astype(np.float64)


BI_STRIDES_HQ = (75.0, (1,))  # encoder speed (a decision, hq26): (quality, strides): at quality >= the first number the second
# vector's refinement uses these strides instead of BI_STRIDES (e.g. (75.0, (2, 1)): no whole-pel step); None = off.
# (75, (2, 1)): +0.01 % BD vs c0022 (six clips, 16 frames; retina +0.09, coffee -0.05), ~0.5 ms of a coffee q80 P frame
# Sprint 2: (75, (1,)) [c0023: (75, (2, 1))]: no half-pel step either; +0.011 % BD on top of the other sprint-2 knobs


def _bi_search(cur_y, p1_y, ref_b, idx, mbw, mbh, w0, subpel_cost, strides=BI_STRIDES):
    """Encoder: the second vector of each macroblock, +-1 refinements at BI_STRIDES around w0, by the SAD of
    the two predictions' mean (the SAD of 2 cur - p1 against the second prediction, halved)."""
    by = (idx // mbw) * 16
    bx = (idx % mbw) * 16
    target = np.subtract(2 * cur_y.astype(np.int32), p1_y, dtype=np.float32)

    def sad_many(vs):
        k, m = vs.shape[:2]
        return _bi_sad(np.tile(target, (k, 1, 1)), ref_b[3], np.tile(by, k), np.tile(bx, k), vs.reshape(-1, 2)).reshape(k, m)

    best_v, raw = _refine_pm1(w0.copy(), strides, subpel_cost,
                              lambda centre, stride: lambda o, v: _bi_sad(target, ref_b[3], by, bx, v), sad_many)
    if BI_NEIGHBOUR_PASSES:
        if raw is None:
            raw = _bi_sad(target, ref_b[3], by, bx, best_v)
        best_v = _bi_neighbours(target, ref_b, idx, mbw, mbh, w0, best_v, raw, subpel_cost)
    return best_v


def _bi_neighbours(target, ref_b, idx, mbw, mbh, w0, best_v, raw, subpel_cost):
    """Encoder: each macroblock also tries its four neighbours' second-vector deltas (against _bi_predictor) on
    its own predictor: smooth non-constant motion (zoom, acceleration) has smooth deltas."""
    by = (idx // mbw) * 16
    bx = (idx % mbw) * 16
    cost = raw.astype(np.float64)
    for _ in range(BI_NEIGHBOUR_PASSES):
        field = np.zeros((mbh * mbw, 2), np.int64)
        field[idx] = best_v - w0
        gp = _pad_edge(field.reshape(mbh, mbw, 2), 1)
        for cand in (gp[1:-1, :-2], gp[1:-1, 2:], gp[:-2, 1:-1], gp[2:, 1:-1]):
            v = _npclip(w0 + cand.reshape(-1, 2)[idx], -MAX_MV, MAX_MV)
            k = np.nonzero((v != best_v).any(1))[0]
            if not k.size:
                continue
            sad = _bi_sad(target[k], ref_b[3], by[k], bx[k], v[k]) + subpel_cost
            better = sad < cost[k]
            cost[k[better]] = sad[better]
            best_v[k[better]] = v[k[better]]
    return best_v


def _decide_bi(st, ref, cur, choice, mv_c, pred, j_min, priced_skip, coded, predict, mode_bits, mvd_tab, qy, qc, lam,
               step):
    """Encoder: the skip and one-vector macroblocks (choice 0-2) that cost less (J = SSD_w + lambda bits) with
    a second hypothesis averaged into their prediction; coded = [ly, lcb, lcr, t16] is replaced in place
    where they do. priced_skip: the macroblocks priced as skips (no flag); predict(idx, vecs): their one-vector
    predictions. Returns the flags, the second vectors' deltas against _bi_predictor and the cost saved."""
    n, mbw = choice.size, st["mbw"]
    flags = np.zeros(n, bool)
    dw = np.zeros((n, 2), np.int64)
    flag_tab = PROB_BITS - np.log2(st["models"]["bi"]["freq"].astype(np.float64))
    ctx = np.where((mv_c != pred).any(1), 0, 1)  # _block_kind - 1 of an inter macroblock
    j_cur = j_min + lam * np.where(priced_skip, 0.0, flag_tab[ctx, 0])
    min_cost = BI_MIN_COST
    if BI_MIN_COST_HQ is not None and st.get("quality", 50.0) >= BI_MIN_COST_HQ[0]:
        min_cost = BI_MIN_COST_HQ[1]
    cand = np.nonzero((choice <= 2) & (j_min > min_cost * lam))[0]
    if not cand.size or cand.size < BI_MIN_CANDIDATES:
        return flags, dw, 0.0
    v = mv_c[cand]
    p1 = predict(cand, v)
    ref_b = _bi_ref(st, ref[4], ref[5])
    w0 = _bi_predictor(v)
    cur_y = cur[0][cand]
    strides = BI_STRIDES
    if BI_STRIDES_HQ is not None and st.get("quality", 50.0) >= BI_STRIDES_HQ[0]:
        strides = BI_STRIDES_HQ[1]
    elif BI_STRIDES_LQ is not None and st.get("quality", 50.0) < BI_STRIDES_LQ[0]:
        strides = BI_STRIDES_LQ[1]
    w = _bi_search(cur_y, p1[0], ref_b, cand, mbw, st["mbh"], w0, SUBPEL_PENALTY * step, strides)
    # (no SAD gate before the coding: half the winners' estimated gain is in macroblocks whose mean has no lower luma
    # SAD than the one vector, the averaging's gain is in fewer levels; below 1.15x that SAD: 92 % of candidates, 98 %
    # of the gain)
    pb = _average_preds(p1, _predict_mbs(ref_b, cand, mbw, w))
    got = _code_blocks(cur_y, cur[1][cand], cur[2][cand], *pb, qy, qc, DEADZONE_INTER, lam, tx16=True)
    bi_tab = _signed_bits(st["models"]["mvd_bi"])
    j_bi = got[3] + lam * (got[4] + mode_bits[cand, MODE_INTER] + _mvd_bits(mvd_tab, v - pred[cand])
                           + flag_tab[ctx[cand], 1] + _mvd_bits(bi_tab, w - w0))
    win = j_bi < j_cur[cand]
    on = cand[win]
    if RECON_PRED_BI:  # _bi_apply takes these rows where the vectors are the same (the same numbers)
        st["pred_bi"] = (on, v[win], w[win], tuple(p[win] for p in pb))
    flags[on] = True
    dw[on] = (w - w0)[win]
    for k, a in zip((0, 1, 2, 5), coded):
        a[on] = got[k][win]
    return flags, dw, float((j_cur[cand] - j_bi)[win].sum())


SPLIT_EMPTY_EXIT = 1  # encoder speed: _motion_search_split returns at once when no macroblock is a candidate
SPLIT_SEARCH_FAST = 1  # encoder speed: the split search's whole-pel step from one gather, no centre evaluated twice (exact)
SPLIT_MIN_CANDIDATES = 16  # encoder speed: a P frame with fewer split candidates than this tries none (0 = all). The
# split search's and coding's fixed costs dominate there (astronaut-pan q20: ~4 ms per frame for ~13 candidates, ~5 % of
# its P time). Six clips, q20/50/80, 8 frames: such frames held split wins only on the held-out pair (motorcycle q20
# one macroblock, 52 lambda; retina q50 6, 92 of its 190 lambda), none on the bundled four.
SPLIT_REUSE = 1  # encoder speed: split candidates whose four vectors equal the searched one reuse its coding (exact)
SMOOTH_PLANES_MIN_SPLIT = 40  # encoder speed: the smooth luma's 16 phase planes are built (not filtered per block)
# when the split search has more candidate macroblocks than this (27 x 4 blocks each); the same numbers either way


def _decide_layers_alone(st, cur, step, layer):
    """Encoder: a clear cross-fade's P frame decided against the two-layer reference alone (no first decision's
    intra coding to reuse)."""
    st["intra_rough"] = st["intra_near"] = None
    return _decide_p(st, cur, step, layer)


P_LAMBDA_Q = (0.3, 0.3, 0.0)  # encoder: P frames' lambda x 2 ** max(c, a + b * (quality - 50) / 30) (decisions and RDOQ; (0, 0, 0) = v7)
P_LAMBDA_CASCADE = (0.0, 0.0, 0.0)  # encoder: ... x 2 ** this, by the frame's CASCADE_LEVEL (0 = the best-quality P frames)


def _p_lambda(st, step):
    """Encoder: the P-frame lambda (LAMBDA_SCALE * step**2 times the P_LAMBDA_Q / P_LAMBDA_CASCADE scale)."""
    a, b, c = P_LAMBDA_Q
    e = max(c, a + b * (st.get("quality", 50.0) - 50.0) / 30.0) + P_LAMBDA_CASCADE[CASCADE_LEVEL[st.get("next_index", 0) % 4]]
    return LAMBDA_SCALE * step**2 * 2.0**e


SWEEP_MVD = 1  # encoder speed, the same numbers: a sweep round's vector bits at the new predictors (from the searched and
# the split chain vector) and packed keys computed once and shared by the gate and the round's prices
SWEEP_WEIGHTS = 1  # encoder speed, the same numbers: _decide_p's own predictions (passes, exact sweep rounds, merge-skip
# prices) of a weighted frame are weighted by _weights_lean (in place, identity planes untouched) instead of
# _apply_weights (three np.clip calls with their wrapper: ~45 us of a ~110 us small prediction on face-rotate q20)


def _weights_lean(wp, preds):
    """_apply_weights' numbers for fresh C-contiguous int32 predictions preds (changed in place): a plane of gain 64
    and offset 0 is the identity on 0..255 ((p * 64 + 32) >> 6 = p) and is left as it is; the others are weighted in
    place and clipped by _clip_255."""
    out = []
    for p, (g, o) in zip(preds, wp):
        if g != 64 or o != 0:
            p *= g
            p += 32
            p >>= 6
            p += o
            p = _clip_255(p)
        out.append(p)
    return tuple(out)


def _decide_p(st, cur, step, layer=None):
    """Rate-distortion mode decision for a P frame over skip, inter (predicted or searched vector), split
    and intra.

    A skip inherits its left neighbour's final vector, which makes exact decisions sequential: whole-frame
    passes (DECISION_PASSES) guess every predictor, then an exact left-to-right column sweep recomputes only
    the macroblocks whose real predictor differs from the guess.
    """
    mbh, mbw = st["mbh"], st["mbw"]
    n = mbh * mbw
    st["pred_me"] = None  # (RECON_PRED_ME: set below by an ordinary decision)
    if layer is None:
        st["pred_log"] = None  # (RECON_PRED_LOG: set below by an ordinary decision)
    st["pred_split"] = None  # (RECON_PRED_SPLIT: set below by an ordinary decision)
    if layer is None:
        st["pred_bi"] = None  # (RECON_PRED_BI: set by _decide_bi)
        st.pop("layer_made", None)  # (LAYER_PLANES_ONCE: planes of this frame's references only)
    cur_y, cur_cb, cur_cr = (_to_mbs(cur[0], 16), _to_mbs(cur[1], 8), _to_mbs(cur[2], 8))
    qy, qc = (q.astype(np.float32) for q in _qmatrices(step))
    lam = _p_lambda(st, step)
    prior = st.get("prev_mv") if TEMPORAL_CANDIDATE and layer is None else None
    if layer is None:  # the previous frame's phase planes are dead (see _planes_for): their buffers are reused ...
        # ... but for those that now serve the second hypothesis (ref2_phases); the ones kept before are dead now
        keep = [v for v in st.get("ref2_phases", {}).values() if isinstance(v, np.ndarray)]
        made = [b for b in st.pop("plane_made", []) if not any(b is k for k in keep)]
        st["plane_pool"] = made + st.get("plane_kept", [])
        st["plane_kept"] = keep
    if layer is None and st.get("layer_alone") and LAYER_GATE > 0:  # the last frame was a clear cross-fade
        quick = _choose_layers(st, cur, None, None)  # (speed: no ordinary motion search if this one is too)
        if quick is not None:
            return _decide_layers_alone(st, cur, step, quick)
    if layer is not None:  # the second decision of a cross-fade frame: predict from the two-layer reference
        made = st.pop("layer_made", None)
        if made is not None and made[0] == layer:  # LAYER_PLANES_ONCE: _choose_layers made these planes
            a, b = layer[0][:2], layer[0][2:]
            if max(abs(x) for x in a + b + (a[0] + b[0], a[1] + b[1])) > LAYER_MAX_MV:
                raise ValueError("corrupt frame: layer vector out of range")
            st["ref"], st["ref_phases"] = made[1], {}
        else:
            _use_layers(st, layer)
        if not LAYER_SEARCH_RANGE:  # zero vectors: whole-sample blocks, not 16 phase planes (the same numbers)
            st["ref_phases"][FILTER_SHARP] = (st["ref"][0], FILTER_SHARP)
    ref = _ref_with(st, FILTER_SHARP)
    search = int(SEARCH_RANGE) if layer is None else LAYER_SEARCH_RANGE  # the layers compensate the motion
    if layer is None:  # P16_HQ / P16_ADAPT_HQ: does this frame try the 16x16 luma transform?
        off = collect = False
        if P16_HQ is not None and st.get("quality", 50.0) >= P16_HQ:
            off = True
            if P16_ADAPT_HQ is not None:
                if st.get("p16_probing") and _P16_STAT[2]:
                    st["p16_gain"] = _P16_STAT[0] / max(_P16_STAT[1], 1e-9)
                skip = st.get("p16_skip", 0)
                if st.get("p16_gain", 1.0) < P16_ADAPT_HQ[0] and skip < P16_ADAPT_HQ[1]:
                    st["p16_skip"] = skip + 1
                else:
                    off = False
                    collect = True
                    st["p16_skip"] = 0
        st["p16_probing"] = collect
        _P16_OFF[0] = off
        _P16_STAT[:] = [0.0, 0.0, collect]
    if search:
        from_prior = False
        if PRIOR_SEARCH > 1 and prior is not None:  # speed: a full search every PRIOR_SEARCH-th P frame only
            count = st.get("prior_search_count", 0)
            st["prior_search_count"] = count + 1
            every = PRIOR_SEARCH
            if PRIOR_SEARCH_HQ is not None and st.get("quality", 50.0) >= PRIOR_SEARCH_HQ[0]:
                every = PRIOR_SEARCH_HQ[1]
            if PRIOR_SEARCH_LQ is not None and st.get("quality", 50.0) < PRIOR_SEARCH_LQ[0]:
                every = PRIOR_SEARCH_LQ[1]
            if PRIOR_SEARCH_MQ is not None and PRIOR_SEARCH_MQ[0] <= st.get("quality", 50.0) < PRIOR_SEARCH_MQ[1]:
                every = PRIOR_SEARCH_MQ[2]
            from_prior = count % every != 0 and not (PRIOR_SEARCH_FADE and st.get("prior_fade"))
        _MS_CROSS[0] = SUBPEL_CROSS_Q is not None and st.get("quality", 50.0) >= SUBPEL_CROSS_Q
        _MS_HQ[0] = NEIGHBOUR_PASSES_HQ is not None and st.get("quality", 50.0) >= NEIGHBOUR_PASSES_HQ[0]
        _MS_QUALITY[0] = st.get("quality", 50.0)
        mv_me = _motion_search(cur[0], ref, mbh, mbw, search, SUBPEL_PENALTY * step, prior, from_prior)
        if PRIOR_SEARCH > 1:
            last, st["ms_whole_sad"] = st.get("ms_whole_sad"), _MS_WHOLE_SAD[0]
            if from_prior and PRIOR_SEARCH_RISE > 0 and last is not None and _MS_WHOLE_SAD[0] > PRIOR_SEARCH_RISE * last:
                mv_me = _motion_search(cur[0], ref, mbh, mbw, search, SUBPEL_PENALTY * step, prior)
                st["ms_whole_sad"] = _MS_WHOLE_SAD[0]
    else:
        mv_me = np.zeros((n, 2), np.int64)
    st["prev_mv"] = _npclip(mv_me >> 2, -(MAX_MV // 4 - 2), MAX_MV // 4 - 2)
    all_idx = np.arange(n)

    kb = _kinds_bounds(mbh, mbw) if EDGE_TX and KINDS_AT_BOUNDS else None

    def kinds_at(idx, vecs):
        """The edge-transform kinds (_edge_kinds_mbs) of inter macroblocks idx at vectors vecs ((m, 2) or split (m, 4, 2))."""
        if not EDGE_TX:
            return None
        split = vecs.ndim == 3
        if kb is not None:  # KINDS_AT_BOUNDS: kind 0 wherever the vector keeps every block inside the plane
            b = kb[1 if split else 0].take(idx, 0)
            out = _or_r(_or_r(vecs < b[..., 0, :], -1) | _or_r(vecs > b[..., 1, :], -1), -1) if split else \
                _or_r((vecs < b[:, 0]) | (vecs > b[:, 1]), 1)
            m = idx.size
            ky, kc = np.zeros((m, 4), np.int64), np.zeros(m, np.int64)
            if not _or_r(out, None):
                return ky, kc
            at = out.nonzero()[0]
            if at.size <= KINDS_AT_SCALAR:  # (plain Python for a few macroblocks: _edge_kinds' integer arithmetic)
                h, w = mbh * 16, mbw * 16
                for r, i, v in zip(at.tolist(), idx.take(at).tolist(), vecs.take(at, 0).tolist()):
                    by, bx = (i // mbw) * 16, (i % mbw) * 16
                    v4 = v if split else (v, v, v, v)
                    ky[r] = [_edge_kind_one(by + dy, bx + dx, vy, vx, 2, h, w)
                             for (vy, vx), dy, dx in zip(v4, (0, 0, 8, 8), (0, 8, 0, 8))]
                    if not split:
                        kc[r] = _edge_kind_one(by // 2, bx // 2, v[0], v[1], 3, h // 2, w // 2)
                return ky, kc
            if at.size < m:  # (the kinds are per block: the others' are 0)
                got = kinds_at_calc(idx.take(at), vecs.take(at, 0), split)
                ky[at], kc[at] = got
                return ky, kc
        return kinds_at_calc(idx, vecs, split)

    def kinds_at_calc(idx, vecs, split):
        mv4 = vecs if split else np.repeat(vecs[:, None, :], 4, axis=1)
        return _edge_kinds_mbs(mbh, mbw, mv4, np.full(idx.size, MODE_SPLIT if split else MODE_INTER), idx)
    # filter set of this frame: the one whose prediction at the searched vectors has the lower weighted SSD
    pred_sharp = _predict_mbs(ref, all_idx, mbw, mv_me)
    layer_cand = _choose_layers(st, cur, mv_me, pred_sharp[0]) if layer is None and LAYER_GATE > 0 else None
    if layer is None and PRIOR_SEARCH_FADE:  # (PRIOR_SEARCH: a frame after a cross-fade candidate searches in full)
        st["prior_fade"] = layer_cand is not None or bool(st.get("layer_alone"))
    if layer_cand is not None and st["layer_alone"]:  # a clear cross-fade: the two-layer decision alone (speed)
        return _decide_layers_alone(st, cur, step, layer_cand)
    if layer_cand is not None and LAYER_TWICE_QMAX is not None and st.get("quality", 50.0) >= LAYER_TWICE_QMAX:
        layer_cand = None  # speed: decided once, the ordinary way (the layer pair stays a candidate for later frames)
    # the smooth luma filtered per block, as the decoder does (_mc_luma_direct, the same numbers): its 16 phase
    # planes are built only when the frame chooses it
    ref_smooth = st["ref"] + ((st["ref"][0], FILTER_SMOOTH_LUMA), FILTER_SMOOTH, None)
    sq_kept = []  # SSD_ROWS_REUSE: (prediction plane, its squared differences) of the filter choice's SSDs
    keep = st.get("filt_keep", (0, None)) if FILTER_KEEP > 2 and layer is None else None
    if keep is not None and keep[0] > 0:  # FILTER_KEEP: the choice stands; only the smooth planes it takes
        smooth_luma, smooth_chroma = (keep[1] & 1) > 0, (keep[1] & 2) > 0
        st["filt_keep"] = (keep[0] - 1, keep[1])
        pred_smooth = None
        if smooth_luma or smooth_chroma:  # (FILTER_KEEP_ANY)
            by, bx = (all_idx // mbw) * 16, (all_idx % mbw) * 16
            pred_smooth = [None, None, None]
            if smooth_luma:
                pred_smooth[0] = _mc_luma(ref_smooth[3], by, bx, mv_me)
            if smooth_chroma:
                pred_smooth[1:] = _mc_c_pair(ref_smooth, by // 2, bx // 2, mv_me, 8) if MC_CHROMA_PAIR else \
                    (_mc_c(ref_smooth, ref_smooth[1], by // 2, bx // 2, mv_me, 8),
                     _mc_c(ref_smooth, ref_smooth[2], by // 2, bx // 2, mv_me, 8))
            pred_smooth = tuple(pred_smooth)
    else:
        pred_smooth = _predict_mbs(ref_smooth, all_idx, mbw, mv_me)

        def ssd(a, b):
            d = np.subtract(a, b, dtype=np.float32) ** 2
            if SSD_ROWS_REUSE:
                sq_kept.append((b, d))
            return float(d.sum())

        smooth_luma = ssd(cur_y, pred_smooth[0]) < ssd(cur_y, pred_sharp[0])
        c_sharp = CB_WEIGHT * ssd(cur_cb, pred_sharp[1]) + CR_WEIGHT * ssd(cur_cr, pred_sharp[2])
        c_smooth = CB_WEIGHT * ssd(cur_cb, pred_smooth[1]) + CR_WEIGHT * ssd(cur_cr, pred_smooth[2])
        smooth_chroma = c_smooth < c_sharp
        if keep is not None:  # FILTER_KEEP: sharp / sharp a second time in a row: kept for the next frames
            f, first = int(smooth_luma) + 2 * int(smooth_chroma), st.pop("filt_first", False)
            ok = (f == 0 or FILTER_KEEP_ANY) and not first  # (keep[1]: the last frame's choice if it counts, else None)
            st["filt_keep"] = (FILTER_KEEP - 2 if ok and keep[1] == f else 0, f if ok else None)
    filt = FILTER_SMOOTH_LUMA * smooth_luma + FILTER_SMOOTH_CHROMA * smooth_chroma
    if smooth_luma and FILTER_SMOOTH_LUMA not in st["ref_phases"]:
        # the smooth luma filtered per block (the same numbers) until the split search shows the planes pay
        st["ref_phases"][FILTER_SMOOTH_LUMA] = (st["ref"][0], FILTER_SMOOTH_LUMA)
    ref = _ref_with(st, filt)
    pred_me = (pred_smooth if smooth_luma else pred_sharp)[:1] + (pred_smooth if smooth_chroma else pred_sharp)[1:]
    inside = None
    if EDGE_TX:  # the macroblocks whose searched vector keeps the block inside the reference picture
        sy = (all_idx // mbw) * 16 + (mv_me[:, 0] >> 2)
        sx = (all_idx % mbw) * 16 + (mv_me[:, 1] >> 2)
        inside = (sy >= 0) & (sx >= 0) & (sy + 17 <= mbh * 16) & (sx + 17 <= mbw * 16)
    wp = _estimate_weights((cur_y, cur_cb, cur_cr), pred_me, lam, inside)
    if layer is None and PRIOR_SEARCH_FADE and wp is not None:  # (weighted prediction: a fade, too)
        st["prior_fade"] = True
    if wp is not None:
        ref = _ref_with(st, filt, wp)
        pred_me = _apply_weights(ref, pred_me)
    if layer is None:  # RECON_PRED_ME: _reconstruct's predictions take these rows where the final vector is mv_me
        st["pred_me"] = (mv_me, pred_me)
    kinds_me = kinds_at(all_idx, mv_me)
    me_blocks = [] if SPLIT_LUMA_REUSE else None  # (the searched vector's luma blocks' SSD and bits)
    me = _code_blocks(cur_y, cur_cb, cur_cr, *pred_me, qy, qc, DEADZONE_INTER, lam, tx16=True,
                      kinds=kinds_me, blocks_out=me_blocks)
    flat = (np.full((n, 16, 16), 128, np.int32), np.full((n, 8, 8), 128, np.int32), np.full((n, 8, 8), 128, np.int32))
    if INTRA_P_MIN_COST > 0:  # speed: rough intra coding only for macroblocks where intra could win
        try_i = _intra_p_contenders(cur_y, cur_cb, cur_cr, pred_me, me, lam)
        if INTRA_P_MIN_TRIES and try_i.sum() < min(INTRA_P_MIN_TRIES, n // 4):  # speed: too few to pay two
            # _code_blocks calls (n // 4: a small frame's scene cut still tries)
            try_i[:] = False
        if layer is None or st["intra_rough"] is None:
            st["intra_rough"] = (np.zeros(n, bool), [np.zeros_like(me[0]), np.zeros_like(me[1]), np.zeros_like(me[2]),
                                                     np.full(n, np.inf), np.zeros(n)])
        done, rough = st["intra_rough"]
        todo = np.nonzero(try_i & ~done)[0]
        if todo.size:
            got = _code_blocks(cur_y[todo], cur_cb[todo], cur_cr[todo], *(f[todo] for f in flat), qy, qc,
                               DEADZONE_INTRA, lam, intra=True)
            for k in range(5):
                rough[k][todo] = got[k]
            done[todo] = True
        intra = [a.copy() for a in rough]
        intra[3][~try_i] = np.inf
    else:
        # the rough intra coding does not depend on the reference: the fade's second decision reuses it
        if layer is None or st["intra_rough"] is None:
            st["intra_rough"] = _code_blocks(cur_y, cur_cb, cur_cr, *flat, qy, qc, DEADZONE_INTRA, lam, intra=True)
        intra = [a.copy() for a in st["intra_rough"]]
    # RDOQ for the intra macroblocks the rough estimate makes contenders (INTRA_RDOQ_MARGIN x the searched
    # vector's cost), so intra and inter are priced alike where it matters (all frames of the six clips:
    # -3.03 % vs v3, against -3.05 % with RDOQ on every intra candidate and -2.76 % with none)
    near = np.nonzero(intra[3] + lam * (intra[4] + 6.0) < INTRA_RDOQ_MARGIN * (me[3] + lam * (me[4] + 2.0)))[0]
    near_mask = np.zeros(n, bool)
    near_mask[near] = True
    # the fade's second decision: the first one's RDOQ of intra is as good (no reference)
    if layer is not None and st["intra_near"] is not None:
        done_mask, done = st["intra_near"]
        hit = near[done_mask[near]]
        for k in range(5):
            intra[k][hit] = done[k][hit]
        near = near[~done_mask[near]]
    if near.size:
        fine = _code_blocks(cur_y[near], cur_cb[near], cur_cr[near], *(f[near] for f in flat), qy, qc,
                            DEADZONE_INTRA, lam, intra=True, rdoq=True)
        for k in range(5):
            intra[k][near] = fine[k]
    if layer is None:
        st["intra_near"] = (near_mask, intra)
    mode_bits = _p_mode_bits(st, mbh, mbw)
    mvd_tab = _signed_bits(st["models"]["mvd"])
    sub_tab = _signed_bits(st["models"]["mvd_sub"])
    j_intra = intra[3] + lam * (intra[4] + mode_bits[:, MODE_INTRA])
    # Split is only tried where one vector leaves a residual worth coding (saves most of its cost).
    # ... and not in the fade's second decision: measured on 8 frames, chelsea -0.19 % BD without split there
    # (the other five clips unchanged), its encode 1.04x faster
    min_bits = SPLIT_MIN_BITS
    if SPLIT_MIN_BITS_HQ is not None and st.get("quality", 50.0) >= SPLIT_MIN_BITS_HQ[0]:
        min_bits = SPLIT_MIN_BITS_HQ[1]
    cand = np.nonzero(me[4] > min_bits)[0] if layer is None else np.zeros(0, np.int64)
    if cand.size < SPLIT_MIN_CANDIDATES:  # speed: too few to pay the split search's fixed costs
        cand = cand[:0]
    if isinstance(ref[3], tuple) and cand.size > SMOOTH_PLANES_MIN_SPLIT:
        st["ref_phases"][FILTER_SMOOTH_LUMA] = _planes_for(st, st["ref"][0], FILTER_SMOOTH_LUMA)
        ref = _ref_with(st, filt, wp)
    mv4 = np.repeat(mv_me[:, None, :], 4, axis=1)
    if cand.size:  # (speed: no empty search)
        mv4[cand] = _motion_search_split(cur_y[cand], ref, cand, mbw, mv_me[cand], SUBPEL_PENALTY * step)
    spl = [np.zeros_like(me[0]), np.zeros_like(me[1]), np.zeros_like(me[2]), np.full(n, np.inf), np.zeros(n)]
    if cand.size and SPLIT_REUSE:  # speed, the same numbers: where the four vectors are the searched one, no
        # chroma edge transform applies and no 16x16 transform was taken, the split's prediction, transforms and
        # levels are the searched vector's
        same = (mv4[cand] == mv_me[cand][:, None]).all((1, 2)) & ~me[5][cand]
        if EDGE_TX:
            same &= kinds_at(cand, mv_me[cand])[1] == 0
        for k in range(5):
            spl[k][cand[same]] = me[k][cand[same]]
        cand = cand[~same]
    if cand.size:
        sp_cand = _predict_split(ref, cand, mbw, mv4[cand])
        if RECON_PRED_SPLIT and layer is None:  # _reconstruct's split predictions take these rows (the same numbers)
            st["pred_split"] = (cand, mv4[cand], sp_cand)
        kinds_sp = kinds_at(cand, mv4[cand])
        known = None
        if me_blocks:  # SPLIT_LUMA_REUSE: luma blocks at the searched vector (the same prediction and edge kind)
            kmask = (mv4[cand] == mv_me[cand][:, None]).all(2) & ~me[5][cand][:, None]
            if kinds_sp is not None:
                kmask &= kinds_sp[0] == kinds_me[0][cand]
            if kmask.any():
                kmask &= (_split4(sp_cand[0]) == _split4(pred_me[0][cand])).all((2, 3))
                known = (kmask, me[0][cand], me_blocks[0][cand], me_blocks[1][cand])
        got = _code_blocks(cur_y[cand], cur_cb[cand], cur_cr[cand], *sp_cand, qy, qc, DEADZONE_INTER, lam,
                           kinds=kinds_sp, known=known)
        for k in range(5):
            spl[k][cand] = got[k]
    sub_d = mv4[:, list(SUB_OTHERS)] - mv4[:, 1:2]
    j_split_base = spl[3] + lam * (spl[4] + mode_bits[:, MODE_SPLIT] + _mvd_bits(sub_tab, sub_d).sum(-1))
    mv_chain_split = mv4[:, 1]

    def skip_distortion(sp, idx):
        def ssd(a, b):
            return (np.subtract(a, b, dtype=np.float32) ** 2).sum(axis=(1, 2))

        if idx is all_idx:  # (the planes' rows as they are: the same numbers)
            return ssd(cur_y, sp[0]) + CB_WEIGHT * ssd(cur_cb, sp[1]) + CR_WEIGHT * ssd(cur_cr, sp[2])
        if SWEEP_ROUND_LEAN:  # (take: the same rows)
            return ssd(cur_y.take(idx, 0), sp[0]) + CB_WEIGHT * ssd(cur_cb.take(idx, 0), sp[1]) + \
                CR_WEIGHT * ssd(cur_cr.take(idx, 0), sp[2])
        return ssd(cur_y[idx], sp[0]) + CB_WEIGHT * ssd(cur_cb[idx], sp[1]) + CR_WEIGHT * ssd(cur_cr[idx], sp[2])

    plog = [] if RECON_PRED_LOG and layer is None else None  # (RECON_PRED_LOG: (keys, predictions) of predict_w)

    def predict_w(idx, vecs, keys=None):
        """_predict_mbs(ref, idx, mbw, vecs) (SWEEP_WEIGHTS: weighted by _weights_lean, the same numbers); keys: their
        packed keys (mb_keys) when the caller has them."""
        if SWEEP_WEIGHTS and ref[5] is not None:
            out = _weights_lean(ref[5], _predict_mbs(ref[:5] + (None,), idx, mbw, vecs))
        else:
            out = _predict_mbs(ref, idx, mbw, vecs)
        if plog is not None and idx.size:
            plog.append((mb_keys(idx, vecs, True) if keys is None else keys, out))
        return out

    def predict_at(idx, vecs):
        """_predict_mbs of macroblocks idx at vectors vecs, pred_me's rows (the same numbers) where a vector is the
        searched one: most of them in a pan."""
        fresh = np.nonzero((vecs != mv_me[idx]).any(1))[0]
        if fresh.size == idx.size:
            return predict_w(idx, vecs)
        out = [p[idx] for p in pred_me]
        if fresh.size:
            for o, g in zip(out, predict_w(idx[fresh], vecs[fresh])):
                o[fresh] = g
        return out

    coded = {}  # (macroblock, vy, vx): its _code_blocks row; the sweep's rounds often return to a predictor coded before

    def mb_keys(idx, vecs, packed=False):
        """The dictionaries' keys of macroblocks idx at vectors vecs: (macroblock, vy, vx) packed in one int (speed);
        packed: as an int64 array."""
        k = (idx << 32) + ((vecs[:, 0] + 32768) << 16) + (vecs[:, 1] + 32768)
        return k if packed else k.tolist()

    def code_pred(idx, vecs, preds):
        """_code_blocks of macroblocks idx predicted by vectors vecs (predictions preds), each (macroblock, vector)
        coded once per decision (every row depends on its macroblock's inputs alone)."""
        keys = mb_keys(idx, vecs)
        miss = [k for k, key in enumerate(keys) if key not in coded]
        if len(miss) == len(keys):
            got = _code_blocks(cur_y[idx], cur_cb[idx], cur_cr[idx], *preds, qy, qc, DEADZONE_INTER, lam, tx16=True,
                               kinds=kinds_at(idx, vecs))
        elif miss:
            m = np.array(miss)
            got = _code_blocks(cur_y[idx[m]], cur_cb[idx[m]], cur_cr[idx[m]], *(p[m] for p in preds), qy, qc,
                               DEADZONE_INTER, lam, tx16=True, kinds=kinds_at(idx[m], vecs[m]))
        if CODED_ROWS:  # speed, the same numbers: the cache holds (batch result, row) pairs, not rows cut apart
            if miss:
                coded.update(zip([keys[k] for k in miss], zip([got] * len(miss), range(len(miss)))))
                if len(miss) == len(keys):
                    return got
            rows = [coded[key] for key in keys]
            g0 = rows[0][0] if rows else None
            if rows and all(g is g0 for g, _ in rows):  # one batch: its rows gathered (np.array of the rows: the same)
                js = [j for _, j in rows]
                return [g0[f][js] for f in range(6)]
            return [np.array([g[f][j] for g, j in rows]) for f in range(6)]
        if miss:
            for j, k in enumerate(miss):
                coded[keys[k]] = tuple(a[j] for a in got)
            if len(miss) == len(keys):
                return got
        rows = [coded[key] for key in keys]
        return [np.array([r[f] for r in rows]) for f in range(6)]

    got_sq = [next((d for b, d in sq_kept if b is p), None) for p in pred_me] if sq_kept and wp is None else None
    if got_sq is not None and all(d is not None for d in got_sq):  # SSD_ROWS_REUSE: skip_distortion's rows from
        # the filter choice's squared differences (the same arrays, the same sums)
        d_me0 = got_sq[0].sum(axis=(1, 2)) + CB_WEIGHT * got_sq[1].sum(axis=(1, 2)) + \
            CR_WEIGHT * got_sq[2].sum(axis=(1, 2))
    else:
        d_me0 = skip_distortion(pred_me, all_idx)  # the searched vector's uncoded distortion
    sq_kept = got_sq = None
    me_gain = d_me0 - me[3] - lam * me[4]  # PRED_GATE_GAIN: what coding the searched vector's residual saved
    quality = st.get("quality", 50.0)
    rel_gate = PRED_GATE_REL
    if PRED_GATE_REL_HQ is not None and PRED_GATE_REL is not None and quality >= PRED_GATE_REL_HQ[0]:
        rel_gate = PRED_GATE_REL_HQ[1]
    sweep_cached = SWEEP_PRED_HQ is not None and quality >= SWEEP_PRED_HQ

    def pred_gate(idx, vecs, d_at, mvd_me=None, mvd_sp=None, karr=None, in_sweep=False):
        """PRED_GATE: where the predicted vectors vecs of macroblocks idx (uncoded distortions d_at) are worth
        coding, or already coded. (SWEEP_MVD: mvd_me, mvd_sp, karr: the vector bits from the searched and the split
        chain vector, and the packed keys, when the caller has them: the same numbers.)"""
        if mvd_me is None:
            mvd_me = _mvd_bits(mvd_tab, mv_me[idx] - vecs)
        ok = d_at - d_me0[idx] <= PRED_GATE * lam * mvd_me
        if PRED_GATE_EST is not None:  # its cost guessed with the searched vector's coding gain, against the others
            inter = me[3][idx] + lam * (me[4][idx] + mode_bits[idx, MODE_INTER])
            guess = inter + d_at - d_me0[idx] + lam * zero_mvd
            if mvd_sp is None:
                mvd_sp = _mvd_bits(mvd_tab, mv_chain_split[idx] - vecs)
            best = np.minimum.reduce([d_at + lam * mode_bits[idx, MODE_SKIP], inter + lam * mvd_me, j_intra[idx],
                                      j_split_base[idx] + lam * mvd_sp])
            ok = guess <= PRED_GATE_EST * best
        if PRED_GATE_GAIN is not None:
            gain_ok = me_gain[idx] >= PRED_GATE_GAIN * lam * (mode_bits[idx, MODE_INTER] + zero_mvd - mode_bits[idx, MODE_SKIP])
            if PRED_GATE_REL is not None:
                gain_ok &= (d_at - d_me0[idx] < rel_gate * d_me0[idx]) | (mvd_me > PRED_GATE_MVD)
            ok |= gain_ok
        if in_sweep and sweep_cached:  # SWEEP_PRED_HQ: only where the predicted vector saves many vector bits (pans)
            ok &= mvd_me > PRED_GATE_MVD
        if PRED_GATE < 0:
            ok[:] = False
        ask = np.nonzero(~ok)[0]
        if ask.size and coded:
            ok[ask] = [k in coded for k in (mb_keys(idx[ask], vecs[ask]) if karr is None else karr[ask].tolist())]
        return ok

    # Whole-frame passes against the previous pass's vectors give a good guess of every predictor ...
    final = mv_me
    zero_mvd = _mvd_bits(mvd_tab, np.zeros(2, np.int64))
    for _ in range(DECISION_PASSES):
        pred_guess = _vector_predictor(final, mbh, mbw)
        other = (pred_guess != mv_me).any(1)
        if PASS_FRESH:  # only the macroblocks whose predictor is not the searched vector predicted (the others' skip
            # distortion is d_me0: the same rows, the same numbers)
            fresh = other.nonzero()[0]
            d_skip = d_me0.copy()
            if fresh.size:
                sp = predict_w(fresh, pred_guess[fresh])
                d_skip[fresh] = skip_distortion(sp, fresh)
        else:
            sp = predict_at(all_idx, pred_guess)
            d_skip = skip_distortion(sp, all_idx)
        # where the predicted vector is the searched one the residual is me's, and so is its coding: only the
        # other macroblocks are coded (in a pan most are the same)
        mp = [a.copy() for a in me]
        worth = _pred_contenders(d_skip, mode_bits, zero_mvd, lam)
        if PRED_GATE is not None and PRED_GATE_PASS:
            worth &= pred_gate(all_idx, pred_guess, d_skip)
        mp[3][other & ~worth] = np.inf  # skip beats the coded predicted vector there
        if PASS_FRESH:
            sel = worth.take(fresh).nonzero()[0]
            other = fresh.take(sel)
        else:
            other = np.nonzero(other & worth)[0]
        if other.size:
            got = code_pred(other, pred_guess[other], [p.take(sel, 0) for p in sp] if PASS_FRESH else
                            [p[other] for p in sp])
            for k in range(6):
                mp[k][other] = got[k]
        j_skip = d_skip + lam * mode_bits[:, MODE_SKIP]
        j_pred = mp[3] + lam * (mp[4] + mode_bits[:, MODE_INTER] + zero_mvd)
        j_me = me[3] + lam * (me[4] + mode_bits[:, MODE_INTER] + _mvd_bits(mvd_tab, mv_me - pred_guess))
        j_split = j_split_base + lam * _mvd_bits(mvd_tab, mv_chain_split - pred_guess)
        choice = np.argmin(np.stack([j_skip, j_pred, j_me, j_intra, j_split], 1), 1)
        mv_c = np.where((choice == 2)[:, None], mv_me, np.where((choice == 4)[:, None], mv_chain_split, pred_guess))
        final = mv_c  # intra macroblocks pass their predictor on, like skips
    j_now = np.minimum.reduce([j_skip, j_pred, j_me, j_intra, j_split])
    j_bare, mv_2, alt = _merge_skip_prices(st, final, pred_guess, mv_me, d_me0, j_me,
                                           j_now, lambda i, v: skip_distortion(predict_w(i, v), i),
                                           mode_bits, lam)
    me3 = np.where(alt, np.inf, me[3])  # where the merge skip takes another vector, column 2 is that skip alone
    # ... then the exact decisions. Each macroblock's real predictor comes from its left, top and top-left
    # neighbours' final vectors (skip, predicted and intra macroblocks pass their predictor on). Every round takes
    # the predictors the current choices lead to (_chain_predictors, one scalar raster pass) and recomputes, as one
    # batch, the macroblocks priced with another one. The first anti-diagonal with a wrong price is exact after
    # the round (all before it are), so the rounds end, and at the sweep's unique consistent result: the same
    # decisions as a sweep over the mbh + mbw - 1 diagonals, in a few batches instead.
    ly, lcb, lcr = (mp[0], mp[1], mp[2]) if PASS_FRESH else (mp[0].copy(), mp[1].copy(), mp[2].copy())  # (mp: fresh
    # copies, not used below)
    # (macroblock, vy, vx): skip distortion; the rounds often return to a predictor seen before
    skip_seen = dict(zip(mb_keys(all_idx, pred_guess), d_skip.tolist()))
    t16 = mp[5] if PASS_FRESH else mp[5].copy()
    j_skip, j_pred, pred = j_skip.copy(), j_pred.copy(), pred_guess.copy()
    j_me = np.minimum(me3 + lam * (me[4] + mode_bits[:, MODE_INTER] + _mvd_bits(mvd_tab, mv_me - pred)), j_bare)
    j_split = j_split_base + lam * _mvd_bits(mvd_tab, mv_chain_split - pred)
    j_all = np.stack([j_skip, j_pred, j_me, j_intra, j_split], 1)
    choice = np.argmin(j_all, 1)
    passed = field_seen = None  # the held merge-skip prices the last check found in their lists, and its field
    rounds, truncated = 0, False
    window = SWEEP_WINDOW if st.get("quality", 50.0) < SWEEP_WINDOW_QMAX else 0
    diag = all_idx // mbw + all_idx % mbw
    def _raster_sweep():
        """SWEEP_RASTER: the exact decisions of a raster-order sweep (each macroblock decided at the predictor its
        left, top and top-left neighbours' final vectors give, a chosen merge skip only where its vector is in the
        list those neighbours give). One scalar scan over cached prices per round; the prices it lacks (macroblock,
        predictor pairs not seen yet) are made as one batch, and the next scan resumes at the first of them (every
        macroblock before it is decided exactly). A predicted vector's coding is made in the batch only where it
        can decide between passing the predictor on and a fixed vector; the others wait for one batch at the end
        (where the macroblock ends)."""
        inf = math.inf
        mb_skip, mb_inter = mode_bits[:, MODE_SKIP], mode_bits[:, MODE_INTER]
        dropped = [False] * n
        s0 = 0  # the macroblocks before this one keep the pass's choices (their predictors are the pass's)
        if SWEEP_RASTER_DROP:  # c0022's first round: the chosen merge skips out of their lists at the pass's choices
            real = _chain_predictors(choice, mv_2, mv_chain_split, mbh, mbw)
            field = np.where((choice == 2)[:, None], mv_2, np.where((choice == 4)[:, None], mv_chain_split, real))
            check = np.nonzero((choice == 2) & (j_all[:, 2] == j_bare))[0]
            bad = np.flatnonzero((real != pred).any(1))
            s0 = int(bad[0]) if bad.size else n
            if check.size:
                gone = check[~_merge_member(st, field, real, mv_2, check)]
                if gone.size:
                    s0 = min(s0, int(gone[0]))
                    j_bare[gone], me3[gone], mv_2[gone] = np.inf, me[3][gone], mv_me[gone]
                    j_all[gone, 2] = me[3][gone] + lam * (me[4][gone] + mode_bits[gone, MODE_INTER] +
                                                          _mvd_bits(mvd_tab, mv_me[gone] - pred[gone]))
                    choice[gone] = np.argmin(j_all[gone], 1)
                    for i in gone.tolist():
                        dropped[i] = True
        t = lam * (me[4] + mb_inter + _mvd_bits(mvd_tab, mv_me - pred))
        price = {}  # the rows the rounds make; the pass's and (SWEEP_RASTER_ME) the searched vector's are in lists
        pgy, pgx = pred[:, 0].tolist(), pred[:, 1].tolist()
        pas = (j_all[:, 0].tolist(), j_all[:, 1].tolist(), (me3 + t).tolist(), (me[3] + t).tolist(),
               j_all[:, 4].tolist())
        mey, mex = mv_me[:, 0].tolist(), mv_me[:, 1].tolist()
        if SWEEP_RASTER_ME:  # the prices at the searched vector as predictor need no prediction (pred_me's rows)
            t0 = lam * (me[4] + mb_inter + _mvd_bits(mvd_tab, mv_me - mv_me))
            mer = ((d_me0 + lam * mb_skip).tolist(), (me[3] + lam * (me[4] + mb_inter + zero_mvd)).tolist(),
                   (me3 + t0).tolist(), (me[3] + t0).tolist(),
                   (j_split_base + lam * _mvd_bits(mvd_tab, mv_chain_split - mv_me)).tolist())
        mfy, mfx = (mey, mex) if SWEEP_RASTER_ME else ([None] * n, [None] * n)  # (the searched vector's rows)

        def row_at(i, key, vy, vx):
            """The cached price row of macroblock i at predictor (vy, vx) (key: its packed key), None if unknown."""
            got = price.get(key)
            if got is None:
                if vy == pgy[i] and vx == pgx[i]:
                    return pas[0][i], pas[1][i], pas[2][i], pas[3][i], pas[4][i]
                if vy == mfy[i] and vx == mfx[i]:
                    return mer[0][i], mer[1][i], mer[2][i], mer[3][i], mer[4][i]
            return got
        c3l, jbl = j_intra.tolist(), j_bare.tolist()
        m2y, m2x = mv_2[:, 0].tolist(), mv_2[:, 1].tolist()
        spy, spx = mv_chain_split[:, 0].tolist(), mv_chain_split[:, 1].tolist()
        pc = _prev_chain(st)
        pcy, pcx = pc[:, 0].tolist(), pc[:, 1].tolist()
        spec = choice.tolist()  # an unknown macroblock's guess: its last decision's kind
        ppy, ppx = [0] * n, [0] * n
        kind, lost = [0] * n, [False] * n
        zero = (0, 0)
        w2 = mbw + 2  # the final vectors on a grid with a zero border (no edge tests): macroblock i at gi[i]
        fy, fx = [0] * ((mbh + 1) * w2), [0] * ((mbh + 1) * w2)
        got = _RASTER_GRID.get((mbh, mbw))
        if got is None:
            gi = [(i // mbw + 1) * w2 + i % mbw + 1 for i in range(n)]
            base = [(i << 32) + (32768 << 16) + 32768 for i in range(n)]  # mb_keys' packing: base + (vy << 16) + vx
            # the macroblocks whose predictor or merge list takes macroblock i's final vector (right, below-left,
            # below, below-right)
            deps = [tuple(j for j, ok in ((i + 1, i % mbw + 1 < mbw), (i + mbw - 1, i % mbw > 0), (i + mbw, True),
                                          (i + mbw + 1, i % mbw + 1 < mbw)) if ok and j < n) for i in range(n)]
            got = _RASTER_GRID[(mbh, mbw)] = (gi, base, deps)
        gi, base, deps = got
        uf = [True] * n  # unknown in the last scan (or not scanned yet): decided again

        def scan(start):
            unk = []
            dirty = uf[:] if SWEEP_RASTER_DIRTY else [True] * n
            for i in range(start, n):
                if not dirty[i]:  # its left, top, top-left and top-right final vectors are as in the last scan
                    continue
                q = gi[i]
                ay, ax = fy[q - 1], fx[q - 1]
                u = q - w2
                by, bx = fy[u], fx[u]
                a, b = ay, by
                g = a + b - fy[u - 1]
                if a > b:
                    a, b = b, a
                vy = a if g < a else (b if g > b else g)
                a, b = ax, bx
                g = a + b - fx[u - 1]
                if a > b:
                    a, b = b, a
                vx = a if g < a else (b if g > b else g)
                ppy[i] = vy
                ppx[i] = vx
                key = base[i] + (vy << 16) + vx
                row = price.get(key)
                if row is None:
                    if vy == pgy[i] and vx == pgx[i]:
                        row = pas[0][i], pas[1][i], pas[2][i], pas[3][i], pas[4][i]
                    elif vy == mfy[i] and vx == mfx[i]:
                        row = mer[0][i], mer[1][i], mer[2][i], mer[3][i], mer[4][i]
                if row is not None:
                    c0, c1, c2, c2l, c4 = row
                    if dropped[i]:
                        c2 = c2l
                    c3, jb = c3l[i], jbl[i]
                    if not c2 < jb:
                        c2 = jb
                    if c1 is None and not min(c0, c3) < min(c2, c4):  # (a dropped merge price: code it after all)
                        del price[key]
                        row = None
                if row is None:
                    unk.append(i)
                    uf[i] = True
                    k = spec[i] if SWEEP_RASTER_SPEC != 1 else 0
                    if k == 2:
                        vy, vx = m2y[i], m2x[i]
                    elif k == 4:
                        vy, vx = spy[i], spx[i]
                    if vy != fy[q] or vx != fx[q]:
                        fy[q] = vy
                        fx[q] = vx
                        for j in deps[i]:
                            dirty[j] = True
                    continue
                uf[i] = False
                if c1 is None:  # (pending: min(c0, c3) < min(c2, c4), so the macroblock passes its predictor on)
                    k = -1
                else:
                    k, m = 0, c0
                    if c1 < m:
                        k, m = 1, c1
                    if c2 < m:
                        k, m = 2, c2
                    if c3 < m:
                        k, m = 3, c3
                    if c4 < m:
                        k = 4
                lo = False
                if k == 2:
                    if c2 == jb:  # a merge skip: its vector must be in the list the final neighbours give
                        lst = [(vy, vx)]
                        tr = (fy[u + 1], fx[u + 1]) if i % mbw + 1 < mbw else zero
                        for v in ((ay, ax), (by, bx), (pcy[i], pcx[i]), tr, zero):
                            if len(lst) >= MERGE_MAX:
                                break
                            if v not in lst:
                                lst.append(v)
                        if (m2y[i], m2x[i]) in lst:
                            vy, vx = m2y[i], m2x[i]
                        else:
                            lo = True
                            if SWEEP_RASTER_DROP > 1:  # c0022's rule: a merge price found out of its list is dropped
                                dropped[i] = True
                                jbl[i] = inf
                                m2y[i], m2x[i] = mey[i], mex[i]
                                j_bare[i], me3[i], mv_2[i] = np.inf, me[3][i], mv_me[i]
                            k, m = 0, c0
                            if c1 < m:
                                k, m = 1, c1
                            if c2l < m:
                                k, m = 2, c2l
                            if c3 < m:
                                k, m = 3, c3
                            if c4 < m:
                                k = 4
                            if k == 2:
                                vy, vx = mey[i], mex[i]
                    else:
                        vy, vx = mey[i], mex[i]
                if k == 4:
                    vy, vx = spy[i], spx[i]
                lost[i] = lo
                kind[i] = k
                spec[i] = k
                if vy != fy[q] or vx != fx[q]:
                    fy[q] = vy
                    fx[q] = vx
                    for j in deps[i]:
                        dirty[j] = True
            return unk

        if s0:  # (speed, the same decisions: a scan would find the pass's prices and choices there)
            fvy, fvx = field[:s0, 0].tolist(), field[:s0, 1].tolist()
            for i in range(s0):
                q = gi[i]
                fy[q], fx[q] = fvy[i], fvx[i]
                ppy[i], ppx[i] = pgy[i], pgx[i]
                kind[i] = spec[i]
                uf[i] = False
        rounds = made = coded_n = 0
        start = s0
        frozen = []
        lean = SWEEP_ROUND_LEAN and SWEEP_RASTER_ME and SWEEP_RASTER_SPEC != 2 and not SWEEP_RASTER_LAZY and \
            PRED_GATE is not None
        if lean:
            mv_pair = np.stack((mv_me, mv_chain_split))
            me4_inter = me[4] + mb_inter
            pc_floor = lam * (mb_inter + zero_mvd - mb_skip + PRED_SKIP_MARGIN) if PRED_SKIP_MARGIN >= 0 else None
        while True:
            unk = scan(start)
            if not unk:
                break
            if SWEEP_RASTER_CAP and rounds >= SWEEP_RASTER_CAP:  # the unknowns keep this scan's guesses
                frozen = unk
            rounds += 1
            if SWEEP_RASTER_ROWS:
                unk = [i for i in unk if i < unk[0] + SWEEP_RASTER_ROWS * mbw]
            start = unk[0]
            sub = np.array(unk, np.int64)
            ps = np.empty((sub.size, 2), np.int64)
            ps[:, 0] = [ppy[i] for i in unk]
            ps[:, 1] = [ppx[i] for i in unk]
            karr = mb_keys(sub, ps, True)
            if lean:  # SWEEP_ROUND_LEAN: the same numbers in fewer numpy calls (every unknown's predictor is not
                # the searched vector: those prices are known up front, SWEEP_RASTER_ME)
                g = predict_w(sub, ps, karr)
                d_sub = skip_distortion(g, sub)
                mb2 = _mvd_bits(mvd_tab, np.subtract(mv_pair.take(sub, 1), ps))
                mvd_me_s, mvd_sp_s = mb2[0], mb2[1]
                c0 = d_sub + lam * mb_skip.take(sub)
                t = lam * (me4_inter.take(sub) + mvd_me_s)
                c2a, c2l = me3.take(sub) + t, me[3].take(sub) + t
                c4 = j_split_base.take(sub) + lam * mvd_sp_s
                oi = np.flatnonzero(d_sub >= pc_floor.take(sub)) if pc_floor is not None else np.arange(sub.size)
                if oi.size:
                    oi = oi[pred_gate(sub.take(oi), ps.take(oi, 0), d_sub.take(oi), mvd_me_s.take(oi),
                                      mvd_sp_s.take(oi), karr.take(oi), in_sweep=True)]
                c1 = [inf] * sub.size
                if oi.size:
                    so = sub.take(oi)
                    need = np.minimum(c0.take(oi), j_intra.take(so)) >= \
                        np.minimum(np.minimum(c2a.take(oi), j_bare.take(so)), c4.take(oi))
                    now = oi[need]
                    if now.size:
                        sn = sub.take(now)
                        got = code_pred(sn, ps.take(now, 0), [q.take(now, 0) for q in g])
                        v = got[3].astype(np.float64) + lam * (got[4].astype(np.float64) + mb_inter.take(sn) +
                                                                zero_mvd)
                        for k, x in zip(now.tolist(), v.tolist()):
                            c1[k] = x
                        coded_n += now.size
                    for k in oi[~need].tolist():
                        c1[k] = None
                price.update(zip(karr.tolist(), zip(c0.tolist(), c1, c2a.tolist(), c2l.tolist(), c4.tolist())))
                made += sub.size
                if frozen:
                    break
                continue
            g = predict_at(sub, ps)
            d_sub = skip_distortion(g, sub)
            mvd_me_s = _mvd_bits(mvd_tab, mv_me[sub] - ps)
            mvd_sp_s = _mvd_bits(mvd_tab, mv_chain_split[sub] - ps)
            c0 = d_sub + lam * mb_skip[sub]
            t = lam * (me[4][sub] + mb_inter[sub] + mvd_me_s)
            c2a, c2l = me3[sub] + t, me[3][sub] + t
            c4 = j_split_base[sub] + lam * mvd_sp_s
            other = (ps != mv_me[sub]).any(1)
            j1, b1 = me[3][sub], me[4][sub]
            j1[other] = np.inf
            oi = np.nonzero(other & _pred_contenders(d_sub, mode_bits[sub], zero_mvd, lam))[0]
            if PRED_GATE is not None and oi.size:
                oi = oi[pred_gate(sub[oi], ps[oi], d_sub[oi], mvd_me_s[oi], mvd_sp_s[oi], karr[oi], in_sweep=True)]
            pend = np.zeros(sub.size, bool)
            skip_rows = None
            if oi.size:  # codings that can decide between passing the predictor on and a fixed vector: now
                need = np.minimum(c0[oi], j_intra[sub[oi]]) >= np.minimum.reduce([c2a[oi], j_bare[sub[oi]], c4[oi]])
                now = oi[need]
                pend[oi[~need]] = True
                if now.size and SWEEP_RASTER_LAZY:  # only those before the first guess this batch shows wrong (the
                    # rest are likely at a predictor that changes again: they stay unknown)
                    c1t = np.where(other, np.inf, j1 + lam * (b1 + mb_inter[sub] + zero_mvd))
                    kk = np.argmin(np.stack([c0, c1t, np.minimum(c2a, j_bare[sub]), j_intra[sub], c4], 1), 1)
                    kk[(kk == 1) | (kk == 3)] = 0
                    sg = np.array([spec[i] for i in unk])
                    sg[(sg == 1) | (sg == 3) | (sg < 0)] = 0
                    wrong = kk != sg
                    wrong[now] = False
                    if wrong.any():
                        first = int(np.argmax(wrong))
                        later = now[now > first]
                        now = now[now <= first]
                        if later.size:
                            skip_rows = later
                if now.size:
                    got = code_pred(sub[now], ps[now], [q[now] for q in g])
                    j1[now], b1[now] = got[3], got[4]
                    coded_n += now.size
            c1 = (j1 + lam * (b1 + mb_inter[sub] + zero_mvd)).tolist()
            for k in np.flatnonzero(pend).tolist():
                c1[k] = None
            price.update(zip(karr.tolist(), zip(c0.tolist(), c1, c2a.tolist(), c2l.tolist(), c4.tolist())))
            if skip_rows is not None:  # (SWEEP_RASTER_LAZY: their codings are not made yet)
                for k in karr[skip_rows].tolist():
                    del price[k]
                skip_rows = None
            if SWEEP_RASTER_SPEC == 2:  # the guess for these macroblocks from now on: their choice at this predictor
                c1a = j1 + lam * (b1 + mb_inter[sub] + zero_mvd)
                c1a[pend] = np.inf
                kk = np.argmin(np.stack([c0, c1a, np.minimum(c2a, j_bare[sub]), j_intra[sub], c4], 1), 1)
                for i, k in zip(unk, kk.tolist()):
                    spec[i] = k
            made += sub.size
            if frozen:
                break
        for i in frozen:  # (SWEEP_RASTER_CAP) priced at the predictor the guesses give; a skip-like guess takes the
            # best choice that passes its predictor on, a fixed-vector guess stands
            k = spec[i]
            key = base[i] + (ppy[i] << 16) + ppx[i]
            c0_, c1_, c2_, c2l_, c4_ = price[key]
            if SWEEP_RASTER_CAP_FREE:  # the best choice at that predictor, whatever vector it passes on
                c2_ = c2l_ if dropped[i] else min(c2_, jbl[i])
                k, m = 0, c0_
                if c1_ is not None and c1_ < m:
                    k, m = 1, c1_
                if c2_ < m:
                    k, m = 2, c2_
                if c3l[i] < m:
                    k, m = 3, c3l[i]
                if c4_ < m:
                    k = 4
            if k == 2 or k == 4:
                if c1_ is None:  # (its coding is not needed)
                    price[key] = (c0_, inf) + price[key][2:]
            else:
                if c1_ is None:
                    k = -1
                else:
                    k, m = 0, c0_
                    if c1_ < m:
                        k, m = 1, c1_
                    if c3l[i] < m:
                        k = 3
            kind[i] = k
        pv = np.empty((n, 2), np.int64)
        pv[:, 0], pv[:, 1] = ppy, ppx
        pend = [i for i in range(n) if kind[i] < 0]
        if pend:  # the waiting codings where the macroblock ends
            idx = np.array(pend, np.int64)
            got = code_pred(idx, pv[idx], predict_at(idx, pv[idx]))
            c1 = (got[3] + lam * (got[4] + mb_inter[idx] + zero_mvd)).tolist()
            for i, key, v in zip(pend, mb_keys(idx, pv[idx]), c1):
                c0_, _, c2_, c2l_, c4_ = price[key]  # (a waiting coding's row is a round's, never the lists')
                price[key] = (c0_, v, c2_, c2l_, c4_)
                k, m = 0, c0_
                if v < m:
                    k, m = 1, v
                if c3l[i] < m:
                    k = 3
                kind[i] = k
            coded_n += idx.size
        lo = np.array(lost) | np.array(dropped)
        # the price rows of the macroblocks whose row differs from the pass's (j_all holds those of the others, and
        # of the first-round drops)
        moved = (pv != pred).any(1) | lo
        moved[pend] = True
        fetch = np.nonzero(moved)[0]
        if fetch.size:
            rows = np.array([row_at(i, k, vy, vx) for i, k, vy, vx in zip(
                fetch.tolist(), mb_keys(fetch, pv[fetch]), pv[fetch, 0].tolist(), pv[fetch, 1].tolist())], np.float64)
            j_all[fetch, 0], j_all[fetch, 1], j_all[fetch, 4] = rows[:, 0], rows[:, 1], rows[:, 4]
            j_all[fetch, 2] = np.minimum(rows[:, 2], j_bare[fetch])
            lf = lo[fetch]
            j_all[fetch[lf], 2] = rows[lf, 3]
        if lo.any():
            j_bare[lo], me3[lo], mv_2[lo] = np.inf, me[3][lo], mv_me[lo]
        ch = np.array(kind, np.int64)
        c1i = np.nonzero(ch == 1)[0]
        if c1i.size:  # the predicted vector's levels: the searched vector's where they are the same, else the coding's
            sm = (pv[c1i] == mv_me[c1i]).all(1)
            s = c1i[sm]
            ly[s], lcb[s], lcr[s], t16[s] = me[0][s], me[1][s], me[2][s], me[5][s]
            o = c1i[~sm]
            if o.size:
                got = code_pred(o, pv[o], None)
                ly[o], lcb[o], lcr[o], t16[o] = got[0], got[1], got[2], got[5]
        if _SWEEP_LOG is not None:
            _SWEEP_LOG.append((rounds, made, coded_n, len(pend)))
        return ch, pv, bool(frozen)

    raster = SWEEP_RASTER and not SWEEP_ROUNDS
    if raster:  # SWEEP_RASTER: the exact decisions as one scalar raster scan over cached prices, repeated
        choice, pred, truncated = _raster_sweep()
    while not raster:
        real = _chain_predictors(choice, mv_2, mv_chain_split, mbh, mbw)
        # a merge skip whose vector the choices leave out of its list loses that price for good (so the rounds end)
        field = np.where((choice == 2)[:, None], mv_2, np.where((choice == 4)[:, None], mv_chain_split, real))
        held = (choice == 2) & (j_all[:, 2] == j_bare)  # only a chosen price must hold
        if passed is not None:  # a list changes only with its left, top, top-left or top-right chain vector
            moved = (field != field_seen).any(1).reshape(mbh, mbw)
            near = moved.copy()
            near[:, 1:] |= moved[:, :-1]
            near[1:] |= moved[:-1]
            near[1:, 1:] |= moved[:-1, :-1]
            near[1:, :-1] |= moved[:-1, 1:]
            check = np.nonzero(held & (near.ravel() | ~passed))[0]
        else:
            check = np.nonzero(held)[0]
        if check.size or not MERGE_CHECK_EMPTY:
            lost = check[~_merge_member(st, field, real, mv_2, check)]
        else:  # (speed, the same result: no merge lists built for no macroblock)
            lost = check
        passed, field_seen = held, field
        passed[lost] = False
        if lost.size:
            j_bare[lost], me3[lost], mv_2[lost] = np.inf, me[3][lost], mv_me[lost]
            j_all[lost, 2] = me[3][lost] + lam * (me[4][lost] + mode_bits[lost, MODE_INTER] +
                                                  _mvd_bits(mvd_tab, mv_me[lost] - pred[lost]))
            choice[lost] = np.argmin(j_all[lost], 1)
        sub = np.nonzero((real != pred).any(1))[0]
        if not sub.size:
            if lost.size:
                continue
            break
        if window:  # only the first SWEEP_WINDOW + 1 anti-diagonals holding a mispriced macroblock
            dsub = diag[sub]
            sub = sub[dsub <= dsub.min() + window]
        if SWEEP_ROUNDS and rounds >= SWEEP_ROUNDS:
            truncated = True
            break
        rounds += 1
        ps = real[sub]
        if SWEEP_MVD:  # (the vector bits at the new predictors, for the gate and the round's prices alike)
            karr = mb_keys(sub, ps, True)
            keys = karr.tolist()
            mvd_me_s = _mvd_bits(mvd_tab, mv_me[sub] - ps)
            mvd_sp_s = _mvd_bits(mvd_tab, mv_chain_split[sub] - ps)
        else:
            keys = mb_keys(sub, ps)
        if SWEEP_MAPS and SWEEP_LEAN:  # one C-level lookup pass: the seen distortions, -1 (never a distortion) if new
            seen_d = np.array(list(map(skip_seen.get, keys, [-1.0] * len(keys))), d_skip.dtype)
            new = seen_d < 0
        else:
            new = np.array([key not in skip_seen for key in keys], bool)
        if SWEEP_LEAN:
            # speed, the same numbers: predictions only of the new predictors (a seen one's skip distortion is known,
            # and code_pred has its coding if it needs one); the gate only where a coding could follow; the levels
            # written only where the predicted-vector choice can take them (elsewhere j_pred is infinite, and the
            # macroblock's levels are set from its final choice after the rounds)
            nw = np.nonzero(new)[0]
            if nw.size == sub.size:
                d_sub = None
            elif SWEEP_MAPS:
                d_sub = seen_d  # (the new ones' entries are set below)
            else:
                d_sub = np.array([skip_seen.get(key, 0.0) for key in keys], d_skip.dtype)
            if nw.size:
                g = predict_at(sub[nw], ps[nw])
                if d_sub is None:
                    d_sub = skip_distortion(g, sub)
                else:
                    d_sub[nw] = skip_distortion(g, sub[nw])
            skip_seen.update(zip(keys, d_sub.tolist()))
            other = (ps != mv_me[sub]).any(1)
            oi = np.nonzero(other & _pred_contenders(d_sub, mode_bits[sub], zero_mvd, lam))[0]
            if PRED_GATE is not None and oi.size:
                if SWEEP_MVD:
                    oi = oi[pred_gate(sub[oi], ps[oi], d_sub[oi], mvd_me_s[oi], mvd_sp_s[oi], karr[oi], in_sweep=True)]
                else:
                    oi = oi[pred_gate(sub[oi], ps[oi], d_sub[oi], in_sweep=True)]
            j1, b1 = me[3][sub], me[4][sub]
            j1[other] = np.inf
            same = sub[~other]
            ly[same], lcb[same], lcr[same], t16[same] = me[0][same], me[1][same], me[2][same], me[5][same]
            if oi.size:
                if nw.size:
                    pos = np.zeros(sub.size, np.int64)
                    pos[nw] = np.arange(nw.size)
                    preds = [q[pos[oi]] for q in g]  # (rows of seen predictors: coded already, not read)
                else:
                    preds = None
                got = code_pred(sub[oi], ps[oi], preds)
                j1[oi], b1[oi] = got[3], got[4]
                so = sub[oi]
                ly[so], lcb[so], lcr[so], t16[so] = got[0], got[1], got[2], got[5]
            j_all[sub, 0] = d_sub + lam * mode_bits[sub, MODE_SKIP]
            j_all[sub, 1] = j1 + lam * (b1 + mode_bits[sub, MODE_INTER] + zero_mvd)
        else:
            if new.all():
                sp = predict_at(sub, ps)
                d_sub = skip_distortion(sp, sub)
            else:  # a predictor seen before: its skip distortion is known, and code_pred has its coding if it needs one
                nw = np.nonzero(new)[0]
                sp = [np.empty((sub.size,) + q.shape[1:], q.dtype) for q in pred_me]
                d_sub = np.array([skip_seen.get(key, 0.0) for key in keys], d_skip.dtype)
                if nw.size:
                    for o, g in zip(sp, predict_at(sub[nw], ps[nw])):
                        o[nw] = g
                    d_sub[nw] = skip_distortion([q[nw] for q in sp], sub[nw])
            skip_seen.update(zip(keys, d_sub.tolist()))
            fresh = [a[sub] for a in me]  # as in the passes: me's coding where the predictor is the searched vector
            other = (ps != mv_me[sub]).any(1)
            worth = _pred_contenders(d_sub, mode_bits[sub], zero_mvd, lam)
            if PRED_GATE is not None:
                worth &= pred_gate(sub, ps, d_sub)
            fresh[3][other & ~worth] = np.inf
            other = np.nonzero(other & worth)[0]
            if other.size:
                got = code_pred(sub[other], ps[other], [p[other] for p in sp])
                for k in range(6):
                    fresh[k][other] = got[k]
            j_all[sub, 0] = d_sub + lam * mode_bits[sub, MODE_SKIP]
            j_all[sub, 1] = fresh[3] + lam * (fresh[4] + mode_bits[sub, MODE_INTER] + zero_mvd)
        if SWEEP_MVD:
            j_all[sub, 2] = np.minimum(me3[sub] + lam * (me[4][sub] + mode_bits[sub, MODE_INTER] + mvd_me_s),
                                       j_bare[sub])
            j_all[sub, 4] = j_split_base[sub] + lam * mvd_sp_s
        else:
            j_all[sub, 2] = np.minimum(me3[sub] + lam * (me[4][sub] + mode_bits[sub, MODE_INTER] +
                                                       _mvd_bits(mvd_tab, mv_me[sub] - ps)), j_bare[sub])
            j_all[sub, 4] = j_split_base[sub] + lam * _mvd_bits(mvd_tab, mv_chain_split[sub] - ps)
        if not SWEEP_LEAN:
            ly[sub], lcb[sub], lcr[sub] = fresh[0], fresh[1], fresh[2]
            t16[sub] = fresh[5]
        pred[sub] = ps
        choice[sub] = np.argmin(j_all[sub], 1)
    if truncated:  # SWEEP_ROUNDS: the choices stand; make the vectors, merge lists and levels consistent with them
        while True:
            real = _chain_predictors(choice, mv_2, mv_chain_split, mbh, mbw)
            field = np.where((choice == 2)[:, None], mv_2, np.where((choice == 4)[:, None], mv_chain_split, real))
            check = np.nonzero((choice == 2) & (j_all[:, 2] == j_bare))[0]
            lost = check[~_merge_member(st, field, real, mv_2, check)]
            if not lost.size:
                break
            j_bare[lost], me3[lost], mv_2[lost] = np.inf, me[3][lost], mv_me[lost]
            j_all[lost, 2] = me[3][lost] + lam * (me[4][lost] + mode_bits[lost, MODE_INTER] +
                                                  _mvd_bits(mvd_tab, mv_me[lost] - real[lost]))
        sub = np.nonzero((real != pred).any(1))[0]
        c1 = sub[choice[sub] == 1]
        if c1.size:  # the predicted vector's residual at the real predictor
            got = code_pred(c1, real[c1], predict_at(c1, real[c1]))
            ly[c1], lcb[c1], lcr[c1], t16[c1] = got[0], got[1], got[2], got[5]
            j_all[c1, 1] = got[3] + lam * (got[4] + mode_bits[c1, MODE_INTER] + zero_mvd)
        c0 = sub[choice[sub] == 0]
        if c0.size:  # (the costs feed bi's choice)
            j_all[c0, 0] = skip_distortion(predict_at(c0, real[c0]), c0) + lam * mode_bits[c0, MODE_SKIP]
        pred = real
    mv_c = np.where((choice == 2)[:, None], mv_2, np.where((choice == 4)[:, None], mv_chain_split, pred))
    mvd = mv_c - pred
    # the frame's estimated cost, to compare decisions: summed diagonal by diagonal as the sweep did (same float sums)
    j_total = lam * 8 * LAYER_BYTES * (layer is not None)
    j_min = j_all[all_idx, choice] if truncated else j_all.min(1)
    for idx in _diagonals(mbh, mbw):
        j_total += float(j_min[idx].sum())
    for k, src in ((0, None), (2, me), (3, intra), (4, spl)):
        sel = (choice == k).nonzero()[0]  # (index rows: the same assignments as the boolean masks, faster)
        if not sel.size:
            continue
        if src is None:
            ly[sel], lcb[sel], lcr[sel] = 0, 0, 0
            t16[sel] = False
        else:
            ly[sel], lcb[sel], lcr[sel] = src[0].take(sel, 0), src[1].take(sel, 0), src[2].take(sel, 0)
            t16[sel] = src[5].take(sel) if k == 2 else False
    bare = np.nonzero((choice == 2) & (j_all[:, 2] == j_bare))[0]  # the searched vector as a merge skip: no levels
    ly[bare], lcb[bare], lcr[bare], t16[bare] = 0, 0, 0, False
    if layer is None:  # RECON_PRED_LOG: the decision's predictions (before _decide_bi's), for _recon_preds
        st["pred_log"] = list(plog) if plog is not None else None
    bi = None
    if _bi_allowed(st, layer):
        # a skip that takes a second hypothesis is coded as inter at the vector it was priced at (mvd above), so
        # the neighbours' predictors and merge lists stay as priced
        priced_skip = choice == 0
        priced_skip[bare] = True
        flags, dw, gain = _decide_bi(st, ref, (cur_y, cur_cb, cur_cr), choice, mv_c, pred, j_min, priced_skip,
                                     [ly, lcb, lcr, t16], predict_at, mode_bits, mvd_tab, qy, qc, lam, step)
        bi, j_total = (flags, dw), j_total - gain
    is_intra = choice == 3
    has_levels = ly.any(axis=(1, 2, 3)) | lcb.any(axis=(1, 2)) | lcr.any(axis=(1, 2))
    coded_inter = ~is_intra & ((mvd != 0).any(1) | has_levels | (bi is not None and bi[0]))
    modes = np.where(is_intra, MODE_INTRA, np.where(coded_inter, MODE_INTER, MODE_SKIP))
    modes = np.where(choice == 4, MODE_SPLIT, modes).astype(np.int64)
    mvd[(modes != MODE_INTER) & (modes != MODE_SPLIT)] = 0
    sub = np.where((modes == MODE_SPLIT)[:, None, None], sub_d, 0)
    ipm = np.zeros((n, IPM_COLS), np.int64)
    ipm[:, COL16] = t16 & (modes == MODE_INTER)  # 1: luma block 0 holds a 16x16 transform's low frequencies
    decision = (filt, wp, layer), modes, mvd, sub, ly, lcb, lcr, ipm
    st["p_cost"] = j_total
    st["bi"] = bi
    if layer_cand is not None:  # decide again against the two-layer reference; keep the cheaper decision
        kept = (st["ref"], st["ref_phases"], st["prev_mv"])
        kept_pm = st.pop("pred_me", None)
        other = _decide_p(st, cur, step, layer_cand)
        if st["p_cost"] < j_total:
            return other
        st["ref"], st["ref_phases"], st["prev_mv"] = kept
        st["pred_me"] = kept_pm
        st["p_cost"] = j_total
        st["bi"] = bi
    return decision


def _trial_models(st, ly, lcb, lcr, ipm):
    """Encoder: copies of the entropy models as they would stand after coding this I frame's decisions."""
    n = st["mbh"] * st["mbw"]
    trial = dict(st, models={k: {kk: (vv.copy() if isinstance(vv, np.ndarray) else vv) for kk, vv in m.items()}
                             for k, m in st["models"].items()}, models_only=True)
    _encode_syntax(trial, FRAME_I, (FILTER_SHARP, None, None), np.full(n, MODE_INTRA, np.int64),
                   np.zeros((n, 2), np.int64), np.zeros((n, 3, 2), np.int64), ly, lcb, lcr, ipm)
    return trial["models"]


def _open_loop_plane(src, rows, cols, qm, lam, deadzone, luma, hint=None, cfl=None, cfl_cb=None, rec=False):
    """Encoder speed (I_PASS1_OPEN): every 8x8 block of a plane at once, predicted from the source around it (not
    the reconstruction, so no wavefront), its mode the least SATD + sqrt(lambda) x rough mode bits, its levels
    RDOQ's. Returns the modes and levels (rows*cols, 8, 8) in raster order of the block grid."""
    pad = np.zeros((rows * 8 + 1, cols * 8 + 1), np.int64)
    pad[1:, 1:] = _rough_recon(src, rows, cols, qm, deadzone) if I_PASS1_NOISY and not rec else np.rint(src)
    rs, cs = np.divmod(np.arange(rows * cols), cols)
    y0, x0 = rs * 8, cs * 8
    top = pad[y0[:, None], x0[:, None] + 1 + _R8]
    left = pad[y0[:, None] + 1 + _R8, x0[:, None]]
    pred = _ipred(top, left, pad[y0, x0], rs > 0, cs > 0, luma and INTRA_EDGE_FILTERS)
    if cfl is not None:
        pred = np.concatenate([pred, _cfl_preds(pad, cfl, y0, x0, rs > 0, cs > 0)], 1)
    if cfl_cb is not None:
        pred = np.concatenate([pred, _cfl_pred(pad, cfl_cb, y0, x0, rs > 0, cs > 0)[:, None]], 1)
    tgt = src[y0[:, None, None] + _R8[:, None], x0[:, None, None] + _R8[None, :]]
    resid = tgt[:, None] - pred
    coefs = _fwd8(resid, DST8) if luma and INTRA_DST else _dct(resid.astype(np.float64))
    mbits = np.full(pred.shape[1], IPRED_MODE_BITS)
    if hint is not None:
        mbits = np.where(np.arange(pred.shape[1])[None, :] == hint[:, None], MPM_BITS[0], MPM_BITS[2])
    rough = np.abs(coefs).sum(axis=(2, 3)) + math.sqrt(lam) * mbits
    modes = np.argmin(rough, 1)
    lv = _code_plane_blocks(coefs[np.arange(modes.size), modes], qm, deadzone, lam, chroma=hint is not None)[0]
    return modes, lv


def _rough_recon(src, rows, cols, qm, deadzone):
    """Encoder: the source with coding noise like an I frame's: each 8x8 block's DCT (around 128) quantised."""
    b = src.reshape(rows, 8, cols, 8).transpose(0, 2, 1, 3) - 128.0
    c = _dct(b.astype(np.float64))
    r = _idct(_dequantise(_quantise(c, qm, deadzone), qm)) + 128.0
    return _clip255(np.rint(r)).astype(np.int64).transpose(0, 2, 1, 3).reshape(rows * 8, cols * 8)


def _open_loop_i(st, cur, step):
    """Encoder speed (I_PASS1_OPEN): a rough I decision without a wavefront, for _trial_models only:
    (ly, lcb, lcr, ipm) as _intra_frame returns them (no 16x16 macroblocks, no splits)."""
    mbh, mbw = st["mbh"], st["mbw"]
    qy, qc = _qmatrices(step)
    qc = qc * CHROMA_I_SCALE
    lam = LAMBDA_SCALE * step**2
    my, gy = _open_loop_plane(cur[0], 2 * mbh, 2 * mbw, qy, lam, DEADZONE_INTRA, True)
    hint = _grid_to_mbs(my, mbh, mbw)[:, 0]
    luma = _rough_recon(cur[0], 2 * mbh, 2 * mbw, qy, DEADZONE_INTRA) if I_PASS1_NOISY else np.rint(cur[0])
    cfl = _cfl_luma(_npclip(luma, 0, 255)) if CFL else None
    mcb, gcb = _open_loop_plane(cur[1], mbh, mbw, qc, lam / CB_WEIGHT, DEADZONE_INTRA, False, hint, cfl)
    cb_pad = _pad_plane(_rough_recon(cur[1], mbh, mbw, qc, DEADZONE_INTRA) if I_PASS1_NOISY else
                        np.rint(cur[1]).astype(np.int64)) if CFL else None
    mcr, gcr = _open_loop_plane(cur[2], mbh, mbw, qc, lam / CR_WEIGHT, DEADZONE_INTRA, False, mcb, cfl, cb_pad)
    ipm = np.zeros((mbh * mbw, IPM_COLS), np.int64)
    ipm[:, :4] = _grid_to_mbs(my, mbh, mbw)
    ipm[:, 4], ipm[:, 5] = mcb, mcr
    return _grid_to_mbs(gy, mbh, mbw), gcb, gcr, ipm


I_ONLINE_RATES = 4  # encoder speed: one I decision (no first pass) whose quantiser bit costs are rebuilt every this
# many anti-diagonals from models adapted to the levels chosen so far (0 = off: I_RATE_PASSES decisions)
I_ONLINE_PLANE_TABLES = 1  # encoder speed, byte-identical: an online rebuild makes only the rate tables of the models
# adapted since the previous rebuild (0 = all five tables every time)
I_ONLINE_BATCH = 1  # encoder speed, byte-identical: _online_update queues the levels and _online_step makes the symbols
# of all steps queued since the last rebuild in one call (the same symbols and counts; needs LEVEL_SYMS_FAST)
I_ONLINE_SHARE = 0.0  # encoder speed: ... and only when the blocks queued since the last rebuild are at least this share
# of those already adapted to in their plane (0 = every I_ONLINE_RATES steps)


def _online_update(plane, lv, btype=None, split_flags=None):
    """Encoder (I_ONLINE_RATES): queue one wavefront step's chosen levels lv (m, 8, 8) of plane "y" or "c" (btype
    per block: level context type; split_flags: the first checkerboard phase's split flags) for the online trial
    models, as _encode_syntax would code them (pooled last contexts of an I frame); _online_step adapts them."""
    on = _ENCODER.get("online")
    if on is None or lv.shape[0] == 0:
        return
    if I_ONLINE_BATCH and LEVEL_SYMS_FAST:  # speed: the symbols are made in _online_step, all queued steps at once
        on.setdefault("raw", {}).setdefault(plane, []).append((lv.reshape(-1, 64), btype))
        on["new"][plane] = on["new"].get(plane, 0) + lv.shape[0]
        if split_flags is not None and split_flags.size:
            on["pend"]["intra4"].append(split_flags.astype(np.int64))
        return
    if LEVEL_SYMS_FAST:
        last, sym = _level_syms(lv.reshape(-1, 64))
        if btype is not None:
            sym += (btype * (N_BANDS * 20 * LEVEL_ALPHABET))[:, None]
    else:
        a = np.abs(lv.reshape(-1, 64)[:, ZIGZAG]).astype(np.int64)
        nz = a > 0
        last = _where(_or_r(nz, 1), 63 - nz[:, ::-1].argmax(1), -1)
    pend = on["pend"]
    pend["last_" + plane].append(last + 1)  # context 0
    on["new"][plane] = on["new"].get(plane, 0) + last.size
    if not LEVEL_SYMS_FAST:
        ap = _cat([a, np.zeros((a.shape[0], 1), a.dtype)], 1)
        nbc = NB_CLASS[np.minimum(ap[:, NBR_A_PAD] + ap[:, NBR_B_PAD], 5)]
        dlc = DLC_CLASS[np.maximum(last[:, None] - np.arange(64), 0)]
        ctx = BAND_CTX + 4 * nbc + dlc
        if btype is not None:
            ctx = ctx + (btype * (N_BANDS * 20))[:, None]
        sym = ctx * LEVEL_ALPHABET + np.minimum(a, LEVEL_ALPHABET - 1)
    pend["lev_" + plane].append(sym[_R64[None, :] <= last[:, None]])
    if split_flags is not None and split_flags.size:
        pend["intra4"].append(split_flags.astype(np.int64))


I_ONLINE_LEAN = 1  # encoder speed, byte-identical: the online trial models' refresh skips what _rate_table never reads
# (the cumulative frequencies; for the last-position models, which it reads as counts, the frequencies too)


def _refresh_online(model, rows, freq):
    """_refresh_counted for the online trial models (_online_step): the same halving of counts, and the same
    frequencies when freq (not the cumulative ones: _rate_table reads freq of lev_* / intra4, counts of last_*)."""
    cnt = model["counts"][rows]
    tot = _add_r(cnt, 1)
    if _or_r(tot > MODEL_LIMIT, None):
        while True:
            big = tot > MODEL_LIMIT
            if not _or_r(big, None):
                break
            cnt[big] = (cnt[big] + 1) >> 1
            tot = _add_r(cnt, 1)
        model["counts"][rows] = cnt
    if freq:
        f = cnt * (PROB_SCALE - model["alphabet"]) // tot[:, None] + 1
        f[np.arange(len(rows)), cnt.argmax(1)] += PROB_SCALE - f.sum(1)
        model["freq"][rows] = f


def _online_step(step_index):
    """Encoder (I_ONLINE_RATES): after wavefront step step_index, every I_ONLINE_RATES steps adapt the online
    trial models to the queued symbols and rebuild the quantiser's rate tables from them."""
    on = _ENCODER.get("online")
    if on is None or (step_index + 1) % on["every"]:
        return
    if I_ONLINE_SHARE > 0 and all(k <= 0 or k < I_ONLINE_SHARE * on["seen"].get(p, 0) for p, k in on["new"].items()):
        return  # speed: the queued blocks would move the statistics little
    for p, k in on["new"].items():
        on["seen"][p] = on["seen"].get(p, 0) + k
    on["new"] = {}
    for plane, items in on.get("raw", {}).items():  # I_ONLINE_BATCH: the queued steps' levels as symbols
        if not items:
            continue
        last, sym = _level_syms(_cat([x for x, _ in items]))
        if any(b is not None for _, b in items):
            bt = _cat([np.zeros(x.shape[0], np.int64) if b is None else b for x, b in items])
            sym += (bt * (N_BANDS * 20 * LEVEL_ALPHABET))[:, None]
        on["pend"]["last_" + plane].append(last + 1)  # context 0
        on["pend"]["lev_" + plane].append(sym[_R64[None, :] <= last[:, None]])
        items.clear()
    changed = [name for name, q in on["pend"].items() if q]
    for name, q in on["pend"].items():
        if not q:
            continue
        model = on["models"][name]
        counts = model["counts"]
        hist = _bincount(_cat(q), minlength=counts.size).reshape(counts.shape)
        rows = _or_r(hist, 1).nonzero()[0]
        counts[rows] += MODEL_INCREMENT * hist[rows]
        if I_ONLINE_LEAN:  # speed, the same tables: these private models feed _rate_table only
            _refresh_online(model, rows, not name.startswith("last_"))
        else:
            _refresh_counted(model, rows)
        q.clear()
    if I_ONLINE_PLANE_TABLES and on.get("rates") is not None:
        # speed, byte-identical: only the tables of the models adapted since the last rebuild (the plane being
        # coded); the others would be rebuilt from unchanged models as the same numbers
        rates = dict(on["rates"])
        for name in changed:
            rates[name] = _rate_table(on["models"], name)
    else:
        rates = _rate_tables(on["models"])
    on["rates"] = _ENCODER["rates"] = rates


def _decide_i(st, cur, step):
    """Every 8x8 block of an I frame takes the spatial prediction mode with the least rate-distortion cost."""
    n = st["mbh"] * st["mbw"]
    st["bi"] = None
    if I_RATE_PASSES > 1 and I_PASS1_OPEN:
        # the decision priced by models adapted to a rough open-loop decision's symbols (instead of a first
        # closed-loop decision: most of the second pass's gain at a fraction of its time)
        trial = _trial_models(st, *_open_loop_i(st, cur, step))
        st["rates"] = _rate_tables(trial)
        planes, ipm, ly, lcb, lcr = _intra_frame(st["mbh"], st["mbw"], step, cur=cur, models=trial, plan={})
        st["intra_rec"] = planes
        pp = (FILTER_SHARP, None, None)
        return pp, np.full(n, MODE_INTRA, np.int64), np.zeros((n, 2), np.int64), np.zeros((n, 3, 2), np.int64), ly, lcb, lcr, ipm
    if I_ONLINE_RATES > 0:
        st["online"] = {"every": int(I_ONLINE_RATES), "pend": {k: [] for k in ("lev_y", "lev_c", "last_y", "last_c", "intra4")},
                        "new": {}, "seen": {},
                        "models": {k: {kk: (vv.copy() if isinstance(vv, np.ndarray) else vv) for kk, vv in
                                       st["models"][k].items()} for k in ("lev_y", "lev_c", "last_y", "last_c", "intra4")}}
        try:
            planes, ipm, ly, lcb, lcr = _intra_frame(st["mbh"], st["mbw"], step, cur=cur, models=st["models"], plan={})
        finally:
            st["online"] = None
        st["intra_rec"] = planes
        return (FILTER_SHARP, None, None), np.full(n, MODE_INTRA, np.int64), np.zeros((n, 2), np.int64), \
            np.zeros((n, 3, 2), np.int64), ly, lcb, lcr, ipm
    plan = {"first_8x8": bool(I_PASS1_8X8 and I_RATE_PASSES > 1), "k4": I_PASS1_CANDIDATES if I_RATE_PASSES > 1 else 0,
            "preselect": I_PASS1_PRESELECT if I_RATE_PASSES > 1 else 0}
    plan["chroma_open"] = I_RATE_PASSES > 1 and I_PASS1_CHROMA_OPEN
    if I_RATE_PASSES > 1 and not I_PASS1_SPLIT:
        plan["try_split"] = np.zeros(4 * n, bool)
    planes, ipm, ly, lcb, lcr = _intra_frame(st["mbh"], st["mbw"], step, cur=cur, models=st["models"], plan=plan)
    if I_RATE_PASSES > 1:
        # decide again with level, last-position and mode costs read from models adapted to this frame's first
        # decision: the models before an I frame (the prior, or a scene before a cut) misprice its statistics,
        # and the I frame is most of a short clip's bits (8 frames: -0.49 % BD on the bundled clips)
        trial = _trial_models(st, ly, lcb, lcr, ipm)
        st["rates"] = _rate_tables(trial)
        plan = {"big": plan["big"] if I16_REUSE else None,
                "try_split": plan["splits"] if INTRA4_REUSE else None}
        planes, ipm, ly, lcb, lcr = _intra_frame(st["mbh"], st["mbw"], step, cur=cur, models=trial, plan=plan)
    # _intra_plane reconstructs each block from the chosen mode and levels exactly as the decoder will:
    # _reconstruct takes these planes instead of running the whole wavefront again
    st["intra_rec"] = planes
    modes = np.full(n, MODE_INTRA, np.int64)
    pp = (FILTER_SHARP, None, None)
    return pp, modes, np.zeros((n, 2), np.int64), np.zeros((n, 3, 2), np.int64), ly, lcb, lcr, ipm


# ----------------------------------------------------------------------------
# public API


def compress_video_frame(frame, frame_index, config):
    """Encode one RGB frame; keeps the closed-loop reference in this process."""
    frame = np.asarray(frame)
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError("frame must be (H, W, 3) RGB")
    height, width = frame.shape[:2]
    quality = float(config.get("quality", 50))
    st = _ENCODER
    if (
        frame_index == 0
        or not st
        or st["width"] != width
        or st["height"] != height
        or st["next_index"] != frame_index
    ):
        _reset(st, width, height, quality)
        if ENT_STACKED:
            _stack_models(st["models"])
    st["quality"] = quality  # encoder only: _p_lambda's quality-dependent scale
    st["rates"] = _rate_tables(st["models"])  # the quantiser's bit costs, from the models as they stand now
    h16, w16 = st["mbh"] * 16, st["mbw"] * 16
    cur = _rgb_to_planes(frame, h16, w16)
    keyint = max(1, int(KEYINT))
    if st["ref"] is None or frame_index % keyint == 0:
        ftype = FRAME_I
        decision = _decide_i(st, cur, _frame_step(quality, FRAME_I, frame_index))
    else:
        ftype = FRAME_P
        decision = _decide_p(st, cur, _frame_step(quality, FRAME_P, frame_index))
        if (decision[1] == MODE_INTRA).mean() > 0.5:  # scene change: a key frame is cheaper
            ftype = FRAME_I
            decision = _decide_i(st, cur, _frame_step(quality, FRAME_I, frame_index))
    pp, modes, mvd, sub, ly, lcb, lcr, ipm = decision
    st["src"] = (_box4(_pad_edge(cur[0], PAD)), st.get("src", (None,))[0])  # for _choose_layers
    if ftype == FRAME_P:
        chain = _merge_skips(st, modes, mvd, ly, lcb, lcr, ipm)
        mvs = _mvs_from_chain(chain, modes, sub)
        if SDH and SDH_P:
            sdh_step = _frame_step(quality, ftype, frame_index)
            if SDH_IN_RECON:  # run by _reconstruct on its predictions (the same levels)
                st["sdh_hook"] = lambda full: _p_sign_hiding(st, cur, pp, modes, mvs, ly, lcb, lcr, ipm, sdh_step, full)
            else:
                _p_sign_hiding(st, cur, pp, modes, mvs, ly, lcb, lcr, ipm, sdh_step)
    else:
        mvs = _final_mvs(modes, mvd, sub, st["mbh"], st["mbw"])
    # reconstruct first: the loop filter's parameters (chosen in _reconstruct) go into the header; the syntax
    # still needs the previous frame's modes as contexts
    prev_modes = st["prev_modes"]
    st["alf_src"] = cur
    _reconstruct(st, ftype, pp, modes, mvs, ly, lcb, lcr, _frame_step(quality, ftype, frame_index), ipm)
    st["prev_modes"], next_modes = prev_modes, st["prev_modes"]
    st["mvs_now"] = mvs
    data = _encode_syntax(st, ftype, pp, modes, mvd, sub, ly, lcb, lcr, ipm)
    st["prev_modes"] = next_modes
    st["prev_chain"] = chain if ftype == FRAME_P else None
    st["next_index"] = frame_index + 1
    return data


def decompress_video_frame(compressed_data, frame_index, config):
    """Decode one frame from its bytes alone (plus the references this process decoded before)."""
    width = int(config["width"])
    height = int(config["height"])
    quality = float(config.get("quality", 50))
    data = bytes(compressed_data)
    st = _DECODER
    if frame_index == 0 or not st or st["width"] != width or st["height"] != height:
        _reset(st, width, height, quality)
    if st["next_index"] != frame_index:
        raise ValueError("frames must be decoded in order 0..N-1")
    st["direct_mc"] = True
    ftype, pp, modes, mvd, sub, ly, lcb, lcr, ipm = _decode_syntax(st, data, st["mbh"], st["mbw"])
    if ftype == FRAME_P and st["ref"] is None:
        raise ValueError("inter frame without a preceding key frame")
    if pp[2] is not None:
        if st["ref2"] is None:
            raise ValueError("corrupt frame: two-layer reference without two decoded frames")
        _use_layers(st, pp[2])
    if ftype == FRAME_P:
        mvs = _mvs_from_chain(st["chain"], modes, sub)
        st["prev_chain"] = st.pop("chain")
    else:
        mvs = _final_mvs(modes, mvd, sub, st["mbh"], st["mbw"])
        st["prev_chain"] = None
    y, cb, cr = _reconstruct(st, ftype, pp, modes, mvs, ly, lcb, lcr, _frame_step(quality, ftype, frame_index), ipm)
    st["next_index"] = frame_index + 1
    return _planes_to_rgb(y, cb, cr, height, width)
