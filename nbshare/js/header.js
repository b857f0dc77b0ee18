// Title (plain text) and description (HTML sanitized by Python) above the interface.
function render({ model, el }) {
  el.classList.add("nbshare-header");
  const title = document.createElement("h2");
  const description = document.createElement("div");
  description.className = "nbshare-description";
  const update = () => {
    title.textContent = model.get("title");
    title.hidden = !model.get("title");
    description.innerHTML = model.get("description_html");
  };
  el.append(title, description);
  update();
  model.on("change:title", update);
  model.on("change:description_html", update);
  return () => {
    model.off("change:title", update);
    model.off("change:description_html", update);
  };
}

export default { render };
