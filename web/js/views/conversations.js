// Conversations: the stored history, each turn with its per-stage spans.
import { api, describeError } from "../api.js";
import { clear, formatMs, h } from "../dom.js";

function when(value) {
  if (!value) return "";
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

function spans(turn) {
  const list = turn.spans ?? [];
  if (!list.length) return null;
  const total = Math.max(...list.map((span) => span.end_ms ?? span.duration_ms ?? 0), 1);
  return h("div", { class: "spans" }, list.map((span) => {
    const start = span.start_ms ?? 0;
    const duration = span.duration_ms ?? (span.end_ms ?? start) - start;
    return h("div", { class: "row", dataset: { span: span.name ?? span.stage } },
      h("span", { class: "mono", style: { width: "7rem" } }, span.name ?? span.stage),
      h("span", { style: { flex: 1, position: "relative", height: "0.7rem", background: "var(--line)", borderRadius: "3px" } },
        h("span", { style: { position: "absolute", left: `${(start / total) * 100}%`, width: `${Math.max((duration / total) * 100, 0.5)}%`, top: 0, bottom: 0, background: "var(--accent)", borderRadius: "3px" } })),
      h("span", { class: "muted", style: { width: "5rem", textAlign: "right" } }, formatMs(duration)));
  }));
}

export function mount(root, app, [selected]) {
  const list = h("section", { class: "card", id: "conversation-list" }, h("p", { class: "muted" }, "Loading…"));
  const detail = h("section", { class: "card", id: "conversation-detail" }, h("p", { class: "muted" }, "Choose a conversation."));
  clear(root, h("h1", {}, "Conversations"), list, detail);

  async function show(id) {
    try {
      const conversation = await api(`/conversations/${encodeURIComponent(id)}`);
      clear(detail,
        h("h2", {}, conversation.title ?? id),
        (conversation.turns ?? []).map((turn) => h("article", { class: "card", dataset: { turn: turn.id ?? "" } },
          h("div", { class: "bubble user" }, turn.user ?? turn.text ?? ""),
          h("div", { class: "bubble assistant" }, turn.assistant ?? turn.reply ?? ""),
          h("p", { class: "muted" }, when(turn.created_at ?? turn.started_at)),
          spans(turn))));
    } catch (err) {
      clear(detail, h("p", { class: "error-text" }, describeError(err)));
    }
  }

  async function load() {
    try {
      const body = await api("/conversations");
      const items = body.conversations ?? [];
      clear(list, h("h2", {}, "History"),
        items.length
          ? items.map((item) => h("a", { class: "button list-item", href: `#/conversations/${encodeURIComponent(item.id)}` },
              h("strong", {}, item.title ?? item.id), h("span", { class: "muted" }, ` · ${item.turns ?? item.turn_count ?? 0} turns · ${when(item.updated_at)}`)))
          : h("p", { class: "muted" }, "No conversations yet."));
    } catch (err) {
      clear(list, h("p", { class: "error-text" }, describeError(err)));
    }
  }
  load();
  if (selected) show(selected);
}
