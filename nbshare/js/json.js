// JSON output, pretty-printed as text (never parsed as HTML).
import { bind, element, fieldLabel } from "./helpers.js";

function render({ model, el }) {
  el.classList.add("nbshare-field");
  const heading = fieldLabel();
  const pre = element("pre", { className: "nbshare-output-box nbshare-json", role: "status" });
  const update = () => {
    heading.textContent = model.get("label");
    pre.setAttribute("aria-label", model.get("label"));
    const value = model.get("value");
    pre.textContent = value === null ? "" : JSON.stringify(value, null, 2);
  };
  const listeners = bind(model, "change:value change:label", update);
  el.append(heading, pre);
  update();
  return listeners.dispose;
}

export default { render };
