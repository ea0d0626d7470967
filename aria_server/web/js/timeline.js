// The timeline chart of one turn: where the time went between the user and the first audio.
import { formatMs, s } from "./dom.js";

// Rows: [label, from landmark, to landmark, colour].
const ROWS = [
  ["speech", "speechStart", "speechEnd", "#98a2b3"],
  ["STT", "speechEnd", "transcript", "#6d5dfc"],
  ["first token", "transcript", "firstToken", "#c98a00"],
  ["reply text", "firstToken", "replyText", "#e0b341"],
  ["first audio", "firstToken", "firstAudio", "#12a150"],
];

/**
 * An SVG chart of `timeline` ({landmark: ms since the turn started}). The origin is the end of
 * speech for spoken turns and the start of the turn for typed ones.
 */
export function timelineChart(timeline) {
  const origin = timeline.speechEnd ?? 0;
  const start = timeline.speechStart !== undefined ? Math.min(timeline.speechStart, origin) : origin;
  const at = (name) => (name === "transcript" && timeline.transcript === undefined ? origin : timeline[name]);
  const end = Math.max(...Object.values(timeline), origin + 1);
  const width = 600;
  const left = 90;
  const rowH = 22;
  const rows = ROWS.filter(([, from, to]) => at(from) !== undefined && at(to) !== undefined);
  const height = rows.length * rowH + 34;
  const x = (ms) => left + ((ms - start) / (end - start)) * (width - left - 10);
  const firstAudio = timeline.firstAudio;
  return s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "turn timeline" },
    rows.map(([label, from, to, colour], i) => {
      const y = 8 + i * rowH;
      const x0 = x(at(from));
      const x1 = Math.max(x(at(to)), x0 + 2);
      return s("g", { dataset: { row: label } },
        s("text", { x: 0, y: y + 13 }, label),
        s("rect", { x: x0, y, width: x1 - x0, height: rowH - 8, rx: 3, fill: colour }),
        s("text", { x: Math.min(x1 + 4, width - 60), y: y + 13 }, formatMs(at(to) - at(from))));
    }),
    s("line", { class: "axis", x1: x(origin), x2: x(origin), y1: 0, y2: height - 20 }),
    firstAudio !== undefined
      ? s("text", { x: left, y: height - 6 }, `first audio ${formatMs(firstAudio - origin)} after ${timeline.speechEnd !== undefined ? "end of speech" : "the question"}`)
      : s("text", { x: left, y: height - 6 }, `total ${formatMs(timeline.end - origin)}`));
}
