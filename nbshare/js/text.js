// Text output: the function's text, selectable, with a Copy button.
import { bind, button, element, fieldLabel, uniqueId } from "./helpers.js";

function render({ model, el }) {
  const id = uniqueId("nbshare-text");
  el.classList.add("nbshare-field");
  const label = Object.assign(fieldLabel(), { id: `${id}-label` });
  const box = element("div", { className: "nbshare-output-box", id, role: "status", attrs: { "aria-labelledby": label.id } });
  const copy = button("Copy");

  const update = () => {
    label.textContent = model.get("label");
    box.textContent = model.get("value");
    copy.setAttribute("aria-label", `Copy ${model.get("label")}`);
  };
  const listeners = bind(model, "change:value change:label", update);
  listeners.listen(copy, "click", () => navigator.clipboard?.writeText(model.get("value")));
  el.append(label, element("div", { className: "nbshare-output-row" }, box, copy));
  update();
  return listeners.dispose;
}

export default { render };
