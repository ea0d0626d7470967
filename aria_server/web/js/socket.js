// The /ws connection shared by every view: reconnects with exponential backoff and jitter.
import { getToken } from "./api.js";

const CONVERSATION_KEY = "aria.conversation";
const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 15000;

/**
 * Events (EventTarget): "state" {detail: {state, attempt, delayMs, reason}},
 * "message" {detail: server JSON message}, "audio" {detail: ArrayBuffer}.
 * state is one of: connecting, open, closed (with a reconnect scheduled), stopped.
 */
export class AriaSocket extends EventTarget {
  constructor() {
    super();
    this.ws = null;
    this.attempt = 0;
    this.timer = null;
    this.state = "closed";
    this.conversationId = localStorage.getItem(CONVERSATION_KEY);
  }

  url() {
    const url = new URL("/ws", location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    const token = getToken();
    if (token) url.searchParams.set("token", token);
    if (this.conversationId) url.searchParams.set("conversation", this.conversationId);
    return url.toString();
  }

  connect() {
    clearTimeout(this.timer);
    if (this.ws) {
      const old = this.ws;
      this.ws = null; // its close event is then ignored
      old.close();
    }
    this.setState("connecting");
    const ws = new WebSocket(this.url());
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.attempt = 0;
      this.setState("open");
    };
    ws.onmessage = (event) => {
      if (typeof event.data !== "string") {
        this.dispatchEvent(new CustomEvent("audio", { detail: event.data }));
        return;
      }
      const message = JSON.parse(event.data);
      const id = message.metadata?.conversationId;
      if (id) {
        this.conversationId = id;
        localStorage.setItem(CONVERSATION_KEY, id);
      }
      this.dispatchEvent(new CustomEvent("message", { detail: message }));
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      // A refused upgrade (wrong token, bad origin) closes before opening: say so.
      const reason = opened
        ? event.code === 1009 ? "a message was too large for the server" : event.reason || `code ${event.code}`
        : "the server refused or could not be reached (check that it runs, and the API token)";
      this.scheduleReconnect(reason);
    };
  }

  scheduleReconnect(reason) {
    if (this.state === "stopped") return;
    const base = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** this.attempt);
    const delayMs = Math.round(base / 2 + Math.random() * (base / 2));
    this.attempt += 1;
    this.setState("closed", { delayMs, reason });
    this.timer = setTimeout(() => this.connect(), delayMs);
  }

  /** Reconnect now (e.g. after a new token was entered). */
  reconnect() {
    this.attempt = 0;
    this.connect();
  }

  setState(state, extra = {}) {
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: { state, attempt: this.attempt, ...extra } }));
  }

  get isOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  /** Send a client message {type, data}; false when not connected. */
  send(type, data, extra = {}) {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify({ type, data, timestamp: Date.now(), ...extra }));
    return true;
  }

  /** Send one binary microphone frame. */
  sendAudio(buffer) {
    if (this.isOpen) this.ws.send(buffer);
  }
}
