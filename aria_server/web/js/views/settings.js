// Settings: a form built from the server's JSON Schema; the server validates, errors sit by the field.
import { api, ApiError, describeError, getToken, setToken } from "../api.js";
import { clear, h } from "../dom.js";

const GENERAL = "general";
// Sections in the order people look for them; the others start folded.
const ORDER = ["llm", "stt", "tts", GENERAL, "vad", "wyoming", "http"];
const OPEN = new Set(["llm", "stt", "tts"]);
const TITLES = { llm: "Language model", stt: "Speech to text", tts: "Text to speech", general: "Server", vad: "Voice activity", wyoming: "Wyoming", http: "HTTP and dashboard", ha: "Home Assistant" };

/** {type, nullable, enum, ...} of a schema property, resolving `anyOf: [X, null]`. */
function describe(prop) {
  let base = prop;
  let nullable = false;
  if (prop.anyOf) {
    const kinds = prop.anyOf.filter((option) => option.type !== "null");
    nullable = kinds.length < prop.anyOf.length;
    base = { ...prop, ...kinds[0] };
  }
  return { ...base, nullable, type: base.enum ? "enum" : base.type };
}

function label(name) {
  return name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
}

/** A table of models by name ({kitchen: {area: "Kitchen"}}) as NAME.KEY=VALUE lines, the server's entry form. */
function entries(table) {
  return Object.entries(table ?? {}).flatMap(([name, row]) =>
    Object.entries(row ?? {}).filter(([, value]) => value !== null && value !== false).map(([key, value]) => `${name}.${key}=${value}`));
}

/** The input element for one field, filled with `value`. */
function control(path, field, value) {
  const common = { id: `field-${path}`, name: path, "aria-describedby": `error-${path} hint-${path}` };
  if (field.readOnly) common.disabled = true;
  if (field.type === "boolean") return h("input", { ...common, type: "checkbox", checked: Boolean(value) });
  if (field.type === "enum") {
    return h("select", common, field.enum.map((option) => h("option", { value: option, selected: option === value }, option)));
  }
  if (field.type === "array") {
    return h("textarea", { ...common, rows: 2, placeholder: "one per line" }, (value ?? []).join("\n"));
  }
  if (field.type === "object") {
    return h("textarea", { ...common, rows: 3, placeholder: "NAME.KEY=VALUE, one per line" }, entries(value).join("\n"));
  }
  if (path.endsWith("prompt")) return h("textarea", { ...common, rows: 3 }, value ?? "");
  const numeric = field.type === "integer" || field.type === "number";
  return h("input", {
    ...common,
    type: field.format === "password" ? "password" : "text",
    inputmode: numeric ? (field.type === "integer" ? "numeric" : "decimal") : null,
    value: value ?? "",
    placeholder: field.nullable ? "(not set)" : null,
  });
}

/** The value a control holds, typed for JSON; unparseable numbers go as typed, for the server to name. */
function read(el, field) {
  if (field.type === "boolean") return el.checked;
  const text = el.value;
  if (field.type === "array" || field.type === "object") return text.split("\n").map((line) => line.trim()).filter(Boolean);
  if (text.trim() === "" && field.nullable) return null;
  if (field.type === "integer" || field.type === "number") {
    const number = Number(text.trim());
    return text.trim() !== "" && Number.isFinite(number) ? number : text;
  }
  return text;
}

function setPath(tree, path, value) {
  const parts = path.split(".");
  let node = tree;
  for (const part of parts.slice(0, -1)) node = node[part] ??= {};
  node[parts.at(-1)] = value;
}

function getPath(tree, path) {
  return path.split(".").reduce((node, part) => node?.[part], tree);
}

