// Status: overall health, one card per stage, satellites; refreshed while the view is open.
import { api, describeError } from "../api.js";
import { clear, h } from "../dom.js";

const REFRESH_MS = 3000;
const STAGE_NAMES = { vad: "Voice activity", stt: "Speech to text", llm: "Language model", tts: "Text to speech", wake: "Wake word", home: "Home Assistant", satellites: "Satellites" };
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

// What an Aria satellite reports of its own self-healing (other satellites report nothing).
function healthText(health) {
  if (!health) return "";
  const recovered = (health.mic_restarts ?? 0) + (health.speaker_restarts ?? 0) + (health.stuck_resets ?? 0) + (health.server_recoveries ?? 0);
  const parts = [`${recovered} recoveries`];
  if (health.last_error) parts.push(`last: ${health.last_error}`);
  return parts.join(" · ");
}

function satelliteRows(satellites) {
  if (!satellites.length) return h("p", { class: "muted" }, "No satellites yet. They appear here when discovered over zeroconf or added with --satellite.");
  return h("table", {},
    h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "State"), h("th", { class: "hide-narrow" }, "Address"), h("th", { class: "hide-narrow" }, "Health"))),
    h("tbody", {}, satellites.map((sat) => h("tr", { dataset: { satellite: sat.name } },
      h("td", {}, sat.name),
      h("td", {}, h("span", { class: `pill ${sat.connected ? "ok" : "bad"}` }, sat.state ?? (sat.connected ? "connected" : "disconnected"))),
      h("td", { class: "hide-narrow mono" }, sat.address ?? ""),
      h("td", { class: "hide-narrow muted", dataset: { health: sat.name } }, healthText(sat.health))))));
}

// "Speak to the house": announce on one satellite or all of them, or start a conversation.
// Built once (the refresh only updates the list of satellites), so typing is never interrupted.
function houseForm(app) {
  const text = h("input", { type: "text", id: "house-text", placeholder: "Dinner is ready.", maxlength: "10000" });
  const target = h("select", { id: "house-target" }, h("option", { value: "" }, "every satellite"));
  const result = h("p", { class: "muted", id: "house-result" });
  async function send(kind) {
    const words = text.value.trim();
    if (!words) { result.textContent = "Type what to say first."; return; }
    const name = target.value;
    try {
      result.textContent = "Speaking…";
      if (!name && kind === "announce") {
        const done = await api("/broadcast", { method: "POST", body: { text: words } });
        result.textContent = `Spoken on ${done.spoken.length} satellite(s)` + (done.failed.length ? `, failed on ${done.failed.length}` : "") + ".";
      } else if (!name) {
        result.textContent = "Choose one satellite to start a conversation on.";
      } else {
        const path = `/satellites/${encodeURIComponent(name)}/${kind === "announce" ? "announce" : "start-conversation"}`;
        const done = await api(path, { method: "POST", body: { text: words } });
        result.textContent = kind === "announce" ? `Spoken on ${done.satellite}.` : `Spoken on ${done.satellite}; listening for ${done.listening_s} s.`;
      }
      app.banner(null);
    } catch (err) {
      result.textContent = describeError(err);
    }
  }
  // Wake sensitivity of one Aria satellite (it applies it at once and reports it back).
  const threshold = h("input", { type: "number", id: "wake-threshold", min: "0.05", max: "0.99", step: "0.01", placeholder: "0.5" });
  async function tune() {
    const name = target.value;
    const value = Number(threshold.value);
    if (!name) { result.textContent = "Choose one satellite to tune."; return; }
    if (!(value > 0 && value < 1)) { result.textContent = "The wake threshold is a number between 0 and 1."; return; }
    try {
      const done = await api(`/satellites/${encodeURIComponent(name)}/config`, { method: "POST", body: { wake_threshold: value } });
      result.textContent = `${done.satellite}: wake threshold set to ${value}.`;
    } catch (err) {
      result.textContent = describeError(err);
    }
  }
  const form = h("section", { class: "card", id: "house" },
    h("h2", {}, "Speak to the house"),
    h("div", { class: "row" }, text, target,
      h("button", { type: "button", id: "house-announce", onclick: () => send("announce") }, "Announce"),
      h("button", { type: "button", id: "house-converse", onclick: () => send("converse") }, "Start conversation")),
    h("div", { class: "row" }, h("label", { for: "wake-threshold" }, "Wake threshold"), threshold,
      h("button", { type: "button", id: "wake-apply", onclick: tune }, "Apply to the satellite")),
    result);
  function update(satellites) {
    const names = satellites.filter((sat) => sat.connected).map((sat) => sat.name);
    const current = [...target.options].slice(1).map((option) => option.value);
    if (names.join("\n") === current.join("\n")) return;
    const chosen = target.value;
    clear(target, h("option", { value: "" }, "every satellite"), names.map((name) => h("option", { value: name }, name)));
    target.value = names.includes(chosen) ? chosen : "";
  }
  return { form, update };
}

export function mount(root, app) {
  const summary = h("div", { class: "card row spread" }, h("span", { class: "muted" }, "Loading…"));
  const stages = h("div", { class: "grid" });
  const satellites = h("section", { class: "card" }, h("h2", {}, "Satellites"), h("p", { class: "muted" }, "Loading…"));
  const house = houseForm(app);
  clear(root, h("h1", {}, "Status"), summary, stages, satellites, house.form);

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
      house.update(body.satellites ?? []);
    } catch (err) {
      clear(satellites, h("h2", {}, "Satellites"), h("p", { class: "error-text" }, describeError(err)));
    }
  }

  refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  return () => clearInterval(timer);
}
