// File input (upload within a size limit) and output (a download button for the file the function returned).
function render({ model, el }) {
  const controller = new AbortController();
  const listen = (target, type, handler) => target.addEventListener(type, handler, { signal: controller.signal });
  el.classList.add("nbshare-field", "nbshare-file");
  const label = element("span", { className: "nbshare-label" });
  const input = element("input", { type: "file", hidden: true });
  input.setAttribute("aria-label", "Choose file");
  const choose = element("button", { type: "button", className: "nbshare-button", textContent: "Choose file" });
  const drop = element("div", { className: "nbshare-drop", tabIndex: 0 }, element("span", { textContent: "Drop a file here, or " }), choose, input);
  const name = element("span", { className: "nbshare-file-name" });
  const download = element("button", { type: "button", className: "nbshare-button", textContent: "Download" });
  const replace = element("button", { type: "button", className: "nbshare-button nbshare-tool", textContent: "Replace" });
  const shown = element("div", { className: "nbshare-file-row nbshare-output-box" }, name, download, replace);
  const message = element("div", { className: "nbshare-error", role: "alert", hidden: true });
  el.append(label, drop, shown, message);
  const showMessage = (text) => { message.textContent = text; message.hidden = !text; };

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
    file.arrayBuffer().then((bytes) => sendInParts(model, { name: file.name, mime: file.type }, bytes));
  }
  listen(choose, "click", () => input.click());
  listen(replace, "click", () => input.click());
  listen(input, "change", () => { upload(input.files[0]); input.value = ""; });
  acceptDrops([drop], listen, () => true, upload);
  listen(download, "click", () => model.send({ event: "download" }));
  const onCustom = (content, buffers) => {
    if (content?.event === "download" && buffers?.length) downloadBytes(buffers[0].buffer ?? buffers[0], content.name);
  };
  const events = ["change:label", "change:interactive", "change:file_name", "change:file_size", "change:message", "change:file_types"];
  events.forEach((name) => model.on(name, update));
  model.on("msg:custom", onCustom);
  update();
  return () => {
    controller.abort();
    events.forEach((name) => model.off(name, update));
    model.off("msg:custom", onCustom);
  };
}

export default { render };
