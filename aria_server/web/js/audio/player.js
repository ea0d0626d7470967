// Streaming playback of the reply: int16 PCM frames scheduled back to back through Web Audio.

const START_DELAY_S = 0.03; // a little slack so the first frame is not cut

export class PcmPlayer extends EventTarget {
  constructor() {
    super();
    this.context = null;
    this.rate = 22050;
    this.nextTime = 0;
    this.sources = new Set();
    this.playedSamples = 0;
    this.receivedSamples = 0;
  }

  /** Create or resume the AudioContext; call from a user gesture (autoplay rules). */
  async unlock() {
    if (!this.context) this.context = new AudioContext({ latencyHint: "interactive" });
    if (this.context.state !== "running") await this.context.resume();
  }

  /** A new reply begins, in this format. */
  begin({ rate }) {
    this.stop();
    this.rate = rate;
    this.playedSamples = 0;
    this.receivedSamples = 0;
  }

  /** Queue one binary frame of int16 little-endian mono PCM. */
  push(buffer) {
    if (!this.context) return;
    const samples = new Int16Array(buffer);
    if (samples.length === 0) return;
    const audio = this.context.createBuffer(1, samples.length, this.rate);
    const channel = audio.getChannelData(0);
    for (let i = 0; i < samples.length; i++) channel[i] = samples[i] / 32768;
    const source = this.context.createBufferSource();
    source.buffer = audio;
    source.connect(this.context.destination);
    const startAt = Math.max(this.nextTime, this.context.currentTime + START_DELAY_S);
    source.start(startAt);
    this.nextTime = startAt + audio.duration;
    this.receivedSamples += samples.length;
    this.sources.add(source);
    if (this.sources.size === 1) this.dispatchEvent(new Event("start"));
    source.onended = () => {
      if (!this.sources.delete(source)) return;
      this.playedSamples += samples.length;
      this.dispatchEvent(new CustomEvent("progress", { detail: { playedMs: this.playedMs } }));
      if (this.sources.size === 0) this.dispatchEvent(new Event("idle"));
    };
  }

  get playedMs() {
    return (this.playedSamples / this.rate) * 1000;
  }

  get playing() {
    return this.sources.size > 0;
  }

  /** Barge-in: silence now and drop everything queued. */
  stop() {
    for (const source of this.sources) {
      source.onended = null;
      try {
        source.stop();
      } catch {
        /* not started yet */
      }
    }
    this.sources.clear();
    this.nextTime = 0;
  }
}
