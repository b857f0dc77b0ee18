// Image input and output. Python draws the image and the paint into an ipycanvas MultiCanvas (rendered here as a
// child view); a local canvas on top draws the stroke or crop rectangle in progress at once, without waiting for the
// kernel. Only finished operations are sent, in image pixels. The stage zooms inside its viewport (zoom.js); an
// explanation overlay that Python marks out of date (`explanation_stale`) is dimmed under a note.
import { bind, button, element, fetchPicture, fieldLabel, messageLine, suppressShortcuts } from "./helpers.js";
import { acceptDrops, fileProblem } from "./upload.js";
import { zoomable } from "./zoom.js";

const TOOLS = [["brush", "Brush"], ["eraser", "Eraser"], ["crop", "Crop"]];
// [name, what it does, what the button shows, the edit it sends, its group]
const ACTIONS = [
  ["undo", "Undo", "↶", { op: "undo" }, "history"],
  ["redo", "Redo", "↷", { op: "redo" }, "history"],
  ["flip-h", "Flip horizontally", "⇋", { op: "flip", axis: "horizontal" }, "geometry"],
  ["flip-v", "Flip vertically", "⇵", { op: "flip", axis: "vertical" }, "geometry"],
  ["rotate", "Rotate 90° clockwise", "↻", { op: "rotate", degrees: 90 }, "geometry"],
  ["reset", "Reset", "Reset", { op: "reset" }, "geometry"],
];

const group = (name, ...children) =>
  element("div", { className: "nbshare-tool-group", role: "group", attrs: { "aria-label": name } }, ...children);

