// Range slider with its value shown beside it.
import { bind, element, fieldLabel, suppressShortcuts, uniqueId } from "./helpers.js";

function render({ model, el }) {
  const id = uniqueId("nbshare-slider");
  el.classList.add("nbshare-field");
  const label = fieldLabel(id);
  const input = element("input", { id, type: "range" });
  suppressShortcuts(input);
  const readout = element("output", { htmlFor: id });

  const update = () => {
    label.textContent = model.get("label");
    Object.assign(input, { min: model.get("minimum"), max: model.get("maximum"), step: model.get("step") });
    input.disabled = !model.get("interactive");
    const value = model.get("value") ?? model.get("minimum");
    if (input.valueAsNumber !== value) input.value = String(value);
    readout.textContent = String(value);
  };
  const listeners = bind(model, "change:value change:label change:interactive change:minimum change:maximum change:step", update);
  listeners.listen(input, "input", () => {
    readout.textContent = input.value;
    model.set("value", input.valueAsNumber);
    model.save_changes();
  });
  el.append(label, element("div", { className: "nbshare-slider" }, input, readout));
  update();
  return listeners.dispose;
}

export default { render };
