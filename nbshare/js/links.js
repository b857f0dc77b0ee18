// The links of a launched interface, in the researcher's notebook. The addresses carry the access token, so they are
// never in the model's state (which a notebook may save): the view asks the kernel for them when it renders and gets
// them in a custom message, which no front end stores. The text shows each address with its token masked (safe in a
// screenshot or a screen share); the link itself and the Copy button carry the whole address.
import { bind, button, element } from "./helpers.js";

const masked = (url) => url.replace(/([?&]token=)[^&#\s]*/, "$1…");

async function copy(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // A page served over plain http from another host has no clipboard API: the old way still works.
  const area = element("textarea", { value: text, readOnly: true });
  Object.assign(area.style, { position: "fixed", opacity: "0", pointerEvents: "none" });
  document.body.append(area);
  area.select();
  const copied = document.execCommand("copy");
  area.remove();
  if (!copied) throw new Error("the browser refused to copy");
}

function render({ model, el }) {
  el.classList.add("nbshare-links");
  Object.assign(el.style, {
    fontFamily: "var(--jp-ui-font-family, system-ui, sans-serif)",
    fontSize: "14px",
    color: "var(--jp-ui-font-color1, #1f2328)",
    display: "flex",
    flexDirection: "column",
    gap: "6px",
    padding: "4px 0",
  });
  const list = element("ul", { attrs: { "aria-label": "Links to this interface" } });
  Object.assign(list.style, { margin: "0", paddingLeft: "1.2em", display: "flex", flexDirection: "column", gap: "6px" });
  const note = element("p", { attrs: { "aria-live": "polite" } });
  Object.assign(note.style, { margin: "0", color: "var(--jp-ui-font-color2, #59636e)" });
  let links = null;

  const row = ({ name, url }) => {
    const anchor = element("a", { href: url, target: "_blank", rel: "noopener noreferrer", textContent: masked(url) });
    Object.assign(anchor.style, { overflowWrap: "anywhere", color: "var(--jp-content-link-color, #0969da)" });
    const copyButton = button("Copy", { title: `Copy the ${name.toLowerCase()}, token included` });
    Object.assign(copyButton.style, {
      marginLeft: "8px",
      padding: "2px 10px",
      cursor: "pointer",
      font: "inherit",
      color: "inherit",
      background: "var(--jp-layout-color2, #f6f8fa)",
      border: "1px solid var(--jp-border-color1, #d0d7de)",
      borderRadius: "6px",
    });
    const done = element("span", { attrs: { role: "status" } });
    done.style.marginLeft = "6px";
    listeners.listen(copyButton, "click", () =>
      copy(url).then(
        () => { done.textContent = "Copied"; },
        () => { done.textContent = "Could not copy: right-click the link and copy its address"; },
      ),
    );
    return element("li", {}, `${name}: `, anchor, copyButton, done);
  };

  const update = () => {
    if (model.get("closed")) {
      list.replaceChildren();
      note.textContent = "This interface's links are closed.";
    } else if (links === null) {
      note.textContent = "Asking the kernel that launched the interface for its links…";
    } else {
      list.replaceChildren(...links.map(row));
      note.textContent =
        "Anyone with a link can use the model: share it like a password. The token is masked here and the links " +
        "are not saved with the notebook; link.url holds the full link, link.close() ends them all.";
    }
  };
  const listeners = bind(model, "change:closed", update);
  listeners.on("msg:custom", (message) => {
    if (message && Array.isArray(message.links)) {
      links = message.links.filter((link) => typeof link.name === "string" && typeof link.url === "string");
      update();
    }
  });
  el.append(list, note);
  update();
  // The page's own address: on a JupyterHub the kernel knows only the path of its link (/user/ada/proxy/…).
  model.send({ event: "links", page: window.location.href });
  return listeners.dispose;
}

export default { render };
