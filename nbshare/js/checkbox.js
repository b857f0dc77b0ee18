// A yes/no box with its label beside it.
import { bind, element, fieldLabel, suppressShortcuts } from "./helpers.js";

function render({ model, el }) {
  el.classList.add("nbshare-field");
  const box = element("input", { type: "checkbox" });
  suppressShortcuts(box);
  const text = fieldLabel();
  el.append(element("label", { className: "nbshare-choice" }, box, text));

  const update = () => {
    text.textContent = model.get("label");
    box.checked = model.get("value");
    box.disabled = !model.get("interactive");
  };
  const listeners = bind(model, "change:value change:label change:interactive", update);
  listeners.listen(box, "change", () => {
    model.set("value", box.checked);
    model.save_changes();
  });
  update();
  return listeners.dispose;
}

export default { render };
