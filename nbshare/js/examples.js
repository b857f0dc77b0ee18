// Examples as a grid of cards: each a button with the example's previews (thumbnails or short text) and its caption;
// clicking one (or Enter/Space on it) fills the inputs and runs the function.
import { bind, element, suppressShortcuts } from "./helpers.js";

function render({ model, el }) {
  el.classList.add("nbshare-examples", "nbshare-field");
  const heading = element("span", { className: "nbshare-label", textContent: "Examples" });
  const grid = element("div", { className: "nbshare-example-grid", role: "list" });

  let urls = [];
  const revoke = () => urls.forEach((url) => URL.revokeObjectURL(url));
  const update = () => {
    revoke();
    urls = [];
    const headers = model.get("headers");
    const captions = model.get("captions");
    // A cell is a picture's bytes, or (far away) the address of its thumbnail, which is fetched and cached; else text.
    const address = (index, column) => model.get("thumbnails")[index]?.[column] || "";
    const isText = (cell, index, column) => typeof cell === "string" && !address(index, column);
    const rows = model.get("rows");
    const cards = rows.map((cells, index) => {
      const caption = captions[index] || "";
      const words = cells.map((cell, column) => (isText(cell, index, column) ? cell : "image"));
      const card = element("button", { type: "button", className: "nbshare-example",
        attrs: { "aria-label": `Example ${index + 1}: ${caption || words.join(", ")}` } });
      suppressShortcuts(card); // Enter/Space choose the example, not a notebook command
      const images = element("span", { className: "nbshare-example-images" });
      const texts = [];
      cells.forEach((cell, column) => {
        if (isText(cell, index, column)) {
          texts.push(headers.length > 1 ? `${headers[column]}: ${cell}` : cell);
          return;
        }
        let url = address(index, column);
        if (!url) {
          url = URL.createObjectURL(new Blob([cell], { type: "image/png" }));
          urls.push(url);
        }
        images.append(element("img", { src: url, alt: "", className: "nbshare-thumbnail" }));
      });
      if (images.childElementCount) card.append(images);
      if (texts.length) card.append(element("span", { className: "nbshare-example-text", textContent: texts.join("\n") }));
      if (caption) card.append(element("span", { className: "nbshare-example-caption", textContent: caption }));
      card.title = [caption, ...texts].filter(Boolean).join("\n");
      // The card goes with the next update, and its listener with it.
      card.addEventListener("click", () => model.send({ event: "select", index }));
      return element("div", { attrs: { role: "listitem" } }, card);
    });
    const allText = rows.every((cells, index) => cells.every((cell, column) => isText(cell, index, column)));
    grid.classList.toggle("nbshare-example-grid-text", cards.length > 0 && allText);
    grid.replaceChildren(...cards);
  };
  // A page far away fetches the pictures the examples would show while its visitor looks (cached for good), one at a
  // time at low priority: choosing an example then costs only the answer.
  const fetched = new Set();
  const prefetch = async () => {
    for (const url of model.get("prefetch")) {
      if (fetched.has(url)) continue;
      fetched.add(url);
      try {
        await (await fetch(url, { priority: "low", credentials: "same-origin" })).arrayBuffer();
      } catch {
        fetched.delete(url); // fetched again when the picture is shown
      }
    }
  };
  const listeners = bind(model, "change:rows change:headers change:captions change:thumbnails", update).defer(revoke);
  listeners.on("change:prefetch", prefetch);
  if (document.readyState === "complete") setTimeout(prefetch, 0);
  else listeners.listen(window, "load", prefetch, { once: true });
  el.append(heading, grid);
  update();
  return listeners.dispose;
}

export default { render };
