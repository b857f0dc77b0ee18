// Highlighted text: tokens coloured by label (with a legend of labels) or by score (blue below 0, red above).
function scoreColour(score, maxAbs) {
  const strength = maxAbs > 0 ? Math.min(1, Math.abs(score) / maxAbs) : 0;
  return score >= 0 ? `rgba(220, 38, 38, ${0.85 * strength})` : `rgba(37, 99, 235, ${0.85 * strength})`;
}

function render({ model, el }) {
  const make = (tag, props = {}, ...children) => { const node = Object.assign(document.createElement(tag), props); node.append(...children); return node; };
  el.classList.add("nbshare-field", "nbshare-highlighted");
  const heading = make("span", { className: "nbshare-label" });
  const box = make("div", { className: "nbshare-output-box nbshare-highlighted-text" });
  const legend = make("div", { className: "nbshare-legend" });
  el.append(heading, box, legend);

  const swatch = (colour) => { const node = make("span", { className: "nbshare-swatch" }); node.style.background = colour; return node; };
  const update = () => {
    heading.textContent = model.get("label");
    box.setAttribute("aria-label", model.get("label"));
    const value = model.get("value");
    const tokens = value?.tokens ?? [];
    const colours = Object.fromEntries(value?.legend ?? []);
    box.replaceChildren(...tokens.map((token) => {
      if (token.label === null && token.score === null) return document.createTextNode(token.text);
      const mark = make("mark", { className: "nbshare-token", textContent: token.text });
      if (token.score !== null) {
        mark.style.background = scoreColour(token.score, value.max_abs);
        mark.title = `score ${token.score.toPrecision(3)}`;
      } else {
        mark.style.background = colours[token.label] ?? "#e5e7eb";
        mark.title = token.label;
        mark.append(make("span", { className: "nbshare-token-label", textContent: token.label }));
      }
      return mark;
    }));
    if (value?.mode === "scores") {
      const max = value.max_abs.toPrecision(3);
      legend.replaceChildren(make("span", { textContent: `−${max}` }), make("span", { className: "nbshare-scale" }), make("span", { textContent: `+${max}` }));
    } else {
      legend.replaceChildren(...(value?.legend ?? []).map(([name, colour]) =>
        make("span", { className: "nbshare-legend-item" }, swatch(colour), name)));
    }
    legend.hidden = !tokens.length;
  };
  model.on("change:value", update);
  model.on("change:label", update);
  update();
  return () => { model.off("change:value", update); model.off("change:label", update); };
}

export default { render };
