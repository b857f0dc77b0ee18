// Classification output: the top class, then one bar per class, most likely first.
import { bind, element, fieldLabel } from "./helpers.js";

function render({ model, el }) {
  el.classList.add("nbshare-field");
  const heading = fieldLabel();
  const top = element("div", { className: "nbshare-label-top" });
  const bars = element("ul", { className: "nbshare-bars" });
  const box = element("div", { className: "nbshare-output-box", role: "status" }, top, bars);

  const bar = ({ label, confidence }) => {
    const fill = element("span");
    fill.style.width = `${Math.min(100, Math.max(0, confidence * 100))}%`;
    return element("li", { className: "nbshare-bar-row" },
      element("span", { className: "nbshare-bar-name", textContent: label, title: label }),
      element("span", { className: "nbshare-bar", attrs: { "aria-hidden": "true" } }, fill),
      element("span", { className: "nbshare-bar-value", textContent: `${(confidence * 100).toFixed(1)}%` }));
  };
  const update = () => {
    heading.textContent = model.get("label");
    box.setAttribute("aria-label", model.get("label"));
    const value = model.get("value");
    top.textContent = value?.label ?? "";
    bars.replaceChildren(...(value?.confidences ?? []).map(bar));
  };
  const listeners = bind(model, "change:value change:label", update);
  el.append(heading, box);
  update();
  return listeners.dispose;
}

export default { render };
