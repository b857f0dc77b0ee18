// Pick one choice from a select box.
let fieldCount = 0;

function render({ model, el }) {
  const id = `nbshare-dropdown-${++fieldCount}-${Math.random().toString(36).slice(2, 8)}`;
  el.classList.add("nbshare-field");
  const label = Object.assign(document.createElement("label"), { className: "nbshare-label", htmlFor: id });
  const select = Object.assign(document.createElement("select"), { id });

  select.dataset.lmSuppressShortcuts = "true"; // keys typed here are the field's, not JupyterLab's shortcuts
  const update = () => {
    label.textContent = model.get("label");
    select.disabled = !model.get("interactive");
    const placeholder = Object.assign(document.createElement("option"), { value: "", textContent: "Choose…", disabled: true });
    const options = model.get("choices").map((choice) => Object.assign(document.createElement("option"), { value: choice, textContent: choice }));
    select.replaceChildren(placeholder, ...options);
    select.value = model.get("value") ?? "";
  };
  const send = () => {
    model.set("value", select.value === "" ? null : select.value);
    model.save_changes();
  };
  select.addEventListener("change", send);
  const events = ["change:value", "change:label", "change:interactive", "change:choices"];
  events.forEach((name) => model.on(name, update));
  el.append(label, select);
  update();
  return () => {
    select.removeEventListener("change", send);
    events.forEach((name) => model.off(name, update));
  };
}

export default { render };