async function render({ model, el }) {
  const listeners = bind(model);
  const listen = listeners.listen;
  el.classList.add("nbshare-field", "nbshare-image");

  const label = fieldLabel();
  let tool = "brush";
  const toolButtons = TOOLS.map(([name, text]) => {
    const toolButton = button(text, { className: "nbshare-button nbshare-tool" });
    listen(toolButton, "click", () => { tool = name; update(); });
    return [name, toolButton];
  });
  const actionButtons = ACTIONS.map(([name, text, glyph, edit]) => {
    const actionButton = button(glyph, { className: "nbshare-button nbshare-tool", title: text, attrs: { "aria-label": text } });
    listen(actionButton, "click", () => model.send({ event: "edit", edit }));
    return [name, actionButton];
  });
  const inGroup = (name) => actionButtons.filter(([action]) => ACTIONS.find(([n]) => n === action)[4] === name).map(([, b]) => b);
  const size = element("input", { type: "range", min: 2, max: 120, className: "nbshare-brush-size", attrs: { "aria-label": "Brush size" } });
  const sizeValue = element("output", { className: "nbshare-tool-value", attrs: { "aria-hidden": "true" } });
  const sizeControl = element("label", { className: "nbshare-tool-option" }, element("span", { textContent: "Size" }), size, sizeValue);
  const color = element("input", { type: "color", className: "nbshare-brush-color", attrs: { "aria-label": "Brush colour" } });
  const colorControl = element("label", { className: "nbshare-tool-option" }, element("span", { textContent: "Colour" }), color);
  const toolbar = element("div", { className: "nbshare-toolbar", role: "toolbar", attrs: { "aria-label": "Image tools" } },
    group("Tools", ...toolButtons.map(([, b]) => b)),
    group("History", ...inGroup("history")),
    group("Brush", sizeControl, colorControl),
    group("Flip, rotate, reset", ...inGroup("geometry")));

  const stage = element("div", { className: "nbshare-stage" });
  // The image itself (Python sends its pixels, or its address when this page is far away), then ipycanvas's layers.
  const picture = element("canvas", { className: "nbshare-layer nbshare-picture", hidden: true });
  const canvasHost = element("div", { className: "nbshare-layer" });
  const heatmap = element("img", { className: "nbshare-layer nbshare-heatmap", alt: "" });
  const draft = element("canvas", { className: "nbshare-layer nbshare-draft" });
  stage.append(picture, canvasHost, heatmap, draft);
  const zoom = zoomable(listeners, stage);
  const staleNote = element("div", { className: "nbshare-stale-badge", textContent: "Explanation out of date", hidden: true });
  const loading = element("div", { className: "nbshare-stale-badge nbshare-loading", role: "status", hidden: true });
  const frame = element("div", { className: "nbshare-frame" }, zoom.viewport, staleNote, loading);

  const overlayToggle = element("input", { type: "checkbox", checked: true });
  const overlayOpacity = element("input", { type: "range", min: 0, max: 1, step: 0.05, attrs: { "aria-label": "Overlay opacity" } });
  const overlayControls = element("label", { className: "nbshare-choice nbshare-tool-option" }, overlayToggle, "Overlay", overlayOpacity);
  const replace = button("Replace image", { className: "nbshare-button nbshare-tool" });
  const footer = element("div", { className: "nbshare-toolbar nbshare-image-footer" }, zoom.controls, replace, overlayControls);
  suppressShortcuts(...toolbar.querySelectorAll("button, input"), ...footer.querySelectorAll("button, input"));

  const fileInput = element("input", { type: "file", accept: "image/*", hidden: true, attrs: { "aria-label": "Choose image file" } });
  const choose = button("Choose image");
  const webcam = button("Use webcam");
  const drop = element("div", { className: "nbshare-drop", tabIndex: 0 },
    element("span", { textContent: "Drop an image here, paste one, or " }), choose, webcam, fileInput);
  suppressShortcuts(drop);
  const camera = element("div", { className: "nbshare-camera", hidden: true });
  const [message, showMessage] = messageLine();
  el.append(label, toolbar, drop, camera, frame, footer, message);

  // The image and paint layers: ipycanvas's own view of the MultiCanvas that Python draws into.
  const canvasModel = await model.widget_manager.get_model(model.get("_canvas").replace("IPY_MODEL_", ""));
  const canvasView = await model.widget_manager.create_view(canvasModel);
  canvasView.el.tabIndex = -1; // the draft canvas above takes the pointer; keyboard users use the toolbar
  canvasHost.append(canvasView.el);

  const hasImage = () => model.get("view_width") > 0;

  function update() {
    label.textContent = model.get("label");
    const interactive = model.get("interactive");
    const sources = model.get("sources");
    toolbar.hidden = !interactive || !hasImage();
    drop.hidden = !interactive || hasImage() || sources.length === 0;
    choose.hidden = !sources.includes("upload");
    replace.hidden = !interactive || !sources.includes("upload");
    webcam.hidden = !sources.includes("webcam") || !navigator.mediaDevices?.getUserMedia;
    frame.hidden = !hasImage() && interactive;
    footer.hidden = !hasImage();
    zoom.viewport.classList.toggle("nbshare-empty", !hasImage());
    const [width, height] = [model.get("view_width") || 1, model.get("view_height") || 1];
    if (draft.width !== width || draft.height !== height) zoom.reset(); // another image (or crop): see all of it
    frame.style.maxWidth = `${width + 2}px`; // the image at its shown size inside the viewport's 1px border
    zoom.viewport.style.aspectRatio = stage.style.aspectRatio = `${width} / ${height}`;
    if (draft.width !== width || draft.height !== height) Object.assign(draft, { width, height });
    for (const [name, button] of toolButtons) button.setAttribute("aria-pressed", String(name === tool));
    for (const [name, button] of actionButtons) {
      if (name === "undo") button.disabled = !model.get("can_undo");
      if (name === "redo") button.disabled = !model.get("can_redo");
      if (name === "reset") button.disabled = model.get("edit_count") === 0;
    }
    draft.setAttribute("role", "img");
    draft.setAttribute("aria-label", interactive ? `${model.get("label")}: drag to paint, erase or crop` : model.get("label"));
    draft.style.cursor = interactive ? (tool === "crop" ? "crosshair" : "cell") : "default";
    size.value = model.get("brush_size");
    sizeValue.textContent = `${model.get("brush_size")} px`;
    color.value = model.get("brush_color");
    // Disabled, not hidden, when the tool has no use for them: the toolbar (and the image under it) keeps its place.
    size.disabled = tool === "crop";
    color.disabled = tool !== "brush";
    updateOverlay();
    showMessage(model.get("message"));
  }

  // The newest picture wins: one that arrives after a later one was asked for is dropped.
  let pictureAsked = 0;
  function draw(content, source) {
    Object.assign(picture, { width: source.width, height: source.height });
    const context = picture.getContext("2d");
    if (source instanceof ImageData) context.putImageData(source, 0, 0);
    else context.drawImage(source, 0, 0);
    picture.classList.toggle("nbshare-pixelated", Boolean(content.pixelated));
    picture.hidden = false;
  }
  async function showPicture(content, buffers) {
    const asked = ++pictureAsked;
    if (!content) {
      picture.hidden = true;
      return;
    }
    if (content.pixels) { // this machine: the pixels themselves, shown at once
      try {
        draw(content, pixelsImage(content.pixels, buffers[0]));
      } catch (error) {
        showMessage(`The image could not be shown: ${error.message}. Reload the page.`);
      }
      return;
    }
    let bitmap;
    try {
      const blob = await fetchPicture(content.url, (part) => {
        loading.hidden = part === null || asked !== pictureAsked;
        loading.textContent = part === null ? "" : `Loading image… ${Math.round(part * 100)}%`;
      });
      bitmap = await createImageBitmap(blob, { premultiplyAlpha: "none", colorSpaceConversion: "none" });
    } catch (error) {
      if (asked === pictureAsked) showMessage(`The image could not be shown: ${error.message}. Reload the page.`);
      return;
    }
    if (asked === pictureAsked) draw(content, bitmap);
    bitmap.close();
  }
  listeners.on("msg:custom", (message, buffers) => {
    if (message && "picture" in message) showPicture(message.picture, buffers);
  });

  let overlayUrl = null;
  let overlayBytes = null;
  function updateOverlay() {
    const png = model.get("overlay_png");
    const address = model.get("overlay_url"); // a page far away: fetched, and cached
    const present = Boolean(address || (png && png.byteLength));
    const source = address || png;
    if (source !== overlayBytes) { // a new picture; the opacity and staleness change without one
      overlayBytes = source;
      if (overlayUrl) URL.revokeObjectURL(overlayUrl);
      overlayUrl = !address && present ? URL.createObjectURL(new Blob([png], { type: "image/png" })) : null;
      heatmap.src = address || overlayUrl || "";
    }
    const stale = present && model.get("explanation_stale");
    const opacity = model.get("overlay_opacity");
    heatmap.hidden = !present || !overlayToggle.checked;
    heatmap.style.opacity = stale ? Math.min(opacity, 0.5) * 0.3 : opacity; // the paint under it shows
    heatmap.classList.toggle("nbshare-stale", stale);
    staleNote.hidden = !stale || heatmap.hidden;
    overlayOpacity.value = opacity;
    overlayControls.hidden = !present;
  }
  listen(overlayToggle, "change", updateOverlay);
  listen(overlayOpacity, "input", () => {
    model.set("overlay_opacity", Number(overlayOpacity.value));
    updateOverlay();
    model.save_changes();
  });
  listen(size, "input", () => { model.set("brush_size", Number(size.value)); sizeValue.textContent = `${size.value} px`; model.save_changes(); });
  listen(color, "input", () => { model.set("brush_color", color.value); model.save_changes(); });

  // -- getting an image ----------------------------------------------------------------------------------------
  async function upload(file) {
    if (!file) return;
    if (!file.type.startsWith("image/") && file.type !== "") {
      showMessage(`${file.name} is not an image (${file.type})`);
      return;
    }
    const limit = model.get("max_upload_bytes");
    if (file.size > limit) {
      showMessage(fileProblem(file, limit));
      return;
    }
    showMessage("");
    model.send({ event: "upload", name: file.name, size: file.size }, undefined, [await file.arrayBuffer()]);
  }
  listen(choose, "click", () => fileInput.click());
  listen(replace, "click", () => fileInput.click());
  listen(fileInput, "change", () => { upload(fileInput.files[0]); fileInput.value = ""; });
  acceptDrops(listeners, [drop, frame], () => model.get("interactive"), upload);
  listen(el, "paste", (event) => {
    if (!model.get("interactive") || !model.get("sources").includes("clipboard")) return;
    const item = [...event.clipboardData.items].find((entry) => entry.type.startsWith("image/"));
    if (item) { event.preventDefault(); upload(item.getAsFile()); }
  });
  listen(webcam, "click", async () => {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: true });
    } catch (error) {
      showMessage(`The webcam is not available: ${error.message}`);
      return;
    }
    const video = element("video", { autoplay: true, muted: true, playsInline: true, srcObject: stream });
    const capture = button("Capture", { className: "nbshare-button nbshare-primary" });
    const cancel = button("Cancel");
    const stop = () => { stream.getTracks().forEach((track) => track.stop()); camera.hidden = true; camera.replaceChildren(); };
    capture.addEventListener("click", () => {
      const frame = element("canvas", { width: video.videoWidth, height: video.videoHeight });
      frame.getContext("2d").drawImage(video, 0, 0);
      frame.toBlob((blob) => { stop(); upload(new File([blob], "webcam.png", { type: "image/png" })); }, "image/png");
    });
    cancel.addEventListener("click", stop);
    camera.replaceChildren(video, element("div", { className: "nbshare-actions" }, cancel, capture));
    camera.hidden = false;
    listeners.defer(stop);
  });

  // -- editing: draw locally at once, send the finished operation -------------------------------------------
  // The brush keeps its size on screen: zoomed in, it covers less of the image (that is what zooming is for).
  const context = draft.getContext("2d");
  let gesture = null;
  const brushWidth = () => model.get("brush_size") / zoom.zoom(); // in draft (shown image) pixels
  const toCanvas = (event) => {
    const box = draft.getBoundingClientRect();
    return [(event.clientX - box.left) * (draft.width / box.width), (event.clientY - box.top) * (draft.height / box.height)];
  };
  const clearDraft = () => context.clearRect(0, 0, draft.width, draft.height);
  zoom.onPinchStart(() => { gesture = null; clearDraft(); }); // a second finger: the stroke begun was a pinch

  listen(draft, "pointerdown", (event) => {
    if (!model.get("interactive") || !hasImage() || event.button !== 0) return;
    if (event.pointerType === "touch" && zoom.fingers() > 1) return;
    event.preventDefault();
    draft.setPointerCapture(event.pointerId);
    const point = toCanvas(event);
    gesture = { tool, points: [point], start: point, drawn: point, pointer: event.pointerId };
    if (tool !== "crop") {
      Object.assign(context, {
        lineCap: "round", lineJoin: "round", lineWidth: brushWidth(),
        strokeStyle: tool === "brush" ? model.get("brush_color") : "rgba(255, 255, 255, 0.7)",
        fillStyle: tool === "brush" ? model.get("brush_color") : "rgba(255, 255, 255, 0.7)",
      });
      context.beginPath();
      context.arc(point[0], point[1], brushWidth() / 2, 0, 2 * Math.PI);
      context.fill();
      context.beginPath();
      context.moveTo(...point);
    }
  });
  listen(draft, "pointermove", (event) => {
    if (!gesture || event.pointerId !== gesture.pointer) return;
    const moves = event.getCoalescedEvents?.() ?? [event];
    if (gesture.tool === "crop") {
      const [x0, y0] = gesture.start;
      const [x1, y1] = toCanvas(moves[moves.length - 1]);
      gesture.points = [gesture.start, [x1, y1]];
      clearDraft();
      context.fillStyle = "rgba(0, 0, 0, 0.45)";
      context.fillRect(0, 0, draft.width, draft.height);
      context.clearRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
      context.setLineDash([6, 4]);
      context.strokeStyle = "#ffffff";
      context.lineWidth = 1.5;
      context.strokeRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
      context.setLineDash([]);
      return;
    }
    // Points closer than a quarter of the brush add nothing to the stroke Python draws but its cost (a disc each,
    // budgeted by max_stroke_cost): the draft follows every move, the stroke keeps a point every spacing pixels.
    const spacing = Math.max(0.75, brushWidth() / 4);
    for (const move of moves) {
      const point = toCanvas(move);
      const last = gesture.drawn;
      if (Math.hypot(point[0] - last[0], point[1] - last[1]) < 0.75) continue;
      context.lineTo(...point);
      gesture.drawn = point;
      const kept = gesture.points[gesture.points.length - 1];
      if (Math.hypot(point[0] - kept[0], point[1] - kept[1]) >= spacing) gesture.points.push(point);
    }
    context.stroke();
    context.beginPath();
    context.moveTo(...gesture.drawn);
  });
  const finish = (event) => {
    if (!gesture || event.pointerId !== gesture.pointer) return;
    const done = gesture;
    gesture = null;
    if (event.type === "pointercancel") { clearDraft(); return; }
    const scale = model.get("scale");
    const toImage = ([x, y]) => [Math.round((x / scale) * 100) / 100, Math.round((y / scale) * 100) / 100];
    let edit;
    if (done.tool === "crop") {
      if (done.points.length < 2) { clearDraft(); return; }
      const [[x0, y0], [x1, y1]] = done.points.map(toImage);
      edit = { op: "crop", box: [x0, y0, x1, y1] };
    } else {
      const last = done.points[done.points.length - 1];
      if (done.drawn !== last) done.points.push(done.drawn); // the stroke ends where the pointer did
      // In image pixels, at most the image's longer side (Python refuses wider).
      const longest = Math.max(model.get("view_width"), model.get("view_height")) / scale;
      const width = Math.min(Math.floor(longest), Math.max(1, brushWidth() / scale));
      edit = done.tool === "brush"
        ? { op: "paint", points: done.points.map(toImage), width, color: model.get("brush_color") }
        : { op: "erase", points: done.points.map(toImage), width };
    }
    model.send({ event: "edit", edit });
  };
  listen(draft, "pointerup", finish);
  listen(draft, "pointercancel", finish);
  listen(el, "keydown", (event) => {
    const key = event.key.toLowerCase();
    if (!(event.ctrlKey || event.metaKey) || key !== "z" || !model.get("interactive")) return;
    event.preventDefault();
    model.send({ event: "edit", edit: { op: event.shiftKey ? "redo" : "undo" } });
  });

  // Python has applied (or refused) the operation: its layers now show the result, so the draft goes.
  const settle = () => { if (!gesture) clearDraft(); };
  listeners.on("change:label change:interactive change:sources change:view_width change:view_height change:can_undo "
    + "change:can_redo change:edit_count change:message change:overlay_png change:overlay_url change:overlay_opacity change:brush_size "
    + "change:brush_color change:explanation_stale", update);
  listeners.on("change:edit_count change:message", settle);
  listeners.defer(() => { if (overlayUrl) URL.revokeObjectURL(overlayUrl); });
  listeners.defer(() => { pictureAsked += 1; });
  listeners.defer(() => canvasView.remove());
  update();
  model.send({ event: "picture" }); // the picture Python drew before this view existed (a reload, a second view)
  return listeners.dispose;
}

// Raw rows of grey, RGB or RGBA pixels, as the kernel sends them to a page on its machine, as ImageData.
function pixelsImage({ width, height, channels }, buffer) {
  const source = new Uint8Array(buffer.buffer ?? buffer, buffer.byteOffset ?? 0, buffer.byteLength);
  if (![1, 3, 4].includes(channels) || source.length !== width * height * channels) {
    throw new Error("its pixels do not match its size");
  }
  const rgba = new Uint8ClampedArray(width * height * 4);
  if (channels === 4) rgba.set(source);
  else if (channels === 3) {
    for (let i = 0, j = 0; j < rgba.length; i += 3, j += 4) {
      rgba[j] = source[i]; rgba[j + 1] = source[i + 1]; rgba[j + 2] = source[i + 2]; rgba[j + 3] = 255;
    }
  } else {
    for (let i = 0, j = 0; j < rgba.length; i += 1, j += 4) {
      rgba[j] = rgba[j + 1] = rgba[j + 2] = source[i]; rgba[j + 3] = 255;
    }
  }
  return new ImageData(rgba, width, height);
}

export default { render };
