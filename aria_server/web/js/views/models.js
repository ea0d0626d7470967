// Models: what each stage offers; choosing one is a configuration change (POST /config).
import { api, describeError } from "../api.js";
import { clear, h } from "../dom.js";

function badge(entry, active, running) {
  if (entry.name === active && (running === undefined || running === null || entry.name === running)) return h("span", { class: "pill ok" }, "active");
  if (entry.name === active) return h("span", { class: "pill warn" }, "after restart");
  if (entry.name === running) return h("span", { class: "pill" }, "running");
  return null;
}

function table(kind, { active, running }, entries, choose) {
  if (!entries.length) return h("p", { class: "muted" }, "Nothing found.");
  return h("table", { dataset: { kind } },
    h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", { class: "hide-narrow" }, "About"), h("th", {}, ""))),
    h("tbody", {}, entries.map((entry) => {
      const isActive = entry.name === active;
      return h("tr", { class: isActive ? "active" : "", dataset: { model: entry.name } },
        h("td", { class: "mono" }, entry.name),
        h("td", { class: "hide-narrow muted" }, [entry.description, entry.size ? `${(entry.size / 1e9).toFixed(1)} GB` : null].filter(Boolean).join(" · ")),
        h("td", {}, h("span", { class: "row" }, badge(entry, active, running), isActive ? null : h("button", { onclick: () => choose(entry.name) }, "Use"))));
    })));
}

export function mount(root, app) {
  const status = h("p", { id: "models-status", role: "status", "aria-live": "polite" });
  clear(root, h("h1", {}, "Models"), status, h("p", { class: "muted" }, "Loading…"));

  async function choose(path, name) {
    const [section, leaf] = path.split(".");
    status.className = "";
    status.textContent = `Choosing ${name}…`;
    try {
      const result = await api("/config", { method: "POST", body: { [section]: { [leaf]: name } } });
      status.textContent = result.applied.includes(path)
        ? `${name} is active now.`
        : `${name} is saved; it takes effect after a restart of aria-server.`;
      await load();
    } catch (err) {
      status.className = "error-text";
      status.textContent = describeError(err);
    }
  }

  async function load() {
    try {
      const models = await api("/models");
      const llm = models.llm ?? { backend: "?", models: [] };
      clear(root, h("h1", {}, "Models"), status,
        h("section", { class: "card" },
          h("h2", {}, `Language model · ${llm.backend}`),
          llm.error ? h("p", { class: "error-text" }, llm.error) : null,
          llm.backend === "none" ? h("p", { class: "muted" }, "No language model is configured (llm.backend = none): local intents answer the common requests. Choose a backend in Settings.") : null,
          llm.backend === "none" ? null : table("llm", llm, llm.models ?? [], (name) => choose("llm.model", name))),
        h("section", { class: "card" },
          h("h2", {}, "Speech to text"),
          table("stt", models.stt, models.stt.models, (name) => choose("stt.model", name))),
        h("section", { class: "card" },
          h("h2", {}, "Voices"),
          table("tts", models.tts, models.tts.voices, (name) => choose("tts.voice", name))));
    } catch (err) {
      app.banner(describeError(err));
    }
  }
  load();
}
