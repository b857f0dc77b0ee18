// Markdown or HTML output. The HTML arrives already sanitized by Python (nh3); it is only inserted here.
function render({ model, el }) {
  el.classList.add("nbshare-field");
  const heading = Object.assign(document.createElement("span"), { className: "nbshare-label" });
  const box = Object.assign(document.createElement("div"), { className: "nbshare-output-box nbshare-rich", role: "status" });
  const update = () => {
    heading.textContent = model.get("label");
    box.setAttribute("aria-label", model.get("label"));
    box.innerHTML = model.get("html");
  };
  model.on("change:html", update);
  model.on("change:label", update);
  el.append(heading, box);
  update();
  return () => {
    model.off("change:html", update);
    model.off("change:label", update);
  };
}

export default { render };