export function mount(root, app) {
  const status = h("div", { id: "settings-status", role: "status", "aria-live": "polite" });
  const form = h("form", { class: "settings", novalidate: true, id: "settings-form" });
  const fields = new Map(); // path -> {field, el, error}
  let values = {};

  const tokenInput = h("input", { id: "token-input", type: "password", placeholder: "API token (needed off 127.0.0.1)", value: getToken() ?? "" });
  const access = h("section", { class: "card" },
    h("h2", {}, "Access"),
    h("p", { class: "muted" }, "Bound to another address than 127.0.0.1, the server asks for the API token it printed in its log at first start (also kept in <data-dir>/http-token)."),
    h("form", {
      class: "composer",
      onsubmit: (event) => {
        event.preventDefault();
        setToken(tokenInput.value);
        app.socket.reconnect();
        load();
      },
    }, tokenInput, h("button", { type: "submit" }, "Use token")));

  clear(root, h("h1", {}, "Settings"), access, h("p", {}, "Loading…"));

  function fieldBlock(path, prop) {
    const field = describe(prop);
    const el = control(path, field, getPath(values, path));
    const error = h("div", { class: "field-error", id: `error-${path}` });
    fields.set(path, { field, el, error });
    const hintText = [prop.description, field.readOnly ? "(set on the command line)" : null].filter(Boolean).join(" ");
    const isBox = field.type === "boolean";
    return h("div", { class: `field${isBox ? " checkbox" : ""}`, dataset: { path } },
      isBox ? el : null,
      h("label", { for: el.id }, label(path.split(".").at(-1))),
      isBox ? null : el,
      h("div", { class: "hint", id: `hint-${path}` }, hintText),
      error);
  }

  function build(schema) {
    fields.clear();
    const groups = new Map([[GENERAL, []]]);
    for (const [name, prop] of Object.entries(schema.properties)) {
      const ref = prop.$ref ?? prop.allOf?.[0]?.$ref;
      if (ref) {
        const section = schema.$defs[ref.split("/").at(-1)];
        groups.set(name, Object.entries(section.properties).map(([leaf, sub]) => fieldBlock(`${name}.${leaf}`, sub)));
      } else {
        groups.get(GENERAL).push(fieldBlock(name, prop));
      }
    }
    const rank = (name) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length);
    const sections = [...groups].sort(([a], [b]) => rank(a) - rank(b));
    clear(form,
      sections.map(([name, blocks]) => h("details", { class: "section", open: OPEN.has(name), dataset: { section: name } },
        h("summary", {}, TITLES[name] ?? name),
        h("fieldset", {}, blocks))),
      h("div", { class: "savebar" }, h("button", { class: "primary", type: "submit", id: "save-settings" }, "Save"), status));
    clear(root, h("h1", {}, "Settings"), access, form);
  }

  function clearErrors() {
    for (const { el, error } of fields.values()) {
      error.textContent = "";
      el.removeAttribute("aria-invalid");
    }
  }

  /** The partial tree of the fields whose value differs from what the server sent. */
  function changes() {
    const change = {};
    for (const [path, { field, el }] of fields) {
      if (field.readOnly) continue;
      const value = read(el, field);
      const current = field.type === "object" ? entries(getPath(values, path)) : getPath(values, path);
      if (JSON.stringify(value) !== JSON.stringify(current ?? (field.type === "array" ? [] : null))) {
        setPath(change, path, value);
      }
    }
    return change;
  }

  async function save(event) {
    event.preventDefault();
    clearErrors();
    const change = changes();
    if (!Object.keys(change).length) {
      status.textContent = "Nothing changed.";
      return;
    }
    status.className = "";
    status.textContent = "Saving…";
    try {
      const result = await api("/config", { method: "POST", body: change });
      values = result.config;
      const applied = result.applied.length ? `applied now: ${result.applied.join(", ")}` : null;
      const restart = result.restart_required.length ? `takes effect after a restart: ${result.restart_required.join(", ")}` : null;
      status.textContent = `Saved. ${[applied, restart].filter(Boolean).join("; ") || "Nothing to apply."}`;
    } catch (err) {
      status.className = "error-text";
      if (err instanceof ApiError && err.fields && Object.keys(err.fields).length) {
        for (const [path, problem] of Object.entries(err.fields)) {
          const target = fields.get(path);
          if (!target) continue;
          target.error.textContent = problem;
          target.el.setAttribute("aria-invalid", "true");
        }
        const first = fields.get(Object.keys(err.fields)[0]);
        first?.el.closest("details")?.setAttribute("open", "");
        first?.el.focus();
        first?.el.scrollIntoView({ block: "center" });
        status.textContent = "Not saved: fix the fields marked in red.";
      } else {
        status.textContent = `Not saved: ${describeError(err)}`;
      }
    }
  }
  form.addEventListener("submit", save);

  async function load() {
    try {
      const [schema, config] = await Promise.all([api("/config/schema"), api("/config")]);
      values = config.config;
      build(schema);
      if (config.restart_required.length) status.textContent = `Waiting for a restart: ${config.restart_required.join(", ")}`;
    } catch (err) {
      app.banner(describeError(err));
    }
  }
  load();
}
