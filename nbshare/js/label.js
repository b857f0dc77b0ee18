// Classification output: the top class, then one bar per class, most likely first.
function render({ model, el }) {
  el.classList.add("nbshare-field");
  const heading = Object.assign(document.createElement("span"), { className: "nbshare-label" });
  const box = Object.assign(document.createElement("div"), { className: "nbshare-output-box", role: "status" });
  const top = Object.assign(document.createElement("div"), { className: "nbshare-label-top" });
  const bars = Object.assign(document.createElement("ul"), { className: "nbshare-bars" });

  const bar = ({ label, confidence }) => {
    const percent = `${(confidence * 100).toFixed(1)}%`;
    const row = Object.assign(document.createElement("li"), { className: "nbshare-bar-row" });
    const name = Object.assign(document.createElement("span"), { className: "nbshare-bar-name", textContent: label, title: label });
    const track = Object.assign(document.createElement("span"), { className: "nbshare-bar" });
    const fill = document.createElement("span");
    fill.style.width = `${Math.min(100, Math.max(0, confidence * 100))}%`;
    track.append(fill);
    track.setAttribute("aria-hidden", "true");
    const value = Object.assign(document.createElement("span"), { className: "nbshare-bar-value", textContent: percent });
    row.append(name, track, value);
    return row;
  };
  const update = () => {
    heading.textContent = model.get("label");
    box.setAttribute("aria-label", model.get("label"));
    const value = model.get("value");
    top.textContent = value?.label ?? "";
    bars.replaceChildren(...(value?.confidences ?? []).map(bar));
  };
  model.on("change:value", update);
  model.on("change:label", update);
  box.append(top, bars);
  el.append(heading, box);
  update();
  return () => {
    model.off("change:value", update);
    model.off("change:label", update);
  };
}

export default { render };
