// The microphone: getUserMedia -> AudioWorklet -> 16 kHz int16 frames handed to a callback.

/** Why the microphone cannot be used here, in words (null when it can). */
export function microphoneProblem() {
  if (!window.isSecureContext) {
    return "The browser only allows the microphone on https:// or on localhost. Open the dashboard "
      + "through https (e.g. a reverse proxy) or on this machine; typing works everywhere.";
  }
  if (!navigator.mediaDevices?.getUserMedia) return "This browser cannot capture audio.";
  if (typeof AudioWorkletNode === "undefined") return "This browser lacks AudioWorklet support.";
  return null;
}

export class Microphone {
  /** @param {(frame: ArrayBuffer) => void} onFrame called with each 512-sample int16 frame */
  constructor(onFrame) {
    this.onFrame = onFrame;
    this.context = null;
    this.stream = null;
    this.node = null;
    this.source = null;
  }

  get active() {
    return this.stream !== null;
  }

  /** Open the microphone (asks for permission the first time). Throws an Error in words. */
  async start() {
    if (this.active) return;
    const problem = microphoneProblem();
    if (problem) throw new Error(problem);
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
    } catch (err) {
      throw new Error(
        err.name === "NotAllowedError"
          ? "Microphone permission was denied; allow it in the browser's site settings."
          : `The microphone could not be opened (${err.name}: ${err.message}).`,
      );
    }
    this.context = new AudioContext({ latencyHint: "interactive" });
    await this.context.audioWorklet.addModule(new URL("./mic-worklet.js", import.meta.url));
    this.source = this.context.createMediaStreamSource(this.stream);
    this.node = new AudioWorkletNode(this.context, "aria-mic", { numberOfInputs: 1, numberOfOutputs: 0 });
    this.node.port.onmessage = (event) => this.onFrame(event.data);
    this.source.connect(this.node);
    await this.context.resume();
  }

  /** Release the microphone (the browser's recording indicator goes off). */
  async stop() {
    if (!this.active) return;
    this.source?.disconnect();
    this.node?.port.close();
    for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    const context = this.context;
    this.context = null;
    await context?.close();
  }
}
