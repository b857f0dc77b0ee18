// Audio input and output. The browser decodes the file (Web Audio API) and sends PCM samples; Python keeps the
// clip and its edit log, and sends back what to draw (a min/max waveform) and, when asked, a WAV to play.
import { asBuffer, bind, element, fieldLabel, messageLine, seconds, suppressShortcuts, toolButton } from "./helpers.js";
import { acceptDrops, downloadBytes, fileProblem, formatBytes, sendInParts } from "./upload.js";

const FALLBACK_RATE = 48000;
// With max_upload_bytes None, the upload budget is max_duration of 48 kHz stereo float32 (Python's BYTES_PER_SECOND).
const BYTES_PER_SECOND = 48000 * 2 * 4;
const uploadLimit = (model) => model.get("max_upload_bytes") ?? Math.ceil(model.get("max_duration") * BYTES_PER_SECOND);

// The file's own sample rate, so decoding does not resample: WAV "fmt " chunk, FLAC STREAMINFO, MPEG audio header.
function sniffSampleRate(bytes) {
  const view = new DataView(bytes);
  const text = (offset, length) => String.fromCharCode(...new Uint8Array(bytes, offset, Math.min(length, bytes.byteLength - offset)));
  if (bytes.byteLength >= 28 && text(0, 4) === "RIFF" && text(8, 4) === "WAVE") {
    for (let offset = 12; offset + 16 <= bytes.byteLength; offset += 8 + view.getUint32(offset + 4, true) + (view.getUint32(offset + 4, true) & 1)) {
      if (text(offset, 4) === "fmt ") return view.getUint32(offset + 12, true);
    }
  }
  if (bytes.byteLength >= 21 && text(0, 4) === "fLaC") return (view.getUint32(18) >>> 12) & 0xfffff;
  let start = 0;
  if (bytes.byteLength >= 10 && text(0, 3) === "ID3") {
    const size = [6, 7, 8, 9].reduce((sum, index) => (sum << 7) | (view.getUint8(index) & 0x7f), 0);
    start = 10 + size;
  }
  if (start + 4 <= bytes.byteLength && view.getUint8(start) === 0xff && (view.getUint8(start + 1) & 0xe0) === 0xe0) {
    const version = (view.getUint8(start + 1) >> 3) & 3;
    const index = (view.getUint8(start + 2) >> 2) & 3;
    const base = [44100, 48000, 32000][index];
    if (base) return version === 3 ? base : version === 2 ? base / 2 : version === 0 ? base / 4 : null;
  }
  return null;
}

async function decodeAudio(bytes) {
  const rate = sniffSampleRate(bytes);
  const context = new OfflineAudioContext(1, 1, rate >= 3000 && rate <= 768000 ? rate : FALLBACK_RATE);
  const buffer = await context.decodeAudioData(bytes.slice(0));
  const channels = buffer.numberOfChannels;
  const samples = new Float32Array(buffer.length * channels);
  for (let channel = 0; channel < channels; channel++) {
    const data = buffer.getChannelData(channel);
    for (let frame = 0; frame < data.length; frame++) samples[frame * channels + channel] = data[frame];
  }
  return { sampleRate: buffer.sampleRate, channels, frames: buffer.length, samples };
}


