// The socket.io connection: asks for (or resumes) a session, and reports state changes.
// The session id lives in sessionStorage, so a reload resumes the conversation but closing the tab
// ends it (intranet PCs are often shared).
import { io } from "socket.io-client";

const storage = {
  get(key) {
    try { return window.sessionStorage.getItem(key); } catch (e) { return null; }
  },
  set(key, value) {
    try {
      if (value === null) window.sessionStorage.removeItem(key);
      else window.sessionStorage.setItem(key, value);
    } catch (e) { /* storage blocked: the conversation simply won't survive a reload */ }
  },
};

export { storage };

/**
 * @param config {server, path}
 * @param handlers {onState(state), onSession({resumed, isNew}), onHistory(messages), onMessage(m), onTurnEnd()}
 */
export function connect(config, handlers) {
  const key = `ccw:session:${config.server}`;
  let ready = false;
  const socket = io(config.server, {
    path: config.path,
    reconnection: true,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 4000,
    timeout: 8000,
  });

  socket.on("connect", () => {
    ready = false;
    handlers.onState("connecting");
    socket.emit("session_request", { session_id: storage.get(key) });
  });
  socket.on("session_confirm", (sessionId) => {
    const asked = storage.get(key);
    storage.set(key, String(sessionId));
    ready = true;
    handlers.onState("online");
    handlers.onSession({ resumed: asked === sessionId, hadSession: !!asked });
  });
  socket.on("session_history", (data) => handlers.onHistory((data && data.messages) || []));
  socket.on("bot_uttered", (message) => handlers.onMessage(message || {}));
  socket.on("bot_turn_end", () => handlers.onTurnEnd());
  socket.on("session_required", () => socket.emit("session_request", { session_id: storage.get(key) }));
  socket.on("disconnect", () => { ready = false; handlers.onState("offline"); });
  socket.on("connect_error", () => { ready = false; handlers.onState("offline"); });

  return {
    get ready() { return ready && socket.connected; },
    send(message, metadata) {
      if (!this.ready) return false;
      socket.emit("user_uttered", { message, metadata: metadata || {} });
      return true;
    },
  };
}
