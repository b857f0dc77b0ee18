// Shared by the component modules. esbuild bundles a copy into each one (nbshare/js/dist/<name>.js), because a module
// that anywidget loads from a string cannot import a sibling file.

// A new `tag` element: `props` assigned as properties (className, textContent, type, ...) except `attrs`, which are
// set as attributes (aria-*, role, ...); then `children` (elements or strings) appended.
export function element(tag, props = {}, ...children) {
  const { attrs = {}, ...properties } = props;
  const node = Object.assign(document.createElement(tag), properties);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

// A plain button (never a form submit) saying `text`.
export const button = (text, props = {}) =>
  element("button", { type: "button", className: "nbshare-button", textContent: text, ...props });

// Keys typed in these controls are theirs, not JupyterLab's shortcuts (Enter, arrows, letters...).
export function suppressShortcuts(...nodes) {
  for (const node of nodes) node.dataset.lmSuppressShortcuts = "true";
}

// An id no other view on the page uses, so a label (`for`, aria-labelledby) names this view's control.
let idCount = 0;
/** A toolbar button of an editor (audio, video): its title is its tooltip; typing on it is not a page shortcut. */
export function toolButton(text, title = text) {
  const node = button(text, { className: "nbshare-button nbshare-tool", title });
  suppressShortcuts(node);
  return node;
}

/** Seconds as a person reads them: "12.34 s", or "1:02.3" from a minute on. */
export const seconds = (value) => (value >= 60 ? `${Math.floor(value / 60)}:${(value % 60).toFixed(1).padStart(4, "0")}` : `${value.toFixed(2)} s`);

/** A binary trait or message buffer as an ArrayBuffer (a DataView or typed array arrives over the wire). */
export const asBuffer = (raw) => (raw instanceof ArrayBuffer ? raw : raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));

/** Size ``canvas`` to ``box`` (CSS px) in device pixels and return its cleared 2-D context with that width and height. */
export function fitCanvas(canvas, box) {
  const width = Math.max(1, Math.round(box.width * devicePixelRatio)), height = Math.max(1, Math.round(box.height * devicePixelRatio));
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, width, height);
  return { context, width, height };
}

export const uniqueId = (prefix) => `${prefix}-${++idCount}-${Math.random().toString(36).slice(2, 8)}`;

// The field's label, its text set by the view (usually `model.get("label")`): a <label> when it names the form
// control with id `forId`, else a <span>.
export const fieldLabel = (forId = null) =>
  forId ? element("label", { className: "nbshare-label", htmlFor: forId }) : element("span", { className: "nbshare-label" });

// A message line, announced (role="alert") and hidden while empty: `[node, show]`, with `show(text)` to change it.
export function messageLine() {
  const node = element("div", { className: "nbshare-error", role: "alert", hidden: true });
  const show = (text) => {
    node.textContent = text;
    node.hidden = !text;
  };
  return [node, show];
}

// Every listener a view adds, all removed by `dispose`, the cleanup `render` returns:
//   const listeners = bind(model, "change:value change:label", update);  // model events (space-separated)
//   listeners.on("msg:custom", onMessage);                              // more model events
//   listeners.listen(input, "input", send);                             // DOM events
//   listeners.defer(() => observer.disconnect());                       // anything else to undo
//   return listeners.dispose;
export function bind(model, events = "", handler = null) {
  const controller = new AbortController();
  const undo = [];
  const listeners = {
    on(names, callback) {
      model.on(names, callback);
      undo.push(() => model.off(names, callback));
      return listeners;
    },
    listen(target, type, callback, options = {}) {
      target.addEventListener(type, callback, { ...options, signal: controller.signal });
      return listeners;
    },
    defer(callback) {
      undo.push(callback);
      return listeners;
    },
    dispose() {
      controller.abort();
      for (const callback of undo.splice(0)) callback();
    },
  };
  return handler ? listeners.on(events, handler) : listeners;
}

// A picture fetched from `url` (HTTP-cached) as a Blob, with `progress(fraction)` called while it is still arriving
// after a second (a slow link), and progress(null) at the end.
export async function fetchPicture(url, progress = () => {}) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`the picture could not be loaded (${response.status})`);
  const total = Number(response.headers.get("Content-Length")) || 0;
  const started = performance.now();
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.byteLength;
    if (total && performance.now() - started > 1000) progress(received / total);
  }
  progress(null);
  return new Blob(chunks, { type: response.headers.get("Content-Type") || "" });
}
