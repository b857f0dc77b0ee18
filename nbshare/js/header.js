// Title and description, both Markdown rendered and sanitized by Python above the interface.
import { bind, element } from "./helpers.js";

function render({ model, el }) {
  el.classList.add("nbshare-header");
  const title = element("h2");
  const description = element("div", { className: "nbshare-description" });
  const update = () => {
    title.innerHTML = model.get("title_html");
    title.hidden = !model.get("title_html");
    description.innerHTML = model.get("description_html");
  };
  el.append(title, description);
  update();
  return bind(model, "change:title_html change:description_html", update).dispose;
}

export default { render };
