// Flag: tell the researcher this answer is wrong (or anything else), with an optional reason and message.
function render({ model, el }) {
  el.classList.add("nbshare-flag");
  const id = `nbshare-flag-${Math.random().toString(36).slice(2, 8)}`;
  const reason = Object.assign(document.createElement("select"), { className: "nbshare-input", id: `${id}-reason` });
  reason.setAttribute("aria-label", "Reason");
  const message = Object.assign(document.createElement("textarea"), { className: "nbshare-input", rows: 2, placeholder: "What is wrong? (optional)" });
  message.setAttribute("aria-label", "Flag message");
  const button = Object.assign(document.createElement("button"), { type: "button", className: "nbshare-button", textContent: "Flag" });
  const feedback = Object.assign(document.createElement("p"), { className: "nbshare-flag-feedback" });
  [reason, message, button].forEach((control) => control.setAttribute("data-lm-suppress-shortcuts", "true"));
  const row = Object.assign(document.createElement("div"), { className: "nbshare-flag-row" });
  row.append(reason, button);
  el.append(message, row, feedback);

  const update = () => {
    const options = model.get("options");
    reason.hidden = options.length === 0;
    reason.replaceChildren(
      Object.assign(document.createElement("option"), { value: "", textContent: "Reason…" }),
      ...options.map((text) => Object.assign(document.createElement("option"), { value: text, textContent: text })),
    );
    message.maxLength = model.get("max_message_chars");
  };
  const showResult = () => {
    const error = model.get("error");
    feedback.setAttribute("role", error ? "alert" : "status");
    feedback.classList.toggle("nbshare-error", Boolean(error));
    feedback.textContent = error || model.get("confirmation");
  };
  const onSent = () => { message.value = ""; reason.value = ""; };
  const onClick = () => {
    feedback.textContent = "";
    model.send({ event: "flag", option: reason.value, message: message.value });
  };
  button.addEventListener("click", onClick);
  model.on("change:options change:max_message_chars", update);
  model.on("change:confirmation change:error", showResult);
  model.on("change:sent", onSent);
  update();
  showResult();
  return () => {
    button.removeEventListener("click", onClick);
    model.off("change:options change:max_message_chars", update);
    model.off("change:confirmation change:error", showResult);
    model.off("change:sent", onSent);
  };
}

export default { render };
