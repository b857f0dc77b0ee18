// Example rows; clicking one (or Enter/Space on it) fills the inputs and runs the function.
import { bind, element, suppressShortcuts } from "./helpers.js";

function render({ model, el }) {
  el.classList.add("nbshare-examples", "nbshare-field");
  const heading = element("span", { className: "nbshare-label", textContent: "Examples" });
  const table = element("table");

  let urls = [];
  const revoke = () => urls.forEach((url) => URL.revokeObjectURL(url));
  const update = () => {
    revoke();
    urls = [];
    const head = element("thead", {}, element("tr", {}, ...model.get("headers").map((text) => element("th", { textContent: text }))));
    const body = element("tbody");
    model.get("rows").forEach((cells, index) => {
      const words = cells.map((cell) => (typeof cell === "string" ? cell : "image"));
      const row = element("tr", { className: "nbshare-example", tabIndex: 0,
        attrs: { role: "button", "aria-label": `Example ${index + 1}: ${words.join(", ")}` } });
      suppressShortcuts(row); // Enter/Space choose the example, not a notebook command
      cells.forEach((cell, column) => {
        const td = element("td");
        if (typeof cell === "string") {
          td.textContent = cell;
        } else {
          const url = URL.createObjectURL(new Blob([cell], { type: "image/png" }));
          urls.push(url);
          td.append(element("img", { src: url, alt: `${model.get("headers")[column]} ${index + 1}`, className: "nbshare-thumbnail" }));
        }
        row.append(td);
      });
      // The row goes with the next update, and its listeners with it.
      const choose = () => model.send({ event: "select", index });
      row.addEventListener("click", choose);
      row.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); choose(); }
      });
      body.append(row);
    });
    table.replaceChildren(head, body);
  };
  const listeners = bind(model, "change:rows change:headers", update).defer(revoke);
  el.append(heading, table);
  update();
  return listeners.dispose;
}

export default { render };
