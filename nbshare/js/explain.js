// Explain: ask the kernel what in the input made the answer; progress and Cancel while it runs.
function render({ model, el }) {
  el.classList.add("nbshare-explain");
  const explain = Object.assign(document.createElement("button"), { type: "button", className: "nbshare-button", textContent: "Explain" });
  explain.title = "Show which parts of the input moved the answer";
  const cancel = Object.assign(document.createElement("button"), { type: "button", className: "nbshare-button", textContent: "Cancel" });
  const bar = Object.assign(document.createElement("progress"), { className: "nbshare-explain-progress", max: 1, value: 0 });
  bar.setAttribute("aria-label", "Explanation progress");
  const count = Object.assign(document.createElement("span"), { className: "nbshare-explain-count" });
  const feedback = Object.assign(document.createElement("p"), { className: "nbshare-explain-feedback" });
  feedback.setAttribute("aria-live", "polite");
  const row = Object.assign(document.createElement("div"), { className: "nbshare-explain-row" });
  row.append(explain, bar, count, cancel);
  el.append(row, feedback);

  const update = () => {
    const state = model.get("state");
    const running = state === "running";
    const [done, total] = [model.get("done"), model.get("total")];
    explain.disabled = running;
    explain.textContent = running ? "Explaining…" : "Explain";
    cancel.hidden = bar.hidden = count.hidden = !running;
    bar.max = Math.max(total, 1);
    bar.value = done;
    count.textContent = total ? `${done.toLocaleString()} / ${total.toLocaleString()}` : "";
    feedback.classList.toggle("nbshare-error", state === "error");
    feedback.setAttribute("role", state === "error" ? "alert" : "status");
    feedback.textContent = state === "error" ? model.get("message")
      : state === "done" ? model.get("summary")
      : state === "cancelled" ? "Explanation cancelled." : "";
  };
  const onExplain = () => model.send({ event: "explain" });
  const onCancel = () => { cancel.disabled = true; model.send({ event: "cancel" }); };
  const events = "change:state change:done change:total change:summary change:message";
  const onChange = () => { if (model.get("state") !== "running") cancel.disabled = false; update(); };
  explain.addEventListener("click", onExplain);
  cancel.addEventListener("click", onCancel);
  model.on(events, onChange);
  update();
  return () => {
    explain.removeEventListener("click", onExplain);
    cancel.removeEventListener("click", onCancel);
    model.off(events, onChange);
  };
}

export default { render };
