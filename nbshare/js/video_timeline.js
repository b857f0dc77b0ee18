// What Python draws on the video's timeline: the filmstrip (one PNG, a horizontal strip of thumbnails of the kept
// part) under the handles, and the per-moment scores of an explanation (red = matters most) in a strip below it.
// Both may be absent (an older kernel) or empty: then nothing is shown.
import { asBuffer, element, fitCanvas } from "./helpers.js";

const list = (value) => (Array.isArray(value) ? value.filter((item) => Number.isFinite(item)) : []);
const label = (t) => `${t.toFixed(2)} s`;

// blue (matters least) to red (matters most), for a score scaled to 0..1
export function scoreColor(unit) {
  const u = Math.max(0, Math.min(1, unit));
  const hue = 220 * (1 - u);
  return `hsl(${hue.toFixed(0)} 85% ${(50 - 8 * u).toFixed(0)}%)`;
}

// The filmstrip: an image behind the timeline's handles, stretched over the kept part.
export function filmstrip(model) {
  const image = element("img", { className: "nbshare-video-filmstrip", alt: "", attrs: { "aria-hidden": "true" } });
  image.hidden = true;
  let shown = null; // {bytes, url}
  const update = () => {
    const bytes = model.get("filmstrip");
    if (!bytes || !bytes.byteLength) {
      image.hidden = true;
      if (shown) { URL.revokeObjectURL(shown.url); shown = null; image.removeAttribute("src"); }
      return;
    }
    if (shown?.bytes !== bytes) {
      if (shown) URL.revokeObjectURL(shown.url);
      shown = { bytes, url: URL.createObjectURL(new Blob([asBuffer(bytes)], { type: "image/png" })) };
      image.src = shown.url;
    }
    image.hidden = false;
  };
  const dispose = () => { if (shown) URL.revokeObjectURL(shown.url); shown = null; };
  return { node: image, update, dispose };
}

// The scores strip: one bar per moment, at its time on the timeline, coloured and as tall as its score.
export function scoreStrip(model, kept) {
  const canvas = element("canvas", { className: "nbshare-video-scores-bars", attrs: { role: "img" } });
  const legend = element("div", { className: "nbshare-video-scores-legend" },
    element("span", { textContent: "Which moments matter: " }),
    element("span", { className: "nbshare-video-scores-key", attrs: { "aria-hidden": "true" } }),
    element("span", { textContent: " blue = least, red = most" }));
  const node = element("div", { className: "nbshare-video-scores" }, canvas, legend);
  node.hidden = true;

  const points = () => {
    const scores = list(model.get("frame_scores"));
    const times = list(model.get("frame_score_times"));
    const count = Math.min(scores.length, times.length);
    return { scores: scores.slice(0, count), times: times.slice(0, count) };
  };
  const update = () => {
    const { scores, times } = points();
    node.hidden = scores.length === 0;
    if (node.hidden) return;
    const low = Math.min(...scores), high = Math.max(...scores);
    const unit = (score) => (high > low ? (score - low) / (high - low) : 1);
    const { context, width, height } = fitCanvas(canvas, canvas.getBoundingClientRect());
    const length = kept() || Math.max(...times) || 1;
    // each moment spans halfway to its neighbours
    const order = times.map((t, index) => index).sort((a, b) => times[a] - times[b]);
    order.forEach((index, rank) => {
      const t = times[index];
      const before = rank ? times[order[rank - 1]] : 0;
      const after = rank < order.length - 1 ? times[order[rank + 1]] : length;
      const x0 = ((rank ? (t + before) / 2 : 0) / length) * width;
      const x1 = ((rank < order.length - 1 ? (t + after) / 2 : length) / length) * width;
      const u = unit(scores[index]);
      context.fillStyle = scoreColor(u);
      const bar = Math.max(0.2, u) * height;
      context.fillRect(x0, height - bar, Math.max(1, x1 - x0 - devicePixelRatio), bar);
    });
    const top = order.slice().sort((a, b) => scores[b] - scores[a]).slice(0, 3).map((index) => label(times[index]));
    canvas.setAttribute("aria-label",
      `Per-moment scores for ${scores.length} moments from ${label(Math.min(...times))} to ${label(Math.max(...times))}; `
      + `the moments that matter most: ${top.join(", ")}`);
  };
  return { node, update };
}
