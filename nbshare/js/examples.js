// Example rows; clicking one (or Enter/Space on it) fills the inputs and runs the function.
function render({ model, el }) {
  el.classList.add("nbshare-examples", "nbshare-field");
  const heading = Object.assign(document.createElement("span"), { className: "nbshare-label", textContent: "Examples" });
  const table = document.createElement("table");

  const update = () => {
    const head = document.createElement("thead");
    const headRow = document.createElement("tr");
    model.get("headers").forEach((text) => headRow.append(Object.assign(document.createElement("th"), { textContent: text })));
    head.append(headRow);
    const body = document.createElement("tbody");
    model.get("rows").forEach((cells, index) => {
      const row = Object.assign(document.createElement("tr"), { className: "nbshare-example", tabIndex: 0 });
      row.setAttribute("role", "button");
      row.dataset.lmSuppressShortcuts = "true"; // Enter/Space choose the example, not a notebook command
      row.setAttribute("aria-label", `Example ${index + 1}: ${cells.join(", ")}`);
      cells.forEach((text) => row.append(Object.assign(document.createElement("td"), { textContent: text })));
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
    model.off("change:rows", update);
    model.off("change:headers", update);
  };
}

export default { render };
