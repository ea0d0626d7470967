// The dashboard shell: hash router, the shared /ws connection and player, the connection pill.
import { setToken } from "./api.js";
import { PcmPlayer } from "./audio/player.js";
import { clear, formatMs } from "./dom.js";
import { AriaSocket } from "./socket.js";
import * as conversations from "./views/conversations.js";
import * as models from "./views/models.js";
import * as settings from "./views/settings.js";
import * as status from "./views/status.js";
import * as talk from "./views/talk.js";

const VIEWS = { status, talk, settings, models, conversations };
const DEFAULT_VIEW = "status";

const app = {
  socket: new AriaSocket(),
  player: new PcmPlayer(),
  /** Show a problem in words at the top of the page (null hides it). */
  banner(text) {
    const banner = document.getElementById("banner");
    banner.textContent = text ?? "";
    banner.hidden = !text;
  },
};
window.aria = app; // for the console (and the browser tests)

let unmount = null;

function route() {
  // "#token=XYZ" (the link the server logs) stores the token, then shows the status view.
  const hash = location.hash.replace(/^#/, "");
  if (hash.startsWith("token=")) {
    setToken(decodeURIComponent(hash.slice(6)));
    history.replaceState(null, "", "#/status");
    app.socket.reconnect();
  }
  const [name, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  const view = VIEWS[name] ? name : DEFAULT_VIEW;
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  unmount?.();
  app.banner(null);
  const root = clear(document.getElementById("view"));
  root.dataset.view = view;
  unmount = VIEWS[view].mount(root, app, rest.map(decodeURIComponent)) ?? null;
}

function showConnection({ detail }) {
  const pill = document.getElementById("connection");
  pill.className = "pill";
  if (detail.state === "open") {
    pill.textContent = "connected";
    pill.classList.add("ok");
  } else if (detail.state === "connecting") {
    pill.textContent = "connecting…";
  } else {
    pill.textContent = `offline — retry in ${formatMs(detail.delayMs)}`;
    pill.classList.add("bad");
    pill.title = detail.reason ?? "";
  }
}

app.socket.addEventListener("state", showConnection);
window.addEventListener("hashchange", route);
route();
app.socket.connect();
