// The watch page (docs/playback.md): http://host:8080/#<handle>@<channel> plays the channel beside the chat of its room;
// with tokens (docs/security.md) the fragment carries the viewer's token too, #<handle>@<channel>&token=<jwt>, so it
// never reaches a server log or a Referer; the page hands it to /live and /chat as ?token=.
// The chat handle is also the user id the page watches as (docs/http.md): one name for one person. The page does not
// register it by itself; an unregistered handle sees castd's 403 and a button that registers it (POST /register).
import { Chat } from "./chat.js";
import { Player } from "./player.js";

const $ = id => document.getElementById(id);
// The viewer count and the channel list are polled: GET /channels is a few hundred bytes.
const PollMs = 2000;

const chat = new Chat();
const player = new Player($("video"), status => { $("register").hidden = status !== 403; });
// null until the first show(), so that it applies everything.
let handle = null;
let channel = null;
let token = "";
let channels = [];

function fromHash() {
  const [who, ...params] = location.hash.slice(1).split("&");
  const [h = "", c = ""] = decodeURIComponent(who).split("@");
  token = new URLSearchParams(params.join("&")).get("token") ?? "";
  return { h: h.trim(), c: c.trim() };
}

function show(nextHandle, nextChannel) {
  const handleChanged = nextHandle !== handle;
  const channelChanged = nextChannel !== channel;
  handle = nextHandle;
  channel = nextChannel;
  history.replaceState(null, "", `#${handle}${channel ? `@${channel}` : ""}${token ? `&token=${token}` : ""}`);
  $("handle").value = handle;
  renderChannels();
  if (handleChanged && handle) chat.connect(handle, token);
  if (channelChanged && channel) chat.enter(channel);
  if (!handleChanged && !channelChanged) return;
  $("register").hidden = true;
  if (!handle) player.stop("log in to watch");
  else if (!channel) player.stop("no channel yet");
  else player.watch(channel, handle, token);
  renderViewers();
}

function renderChannels() {
  const ids = channels.map(c => c.id);
  if (channel && !ids.includes(channel)) ids.push(channel);
  $("channel").replaceChildren(...ids.map(id => {
    const live = channels.find(c => c.id === id)?.live;
    return new Option(live ? id : `${id} (offline)`, id, false, id === channel);
  }));
}

function renderViewers() {
  const count = channels.find(c => c.id === channel)?.viewers ?? 0;
  $("viewers").dataset.count = count;
  $("viewers").textContent = channel ? `${count} watching` : "";
}

async function poll() {
  try {
    const response = await fetch("/channels", { cache: "no-store" });
    if (response.ok) channels = (await response.json()).channels;
  } catch {
    // castd is away (restarting): keep the last list; the player and the chat say so themselves.
  }
  if (!channel && channels.length) {
    show(handle, (channels.find(c => c.live) ?? channels[0]).id);
  } else {
    renderChannels();
  }
  renderViewers();
}

$("login").onsubmit = e => {
  e.preventDefault();
  show($("handle").value.trim(), channel);
};
$("channel").onchange = () => show(handle, $("channel").value);
$("register").onclick = async () => {
  const response = await fetch("/register", { method: "POST", body: handle });
  if (response.ok) {
    $("register").hidden = true;
    player.watch(channel, handle, token);
    // The chat refused an unregistered handle too (unless CASTD_CHAT_OPEN) and does not redial a refusal by itself.
    chat.connect(handle, token);
  }
};
window.addEventListener("hashchange", () => { const { h, c } = fromHash(); show(h, c || channel); });

const { h, c } = fromHash();
show(h, c);
poll();
setInterval(poll, PollMs);
