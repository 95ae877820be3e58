// Renders the marketplace images (sizes from amocrm.md §5) from our own widget/images/logo.svg:
// the mark alone for square icons, the mark with the product name for the wide ones.
// Run: npx tsx widget/tools/images.ts
import { readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Resvg } from "@resvg/resvg-js";

const dir = path.resolve(import.meta.dirname, "../images");
const MAX_BYTES = 300 * 1024;

/** The mark's inner SVG (without the outer <svg>), to place it at any size and position. */
function markInner(): string {
  const svg = readFileSync(path.join(dir, "logo.svg"), "utf8");
  const inner = /<svg[^>]*>([\s\S]*)<\/svg>/.exec(svg)?.[1];
  if (!inner) throw new Error("widget/images/logo.svg has no <svg> element");
  return inner;
}

function mark(x: number, y: number, size: number): string {
  return `<g transform="translate(${x} ${y}) scale(${size / 120})">${markInner()}</g>`;
}

function text(x: number, y: number, size: number, content: string, color: string, weight = 700, anchor = "start"): string {
  return `<text x="${x}" y="${y}" font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif" font-size="${size}" font-weight="${weight}" fill="${color}" text-anchor="${anchor}">${content}</text>`;
}

interface Image {
  file: string;
  width: number;
  height: number;
  body: string;
}

const INK = "#26323d";
const MUTED = "#6b7680";

const images: Image[] = [
  {
    file: "logo_main.png",
    width: 400,
    height: 272,
    body: `<rect width="400" height="272" fill="#f3f7fc"/>${mark(140, 34, 120)}${text(200, 200, 30, "LPTracker ⇄ amoCRM", INK, 700, "middle")}${text(200, 232, 17, "лиды · звонки · этапы", MUTED, 400, "middle")}`,
  },
  { file: "logo_small.png", width: 108, height: 108, body: mark(0, 0, 108) },
  {
    file: "logo_medium.png",
    width: 240,
    height: 84,
    body: `${mark(8, 10, 64)}${text(84, 38, 19, "LPTracker", INK)}${text(84, 62, 15, "для amoCRM", MUTED, 400)}`,
  },
  { file: "logo_min.png", width: 84, height: 84, body: mark(0, 0, 84) },
  { file: "logo.png", width: 130, height: 100, body: mark(20, 5, 90) },
  // The Digital Pipeline action's tile (manifest `dp`): amoCRM requires exactly 174×109.
  { file: "logo_dp.png", width: 174, height: 109, body: `<rect width="174" height="109" fill="#f3f7fc"/>${mark(57, 8, 60)}${text(87, 90, 15, "LPTracker", INK, 700, "middle")}` },
];

for (const img of images) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${img.width}" height="${img.height}" viewBox="0 0 ${img.width} ${img.height}">${img.body}</svg>`;
  const png = new Resvg(svg, { fitTo: { mode: "original" }, font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" } }).render().asPng();
  const out = path.join(dir, img.file);
  writeFileSync(out, png);
  const bytes = statSync(out).size;
  if (bytes > MAX_BYTES) throw new Error(`${img.file} is ${bytes} bytes; amoCRM accepts at most ${MAX_BYTES}`);
  console.log(`${img.file} ${img.width}×${img.height} ${(bytes / 1024).toFixed(1)} KB`);
}
