// Number field; read-only when used as an output. An empty field is null.
let fieldCount = 0;

function render({ model, el }) {
  const id = `nbshare-number-${++fieldCount}-${Math.random().toString(36).slice(2, 8)}`;
  el.classList.add("nbshare-field");
  const label = Object.assign(document.createElement("label"), { className: "nbshare-label", htmlFor: id });
  const input = Object.assign(document.createElement("input"), { id, type: "number", className: "nbshare-input" });

  input.dataset.lmSuppressShortcuts = "true"; // keys typed here are the field's, not JupyterLab's shortcuts
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
  const onKeydown = (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    send();
    model.send({ event: "submit" });
  };
  input.addEventListener("input", send);
  input.addEventListener("keydown", onKeydown);
  const events = ["change:value", "change:label", "change:interactive", "change:minimum", "change:maximum", "change:precision"];
  events.forEach((name) => model.on(name, update));
  el.append(label, input);
  update();
  return () => {
    input.removeEventListener("input", send);
    input.removeEventListener("keydown", onKeydown);
    events.forEach((name) => model.off(name, update));
  };
}

export default { render };
