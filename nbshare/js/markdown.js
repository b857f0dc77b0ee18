// Markdown or HTML output. The HTML arrives already sanitized by Python (nh3); it is only inserted here.
import { bind, element, fieldLabel } from "./helpers.js";

function render({ model, el }) {
  el.classList.add("nbshare-field");
  const heading = fieldLabel();
  const box = element("div", { className: "nbshare-output-box nbshare-rich", role: "status" });
  const update = () => {
    heading.textContent = model.get("label");
    box.setAttribute("aria-label", model.get("label"));
    box.innerHTML = model.get("html");
  };
  const listeners = bind(model, "change:html change:label", update);
  el.append(heading, box);
  update();
  return listeners.dispose;
}

export default { render };
