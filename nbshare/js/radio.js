// Pick one choice from a group of radio buttons.
import { bind, element, suppressShortcuts, uniqueId } from "./helpers.js";

function render({ model, el }) {
  const name = uniqueId("nbshare-radio");
  el.classList.add("nbshare-field");
  const group = element("fieldset");
  const legend = element("legend");

  const send = (event) => {
    model.set("value", event.target.value);
    model.save_changes();
  };
  const update = () => {
    legend.textContent = model.get("label");
    const buttons = model.get("choices").map((choice) => {
      const button = element("input", {
        type: "radio", name, value: choice, checked: choice === model.get("value"), disabled: !model.get("interactive"),
      });
      suppressShortcuts(button); // arrow keys move between choices, not notebook cells
      button.addEventListener("change", send); // the button goes with the next update, and its listener with it
      return element("label", { className: "nbshare-choice" }, button, choice);
    });
    group.replaceChildren(legend, ...buttons);
  };
  const listeners = bind(model, "change:value change:label change:interactive change:choices", update);
  el.append(group);
  update();
  return listeners.dispose;
}

export default { render };
