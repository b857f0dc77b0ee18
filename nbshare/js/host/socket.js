// What boot.js (before the bundle) and connection.js (in it) both need: the page's first widget tree, and a
// websocket to the page's session.

/** The first widget tree the page came with (server/visits.py), or null: none, or unreadable. */
export function firstTree() {
  try {
    return JSON.parse(document.getElementById('nbshare-first')?.textContent || 'null');
  } catch {
    return null;
  }
}

/** A websocket to this page's server: to `session` when given, else for a new one. */
export function sessionSocket(session) {
  const url = new URL('ws', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  url.hash = '';
  if (session) url.searchParams.set('session', session);
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  return socket;
}
