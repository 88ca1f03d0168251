// The chat pane: castd's chat WebSocket (docs/chat.md). Everything from the network is shown with textContent, never
// parsed as HTML. A dropped connection (castd restarting) is redialled with backoff and rejoins its room; a refused
// one (close code 1008: too many connections, unregistered handle) is not, since asking again gets the same answer.
const $ = id => document.getElementById(id);
const PolicyViolation = 1008;
// 0.5 s, 1 s, 2 s … 8 s: quick after a blip, and a fleet of pages does not hammer a castd that is starting up.
const backoff = failures => Math.min(500 * 2 ** failures, 8000);

export class Chat {
  #socket = null;
  #handle = "";
  #token = "";
  #room = "";
  #failures = 0;
  #redial = 0;

  constructor() {
    $("direct").onsubmit = e => {
      e.preventDefault();
      this.#send({ recipient: $("recipient").value.trim(), message: $("direct-message").value });
      $("direct-message").value = "";
    };
    $("room-form").onsubmit = e => {
      e.preventDefault();
      this.#send({ room: $("room").value.trim(), message: $("room-message").value });
      $("room-message").value = "";
    };
    $("join").onclick = () => this.enter($("room").value.trim());
    // The members list has no push: ask again every 2 s while in a room.
    setInterval(() => { if (this.#room) this.#send({ who: this.#room }); }, 2000);
  }

  connect(handle, token = "") {
    this.#handle = handle;
    this.#token = token;
    this.#failures = 0;
    this.#dial();
  }

  /** Joins a room (leaving the one before): the room of the channel on screen, or one typed in. */
  enter(room) {
    if (this.#room && this.#room !== room) this.#send({ leave: this.#room });
    this.#room = room;
    $("room").value = room;
    this.#send({ join: room });
    this.#send({ who: room });
  }

  #dial() {
    clearTimeout(this.#redial);
    if (this.#socket) {
      this.#socket.onclose = null;
      this.#socket.close();
    }
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const auth = this.#token ? `&token=${encodeURIComponent(this.#token)}` : "";
    const socket = new WebSocket(`${scheme}://${location.host}/chat?user=${encodeURIComponent(this.#handle)}${auth}`);
    this.#socket = socket;
    socket.onopen = () => {
      this.#failures = 0;
      $("status").textContent = `connected as ${this.#handle}`;
      if (this.#room) this.enter(this.#room);
    };
    socket.onclose = event => {
      if (event.code === PolicyViolation) {
        $("status").textContent = `refused: ${event.reason}`;
        return;
      }
      const delay = backoff(this.#failures++);
      $("status").textContent = `disconnected, reconnecting in ${(delay / 1000).toFixed(1)} s`;
      this.#redial = setTimeout(() => this.#dial(), delay);
    };
    socket.onmessage = event => this.#receive(JSON.parse(event.data));
  }

  #receive(m) {
    if (m.members) this.#renderMembers(m.room, m.members);
    else if (m.error) this.#show(`error: ${m.error}`, "error");
    else if (m.ok) this.#show(m.ok, "ok");
    else if (m.room) this.#show(`[${m.room}] ${m.sender}: ${m.message}`, "room");
    else this.#show(`${m.sender} → ${m.recipient}: ${m.message}`);
  }

  #show(text, kind) {
    const item = document.createElement("li");
    item.textContent = text;
    if (kind) item.className = kind;
    $("log").append(item);
    item.scrollIntoView({ block: "end" });
  }

  #renderMembers(room, members) {
    $("room-name").textContent = room;
    $("members").replaceChildren(...members.map(name => {
      const li = document.createElement("li");
      li.textContent = name;
      return li;
    }));
  }

  #send(request) {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(request));
  }
}
