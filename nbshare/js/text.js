// Text output: the function's text, selectable, with a Copy button.
let fieldCount = 0;

function render({ model, el }) {
  const id = `nbshare-text-${++fieldCount}-${Math.random().toString(36).slice(2, 8)}`;
  el.classList.add("nbshare-field");
  const label = Object.assign(document.createElement("span"), { className: "nbshare-label", id: `${id}-label` });
  const row = Object.assign(document.createElement("div"), { className: "nbshare-output-row" });
  const box = Object.assign(document.createElement("div"), { className: "nbshare-output-box", id, role: "status" });
  box.setAttribute("aria-labelledby", label.id);
  const copy = Object.assign(document.createElement("button"), { type: "button", className: "nbshare-button", textContent: "Copy" });

  const update = () => {
    label.textContent = model.get("label");
    box.textContent = model.get("value");
    copy.setAttribute("aria-label", `Copy ${model.get("label")}`);
  };
  const onCopy = () => navigator.clipboard?.writeText(model.get("value"));
  copy.addEventListener("click", onCopy);
  model.on("change:value", update);
  model.on("change:label", update);
  row.append(box, copy);
  el.append(label, row);
  update();
  return () => {
    copy.removeEventListener("click", onCopy);
    model.off("change:value", update);
    model.off("change:label", update);
  };
}

export default { render };
