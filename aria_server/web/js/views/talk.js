// Talk: microphone to /ws, streaming reply audio, live transcript and reply, per-turn timeline.
import { describeError } from "../api.js";
import { Microphone, microphoneProblem } from "../audio/capture.js";
import { clear, formatMs, h } from "../dom.js";
import { timelineChart } from "../timeline.js";

const LABELS = { idle: "Talk", listening: "Stop", thinking: "Cancel", speaking: "Interrupt", error: "Talk" };
const ERROR_WORDS = {
  "bad-audio": "The microphone sent audio the server could not read.",
  "internal-error": "Something broke on the server; its log says what.",
  "stt-failed": "Speech recognition failed.",
  "tts-failed": "The reply could not be spoken.",
};

export function mount(root, app) {
  const { socket, player } = app;
  let state = "idle";
  let streaming = false; // microphone frames go to the server only while it listens
  const turns = new Map(); // turnId -> {user, assistant}
  let typed = null; // a typed question waiting for its turn id
  let replyBubble = null; // the bubble whose audio is playing (shows how much was heard)

  const mic = new Microphone((frame) => {
    if (streaming) socket.sendAudio(frame);
  });
  const button = h("button", { class: "mic", id: "talk-button", dataset: { state }, "aria-live": "polite" }, LABELS.idle);
  const stateLabel = h("span", { class: "state", id: "talk-state" }, "idle");
  const hint = h("p", { class: "muted", id: "mic-hint" }, microphoneProblem() ?? "Tap to talk; Aria stops listening when you pause.");
  const chat = h("div", { class: "chat", id: "chat", "aria-live": "polite" });
  const input = h("input", { id: "text-input", placeholder: "…or type a question", autocomplete: "off", enterkeyhint: "send" });
  const speak = h("input", { type: "checkbox", id: "speak", checked: true });
  const chart = h("div", { class: "timeline", id: "timeline" }, h("p", { class: "muted" }, "The timeline of the last turn appears here."));

  clear(root,
    h("h1", {}, "Talk"),
    h("div", { class: "talk" },
      h("section", { class: "card mic-area" }, button, stateLabel, hint),
      h("section", { class: "card" },
        h("div", { class: "row spread" }, h("h2", {}, "Conversation"),
          h("button", { id: "new-conversation", onclick: newConversation }, "New conversation")),
        chat,
        h("form", { class: "composer", onsubmit: sendText }, input, h("button", { class: "primary", type: "submit" }, "Send")),
        h("label", { class: "row muted" }, speak, "Speak replies")),
      h("section", { class: "card" }, h("h2", {}, "Timeline"), chart)));

  function setState(next) {
    state = next;
    button.dataset.state = next;
    button.textContent = LABELS[next] ?? "Talk";
    stateLabel.textContent = next;
    if (next !== "listening" && streaming) {
      streaming = false;
      mic.stop();
    }
  }

  function bubbles(turnId) {
    if (!turns.has(turnId)) turns.set(turnId, { user: null, assistant: null });
    return turns.get(turnId);
  }

  function bubble(kind, text, extra = {}) {
    const el = h("div", { class: `bubble ${kind}`, ...extra }, text);
    chat.append(el);
    chat.scrollTop = chat.scrollHeight;
    return el;
  }

  function showError(text) {
    bubble("error", text);
  }

  async function startListening() {
    try {
      await player.unlock();
      await mic.start();
    } catch (err) {
      showError(describeError(err));
      return;
    }
    if (!socket.send("command", "start")) {
      showError("Not connected to the server; retrying…");
      await mic.stop();
      return;
    }
    streaming = true;
    setState("listening");
  }

  async function onButton() {
    if (state === "listening") {
      streaming = false;
      socket.send("command", "stop");
      await mic.stop();
    } else if (state === "thinking" || state === "speaking") {
      player.stop(); // barge-in: silence at once, then tell the server
      socket.send("command", "cancel");
      await startListening();
    } else {
      await startListening();
    }
  }
  button.addEventListener("click", onButton);

  async function sendText(event) {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    player.stop();
    await player.unlock();
    if (!socket.send("text", text, { speak: speak.checked })) {
      showError("Not connected to the server; retrying…");
      return;
    }
    input.value = "";
    typed = text;
  }

  function newConversation() {
    player.stop();
    socket.send("command", "new-conversation");
    turns.clear();
    clear(chat);
  }

  function onMessage({ detail: message }) {
    const meta = message.metadata ?? {};
    const turnId = meta.turnId;
    if (message.type === "status") {
      if (message.data === "error") {
        const error = meta.error ?? {};
        showError(ERROR_WORDS[error.code] ? `${ERROR_WORDS[error.code]} (${error.message})` : error.message ?? "error");
        setState("idle");
        return;
      }
      if (turnId && typed !== null) {
        // A typed question: show it as soon as its turn exists.
        bubbles(turnId).user = bubble("user", typed, { dataset: { final: "true" } });
        typed = null;
      }
      setState(message.data);
      if (message.data === "idle" && meta.timeline) clear(chart, timelineChart(meta.timeline));
      return;
    }
    if (!turnId) return;
    const turn = bubbles(turnId);
    if (message.type === "transcript") {
      turn.user ??= bubble("user partial", "");
      turn.user.textContent = message.data || "(nothing heard)";
      turn.user.classList.toggle("partial", !meta.final);
      if (meta.final) turn.user.dataset.final = "true";
    } else if (message.type === "response") {
      turn.assistant ??= bubble("assistant", "");
      if (meta.final) {
        turn.assistant.dataset.final = "true";
        clear(turn.assistant, message.data,
          h("span", { class: "meta" }, [meta.model, meta.processingTime !== undefined ? formatMs(meta.processingTime) : null].filter(Boolean).join(" · ")));
      } else {
        turn.assistant.firstChild ? turn.assistant.firstChild.appendData(message.data) : turn.assistant.append(message.data);
      }
    } else if (message.type === "audio" && message.data === "start") {
      player.begin({ rate: meta.rate });
      turn.assistant ??= bubble("assistant", "");
      replyBubble = turn.assistant;
    }
  }

  function onAudio({ detail }) {
    player.push(detail);
  }

  function onProgress({ detail }) {
    if (replyBubble) replyBubble.dataset.playedMs = String(Math.round(detail.playedMs));
  }

  socket.addEventListener("message", onMessage);
  socket.addEventListener("audio", onAudio);
  player.addEventListener("progress", onProgress);
  return () => {
    socket.removeEventListener("message", onMessage);
    socket.removeEventListener("audio", onAudio);
    player.removeEventListener("progress", onProgress);
    streaming = false;
    mic.stop();
  };
}
