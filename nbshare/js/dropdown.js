// Pick one choice from a select box.
import { bind, element, fieldLabel, suppressShortcuts, uniqueId } from "./helpers.js";

function render({ model, el }) {
  const id = uniqueId("nbshare-dropdown");
  el.classList.add("nbshare-field");
  const label = fieldLabel(id);
  const select = element("select", { id });
  suppressShortcuts(select);

  const update = () => {
    label.textContent = model.get("label");
    select.disabled = !model.get("interactive");
    const placeholder = element("option", { value: "", textContent: "Choose…", disabled: true });
    const options = model.get("choices").map((choice) => element("option", { value: choice, textContent: choice }));
    select.replaceChildren(placeholder, ...options);
    select.value = model.get("value") ?? "";
  };
  const listeners = bind(model, "change:value change:label change:interactive change:choices", update);
  listeners.listen(select, "change", () => {
    model.set("value", select.value === "" ? null : select.value);
    model.save_changes();
  });
  el.append(label, select);
  update();
  return listeners.dispose;
}

export default { render };
