// The first script the page runs (a small classic script, before the bundle has arrived):
// - the link's token leaves the address bar and the history (the server has already traded it for a cookie), so
//   it is not bookmarked, shared from the address bar or returned to with Back;
// - the websocket opens now rather than once the bundle has downloaded and run. When the page came with its first
//   widget tree (#nbshare-first, above this script), it connects to that tree's session; else the visitor's
//   widgets are built in the kernel while the bundle is still on its way. Its events wait in `window.nbshareBoot`
//   until connection.js adopts the socket (or, when the bundle ran first, this script does nothing).
import { firstTree, sessionSocket } from './socket.js';

(() => {
  const here = new URL(window.location.href);
  if (here.searchParams.has('token')) {
    here.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', here.pathname + here.search + here.hash);
  }
  if ('nbshareBoot' in window) return;
  const session = firstTree()?.welcome?.session ?? null;
  const socket = sessionSocket(session);
  const events = [];
  const keep = (event) => events.push(event);
  const types = ['open', 'message', 'close'];
  for (const type of types) socket.addEventListener(type, keep);
  window.nbshareBoot = {
    socket,
    session,
    /** Hand the socket over: its events so far, in order; from now on the caller's handlers get them. */
    take() {
      for (const type of types) socket.removeEventListener(type, keep);
      return events.splice(0);
    },
  };
})();
