// A yes/no box with its label beside it.
function render({ model, el }) {
  el.classList.add("nbshare-field");
  const wrapper = Object.assign(document.createElement("label"), { className: "nbshare-choice" });
  const box = Object.assign(document.createElement("input"), { type: "checkbox" });
  box.dataset.lmSuppressShortcuts = "true"; // keys typed here are the field's, not JupyterLab's shortcuts
  const text = Object.assign(document.createElement("span"), { className: "nbshare-label" });

  const update = () => {
    text.textContent = model.get("label");
    box.checked = model.get("value");
    box.disabled = !model.get("interactive");
  };
  const send = () => {
    model.set("value", box.checked);
    model.save_changes();
  };
  box.addEventListener("change", send);
  const events = ["change:value", "change:label", "change:interactive"];
  events.forEach((name) => model.on(name, update));
  wrapper.append(box, text);
  el.append(wrapper);
  update();
  return () => {
    box.removeEventListener("change", send);
    events.forEach((name) => model.off(name, update));
  };
}

export default { render };
