// Highlighted text: tokens coloured by label (with a legend of labels) or by score (blue below 0, red above).
import { bind, element, fieldLabel } from "./helpers.js";

function scoreColour(score, maxAbs) {
  const strength = maxAbs > 0 ? Math.min(1, Math.abs(score) / maxAbs) : 0;
  return score >= 0 ? `rgba(220, 38, 38, ${0.85 * strength})` : `rgba(37, 99, 235, ${0.85 * strength})`;
}

function render({ model, el }) {
  el.classList.add("nbshare-field", "nbshare-highlighted");
  const heading = fieldLabel();
  const box = element("div", { className: "nbshare-output-box nbshare-highlighted-text" });
  const legend = element("div", { className: "nbshare-legend" });
  el.append(heading, box, legend);

  const swatch = (colour) => { const node = element("span", { className: "nbshare-swatch" }); node.style.background = colour; return node; };
  const update = () => {
    heading.textContent = model.get("label");
    box.setAttribute("aria-label", model.get("label"));
    const value = model.get("value");
    const tokens = value?.tokens ?? [];
    const colours = Object.fromEntries(value?.legend ?? []);
    box.replaceChildren(...tokens.map((token) => {
      if (token.label === null && token.score === null) return document.createTextNode(token.text);
      const mark = element("mark", { className: "nbshare-token", textContent: token.text });
      if (token.score !== null) {
        mark.style.background = scoreColour(token.score, value.max_abs);
        mark.title = `score ${token.score.toPrecision(3)}`;
      } else {
        mark.style.background = colours[token.label] ?? "#e5e7eb";
        mark.title = token.label;
        mark.append(element("span", { className: "nbshare-token-label", textContent: token.label }));
      }
      return mark;
    }));
    if (value?.mode === "scores") {
      const max = value.max_abs.toPrecision(3);
      legend.replaceChildren(element("span", { textContent: `−${max}` }), element("span", { className: "nbshare-scale" }), element("span", { textContent: `+${max}` }));
    } else {
      legend.replaceChildren(...(value?.legend ?? []).map(([name, colour]) =>
        element("span", { className: "nbshare-legend-item" }, swatch(colour), name)));
    }
    legend.hidden = !tokens.length;
  };
  const listeners = bind(model, "change:value change:label", update);
  update();
  return listeners.dispose;
}

export default { render };
