// Title and description, both Markdown rendered and sanitized by Python above the interface.
function render({ model, el }) {
  el.classList.add("nbshare-header");
  const title = document.createElement("h2");
  const description = document.createElement("div");
  description.className = "nbshare-description";
  const update = () => {
    title.innerHTML = model.get("title_html");
    title.hidden = !model.get("title_html");
    description.innerHTML = model.get("description_html");
  };
  el.append(title, description);
  update();
  model.on("change:title_html", update);
  model.on("change:description_html", update);
  return () => {
    model.off("change:title_html", update);
    model.off("change:description_html", update);
  };
}

export default { render };
