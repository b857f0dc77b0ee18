// Video input and output. The page sends the file as it is (in parts) and plays its own copy; Python probes it, keeps
// it with its edit log, and says what to show: the kept part (start, end, in the original's seconds), the frame's
// size and the occlusions (in frame pixels), drawn here over the video.
import { asBuffer, bind, element, fieldLabel, messageLine, seconds, suppressShortcuts, toolButton } from "./helpers.js";
import { acceptDrops, downloadBytes, fileProblem, mediaDuration, sendInParts } from "./upload.js";
import { drawShapes } from "./video_shapes.js";
import { canRecord, cameraRecorder } from "./video_record.js";
import { filmstrip, scoreStrip } from "./video_timeline.js";

const STEP = 0.1; // seconds a handle moves per arrow key (shift: 1 s)
const token = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;

function render({ model, el }) {
  const listeners = bind(model);
  const listen = listeners.listen;
  const tool = toolButton;
  el.classList.add("nbshare-field", "nbshare-video");

  const label = fieldLabel();
  const fileInput = element("input", { type: "file", accept: "video/mp4,video/quicktime,video/webm,video/*", hidden: true,
    attrs: { "aria-label": "Choose video file" } });
  const choose = tool("Choose video");
  const drop = element("div", { className: "nbshare-drop", tabIndex: 0 },
    element("span", { textContent: "Drop a video file here (MP4, MOV, WebM), or " }), choose, fileInput);

  const video = element("video", { className: "nbshare-video-player", playsInline: true, muted: true, preload: "auto" });
  const paint = element("canvas", { className: "nbshare-video-paint", attrs: { role: "img" } });
  const stage = element("div", { className: "nbshare-video-stage" }, video, paint);

  // The timeline spans the clip as it is now (the kept part); the two handles select the part to keep of it.
  const range = element("div", { className: "nbshare-video-range" });
  const playhead = element("div", { className: "nbshare-video-playhead" });
  const handle = (name) => element("div", { className: "nbshare-video-handle", tabIndex: 0,
    attrs: { role: "slider", "aria-label": name, "aria-valuemin": "0" } });
  const startHandle = handle("Start of the part to keep");
  const endHandle = handle("End of the part to keep");
  const strip = filmstrip(model);
  const timeline = element("div", { className: "nbshare-video-timeline" }, strip.node, range, playhead, startHandle, endHandle);
  const scores = scoreStrip(model, () => kept());

  const info = element("div", { className: "nbshare-audio-info nbshare-video-info" });
  const play = tool("▶ Play");
  const field = (text) => {
    const input = element("input", { type: "number", min: 0, step: 0.01, className: "nbshare-input nbshare-time" });
    return [input, element("label", { className: "nbshare-tool-option" }, text, input)];
  };
  const [from, fromLabel] = field("Start");
  const [to, toLabel] = field("End");
  const trim = tool("Trim", "Keep only the part between Start and End");
  const paintMode = tool("Paint occlusion", "Paint over a region: it is covered on every frame");
  paintMode.setAttribute("aria-pressed", "false");
  const brush = element("input", { type: "range", min: 4, max: 96, value: 24, attrs: { "aria-label": "Brush size" } });
  const color = element("input", { type: "color", value: "#000000", attrs: { "aria-label": "Occlusion colour" } });
  const brushControls = element("span", { className: "nbshare-tool-option" }, "Brush", brush, color);
  const undo = tool("Undo");
  const redo = tool("Redo");
  const reset = tool("Reset");
  const replace = tool("Replace");
  const download = tool("Download");
  const rerecord = tool("Record again", "Record a new clip with the camera");
  const trimControls = element("span", { className: "nbshare-tool-group" }, fromLabel, toLabel, element("span", { textContent: "s" }), trim);
  const toolbar = element("div", { className: "nbshare-toolbar", role: "toolbar" },
    play, trimControls, paintMode, brushControls, undo, redo, reset, replace, rerecord, download);
  suppressShortcuts(from, to, brush, color, startHandle, endHandle);
  const [message, showMessage] = messageLine();
  const camera = cameraRecorder({ tool, maxDuration: () => model.get("max_duration"), load: (file) => load(file), showMessage, onChange: () => update() });
  drop.append(element("span", { textContent: " " }), camera.record);
  el.append(label, drop, camera.panel, stage, timeline, scores.node, info, toolbar, message);

  let selection = [0, 0]; // in seconds of the clip as it is now
  let painting = false;
  let local = { current: null, pending: null }; // {token, url} of files this page sent
  let remote = null; // {revision, url} of a file Python sent
  let fetching = false;
  const hasClip = () => model.get("width") > 0;
  const kept = () => Math.max(0, model.get("end") - model.get("start"));

  // -- the file to play ----------------------------------------------------------------------------------------
  function source() {
    const mediaToken = model.get("media_token");
    if (mediaToken) {
      if (local.pending?.token === mediaToken) {
        if (local.current) URL.revokeObjectURL(local.current.url);
        local = { current: local.pending, pending: null };
      }
      if (local.current?.token === mediaToken) return local.current.url;
      if (remote?.token === mediaToken) return remote.url;
      if (!fetching) { fetching = true; model.send({ event: "fetch" }); } // this view never had the file
      return null;
    }
    const media = model.get("media");
    if (!media || !media.byteLength) return null;
    if (remote?.media !== media) {
      if (remote) URL.revokeObjectURL(remote.url);
      remote = { media, url: URL.createObjectURL(new Blob([asBuffer(media)], { type: model.get("media_type") || "video/mp4" })) };
    }
    return remote.url;
  }
  function onCustom(content, buffers) {
    if (content?.event !== "media" || !buffers?.length) return;
    fetching = false;
    if (remote) URL.revokeObjectURL(remote.url);
    const blob = new Blob([asBuffer(buffers[0])], { type: model.get("media_type") || "video/mp4" });
    remote = { token: model.get("media_token"), url: URL.createObjectURL(blob) };
    showClip();
  }

  function showClip() {
    const url = hasClip() ? source() : null;
    if (!url) {
      if (video.getAttribute("src")) { video.removeAttribute("src"); video.load(); }
    } else if (video.getAttribute("src") !== url) {
      video.src = url;
    }
    const width = model.get("width"), height = model.get("height");
    if (hasClip()) stage.style.setProperty("--nbshare-video-ratio", `${width} / ${height}`);
    stage.style.setProperty("--nbshare-video-aspect", hasClip() ? String(width / height) : "1.7778");
    if (url && video.readyState >= 1) seek(selection[0]);
  }

  // -- showing the state ---------------------------------------------------------------------------------------
  function update() {
    label.textContent = model.get("label");
    const interactive = model.get("interactive");
    const sources = model.get("sources");
    const upload = sources.includes("upload"), record = sources.includes("camera") && canRecord();
    drop.hidden = !interactive || hasClip() || !(upload || record) || camera.recording();
    choose.hidden = fileInput.disabled = !upload;
    drop.firstChild.textContent = upload ? "Drop a video file here (MP4, MOV, WebM), or " : "";
    camera.record.hidden = !record;
    rerecord.hidden = !interactive || !record || camera.recording();
    replace.hidden = !interactive || !upload;
    stage.hidden = timeline.hidden = info.hidden = toolbar.hidden = !hasClip();
    for (const node of [trimControls, paintMode, brushControls, undo, redo, reset]) node.hidden = !interactive;
    startHandle.hidden = endHandle.hidden = range.hidden = !interactive;
    download.hidden = interactive;
    undo.disabled = !model.get("can_undo");
    redo.disabled = !model.get("can_redo");
    reset.disabled = model.get("edit_count") === 0;
    brushControls.hidden = !interactive || !painting;
    paintMode.setAttribute("aria-pressed", String(painting));
    stage.classList.toggle("nbshare-video-painting", painting);
    const occluded = model.get("occlusions").length;
    info.textContent = hasClip()
      ? `${seconds(kept())} of ${seconds(model.get("duration"))} · ${model.get("width")}×${model.get("height")} · ${model.get("frame_rate").toFixed(3).replace(/\.?0+$/, "")} fps`
        + (occluded ? ` · ${occluded} occlusion${occluded > 1 ? "s" : ""}` : "")
      : "";
    paint.setAttribute("aria-label", `${model.get("label")}: ${info.textContent}${painting ? "; drag to paint an occlusion" : ""}`);
    showMessage(model.get("message"));
    drawTimeline();
    drawOcclusions();
    strip.update();
    scores.update();
    if (!hasClip()) scores.node.hidden = true;
  }

  function drawTimeline() {
    const length = kept() || 1;
    const [a, b] = selection;
    const percent = (t) => `${(100 * Math.max(0, Math.min(length, t))) / length}%`;
    startHandle.style.left = percent(a);
    endHandle.style.left = percent(b);
    range.style.left = percent(a);
    range.style.width = `${(100 * (b - a)) / length}%`;
    for (const [node, value] of [[startHandle, a], [endHandle, b]]) {
      node.setAttribute("aria-valuemax", kept().toFixed(2));
      node.setAttribute("aria-valuenow", value.toFixed(2));
      node.setAttribute("aria-valuetext", seconds(value));
    }
    playhead.style.left = percent(video.currentTime - model.get("start"));
    trim.disabled = !(b - a > 0.001) || (a < 0.005 && b > length - 0.005);
  }

  // The occlusions in effect (frame pixels, from Python), then the stroke being painted, over the video.
  let stroke = null; // {points (frame pixels), width (frame pixels), color, pointer}
  function drawOcclusions() {
    const shapes = hasClip() ? [...model.get("occlusions"), ...(stroke ? [stroke] : [])] : [];
    drawShapes(paint, stage.getBoundingClientRect(), { width: model.get("width"), height: model.get("height") }, shapes);
  }

  function setSelection(a, b, fromFields = false) {
    const length = kept();
    a = Math.max(0, Math.min(length, a));
    b = Math.max(0, Math.min(length, b));
    selection = [Math.min(a, b), Math.max(a, b)];
    if (!fromFields) {
      from.value = selection[0].toFixed(2);
      to.value = selection[1].toFixed(2);
    }
    drawTimeline();
  }

  function seek(t) {
    if (!hasClip() || video.readyState < 1) return;
    video.currentTime = Math.max(0, Math.min(model.get("duration"), model.get("start") + Math.max(0, Math.min(kept(), t))));
  }

  // -- getting a clip ------------------------------------------------------------------------------------------
  async function load(file) {
    if (!file) return;
    const problem = fileProblem(file, model.get("max_upload_bytes"));
    if (problem) { showMessage(problem); return; }
    const sent = { token: token(), url: URL.createObjectURL(file) };
    const duration = await mediaDuration(sent.url);
    if (duration !== null && duration > model.get("max_duration") + 0.5) {
      URL.revokeObjectURL(sent.url);
      showMessage(`${file.name} lasts ${seconds(duration)}; the limit is ${seconds(model.get("max_duration"))} (trim it before uploading)`);
      return;
    }
    if (local.pending) URL.revokeObjectURL(local.pending.url);
    local.pending = sent;
    showMessage("");
    sendInParts(model, { name: file.name, size: file.size, token: sent.token }, await file.arrayBuffer());
  }
  listen(choose, "click", () => fileInput.click());
  listen(replace, "click", () => fileInput.click());
  listen(rerecord, "click", () => camera.record.click());
  listen(fileInput, "change", () => { load(fileInput.files[0]); fileInput.value = ""; });
  acceptDrops(listeners, [drop, stage], () => model.get("interactive"), load);

  // -- playing, within the kept part ---------------------------------------------------------------------------
  let frame = null;
  const stopPlaying = () => { video.pause(); play.textContent = "▶ Play"; cancelAnimationFrame(frame); };
  const follow = () => {
    if (video.paused || video.currentTime >= model.get("start") + selection[1] - 0.01) {
      stopPlaying();
      drawTimeline();
      return;
    }
    drawTimeline();
    frame = requestAnimationFrame(follow);
  };
  listen(play, "click", async () => {
    if (!video.paused) { stopPlaying(); return; }
    const at = video.currentTime - model.get("start");
    if (at < selection[0] || at >= selection[1] - 0.02) seek(selection[0]);
    try {
      await video.play();
    } catch (error) {
      showMessage(`This browser would not play the clip: ${error.message}`);
      return;
    }
    play.textContent = "■ Pause";
    follow();
  });
  listen(video, "loadedmetadata", () => { seek(selection[0]); drawOcclusions(); });
  listen(video, "seeked", drawTimeline);
  listen(video, "error", () => hasClip() && showMessage("This browser cannot play this clip; trimming and occluding still work on the timeline"));

  // -- the timeline: drag a handle (or use arrow keys), or click the track to see a moment ---------------------
  const timeAt = (event) => {
    const box = timeline.getBoundingClientRect();
    return ((event.clientX - box.left) / box.width) * kept();
  };
  let dragging = null;
  for (const [node, index] of [[startHandle, 0], [endHandle, 1]]) {
    listen(node, "pointerdown", (event) => {
      if (event.button !== 0) return;
      event.preventDefault();
      event.stopPropagation();
      node.setPointerCapture(event.pointerId);
      dragging = { index, pointer: event.pointerId };
      stopPlaying();
    });
    listen(node, "pointermove", (event) => {
      if (!dragging || dragging.pointer !== event.pointerId) return;
      const t = timeAt(event);
      const [a, b] = selection;
      setSelection(index === 0 ? Math.min(t, b) : a, index === 1 ? Math.max(t, a) : b);
      seek(selection[index]);
    });
    const done = () => { dragging = null; };
    listen(node, "pointerup", done);
    listen(node, "pointercancel", done);
    listen(node, "keydown", (event) => {
      const step = (event.shiftKey ? 10 : 1) * STEP;
      const change = { ArrowLeft: -step, ArrowDown: -step, ArrowRight: step, ArrowUp: step }[event.key];
      if (change === undefined) return;
      event.preventDefault();
      const [a, b] = selection;
      setSelection(index === 0 ? Math.min(a + change, b) : a, index === 1 ? Math.max(b + change, a) : b);
      seek(selection[index]);
    });
  }
  listen(timeline, "pointerdown", (event) => {
    if (event.button !== 0 || !hasClip()) return;
    stopPlaying();
    seek(timeAt(event));
  });

  // -- the fields and edits ------------------------------------------------------------------------------------
  const fromFields = () => setSelection(Number(from.value || 0), Number(to.value || 0), true);
  listen(from, "input", fromFields);
  listen(to, "input", fromFields);
  listen(from, "change", () => seek(selection[0]));
  listen(to, "change", () => seek(selection[1]));
  const edit = (change) => model.send({ event: "edit", edit: change });
  const sendTrim = () => {
    const [a, b] = selection;
    if (!trim.disabled) edit({ op: "trim", start: Math.round(a * 1000) / 1000, end: Math.round(b * 1000) / 1000 });
  };
  listen(trim, "click", sendTrim);
  for (const input of [from, to]) listen(input, "keydown", (event) => { if (event.key === "Enter") { fromFields(); sendTrim(); } });
  listen(undo, "click", () => edit({ op: "undo" }));
  listen(redo, "click", () => edit({ op: "redo" }));
  listen(reset, "click", () => edit({ op: "reset" }));
  listen(el, "keydown", (event) => {
    const key = event.key.toLowerCase();
    if (!(event.ctrlKey || event.metaKey) || key !== "z" || !model.get("interactive") || event.target.tagName === "INPUT") return;
    event.preventDefault();
    edit({ op: event.shiftKey ? "redo" : "undo" });
  });

  // -- painting an occlusion on the frame shown: strokes in the frame's own pixels ------------------------------
  listen(paintMode, "click", () => { painting = !painting; update(); });
  const toFrame = (event) => {
    const box = paint.getBoundingClientRect();
    const width = video.videoWidth || model.get("width"), height = video.videoHeight || model.get("height");
    const x = ((event.clientX - box.left) / box.width) * width, y = ((event.clientY - box.top) / box.height) * height;
    // the frame's size as Python reads it (the browser's is the same, upright; this guards a rounding difference)
    return [Math.round((x * model.get("width")) / width * 100) / 100, Math.round((y * model.get("height")) / height * 100) / 100];
  };
  const brushWidth = () => {
    const box = paint.getBoundingClientRect();
    const pixels = (Number(brush.value) * model.get("width")) / Math.max(1, box.width); // on-screen size, in frame pixels
    return Math.max(1, Math.min(Math.max(model.get("width"), model.get("height")), Math.round(pixels * 100) / 100));
  };
  listen(paint, "pointerdown", (event) => {
    if (!painting || !model.get("interactive") || !hasClip() || event.button !== 0) return;
    event.preventDefault();
    paint.setPointerCapture(event.pointerId);
    stopPlaying();
    stroke = { points: [toFrame(event)], width: brushWidth(), color: color.value, pointer: event.pointerId };
    drawOcclusions();
  });
  listen(paint, "pointermove", (event) => {
    if (!stroke || stroke.pointer !== event.pointerId) return;
    const spacing = Math.max(0.75, stroke.width / 4); // closer points add nothing but cost
    for (const move of event.getCoalescedEvents?.() ?? [event]) {
      const point = toFrame(move);
      const last = stroke.points[stroke.points.length - 1];
      if (Math.hypot(point[0] - last[0], point[1] - last[1]) >= spacing) stroke.points.push(point);
      stroke.last = point;
    }
    drawOcclusions();
  });
  const finish = (event) => {
    if (!stroke || stroke.pointer !== event.pointerId) return;
    const done = stroke;
    if (event.type === "pointercancel") { stroke = null; drawOcclusions(); return; }
    if (done.last && done.last !== done.points[done.points.length - 1]) done.points.push(done.last);
    edit({ op: "occlude", points: done.points, width: done.width, color: done.color });
    // the stroke stays drawn until Python's occlusions replace it (or its refusal clears it)
  };
  listen(paint, "pointerup", finish);
  listen(paint, "pointercancel", finish);
  listen(video, "click", () => play.click());

  listen(download, "click", () => {
    const url = video.getAttribute("src");
    if (!url) return;
    fetch(url).then((response) => response.arrayBuffer()).then((bytes) => {
      const stem = (model.get("label") || "video").replace(/[^\w.-]+/g, "_");
      downloadBytes(bytes, `${stem}.${model.get("media_type") === "video/webm" ? "webm" : "mp4"}`, model.get("media_type"));
    });
  });

  const onRevision = () => {
    stopPlaying();
    stroke = null;
    selection = [0, kept()];
    from.value = hasClip() ? "0.00" : "";
    to.value = hasClip() ? kept().toFixed(2) : "";
    for (const input of [from, to]) input.max = kept().toFixed(2);
    showClip();
    update();
  };
  const onMessage = () => { if (model.get("message")) { stroke = null; } update(); };
  listeners.on("change:label change:interactive change:sources change:can_undo change:can_redo change:edit_count", update);
  listeners.on("change:message", onMessage);
  listeners.on("change:filmstrip change:filmstrip_times change:frame_scores change:frame_score_times", update);
  listeners.on("change:revision", onRevision);
  listeners.on("msg:custom", onCustom);
  const resize = new ResizeObserver(() => { drawOcclusions(); drawTimeline(); if (hasClip()) scores.update(); });
  resize.observe(stage);
  listeners.defer(() => {
    resize.disconnect();
    stopPlaying();
    camera.dispose();
    strip.dispose();
    for (const kept of [local.current, local.pending, remote]) if (kept) URL.revokeObjectURL(kept.url);
  });
  onRevision();
  return listeners.dispose;
}

export default { render };
