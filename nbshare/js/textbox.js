// Text input: one line (Enter submits) or a text area (Ctrl/Cmd+Enter submits).
import { bind, element, fieldLabel, suppressShortcuts, uniqueId } from "./helpers.js";

function render({ model, el }) {
  const id = uniqueId("nbshare-textbox");
  const multiline = model.get("lines") > 1;
  el.classList.add("nbshare-field");
  const label = fieldLabel(id);
  const input = element(multiline ? "textarea" : "input", { id, className: "nbshare-input" });
  suppressShortcuts(input);
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
  const listeners = bind(model, "change:value change:label change:placeholder change:interactive change:max_length", update);
  listeners.listen(input, "input", send);
  listeners.listen(input, "keydown", (event) => {
    if (event.key !== "Enter" || event.shiftKey || (multiline && !(event.ctrlKey || event.metaKey))) return;
    event.preventDefault();
    send();
    model.send({ event: "submit" });
  });
  el.append(label, input);
  update();
  return listeners.dispose;
}

export default { render };
