// Flag: tell the researcher this answer is wrong (or anything else), with an optional reason and message.
import { bind, button, element, suppressShortcuts, uniqueId } from "./helpers.js";

function render({ model, el }) {
  el.classList.add("nbshare-flag");
  const reason = element("select", { className: "nbshare-input", id: `${uniqueId("nbshare-flag")}-reason`, attrs: { "aria-label": "Reason" } });
  const message = element("textarea", { className: "nbshare-input", rows: 2, placeholder: "What is wrong? (optional)",
    attrs: { "aria-label": "Flag message" } });
  const flag = button("Flag");
  const feedback = element("p", { className: "nbshare-flag-feedback" });
  suppressShortcuts(reason, message, flag);
  el.append(message, element("div", { className: "nbshare-flag-row" }, reason, flag), feedback);

  const update = () => {
    const options = model.get("options");
    reason.hidden = options.length === 0;
    reason.replaceChildren(
      element("option", { value: "", textContent: "Reason…" }),
      ...options.map((text) => element("option", { value: text, textContent: text })),
    );
    message.maxLength = model.get("max_message_chars");
  };
  const showResult = () => {
    const error = model.get("error");
    feedback.setAttribute("role", error ? "alert" : "status");
    feedback.classList.toggle("nbshare-error", Boolean(error));
    feedback.textContent = error || model.get("confirmation");
  };
  const listeners = bind(model, "change:options change:max_message_chars", update)
    .on("change:confirmation change:error", showResult)
    .on("change:sent", () => { message.value = ""; reason.value = ""; });
  listeners.listen(flag, "click", () => {
    feedback.textContent = "";
    model.send({ event: "flag", option: reason.value, message: message.value });
  });
  update();
  showResult();
  return listeners.dispose;
}

export default { render };
