// File input (upload within a size limit) and output (a download button for the file the function returned).
import { bind, button, element, fieldLabel, messageLine } from "./helpers.js";
import { acceptDrops, downloadBytes, fileProblem, formatBytes, sendInParts } from "./upload.js";

function render({ model, el }) {
  el.classList.add("nbshare-field", "nbshare-file");
  const label = fieldLabel();
  const input = element("input", { type: "file", hidden: true, attrs: { "aria-label": "Choose file" } });
  const choose = button("Choose file");
  const drop = element("div", { className: "nbshare-drop", tabIndex: 0 }, element("span", { textContent: "Drop a file here, or " }), choose, input);
  const name = element("span", { className: "nbshare-file-name" });
  const download = button("Download");
  const replace = button("Replace", { className: "nbshare-button nbshare-tool" });
  const shown = element("div", { className: "nbshare-file-row nbshare-output-box" }, name, download, replace);
  const [message, showMessage] = messageLine();
  el.append(label, drop, shown, message);

  function update() {
    label.textContent = model.get("label");
    const interactive = model.get("interactive");
    const size = model.get("file_size");
    const types = model.get("file_types");
    input.accept = types ? types.join(",") : "";
    drop.hidden = !interactive || size >= 0;
    shown.hidden = size < 0 && interactive;
    name.textContent = size >= 0 ? `${model.get("file_name")} (${formatBytes(size)})` : "No file";
    download.hidden = size < 0 || interactive;
    replace.hidden = !interactive;
    showMessage(model.get("message"));
  }
  function upload(file) {
    if (!file) return;
    const problem = fileProblem(file, model.get("max_upload_bytes"));
    if (problem) { showMessage(problem); return; }
    showMessage("Uploading…");
    // The size goes first: Python checks it against the limit before it holds any part.
    file.arrayBuffer().then((bytes) => sendInParts(model, { name: file.name, mime: file.type, size: bytes.byteLength }, bytes));
  }
  const listeners = bind(model, "change:label change:interactive change:file_name change:file_size change:message change:file_types", update);
  listeners.on("msg:custom", (content, buffers) => {
    if (content?.event === "download" && buffers?.length) downloadBytes(buffers[0].buffer ?? buffers[0], content.name);
  });
  listeners.listen(choose, "click", () => input.click());
  listeners.listen(replace, "click", () => input.click());
  listeners.listen(input, "change", () => { upload(input.files[0]); input.value = ""; });
  acceptDrops(listeners, [drop], () => true, upload);
  listeners.listen(download, "click", () => model.send({ event: "download" }));
  update();
  return listeners.dispose;
}

export default { render };
