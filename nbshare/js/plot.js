// Plot output: the PNG Python rendered from a matplotlib figure.
import { bind, element, fieldLabel } from "./helpers.js";

function render({ model, el }) {
  el.classList.add("nbshare-field", "nbshare-plot");
  const heading = fieldLabel();
  const image = element("img", { className: "nbshare-plot-image" });
  el.append(heading, image);
  let url = null;
  const update = () => {
    heading.textContent = model.get("label");
    image.alt = model.get("label");
    const png = model.get("value");
    if (url) URL.revokeObjectURL(url);
    url = png && png.byteLength ? URL.createObjectURL(new Blob([png], { type: "image/png" })) : null;
    image.hidden = !url;
    image.src = url ?? "";
  };
  const listeners = bind(model, "change:value change:label", update).defer(() => { if (url) URL.revokeObjectURL(url); });
  update();
  return listeners.dispose;
}

export default { render };
