// Table input (editable grid) and output (sortable grid). Only the rows in view are in the DOM, so 100,000 rows
// scroll as smoothly as ten. Edits change the local copy at once and go to Python as small messages; Python parses
// each cell by its column's type and sends back the cells that do not parse.
import { bind, button, element, fieldLabel, messageLine, suppressShortcuts } from "./helpers.js";

// A row is a finger's height (44 CSS px) on a touch screen or a phone, as every control is (theme.css).
const ROW_HEIGHT = globalThis.matchMedia?.("(max-width: 640px), (pointer: coarse)").matches ? 44 : 30;
const OVERSCAN = 8;
const MAX_VIEW_ROWS = 12;

// Rows of cells from clipboard text: tab-separated (what spreadsheets copy) or, with no tab, CSV with quotes.
function parseBlock(text) {
  const lines = text.replace(/\r\n?/g, "\n").replace(/\n$/, "");
  if (lines.includes("\t") || !lines.includes(",")) return lines.split("\n").map((line) => line.split("\t"));
  const rows = [[]];
  let cell = "", quoted = false;
  for (let index = 0; index < lines.length; index++) {
    const ch = lines[index];
    if (quoted) {
      if (ch === '"' && lines[index + 1] === '"') { cell += '"'; index++; }
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === "") quoted = true;
    else if (ch === ",") { rows[rows.length - 1].push(cell); cell = ""; }
    else if (ch === "\n") { rows[rows.length - 1].push(cell); rows.push([]); cell = ""; }
    else cell += ch;
  }
  rows[rows.length - 1].push(cell);
  return rows;
}

const NUMERIC = new Set(["int", "number"]);

