/**
 * Server-side chart rendering: Apache ECharts' SSR SVG renderer (no DOM, no
 * browser, no network), then sharp (librsvg) for PNG. The same option objects
 * are given to ECharts in the dashboard, so a chart looks the same everywhere.
 */
import * as echarts from "echarts";
import sharp from "sharp";

/** An ECharts option made only of JSON values, so it can also be shipped to the dashboard. */
export type ChartOption = Record<string, unknown>;

export interface ChartSize {
  width: number;
  height: number;
}

/** Render an option to an SVG document string. */
export function renderChartSvg(option: ChartOption, size: ChartSize): string {
  const chart = echarts.init(null, null, {
    renderer: "svg",
    ssr: true,
    width: size.width,
    height: size.height,
  });
  try {
    chart.setOption({ ...option, animation: false });
    return chart.renderToSVGString();
  } finally {
    // dispose stops ECharts' frame timer, which otherwise keeps the process alive.
    chart.dispose();
  }
}

/** Rasterise an SVG string to PNG at `scale` times its size (2 for sharp text on high-DPI screens). */
export async function svgToPng(svg: string, scale = 1): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 72 * scale })
    .png({ compressionLevel: 9, palette: true })
    .toBuffer();
}
