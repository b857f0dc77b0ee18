// Text input: one line (Enter submits) or a text area (Ctrl/Cmd+Enter submits).
let fieldCount = 0;

function render({ model, el }) {
  const id = `nbshare-textbox-${++fieldCount}-${Math.random().toString(36).slice(2, 8)}`;
  const multiline = model.get("lines") > 1;
  el.classList.add("nbshare-field");
  const label = Object.assign(document.createElement("label"), { className: "nbshare-label", htmlFor: id });
  const input = document.createElement(multiline ? "textarea" : "input");
  Object.assign(input, { id, className: "nbshare-input" });
  input.dataset.lmSuppressShortcuts = "true"; // keys typed here are the field's, not JupyterLab's shortcuts
  if (multiline) input.rows = model.get("lines");
  else input.type = "text";

  const update = () => {
    label.textContent = model.get("label");
    input.placeholder = model.get("placeholder");
    input.maxLength = model.get("max_length");
    input.readOnly = !model.get("interactive");
    if (input.value !== model.get("value")) input.value = model.get("value");
  };
  const send = () => {
    model.set("value", input.value);
    model.save_changes();
  };
  const onKeydown = (event) => {
    if (event.key !== "Enter" || event.shiftKey || (multiline && !(event.ctrlKey || event.metaKey))) return;
    event.preventDefault();
    send();
    model.send({ event: "submit" });
  };
  input.addEventListener("input", send);
  input.addEventListener("keydown", onKeydown);
  const events = ["change:value", "change:label", "change:placeholder", "change:interactive", "change:max_length"];
  events.forEach((name) => model.on(name, update));
  el.append(label, input);
  update();
  return () => {
    input.removeEventListener("input", send);
    input.removeEventListener("keydown", onKeydown);
    events.forEach((name) => model.off(name, update));
  };
}

export default { render };