function render({ model, el }) {
  const listeners = bind(model);
  const listen = listeners.listen;
  const tool = toolButton;
  el.classList.add("nbshare-field", "nbshare-audio");

  const label = fieldLabel();
  const fileInput = element("input", { type: "file", accept: "audio/*", hidden: true, attrs: { "aria-label": "Choose audio file" } });
  const choose = tool("Choose audio");
  const record = tool("Record");
  const drop = element("div", { className: "nbshare-drop", tabIndex: 0 },
    element("span", { textContent: "Drop an audio file here, or " }), choose, record, fileInput);
  const recording = element("div", { className: "nbshare-recording", hidden: true, role: "status" });

  const canvas = element("canvas", { className: "nbshare-waveform", height: 96, attrs: { role: "img" } });
  const info = element("div", { className: "nbshare-audio-info" });
  const play = tool("▶ Play", "Play (the selection, if any)");
  const download = tool("Download", "Download as WAV");
  const from = element("input", { type: "number", min: 0, step: 0.01, className: "nbshare-input nbshare-time",
    attrs: { "aria-label": "Selection start (seconds)" } });
  const to = element("input", { type: "number", min: 0, step: 0.01, className: "nbshare-input nbshare-time",
    attrs: { "aria-label": "Selection end (seconds)" } });
  const trim = tool("Trim to selection");
  const snr = element("input", { type: "number", min: -20, max: 100, step: 1, value: 20, className: "nbshare-input nbshare-snr",
    attrs: { "aria-label": "Signal-to-noise ratio (dB)" } });
  const noise = tool("Add noise", "Add white noise at this signal-to-noise ratio");
  const undo = tool("Undo");
  const redo = tool("Redo");
  const reset = tool("Reset");
  const replace = tool("Replace");
  const selectionControls = element("span", { className: "nbshare-choice" }, "Select", from, "to", to, "s");
  const noiseControls = element("span", { className: "nbshare-choice" }, snr, "dB SNR", noise);
  const toolbar = element("div", { className: "nbshare-toolbar", role: "toolbar" },
    play, selectionControls, trim, noiseControls, undo, redo, reset, replace, download);
  suppressShortcuts(...toolbar.querySelectorAll("input"));
  const player = element("audio", { hidden: true });
  const [message, showMessage] = messageLine();
  el.append(label, drop, recording, canvas, info, toolbar, player, message);

  let selection = null; // [start, end] in seconds of the clip as shown
  let playback = { revision: -1, url: null, buffer: null };
  let pending = [];
  const hasClip = () => model.get("duration") > 0;

  function update() {
    label.textContent = model.get("label");
    const interactive = model.get("interactive");
    const sources = model.get("sources");
    drop.hidden = !interactive || hasClip() || sources.length === 0;
    choose.hidden = replace.hidden = !sources.includes("upload");
    record.hidden = !sources.includes("microphone") || !navigator.mediaDevices?.getUserMedia || typeof MediaRecorder === "undefined";
    canvas.hidden = info.hidden = toolbar.hidden = !hasClip();
    for (const node of [selectionControls, trim, noiseControls, undo, redo, reset, replace]) node.hidden = !interactive;
    undo.disabled = !model.get("can_undo");
    redo.disabled = !model.get("can_redo");
    reset.disabled = model.get("edit_count") === 0;
    trim.disabled = !selection;
    const channels = model.get("channels");
    info.textContent = hasClip()
      ? `${seconds(model.get("duration"))} · ${(model.get("sample_rate") / 1000).toFixed(1)} kHz · ${channels === 1 ? "mono" : channels === 2 ? "stereo" : `${channels} channels`}`
      : "";
    canvas.setAttribute("aria-label", `${model.get("label")}: waveform, ${info.textContent}`);
    showMessage(model.get("message"));
    draw();
  }

  function draw(playhead = null) {
    const width = Math.max(1, Math.round(canvas.clientWidth * devicePixelRatio)) || 600;
    if (canvas.width !== width) canvas.width = width;
    const height = canvas.height;
    const context = canvas.getContext("2d");
    context.clearRect(0, 0, width, height);
    const raw = model.get("peaks");
    const columns = raw && raw.byteLength ? raw.byteLength / 8 : 0;
    if (!columns) return;
    const peaks = new Float32Array(asBuffer(raw), 0, columns * 2);
    const duration = model.get("duration");
    if (selection) {
      context.fillStyle = "rgba(37, 99, 235, 0.18)";
      context.fillRect((selection[0] / duration) * width, 0, ((selection[1] - selection[0]) / duration) * width, height);
    }
    context.fillStyle = getComputedStyle(el).getPropertyValue("--nbshare-accent") || "#2563eb";
    for (let x = 0; x < width; x++) {
      const column = Math.min(columns - 1, Math.floor((x / width) * columns));
      const low = peaks[column], high = peaks[columns + column];
      const top = ((1 - Math.min(1, high)) / 2) * height, bottom = ((1 - Math.max(-1, low)) / 2) * height;
      context.fillRect(x, top, 1, Math.max(1, bottom - top));
    }
    if (playhead !== null) {
      context.fillStyle = "#dc2626";
      context.fillRect((playhead / duration) * width, 0, 2, height);
    }
  }

  function setSelection(start, end, fromInputs = false) {
    const duration = model.get("duration");
    const [a, b] = [Math.max(0, Math.min(duration, start)), Math.max(0, Math.min(duration, end))].sort((x, y) => x - y);
    selection = b - a > 0.001 ? [a, b] : null;
    if (!fromInputs) {
      from.value = selection ? selection[0].toFixed(2) : "";
      to.value = selection ? selection[1].toFixed(2) : "";
    }
    update();
  }

  // -- getting a clip ------------------------------------------------------------------------------------------
  async function load(file) {
    if (!file) return;
    const problem = fileProblem(file, uploadLimit(model));
    if (problem) { showMessage(problem); return; }
    showMessage("Decoding…");
    let clip;
    try {
      clip = await decodeAudio(await file.arrayBuffer());
    } catch (error) {
      showMessage(`${file.name} could not be decoded as audio by this browser (${error.message || error.name}); try WAV, MP3, FLAC or Ogg`);
      return;
    }
    const duration = clip.frames / clip.sampleRate;
    if (duration > model.get("max_duration")) {
      showMessage(`${file.name} is ${seconds(duration)} long; the limit is ${seconds(model.get("max_duration"))}`);
      return;
    }
    if (clip.samples.byteLength > uploadLimit(model)) {
      showMessage(`${file.name} is ${formatBytes(clip.samples.byteLength)} once decoded; the limit is ${formatBytes(uploadLimit(model))}`);
      return;
    }
    showMessage("");
    selection = null;
    from.value = to.value = "";
    sendInParts(model, { name: file.name, sample_rate: clip.sampleRate, channels: clip.channels, frames: clip.frames }, clip.samples);
  }
  listen(choose, "click", () => fileInput.click());
  listen(replace, "click", () => fileInput.click());
  listen(fileInput, "change", () => { load(fileInput.files[0]); fileInput.value = ""; });
  acceptDrops(listeners, [drop, canvas], () => model.get("interactive"), load);

  let recorder = null;
  listen(record, "click", async () => {
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      showMessage(`The microphone is not available: ${error.message}`);
      return;
    }
    const chunks = [];
    recorder = new MediaRecorder(stream);
    const started = performance.now();
    const stop = tool("■ Stop");
    const timer = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      recording.firstChild.textContent = `Recording… ${seconds(elapsed)} `;
      if (elapsed >= model.get("max_duration")) recorder.stop();
    }, 200);
    recording.replaceChildren(element("span", { textContent: "Recording… " }), stop);
    recording.hidden = false;
    drop.hidden = true;
    stop.addEventListener("click", () => recorder.state !== "inactive" && recorder.stop());
    recorder.addEventListener("dataavailable", (event) => chunks.push(event.data));
    recorder.addEventListener("stop", () => {
      clearInterval(timer);
      stream.getTracks().forEach((track) => track.stop());
      recording.hidden = true;
      recorder = null;
      update();
      const type = chunks[0]?.type || "audio/webm";
      load(new File(chunks, "recording.webm", { type }));
    });
    recorder.start();
  });

  // -- selection and edits -------------------------------------------------------------------------------------
  let dragStart = null;
  const timeAt = (event) => {
    const box = canvas.getBoundingClientRect();
    return ((event.clientX - box.left) / box.width) * model.get("duration");
  };
  listen(canvas, "pointerdown", (event) => {
    if (!hasClip() || event.button !== 0) return;
    canvas.setPointerCapture(event.pointerId);
    dragStart = timeAt(event);
    setSelection(dragStart, dragStart);
  });
  listen(canvas, "pointermove", (event) => { if (dragStart !== null) setSelection(dragStart, timeAt(event)); });
  listen(canvas, "pointerup", () => { dragStart = null; });
  const fromInputs = () => setSelection(Number(from.value || 0), Number(to.value || 0), true);
  listen(from, "input", fromInputs);
  listen(to, "input", fromInputs);
  const edit = (change) => model.send({ event: "edit", edit: change });
  listen(trim, "click", () => selection && edit({ op: "trim", start: selection[0], end: selection[1] }));
  listen(noise, "click", () => edit({ op: "noise", snr_db: Number(snr.value) }));
  listen(undo, "click", () => edit({ op: "undo" }));
  listen(redo, "click", () => edit({ op: "redo" }));
  listen(reset, "click", () => edit({ op: "reset" }));

  // -- playback and download: the WAV of the clip as edited, fetched from Python when first needed -----------
  function withPlayback(callback) {
    if (playback.revision === model.get("revision")) { callback(); return; }
    pending.push(callback);
    if (pending.length === 1) model.send({ event: "fetch" });
  }
  function onCustom(content, buffers) {
    if (content?.event !== "playback" || !buffers?.length) return;
    if (playback.url) URL.revokeObjectURL(playback.url);
    const buffer = buffers[0].buffer ?? buffers[0];
    playback = { revision: content.revision, url: URL.createObjectURL(new Blob([buffer], { type: "audio/wav" })), buffer };
    player.src = playback.url;
    const waiting = pending;
    pending = [];
    waiting.forEach((callback) => callback());
  }
  let frame = null;
  const stopPlaying = () => { player.pause(); play.textContent = "▶ Play"; cancelAnimationFrame(frame); draw(); };
  const followPlayhead = () => {
    const end = selection ? selection[1] : model.get("duration");
    if (player.paused || player.currentTime >= end) { stopPlaying(); return; }
    draw(player.currentTime);
    frame = requestAnimationFrame(followPlayhead);
  };
  listen(play, "click", () => {
    if (!player.paused) { stopPlaying(); return; }
    withPlayback(async () => {
      player.currentTime = selection ? selection[0] : 0;
      try {
        await player.play();
      } catch (error) {
        showMessage(`This browser would not play the clip: ${error.message}`);
        return;
      }
      play.textContent = "■ Stop";
      followPlayhead();
    });
  });
  listen(download, "click", () => withPlayback(() => {
    const stem = (model.get("label") || "audio").replace(/[^\w.-]+/g, "_");
    downloadBytes(playback.buffer, `${stem}.wav`, "audio/wav");
  }));

  const onRevision = () => { stopPlaying(); selection = null; from.value = to.value = ""; update(); };
  listeners.on("change:label change:interactive change:sources change:peaks change:duration change:can_undo "
    + "change:can_redo change:edit_count change:message", update);
  listeners.on("change:revision", onRevision);
  listeners.on("msg:custom", onCustom);
  const resize = new ResizeObserver(() => draw());
  resize.observe(canvas);
  listeners.defer(() => {
    resize.disconnect();
    if (recorder && recorder.state !== "inactive") recorder.stop();
    player.pause();
    if (playback.url) URL.revokeObjectURL(playback.url);
  });
  update();
  return listeners.dispose;
}

export default { render };
