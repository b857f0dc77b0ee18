// What the latest request is doing; an error is announced (role="alert") and stays until the next run.
import { bind, element } from "./helpers.js";

function render({ model, el }) {
  el.classList.add("nbshare-status");
  el.setAttribute("aria-live", "polite");
  let timer = null;
  const update = () => {
    clearInterval(timer);
    timer = null;
    const state = model.get("state");
    if (state === "error") {
      el.replaceChildren(element("div", { className: "nbshare-error", role: "alert", textContent: model.get("message") }));
    } else if (state === "queued") {
      const ahead = model.get("ahead");
      el.textContent = ahead > 0 ? `Queued: ${ahead} ahead of you` : "Queued: next";
    } else if (state === "running") {
      const started = performance.now();
      const tick = () => { el.textContent = `Running… ${((performance.now() - started) / 1000).toFixed(1)} s`; };
      tick();
      timer = setInterval(tick, 100);
    } else if (state === "done") {
      const ms = model.get("elapsed_ms");
      const took = ms < 1 ? "under 1 ms" : ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
      el.textContent = `Done in ${took}`;
    } else {
      el.textContent = "";
    }
  };
  const listeners = bind(model, "change:state change:message change:ahead", update).defer(() => clearInterval(timer));
  update();
  return listeners.dispose;
}

export default { render };
