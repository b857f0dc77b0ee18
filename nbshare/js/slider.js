// Range slider with its value shown beside it.
let fieldCount = 0;

function render({ model, el }) {
  const id = `nbshare-slider-${++fieldCount}-${Math.random().toString(36).slice(2, 8)}`;
  el.classList.add("nbshare-field");
  const label = Object.assign(document.createElement("label"), { className: "nbshare-label", htmlFor: id });
  const row = Object.assign(document.createElement("div"), { className: "nbshare-slider" });
  const input = Object.assign(document.createElement("input"), { id, type: "range" });
  input.dataset.lmSuppressShortcuts = "true"; // keys typed here are the field's, not JupyterLab's shortcuts
  const readout = document.createElement("output");
  readout.htmlFor = id;

  const update = () => {
    label.textContent = model.get("label");
    Object.assign(input, { min: model.get("minimum"), max: model.get("maximum"), step: model.get("step") });
    input.disabled = !model.get("interactive");
    const value = model.get("value") ?? model.get("minimum");
    if (input.valueAsNumber !== value) input.value = String(value);
    readout.textContent = String(value);
  };
  const send = () => {
    readout.textContent = input.value;
    model.set("value", input.valueAsNumber);
    model.save_changes();
  };
  input.addEventListener("input", send);
  const events = ["change:value", "change:label", "change:interactive", "change:minimum", "change:maximum", "change:step"];
  events.forEach((name) => model.on(name, update));
  row.append(input, readout);
  el.append(label, row);
  update();
  return () => {
    input.removeEventListener("input", send);
    events.forEach((name) => model.off(name, update));
  };
}

export default { render };
