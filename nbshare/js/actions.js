// Clear and Submit buttons (Submit is hidden in live mode).
import { bind, button } from "./helpers.js";

function render({ model, el }) {
  el.classList.add("nbshare-actions");
  const clear = button("Clear");
  const submit = button("Submit", { className: "nbshare-button nbshare-primary" });
  const update = () => { submit.hidden = model.get("live"); };
  const listeners = bind(model, "change:live", update);
  listeners.listen(clear, "click", () => model.send({ event: "clear" }));
  listeners.listen(submit, "click", () => model.send({ event: "submit" }));
  el.append(clear, submit);
  update();
  return listeners.dispose;
}

export default { render };
