// Tiny DOM helpers: h() builds elements, clear() empties a node. No framework, no build step.

/**
 * h("div", {class: "card", onclick: fn}, "text", child) -> HTMLElement.
 * Attributes starting with "on" become listeners; `dataset` and `style` objects are merged;
 * null/false children are skipped so conditionals read naturally.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElementNS(
    tag === "svg" || attrs.svg ? "http://www.w3.org/2000/svg" : "http://www.w3.org/1999/xhtml",
    tag,
  );
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false || key === "svg") continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "style" && typeof value === "object") Object.assign(el.style, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/** An SVG element (children are SVG too). */
export function s(tag, attrs = {}, ...children) {
  return h(tag, { ...attrs, svg: true }, ...children);
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Remove every child of `el` and optionally append new ones. */
export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** "1234.5" ms -> "1.23 s" / "345 ms". */
export function formatMs(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "–";
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}
