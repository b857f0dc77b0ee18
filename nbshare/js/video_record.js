// Recording a clip with the camera (getUserMedia + MediaRecorder, WebM): Record, then Stop; the recording is then
// sent like a chosen file. Python reads the recording's length by counting its packets (Chrome's WebM has none in
// its header).
import { element } from "./helpers.js";

const seconds = (value) => `${value.toFixed(1)} s`;
export const canRecord = () => Boolean(navigator.mediaDevices?.getUserMedia) && typeof MediaRecorder !== "undefined";

// `tool(text, title)` makes a button; `maxDuration()` in seconds; `load(file)` sends it; `showMessage(text)`.
export function cameraRecorder({ tool, maxDuration, load, showMessage, onChange }) {
  const record = tool("● Record", "Record a clip with the camera");
  const stop = tool("■ Stop", "Stop recording and use the clip");
  const preview = element("video", { className: "nbshare-video-live", playsInline: true, muted: true, autoplay: true,
    attrs: { "aria-label": "The camera, recording" } });
  const status = element("span", { className: "nbshare-video-recording", attrs: { role: "status" } });
  const panel = element("div", { className: "nbshare-video-recorder" }, preview, element("div", { className: "nbshare-toolbar" }, stop, status));
  panel.hidden = true;
  let recorder = null, stream = null, timer = null, gone = false;

  const release = () => {
    clearInterval(timer);
    stream?.getTracks().forEach((track) => track.stop());
    stream = null;
    preview.srcObject = null;
    panel.hidden = true;
    recorder = null;
    onChange();
  };
  const start = async () => {
    if (recorder) return;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
    } catch (error) {
      showMessage(`The camera is not available: ${error.message}`);
      return;
    }
    const type = ["video/webm;codecs=vp8", "video/webm"].find((kind) => MediaRecorder.isTypeSupported?.(kind));
    recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
    const chunks = [];
    const started = performance.now();
    recorder.addEventListener("dataavailable", (event) => { if (event.data.size) chunks.push(event.data); });
    recorder.addEventListener("stop", () => {
      const kind = (chunks[0]?.type || "video/webm").split(";")[0];
      release();
      if (gone) return;
      if (!chunks.length) { showMessage("The camera recorded nothing; try again"); return; }
      load(new File(chunks, kind.includes("mp4") ? "recording.mp4" : "recording.webm", { type: kind }));
    });
    timer = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      status.textContent = `Recording… ${seconds(elapsed)} of at most ${seconds(maxDuration())}`;
      if (elapsed >= maxDuration() && recorder?.state === "recording") recorder.stop();
    }, 200);
    preview.srcObject = stream;
    status.textContent = "Recording…";
    panel.hidden = false;
    showMessage("");
    onChange();
    recorder.start(250);
  };
  record.addEventListener("click", start);
  stop.addEventListener("click", () => { if (recorder?.state === "recording") recorder.stop(); });
  const recording = () => recorder !== null;
  const dispose = () => { gone = true; if (recorder?.state === "recording") recorder.stop(); else release(); };
  return { record, panel, recording, dispose };
}
