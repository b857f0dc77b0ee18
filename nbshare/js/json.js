// JSON output, pretty-printed as text (never parsed as HTML).
function render({ model, el }) {
  el.classList.add("nbshare-field");
  const heading = Object.assign(document.createElement("span"), { className: "nbshare-label" });
  const pre = Object.assign(document.createElement("pre"), { className: "nbshare-output-box nbshare-json", role: "status" });
  const update = () => {
    heading.textContent = model.get("label");
    pre.setAttribute("aria-label", model.get("label"));
    const value = model.get("value");
    pre.textContent = value === null ? "" : JSON.stringify(value, null, 2);
  };
  model.on("change:value", update);
  model.on("change:label", update);
  el.append(heading, pre);
  update();
  return () => {
    model.off("change:value", update);
    model.off("change:label", update);
  };
}

export default { render };
