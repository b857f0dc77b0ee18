// Example rows; clicking one (or Enter/Space on it) fills the inputs and runs the function.
function render({ model, el }) {
  el.classList.add("nbshare-examples", "nbshare-field");
  const heading = Object.assign(document.createElement("span"), { className: "nbshare-label", textContent: "Examples" });
  const table = document.createElement("table");

  let urls = [];
  const update = () => {
    urls.forEach((url) => URL.revokeObjectURL(url));
    urls = [];
    const head = document.createElement("thead");
    const headRow = document.createElement("tr");
    model.get("headers").forEach((text) => headRow.append(Object.assign(document.createElement("th"), { textContent: text })));
    head.append(headRow);
    const body = document.createElement("tbody");
    model.get("rows").forEach((cells, index) => {
      const row = Object.assign(document.createElement("tr"), { className: "nbshare-example", tabIndex: 0 });
      row.setAttribute("role", "button");
      row.dataset.lmSuppressShortcuts = "true"; // Enter/Space choose the example, not a notebook command
      const words = cells.map((cell) => (typeof cell === "string" ? cell : "image"));
      row.setAttribute("aria-label", `Example ${index + 1}: ${words.join(", ")}`);
      cells.forEach((cell, column) => {
        const td = document.createElement("td");
        if (typeof cell === "string") {
          td.textContent = cell;
        } else {
          const url = URL.createObjectURL(new Blob([cell], { type: "image/png" }));
          urls.push(url);
          td.append(Object.assign(document.createElement("img"), { src: url, alt: `${model.get("headers")[column]} ${index + 1}`, className: "nbshare-thumbnail" }));
        }
        row.append(td);
      });
      const choose = () => model.send({ event: "select", index });
      row.addEventListener("click", choose);
      row.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); choose(); }
      });
      body.append(row);
    });
    table.replaceChildren(head, body);
  };
  model.on("change:rows", update);
  model.on("change:headers", update);
  el.append(heading, table);
  update();
  return () => {
    urls.forEach((url) => URL.revokeObjectURL(url));
    model.off("change:rows", update);
    model.off("change:headers", update);
  };
}

export default { render };
