// Explain: ask the kernel what in the input made the answer; progress and Cancel while it runs; an explanation that
// no longer matches the input or the answer (Python's `stale`) says so and offers Explain again.
import { bind, button, element } from "./helpers.js";

function render({ model, el }) {
  el.classList.add("nbshare-explain");
  const explain = button("Explain", { title: "Show which parts of the input moved the answer" });
  const cancel = button("Cancel");
  const bar = element("progress", { className: "nbshare-explain-progress", max: 1, value: 0, attrs: { "aria-label": "Explanation progress" } });
  const count = element("span", { className: "nbshare-explain-count" });
  const feedback = element("p", { className: "nbshare-explain-feedback", attrs: { "aria-live": "polite" } });
  el.append(element("div", { className: "nbshare-explain-row" }, explain, bar, count, cancel), feedback);

  const update = () => {
    const state = model.get("state");
    const running = state === "running";
    const [done, total] = [model.get("done"), model.get("total")];
    const stale = model.get("stale") && !running;
    explain.disabled = running;
    explain.textContent = running ? "Explaining…" : stale ? "Explain again" : "Explain";
    cancel.hidden = bar.hidden = count.hidden = !running;
    bar.max = Math.max(total, 1);
    bar.value = done;
    count.textContent = total ? `${done.toLocaleString()} / ${total.toLocaleString()}` : "";
    feedback.classList.toggle("nbshare-error", state === "error");
    feedback.classList.toggle("nbshare-stale-note", stale && state !== "error" && state !== "cancelled");
    feedback.setAttribute("role", state === "error" ? "alert" : "status");
    feedback.textContent = state === "error" ? model.get("message")
      : state === "cancelled" ? "Explanation cancelled."
      : stale ? "Explanation is out of date (the input or the answer changed) — Explain again."
      : state === "done" ? model.get("summary") : "";
  };
  const onChange = () => { if (model.get("state") !== "running") cancel.disabled = false; update(); };
  const listeners = bind(model, "change:state change:done change:total change:summary change:message change:stale", onChange);
  listeners.listen(explain, "click", () => model.send({ event: "explain" }));
  listeners.listen(cancel, "click", () => { cancel.disabled = true; model.send({ event: "cancel" }); });
  update();
  return listeners.dispose;
}

export default { render };
