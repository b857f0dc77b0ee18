// Clear and Submit buttons (Submit is hidden in live mode).
function render({ model, el }) {
  el.classList.add("nbshare-actions");
  const clear = Object.assign(document.createElement("button"), { type: "button", className: "nbshare-button", textContent: "Clear" });
  const submit = Object.assign(document.createElement("button"), { type: "button", className: "nbshare-button nbshare-primary", textContent: "Submit" });
  const onClear = () => model.send({ event: "clear" });
  const onSubmit = () => model.send({ event: "submit" });
  const update = () => { submit.hidden = model.get("live"); };
  clear.addEventListener("click", onClear);
  submit.addEventListener("click", onSubmit);
  model.on("change:live", update);
  el.append(clear, submit);
  update();
  return () => {
    clear.removeEventListener("click", onClear);
    submit.removeEventListener("click", onSubmit);
    model.off("change:live", update);
  };
}

export default { render };
