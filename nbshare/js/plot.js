// Plot output: the PNG Python rendered from a matplotlib figure.
function render({ model, el }) {
  el.classList.add("nbshare-field", "nbshare-plot");
  const heading = Object.assign(document.createElement("span"), { className: "nbshare-label" });
  const image = Object.assign(document.createElement("img"), { className: "nbshare-plot-image" });
  el.append(heading, image);
  let url = null;
  const update = () => {
    heading.textContent = model.get("label");
    image.alt = model.get("label");
    const png = model.get("value");
    if (url) URL.revokeObjectURL(url);
    url = png && png.byteLength ? URL.createObjectURL(new Blob([png], { type: "image/png" })) : null;
    image.hidden = !url;
    image.src = url ?? "";
  };
  model.on("change:value", update);
  model.on("change:label", update);
  update();
  return () => {
    model.off("change:value", update);
    model.off("change:label", update);
    if (url) URL.revokeObjectURL(url);
  };
}

export default { render };
