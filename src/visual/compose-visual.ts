/**
 * One comparison picture: the same square region of several decoded frames
 * side by side, each panel labelled, drawn with sharp (text from an SVG
 * overlay rendered by librsvg with the DejaVu fonts).
 */
import sharp from "sharp";
import type { Region } from "./worst-region.js";

export interface Panel {
  /** rgb24 frame holding the region. */
  frame: Buffer;
  /** First label line, e.g. "x265 crf=28". */
  name: string;
  /** Second label line, e.g. "0.412 bpp, 36.10 dB". */
  figures: string;
}

const LABEL_HEIGHT = 44;
const HEADER_HEIGHT = 30;
const GAP = 8;

/** PNG of `panels` cut to `region` of frames `width` x `height`, each enlarged `scale` times (nearest neighbour). */
export async function composeVisual(
  panels: readonly Panel[],
  region: Region,
  frameSize: { width: number; height: number },
  title: string,
  scale = 2,
): Promise<Buffer> {
  const size = Math.min(region.size, frameSize.width - region.x, frameSize.height - region.y);
  const side = size * scale;
  const panelWidth = Math.max(side, 220);
  const width = GAP + panels.length * (panelWidth + GAP);
  const height = HEADER_HEIGHT + LABEL_HEIGHT + side + GAP;
  const crops = await Promise.all(
    panels.map((panel) =>
      sharp(panel.frame, { raw: { width: frameSize.width, height: frameSize.height, channels: 3 } })
        .extract({ left: region.x, top: region.y, width: size, height: size })
        .resize(side, side, { kernel: "nearest" })
        .png()
        .toBuffer(),
    ),
  );
  const text = (x: number, y: number, content: string, style: string) =>
    `<text x="${x}" y="${y}" font-family="DejaVu Sans, sans-serif" ${style}>${escapeXml(content)}</text>`;
  const labels = panels.flatMap((panel, i) => {
    const left = GAP + i * (panelWidth + GAP);
    return [
      text(left, HEADER_HEIGHT + 18, panel.name, 'font-size="14" font-weight="bold" fill="#222"'),
      text(left, HEADER_HEIGHT + 36, panel.figures, 'font-size="13" fill="#444"'),
    ];
  });
  const overlay = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${text(GAP, 20, title, 'font-size="14" fill="#000"')}${labels.join("")}</svg>`;
  return sharp({ create: { width, height, channels: 3, background: "#ffffff" } })
    .composite([
      { input: Buffer.from(overlay), top: 0, left: 0 },
      ...crops.map((input, i) => ({
        input,
        top: HEADER_HEIGHT + LABEL_HEIGHT,
        left: GAP + i * (panelWidth + GAP),
      })),
    ])
    .png({ compressionLevel: 9 })
    .toBuffer();
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
