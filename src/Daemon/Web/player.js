// The video pane: GET /live/{channel}.ts?user= (docs/playback.md) played through mpegts.js (Media Source Extensions), and a
// live indicator driven by what the video element does, its currentTime advancing, rather than by the network, so a
// stream that stops or freezes shows as such and is dialled again.
const $ = id => document.getElementById(id);
// Fast start hands a new player a keyframe at once, and frames then come every 40 ms: 3 s without a new one is a
// broken stream (source gone, castd restarted, or a source whose timestamps jumped back: mpegts.js ignores the
// discontinuity_indicator and drops what follows), not a slow start.
const StallMs = 3000;
// The indicator stops saying live sooner: a second without a frame is already visible to the viewer.
const FrozenMs = 1000;
// 0.5 s, 1 s, 2 s … 8 s, reset once frames flow again.
const backoff = failures => Math.min(500 * 2 ** failures, 8000);
// Refusals that asking again cannot change (docs/playback.md: 400 malformed, 401 no or a bad token, 403 unregistered or
// not allowed); 429 and 503 may clear.
const Final = new Set([400, 401, 403, 404]);

export class Player {
  #video;
  #onRefused;
  #url = "";
  #player = null;
  #failures = 0;
  #retry = 0;
  #lastTime = 0;
  #lastAdvance = 0;
  #generation = 0;

  /** onRefused(status, text): a final refusal, e.g. 403 for an unregistered user. */
  constructor(video, onRefused) {
    this.#video = video;
    this.#onRefused = onRefused;
    setInterval(() => this.#watchdog(), 250);
  }

  watch(channel, user, token = "") {
    const auth = token ? `&token=${encodeURIComponent(token)}` : "";
    this.#url = `/live/${encodeURIComponent(channel)}.ts?user=${encodeURIComponent(user)}${auth}`;
    this.#failures = 0;
    this.#start();
  }

  stop(text) {
    this.#url = "";
    this.#teardown();
    this.#state("idle", text);
  }

  #start() {
    this.#teardown();
    const generation = this.#generation;
    const player = mpegts.createPlayer({ type: "mpegts", isLive: true, url: this.#url }, {
      // Low latency: hand every chunk to the demuxer at once, start loading at once, and skip ahead when the buffer
      // grows past 1.5 s (a tab in the background, a slow machine) instead of falling behind live for good.
      enableStashBuffer: false,
      lazyLoad: false,
      liveBufferLatencyChasing: true,
      liveBufferLatencyMaxLatency: 1.5,
      liveBufferLatencyMinRemain: 0.3,
    });
    // mpegts.js emits these from inside its own work (an MSE append that fails reports ERROR before the appending
    // code goes on) and breaks if it is destroyed under its feet: act once it has returned.
    const later = action => setTimeout(() => { if (generation === this.#generation) action(); });
    player.on(mpegts.Events.ERROR, (type, detail, info) => later(() => {
      if (detail === mpegts.ErrorDetails.NETWORK_STATUS_CODE_INVALID) this.#refused(info.code);
      else this.#again(`${type}: ${detail}`);
    }));
    player.on(mpegts.Events.LOADING_COMPLETE, () => later(() => this.#again("stream ended")));
    player.attachMediaElement(this.#video);
    player.load();
    // Muted, so autoplay is allowed; a refusal here is the browser's policy, and the controls can still start it.
    this.#video.play().catch(() => {});
    this.#player = player;
    this.#lastTime = this.#video.currentTime;
    this.#lastAdvance = performance.now();
    this.#state("connecting", "connecting…");
  }

  #teardown() {
    this.#generation++;
    clearTimeout(this.#retry);
    if (this.#player) {
      this.#player.destroy();
      this.#player = null;
    }
  }

  #watchdog() {
    if (!this.#player) return;
    if (this.#video.paused && this.#video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) {
      // Paused with the controls: not a stall. Resuming jumps to live (latency chasing).
      this.#lastAdvance = performance.now();
      return;
    }
    const time = this.#video.currentTime;
    if (time !== this.#lastTime) {
      this.#lastTime = time;
      this.#lastAdvance = performance.now();
      this.#failures = 0;
      if ($("live").dataset.state !== "live") this.#state("live");
      return;
    }
    const frozen = performance.now() - this.#lastAdvance;
    if (frozen > StallMs) this.#again("stalled");
    else if (frozen > FrozenMs && $("live").dataset.state === "live") this.#state("stalled", "no new frames");
  }

  /** mpegts.js reports only the status code; the one-line body says why, so ask once more just for it. */
  async #refused(status) {
    this.#teardown();
    const generation = this.#generation;
    let text = `HTTP ${status}`;
    const abort = new AbortController();
    try {
      const response = await fetch(this.#url, { signal: abort.signal });
      if (response.ok) {
        // Admitted this time after all: leave the slot to the real player.
        abort.abort();
        status = 0;
      } else {
        text = `${response.status}: ${(await response.text()).trim()}`;
      }
    } catch {
      // Unreachable now: the retry below will say so.
    }
    if (generation !== this.#generation) return;
    if (Final.has(status)) {
      this.#state("error", text);
      this.#onRefused(status, text);
    } else {
      this.#again(status === 0 ? "retrying" : text);
    }
  }

  #again(reason) {
    this.#teardown();
    if (!this.#url) return;
    const delay = backoff(this.#failures++);
    this.#state("reconnecting", `reconnecting in ${(delay / 1000).toFixed(1)} s (${reason})`);
    this.#retry = setTimeout(() => this.#start(), delay);
  }

  #state(state, text) {
    const live = $("live");
    live.dataset.state = state;
    live.textContent = state === "live" ? "● live" : state === "idle" ? "offline" : state;
    $("notice").textContent = state === "live" ? "" : text ?? "";
  }
}
