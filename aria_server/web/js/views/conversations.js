// Conversations: the stored history, each turn with the timeline of its stages.
import { api, describeError } from "../api.js";
import { clear, h } from "../dom.js";
import { timelineChart } from "../timeline.js";

// TurnSpans marks (server) -> timeline landmarks (the Talk view's chart).
const MARKS = {
  vad_start: "speechStart",
  vad_end: "speechEnd",
  stt_done: "transcript",
  first_token: "firstToken",
  first_audio_out: "firstAudio",
  turn_end: "end",
};

function when(seconds) {
  return seconds ? new Date(seconds * 1000).toLocaleString() : "";
}

function turnTimeline(turn) {
  const marks = turn.spans?.pipeline?.since_start_ms;
  if (!marks) return null;
  const timeline = {};
  for (const [mark, landmark] of Object.entries(MARKS)) if (marks[mark] !== undefined && marks[mark] !== null) timeline[landmark] = marks[mark];
  return Object.keys(timeline).length > 1 ? h("div", { class: "timeline" }, timelineChart(timeline)) : null;
}

function turnCard(turn) {
  return h("article", { class: "card", dataset: { turn: String(turn.id) } },
    h("div", { class: "chat" },
      h("div", { class: "bubble user" }, turn.user_text),
      h("div", { class: "bubble assistant" }, turn.reply_text,
        h("span", { class: "meta" }, [turn.source, turn.model, when(turn.started_at)].filter(Boolean).join(" · ")))),
    turnTimeline(turn));
}

export function mount(root, app, [selected]) {
  const list = h("section", { class: "card", id: "conversation-list" }, h("p", { class: "muted" }, "Loading…"));
  const detail = h("section", { id: "conversation-detail" });
  clear(root, h("h1", {}, "Conversations"), list, detail);

  async function show(id) {
    try {
      const conversation = await api(`/conversations/${encodeURIComponent(id)}`);
      clear(detail,
        h("h2", {}, conversation.session ? `${conversation.session} · ${when(conversation.started_at)}` : when(conversation.started_at)),
        conversation.turns.map(turnCard));
    } catch (err) {
      clear(detail, h("p", { class: "error-text" }, describeError(err)));
    }
  }

  async function load() {
    try {
      const body = await api("/conversations");
      clear(list, h("h2", {}, "History"),
        body.conversations.length
          ? body.conversations.map((item) => h("a", {
              class: "button list-item", href: `#/conversations/${encodeURIComponent(item.id)}`, dataset: { conversation: item.id },
            }, h("strong", {}, item.last_user_text ?? item.id),
              h("span", { class: "muted" }, ` · ${item.turns} turn${item.turns === 1 ? "" : "s"} · ${when(item.updated_at)}`)))
          : h("p", { class: "muted" }, "No conversations yet. Ask something in Talk."));
    } catch (err) {
      clear(list, h("p", { class: "error-text" }, describeError(err)));
    }
  }
  load();
  if (selected) show(selected);
}
