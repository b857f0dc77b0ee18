// Number field; read-only when used as an output. An empty field is null.
import { bind, element, fieldLabel, suppressShortcuts, uniqueId } from "./helpers.js";

function render({ model, el }) {
  const id = uniqueId("nbshare-number");
  el.classList.add("nbshare-field");
  const label = fieldLabel(id);
  const input = element("input", { id, type: "number", className: "nbshare-input" });
  suppressShortcuts(input);

  const update = () => {
    label.textContent = model.get("label");
    input.readOnly = !model.get("interactive");
    const [min, max, precision] = [model.get("minimum"), model.get("maximum"), model.get("precision")];
    if (min === null) input.removeAttribute("min"); else input.min = min;
    if (max === null) input.removeAttribute("max"); else input.max = max;
    input.step = precision === null ? "any" : String(10 ** -precision);
    const value = model.get("value");
    if (value === null) {
      if (input.value !== "" && !Number.isNaN(input.valueAsNumber)) input.value = "";
    } else if (input.valueAsNumber !== value) {
      input.value = String(value);
    }
  };
  const send = () => {
    const number = input.valueAsNumber;
    model.set("value", Number.isNaN(number) ? null : number);
    model.save_changes();
  };
  const listeners = bind(model, "change:value change:label change:interactive change:minimum change:maximum change:precision", update);
  listeners.listen(input, "input", send);
  listeners.listen(input, "keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    send();
    model.send({ event: "submit" });
  });
  el.append(label, input);
  update();
  return listeners.dispose;
}

export default { render };
