// What the latest request is doing, with a Cancel button while it is queued or running; an error is announced
// (role="alert") and stays until the next run. The count ahead changes as the queue moves. Hidden while idle.
import { bind, button, element } from "./helpers.js";

function render({ model, el }) {
  el.classList.add("nbshare-status");
  Object.assign(el.style, { display: "flex", alignItems: "center", gap: "8px" });
  const text = element("div", { attrs: { "aria-live": "polite" } });
  text.style.flex = "1";
  const cancel = button("Cancel", { hidden: true, title: "Withdraw this request" });
  let timer = null;
  const update = () => {
    clearInterval(timer);
    timer = null;
    const state = model.get("state");
    el.hidden = state === "idle"; // nothing to say before the first run: no empty band above the outputs
    cancel.hidden = state !== "queued" && state !== "running";
    if (state === "error") {
      text.replaceChildren(element("div", { className: "nbshare-error", role: "alert", textContent: model.get("message") }));
    } else if (state === "queued") {
      const ahead = model.get("ahead");
      text.textContent = ahead > 0 ? `Queued: ${ahead} ahead of you` : "Queued: next";
    } else if (state === "running") {
      const started = performance.now();
      const tick = () => { text.textContent = `Running… ${((performance.now() - started) / 1000).toFixed(1)} s`; };
      tick();
      timer = setInterval(tick, 100);
    } else if (state === "done") {
      const ms = model.get("elapsed_ms");
      const took = ms < 1 ? "under 1 ms" : ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
      text.textContent = `Done in ${took}`;
    } else if (state === "cancelled") {
      text.textContent = "Cancelled";
    } else {
      text.textContent = "";
    }
  };
  const listeners = bind(model, "change:state change:message change:ahead", update).defer(() => clearInterval(timer));
  listeners.listen(cancel, "click", () => model.send({ event: "cancel" }));
  el.append(text, cancel);
  update();
  return listeners.dispose;
}

export default { render };
