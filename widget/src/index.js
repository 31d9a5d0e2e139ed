// Collaboration Coach web widget. Embed with one tag:
//   <script src="https://coach.example/webhooks/socketio/widget/coach-widget.js" defer
//           data-mode="launcher|inline" data-target="#where-inline" data-server="https://coach.example"></script>
// The stylesheet next to the script is added automatically unless data-css="none".
import { connect, storage } from "./connection.js";
import { plainText } from "./markdown.js";
import { renderBotMessage, renderNotice, renderUserMessage } from "./messages.js";
import { buildPanel } from "./panel.js";

const TYPING_TIMEOUT_MS = 60000;

function findScript() {
  return document.currentScript || document.querySelector("script[src*='coach-widget']");
}

function readConfig(script) {
  const data = (script && script.dataset) || {};
  const src = script && script.src ? new URL(script.src, document.baseURI) : new URL(document.baseURI);
  return {
    server: (data.server || src.origin).replace(/\/$/, ""),
    path: data.socketPath || "/socket.io",
    mode: data.mode === "inline" ? "inline" : "launcher",
    target: data.target || null,
    css: data.css === "none" ? null : (data.css || (script && script.src ? src.href.replace(/\.js(\?.*)?$/, ".css") : null)),
  };
}

function addStylesheet(href) {
  if (!href || document.querySelector(`link[rel=stylesheet][href="${CSS.escape(href)}"]`)) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = href;
  document.head.appendChild(link);
}

function mount(config, script) {
  addStylesheet(config.css);
  const ui = buildPanel(config.mode);
  const target = config.mode === "inline" && config.target ? document.querySelector(config.target) : null;
  if (target) target.appendChild(ui.root);
  else if (config.mode === "inline" && script && script.parentNode && script.parentNode !== document.head) {
    script.parentNode.insertBefore(ui.root, script);
  } else document.body.appendChild(ui.root);

  const openKey = "ccw:open";
  let connection = null;
  let typingTimer = null;
  let everOnline = false;
  let offlineTimer = null;

  function setTyping(on) {
    ui.typing.hidden = !on;
    clearTimeout(typingTimer);
    if (on) typingTimer = setTimeout(() => setTyping(false), TYPING_TIMEOUT_MS);
  }

  // New content never moves focus; it scrolls into view inside the log only.
  function append(node, { announce = null, alignTop = false } = {}) {
    ui.log.appendChild(node);
    ui.log.scrollTop = alignTop ? node.offsetTop - ui.log.offsetTop - 8 : ui.log.scrollHeight;
    if (announce) {
      const line = document.createElement("p");
      line.textContent = announce;
      ui.announcer.appendChild(line);
      while (ui.announcer.childNodes.length > 5) ui.announcer.removeChild(ui.announcer.firstChild);
    }
  }

  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = !text;
    if (text) ui.input.setAttribute("aria-describedby", ui.error.id);
    else ui.input.removeAttribute("aria-describedby");
  }

  function sendToBot(message, metadata) {
    if (!connection || !connection.ready) {
      showError("Not sent: Collaboration Coach can't be reached right now. It will reconnect by itself; then send again.");
      return false;
    }
    showError("");
    connection.send(message, metadata);
    setTyping(true);
    return true;
  }

  const actions = {
    onButton(title, payload) {
      if (sendToBot(payload)) append(renderUserMessage(title));
    },
    onFeedback(payload, answerId) {
      return sendToBot(payload, { answer_id: answerId });
    },
  };

  function renderBot(message, announce) {
    const node = renderBotMessage(message, actions);
    const words = plainText(message.text || "") || node.textContent.replace(/\s+/g, " ").trim();
    append(node, { announce: announce ? words : null, alignTop: true });
  }

  function setState(state) {
    ui.root.dataset.state = state;
    clearTimeout(offlineTimer);
    if (state === "offline") {
      // A short grace period, so a blip while reconnecting does not flash a warning.
      offlineTimer = setTimeout(() => {
        ui.status.className = "ccw-status ccw-status--offline";
        ui.status.textContent = "Collaboration Coach can't be reached right now. Trying to reconnect…";
        ui.root.dataset.unreachable = "true";
      }, everOnline ? 1000 : 3000);
      setTyping(false);
    } else if (state === "online") {
      const wasUnreachable = ui.root.dataset.unreachable === "true";
      delete ui.root.dataset.unreachable;
      everOnline = true;
      ui.status.className = "ccw-status";
      ui.status.textContent = wasUnreachable ? "Reconnected." : "";
      if (wasUnreachable) setTimeout(() => { if (ui.status.textContent === "Reconnected.") ui.status.textContent = ""; }, 4000);
      if (!ui.error.hidden) showError("");
    }
  }

  function start() {
    if (connection) return;
    connection = connect(config, {
      onState: setState,
      onSession({ resumed, hadSession }) {
        if (!resumed) {
          if (ui.log.childNodes.length) {
            append(renderNotice("The coach started a new conversation; it no longer remembers the messages above."),
              { announce: "The coach started a new conversation." });
          }
          if (!hadSession || ui.log.childNodes.length === 0) connection.send("/greet");
        }
      },
      onHistory(messages) {
        // Only draw history into an empty view; after a network blip the messages are already here.
        if (ui.log.childNodes.length) return;
        for (const m of messages) {
          if (m.sender === "user") append(renderUserMessage(String(m.text || "")));
          else renderBot(m, false);
        }
        if (messages.length) {
          const line = document.createElement("p");
          line.textContent = `Previous conversation restored: ${messages.length} messages.`;
          ui.announcer.appendChild(line);
          ui.log.scrollTop = ui.log.scrollHeight;
        }
      },
      onMessage(message) { renderBot(message, true); },
      onTurnEnd() { setTyping(false); },
    });
  }

  function setOpen(open, { focus = true } = {}) {
    if (!ui.launcher) return;
    ui.panel.hidden = !open;
    ui.launcher.setAttribute("aria-expanded", String(open));
    ui.launcher.hidden = open;
    storage.set(openKey, open ? "1" : null);
    if (open) {
      start();
      if (focus) ui.input.focus();
    } else if (focus) ui.launcher.focus();
  }

  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = ui.input.value.trim();
    if (!text) {
      showError("Type a question first.");
      return;
    }
    if (sendToBot(text)) {
      append(renderUserMessage(text));
      ui.input.value = "";
    }
  });

  ui.restart.addEventListener("click", () => {
    if (!sendToBot("/restart")) return;
    ui.log.replaceChildren();
    ui.announcer.replaceChildren();
    ui.input.focus(); // the clicked button stays, but the view it belonged to is gone
    const line = document.createElement("p");
    line.textContent = "Conversation cleared.";
    ui.announcer.appendChild(line);
  });

  if (ui.launcher) {
    ui.launcher.addEventListener("click", () => setOpen(true));
    ui.close.addEventListener("click", () => setOpen(false));
    ui.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") setOpen(false);
    });
    if (storage.get(openKey)) setOpen(true, { focus: false });
  } else {
    start();
  }
}

(function boot() {
  const script = findScript();
  const config = readConfig(script);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => mount(config, script));
  else mount(config, script);
})();
