// Shared by image.js (bundled into it): a zoomable viewport around the image stage, for precise painting on a small
// screen. The stage is `zoom` times the viewport's width and scrolls inside it; − / + / Fit buttons, and on a touch
// screen two fingers pinch to zoom and drag to pan (one finger keeps painting). Pointer coordinates need no change:
// the editor maps them through the stage's on-screen box, whatever its zoom.
import { button, element } from "./helpers.js";

export const MAX_ZOOM = 8;
const STEPS = [1, 1.5, 2, 3, 4, 6, 8];

// `{ viewport, controls, zoom(), onPinchStart(callback), reset() }` for `stage`; `listeners` from helpers.js `bind`.
export function zoomable(listeners, stage) {
  const viewport = element("div", { className: "nbshare-viewport" }, stage);
  const out = button("−", { className: "nbshare-button nbshare-tool", title: "Zoom out", attrs: { "aria-label": "Zoom out" } });
  const into = button("+", { className: "nbshare-button nbshare-tool", title: "Zoom in", attrs: { "aria-label": "Zoom in" } });
  const fit = button("Fit", { className: "nbshare-button nbshare-tool", title: "Show the whole image", attrs: { "aria-label": "Zoom to fit" } });
  const level = element("output", { className: "nbshare-tool-value", attrs: { "aria-label": "Zoom level" } });
  const controls = element("div", { className: "nbshare-tool-group", role: "group", attrs: { "aria-label": "Zoom" } }, out, level, into, fit);
  let zoom = 1;
  let onPinchStart = () => {};

  function apply() {
    stage.style.width = `${zoom * 100}%`;
    viewport.classList.toggle("nbshare-zoomed", zoom > 1);
    level.textContent = `${Math.round(zoom * 100)}%`;
    out.disabled = fit.disabled = zoom <= 1;
    into.disabled = zoom >= MAX_ZOOM;
  }

  // Zoom to `next`, keeping the image point under `focus` (client coordinates; the viewport's centre by default) still.
  function setZoom(next, focus = null) {
    next = Math.min(MAX_ZOOM, Math.max(1, next));
    const box = viewport.getBoundingClientRect();
    const fx = focus ? focus[0] - box.left - viewport.clientLeft : viewport.clientWidth / 2;
    const fy = focus ? focus[1] - box.top - viewport.clientTop : viewport.clientHeight / 2;
    const [x, y] = [(viewport.scrollLeft + fx) / zoom, (viewport.scrollTop + fy) / zoom];
    zoom = next;
    apply();
    viewport.scrollLeft = x * zoom - fx;
    viewport.scrollTop = y * zoom - fy;
  }
  listeners.listen(into, "click", () => setZoom(STEPS.find((step) => step > zoom + 1e-6) ?? MAX_ZOOM));
  listeners.listen(out, "click", () => setZoom([...STEPS].reverse().find((step) => step < zoom - 1e-6) ?? 1));
  listeners.listen(fit, "click", () => setZoom(1));

  // Two fingers: pinch to zoom around them, move to pan. The image point first under their midpoint stays under it.
  const touches = new Map();
  let pinch = null;
  const midpoint = () => {
    const [a, b] = [...touches.values()];
    return [[(a[0] + b[0]) / 2, (a[1] + b[1]) / 2], Math.hypot(a[0] - b[0], a[1] - b[1])];
  };
  listeners.listen(stage, "pointerdown", (event) => {
    if (event.pointerType !== "touch") return;
    touches.set(event.pointerId, [event.clientX, event.clientY]);
    if (touches.size !== 2) return;
    onPinchStart();
    const [[mx, my], distance] = midpoint();
    const box = viewport.getBoundingClientRect();
    const [fx, fy] = [mx - box.left - viewport.clientLeft, my - box.top - viewport.clientTop];
    pinch = { distance: Math.max(distance, 1), zoom, anchor: [(viewport.scrollLeft + fx) / zoom, (viewport.scrollTop + fy) / zoom] };
  }, { capture: true });
  listeners.listen(stage, "pointermove", (event) => {
    if (!touches.has(event.pointerId)) return;
    touches.set(event.pointerId, [event.clientX, event.clientY]);
    if (!pinch || touches.size < 2) return;
    const [[mx, my], distance] = midpoint();
    zoom = Math.min(MAX_ZOOM, Math.max(1, pinch.zoom * (distance / pinch.distance)));
    apply();
    const box = viewport.getBoundingClientRect();
    viewport.scrollLeft = pinch.anchor[0] * zoom - (mx - box.left - viewport.clientLeft);
    viewport.scrollTop = pinch.anchor[1] * zoom - (my - box.top - viewport.clientTop);
  }, { capture: true });
  const lift = (event) => {
    touches.delete(event.pointerId);
    if (touches.size < 2) pinch = null;
  };
  listeners.listen(stage, "pointerup", lift, { capture: true });
  listeners.listen(stage, "pointercancel", lift, { capture: true });
  apply();

  return {
    viewport,
    controls,
    zoom: () => zoom,
    // A finger joined another: the editor drops the stroke it had started.
    onPinchStart(callback) { onPinchStart = callback; },
    // Fingers on the stage now (this one included, in a pointerdown): with two or more, none paints.
    fingers: () => touches.size,
    reset() { setZoom(1); },
  };
}