function render({ model, el }) {
  const listeners = bind(model);
  const listen = listeners.listen;
  el.classList.add("nbshare-field", "nbshare-dataframe");

  const label = fieldLabel();
  const addRow = button("Add row", { className: "nbshare-button nbshare-tool" });
  const deleteRow = button("Delete row", { className: "nbshare-button nbshare-tool" });
  const summary = element("span", { className: "nbshare-grid-summary" });
  const toolbar = element("div", { className: "nbshare-toolbar" }, addRow, deleteRow, summary);
  const head = element("div", { className: "nbshare-grid-row nbshare-grid-head", attrs: { role: "row" } });
  const editor = element("input", { type: "text", className: "nbshare-grid-editor", hidden: true });
  const body = element("div", { className: "nbshare-grid-body" }, editor);
  const scroller = element("div", { className: "nbshare-grid", tabIndex: 0, attrs: { role: "grid" } }, head, body);
  scroller.style.setProperty("--nbshare-row-height", `${ROW_HEIGHT}px`);
  suppressShortcuts(scroller, editor);
  const [problem, showProblem] = messageLine();
  el.append(label, toolbar, scroller, problem);

  let rows = [];          // the cells, shared with the model's state (edited in place, as Python does)
  let columns = [];
  let order = null;       // row indices in sorted order (outputs), or null for the table's own order
  let sort = { column: -1, direction: 0 };
  let active = { row: 0, column: 0 };
  let editing = false;
  const pool = [];        // row elements, reused as the view scrolls

  const rowAt = (position) => (order ? order[position] : position);
  const positionOf = (row) => (order ? order.indexOf(row) : row);

  function setup() {
    columns = model.get("columns") || [];
    rows = model.get("cells") || [];
    order = null;
    if (sort.column >= columns.length) sort = { column: -1, direction: 0 };
    if (sort.direction) applySort();
    // Fixed widths, the same for the header and every row (rows are positioned absolutely, so no shared layout).
    const widths = columns.map((column) => Math.max(96, Math.min(280, 7.5 * (column.name.length + column.type.length) + 44)));
    el.style.setProperty("--nbshare-grid-columns", `56px ${widths.map((width) => `${width}px`).join(" ")}`);
    head.replaceChildren(element("div", { className: "nbshare-grid-cell nbshare-grid-index", textContent: "#" }),
      ...columns.map((column, index) => {
        const cell = element("div", { className: "nbshare-grid-cell nbshare-grid-header", attrs: { role: "columnheader" } },
          element("span", { textContent: column.name }), element("span", { className: "nbshare-grid-type", textContent: column.type }));
        cell.dataset.column = index;
        return cell;
      }));
    pool.forEach((node) => node.remove());
    pool.length = 0;
    update();
  }

  function update() {
    label.textContent = model.get("label");
    const interactive = model.get("interactive");
    addRow.hidden = deleteRow.hidden = !interactive;
    const total = model.get("total_rows");
    summary.textContent = interactive ? "" : total > rows.length
      ? `first ${rows.length.toLocaleString()} of ${total.toLocaleString()} rows`
      : `${rows.length.toLocaleString()} rows${rows.length > 1 ? " · click a column to sort" : ""}`;
    scroller.setAttribute("aria-rowcount", String(rows.length + 1));
    scroller.setAttribute("aria-label", model.get("label"));
    scroller.setAttribute("aria-readonly", String(!interactive));
    for (const header of head.querySelectorAll(".nbshare-grid-header")) {
      const index = Number(header.dataset.column);
      header.setAttribute("aria-sort", sort.column === index ? (sort.direction > 0 ? "ascending" : "descending") : "none");
    }
    body.style.height = `${rows.length * ROW_HEIGHT}px`;
    scroller.style.maxHeight = `${(MAX_VIEW_ROWS + 1) * ROW_HEIGHT + 2}px`;
    const errors = model.get("cell_errors") || {};
    const keys = Object.keys(errors);
    const text = model.get("message") || (keys.length
      ? `Row ${Number(keys[0].split(",")[0]) + 1}, ${columns[Number(keys[0].split(",")[1])]?.name}: ${errors[keys[0]]}${keys.length > 1 ? ` (${keys.length} cells to fix)` : ""}`
      : "");
    showProblem(text);
    paint();
  }

  // Draw the rows in view into pooled row elements.
  let scheduled = false;
  function paint() {
    scheduled = false;
    const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const visible = Math.ceil((scroller.clientHeight || MAX_VIEW_ROWS * ROW_HEIGHT) / ROW_HEIGHT) + 2 * OVERSCAN;
    const last = Math.min(rows.length, first + visible);
    const errors = model.get("cell_errors") || {};
    const interactive = model.get("interactive");
    while (pool.length < last - first) {
      const node = element("div", { className: "nbshare-grid-row", attrs: { role: "row" } },
        element("div", { className: "nbshare-grid-cell nbshare-grid-index" }),
        ...columns.map(() => element("div", { className: "nbshare-grid-cell", attrs: { role: "gridcell" } })));
      body.append(node);
      pool.push(node);
    }
    pool.forEach((node, slot) => {
      const position = first + slot;
      if (position >= last) { node.hidden = true; return; }
      const row = rowAt(position);
      node.hidden = false;
      node.style.transform = `translateY(${position * ROW_HEIGHT}px)`;
      node.setAttribute("aria-rowindex", String(position + 2));
      node.firstChild.textContent = String(row + 1);
      const values = rows[row];
      for (let column = 0; column < columns.length; column++) {
        const cell = node.children[column + 1];
        const text = values[column] ?? "";
        if (cell.textContent !== text) cell.textContent = text;
        cell.dataset.row = row;
        cell.dataset.column = column;
        const error = errors[`${row},${column}`];
        cell.classList.toggle("nbshare-grid-invalid", Boolean(error));
        cell.classList.toggle("nbshare-grid-active", interactive && row === active.row && column === active.column);
        cell.classList.toggle("nbshare-grid-numeric", NUMERIC.has(columns[column].type));
        if (error) cell.title = error; else cell.removeAttribute("title");
      }
    });
    if (editing) placeEditor();
  }
  const schedule = () => { if (!scheduled) { scheduled = true; requestAnimationFrame(paint); } };
  listen(scroller, "scroll", schedule);

  // -- sorting (outputs) ---------------------------------------------------------------------------------------
  function applySort() {
    const { column, direction } = sort;
    if (!direction) { order = null; return; }
    const numeric = NUMERIC.has(columns[column]?.type);
    const key = (row) => { const text = rows[row][column]; return numeric ? (text === "" ? NaN : Number(text)) : text; };
    const keys = rows.map((_, row) => key(row));
    order = rows.map((_, row) => row).sort((a, b) => {
      const [x, y] = [keys[a], keys[b]];
      const missing = (value) => value === "" || (typeof value === "number" && Number.isNaN(value));
      if (missing(x) || missing(y)) return missing(x) - missing(y); // blanks last, either way
      return (numeric ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true })) * direction;
    });
  }
  listen(head, "click", (event) => {
    const header = event.target.closest(".nbshare-grid-header");
    if (!header || model.get("interactive")) return;
    const column = Number(header.dataset.column);
    sort = { column, direction: sort.column !== column ? 1 : sort.direction === 1 ? -1 : 0 };
    applySort();
    update();
  });

  // -- selection and editing (inputs) --------------------------------------------------------------------------
  function select(row, column) {
    active = { row: Math.max(0, Math.min(rows.length - 1, row)), column: Math.max(0, Math.min(columns.length - 1, column)) };
    const top = positionOf(active.row) * ROW_HEIGHT;
    const headHeight = head.offsetHeight;
    if (top < scroller.scrollTop) scroller.scrollTop = top;
    else if (top + ROW_HEIGHT > scroller.scrollTop + scroller.clientHeight - headHeight) {
      scroller.scrollTop = top + ROW_HEIGHT - scroller.clientHeight + headHeight;
    }
    paint();
  }
  function placeEditor() {
    const cell = body.querySelector(`.nbshare-grid-cell[data-row="${active.row}"][data-column="${active.column}"]`);
    if (!cell) return;
    Object.assign(editor.style, {
      top: `${positionOf(active.row) * ROW_HEIGHT}px`, left: `${cell.offsetLeft}px`, width: `${cell.offsetWidth}px`, height: `${ROW_HEIGHT}px`,
    });
  }
  function startEditing(initial = null) {
    if (!model.get("interactive") || !rows.length) return;
    editing = true;
    editor.value = initial ?? rows[active.row][active.column];
    editor.hidden = false;
    placeEditor();
    editor.focus();
    editor.setSelectionRange(editor.value.length, editor.value.length);
  }
  function setBlock(row, column, block) {
    for (let offset = 0; offset < block.length; offset++) {
      while (rows.length <= row + offset) rows.push(columns.map(() => ""));
      block[offset].slice(0, columns.length - column).forEach((text, index) => { rows[row + offset][column + index] = text; });
    }
    model.send({ event: "set", row, column, block });
    update();
  }
  function stopEditing(commit, move = null) {
    if (!editing) return;
    editing = false;
    editor.hidden = true;
    if (commit && editor.value !== rows[active.row][active.column]) setBlock(active.row, active.column, [[editor.value]]);
    if (move) select(active.row + move[0], active.column + move[1]);
    scroller.focus({ preventScroll: true });
  }
  listen(body, "pointerdown", (event) => {
    const cell = event.target.closest(".nbshare-grid-cell[data-row]");
    if (!cell || event.target === editor) return;
    if (editing) stopEditing(true);
    select(Number(cell.dataset.row), Number(cell.dataset.column));
  });
  listen(body, "dblclick", (event) => { if (event.target.closest(".nbshare-grid-cell[data-row]")) startEditing(); });
  listen(editor, "keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); stopEditing(true, [event.shiftKey ? -1 : 1, 0]); }
    else if (event.key === "Tab") { event.preventDefault(); stopEditing(true, [0, event.shiftKey ? -1 : 1]); }
    else if (event.key === "Escape") { event.preventDefault(); stopEditing(false); }
    event.stopPropagation();
  });
  listen(editor, "blur", () => stopEditing(true));
  listen(scroller, "keydown", (event) => {
    if (editing || event.target !== scroller) return;
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (moves[event.key]) {
      event.preventDefault();
      const position = positionOf(active.row) + moves[event.key][0];
      select(rowAt(Math.max(0, Math.min(rows.length - 1, position))), active.column + moves[event.key][1]);
    } else if (event.key === "Tab" && model.get("interactive")) {
      event.preventDefault();
      select(active.row, active.column + (event.shiftKey ? -1 : 1));
    } else if (!model.get("interactive")) {
      return;
    } else if (event.key === "Enter" || event.key === "F2") {
      event.preventDefault();
      startEditing();
    } else if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault();
      if (rows.length) setBlock(active.row, active.column, [[""]]);
    } else if (event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      startEditing(event.key);
    }
  });
  listen(scroller, "paste", (event) => {
    if (!model.get("interactive") || editing) return;
    const text = event.clipboardData.getData("text/plain");
    if (!text) return;
    event.preventDefault();
    setBlock(active.row, active.column, parseBlock(text));
  });
  listen(scroller, "copy", (event) => {
    if (editing || !rows.length) return;
    event.preventDefault();
    event.clipboardData.setData("text/plain", rows[active.row][active.column]);
  });
  listen(addRow, "click", () => {
    const at = rows.length ? active.row + 1 : 0;
    rows.splice(at, 0, columns.map(() => ""));
    model.send({ event: "insert_rows", at, count: 1 });
    update();
    select(at, active.column);
  });
  listen(deleteRow, "click", () => {
    if (!rows.length) return;
    rows.splice(active.row, 1);
    model.send({ event: "delete_rows", start: active.row, count: 1 });
    update();
    select(active.row, active.column);
  });

  listeners.on("change:label change:interactive change:cell_errors change:message change:total_rows", update);
  listeners.on("change:cells change:columns", setup);
  const resize = new ResizeObserver(schedule);
  resize.observe(scroller);
  listeners.defer(() => resize.disconnect());
  setup();
  return listeners.dispose;
}

export default { render };
