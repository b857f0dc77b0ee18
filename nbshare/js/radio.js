// Pick one choice from a group of radio buttons.
let groupCount = 0;

function render({ model, el }) {
  const name = `nbshare-radio-${++groupCount}-${Math.random().toString(36).slice(2, 8)}`;
  el.classList.add("nbshare-field");
  const group = document.createElement("fieldset");
  const legend = document.createElement("legend");

  const send = (event) => {
    model.set("value", event.target.value);
    model.save_changes();
  };
  const update = () => {
    legend.textContent = model.get("label");
    const buttons = model.get("choices").map((choice) => {
      const wrapper = Object.assign(document.createElement("label"), { className: "nbshare-choice" });
      const button = Object.assign(document.createElement("input"), {
        type: "radio", name, value: choice, checked: choice === model.get("value"), disabled: !model.get("interactive"),
      });
      button.dataset.lmSuppressShortcuts = "true"; // arrow keys move between choices, not notebook cells
      button.addEventListener("change", send);
      wrapper.append(button, document.createTextNode(choice));
      return wrapper;
    });
    group.replaceChildren(legend, ...buttons);
  };
  const events = ["change:value", "change:label", "change:interactive", "change:choices"];
  events.forEach((event) => model.on(event, update));
  el.append(group);
  update();
  return () => events.forEach((event) => model.off(event, update));
}

export default { render };
