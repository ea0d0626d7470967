// Status: overall health, one card per stage, satellites; refreshed while the view is open.
import { api, describeError } from "../api.js";
import { clear, h } from "../dom.js";

const REFRESH_MS = 3000;
const STAGE_NAMES = { vad: "Voice activity", stt: "Speech to text", llm: "Language model", tts: "Text to speech", wake: "Wake word", satellites: "Satellites" };
const PILL = { ok: "ok", degraded: "warn", down: "bad" };

function stageCard(name, stage) {
  const rows = [
    ["backend", stage.backend],
    ["model", stage.model],
    ["device", stage.device],
    ["loaded", stage.loaded ? "yes" : "no"],
    stage.details?.known ? ["connected", `${stage.details.connected} of ${stage.details.known}`] : null,
    stage.fallback_in_use ? ["fallback", "in use"] : null,
    stage.last_error ? ["last error", stage.last_error] : null,
  ].filter((row) => row && row[1] !== null && row[1] !== undefined);
  return h("section", { class: "card stage", dataset: { stage: name, status: stage.status } },
    h("header", {},
      h("h2", {}, h("span", { class: `dot ${stage.status}` }), STAGE_NAMES[name] ?? name),
      h("span", { class: `pill ${PILL[stage.status] ?? ""}` }, stage.status)),
    h("dl", {}, rows.map(([key, value]) => [h("dt", {}, key), h("dd", { class: key === "last error" ? "error-text" : "" }, String(value))])));
}

function satelliteRows(satellites) {
  if (!satellites.length) return h("p", { class: "muted" }, "No satellites yet. They appear here when discovered over zeroconf or added with --satellite.");
  return h("table", {},
    h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "State"), h("th", { class: "hide-narrow" }, "Address"))),
    h("tbody", {}, satellites.map((sat) => h("tr", { dataset: { satellite: sat.name } },
      h("td", {}, sat.name),
      h("td", {}, h("span", { class: `pill ${sat.connected ? "ok" : "bad"}` }, sat.state ?? (sat.connected ? "connected" : "disconnected"))),
      h("td", { class: "hide-narrow mono" }, sat.address ?? "")))));
}

export function mount(root, app) {
  const summary = h("div", { class: "card row spread" }, h("span", { class: "muted" }, "Loading…"));
  const stages = h("div", { class: "grid" });
  const satellites = h("section", { class: "card" }, h("h2", {}, "Satellites"), h("p", { class: "muted" }, "Loading…"));
  clear(root, h("h1", {}, "Status"), summary, stages, satellites);

  async function refresh() {
    try {
      const health = await api("/health");
      clear(summary,
        h("span", {}, "Aria ", h("strong", {}, health.version ?? "")),
        h("span", { class: `pill ${PILL[health.status] ?? ""}`, id: "overall" }, health.status));
      clear(stages, Object.entries(health.stages).map(([name, stage]) => stageCard(name, stage)));
      app.banner(null);
    } catch (err) {
      app.banner(describeError(err));
    }
    try {
      const body = await api("/satellites");
      clear(satellites, h("h2", {}, "Satellites"), satelliteRows(body.satellites ?? []));
    } catch (err) {
      clear(satellites, h("h2", {}, "Satellites"), h("p", { class: "error-text" }, describeError(err)));
    }
  }

  refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  return () => clearInterval(timer);
}
