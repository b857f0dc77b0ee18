// The standalone page: connect to this visitor's session, then show the widget tree the kernel built for it.
import { Widget } from '@lumino/widgets';
import { Connection } from './connection.js';
import { PageManager } from './manager.js';
import { firstTree } from './socket.js';

const root = document.getElementById('nbshare-root');
const banner = document.getElementById('nbshare-banner');

const STATUS_TEXT = {
  reconnecting: 'Connection lost; reconnecting…',
  lost: 'The connection to the model was lost. Reload the page to start again.',
};

let bannerShowsUpload = false;

function showBanner(text, { upload = false } = {}) {
  banner.textContent = text;
  banner.hidden = !text;
  bannerShowsUpload = upload && Boolean(text);
}

const connection = new Connection({
  onMessage: (message, buffers) => {
    if (message.msg_type === 'nbshare_display') display(message.content.model_id);
    else if (message.msg_type === 'nbshare_error') showBanner(message.content.message);
    else manager.receive(message, buffers);
  },
  onStatus: (status, text) => {
    // 'refused' comes with its whole sentence (an expired or closed link, a full server: connection.js closeText);
    // 'sending' with an upload's progress, which 'sent' takes away (unless something else is shown by then).
    if (status === 'connected') {
      showBanner('');
      const loading = document.getElementById('nbshare-loading');
      if (loading) loading.textContent = 'Loading the interface…';
    } else if (status === 'sending') showBanner(text, { upload: true });
    else if (status === 'sent') {
      if (bannerShowsUpload) showBanner('');
    } else showBanner(status === 'refused' ? text : STATUS_TEXT[status]);
  },
});
const manager = new PageManager(connection);

// Sends fail loudly when a message is over the size limit (e.g. a huge upload): say so on the page.
const originalSend = connection.send.bind(connection);
connection.send = (...args) => {
  try {
    return originalSend(...args);
  } catch (error) {
    showBanner(error.message);
    return '';
  }
};

async function display(modelId) {
  await manager.pending;
  const model = await manager.get_model(modelId);
  const view = await manager.create_view(model);
  root.replaceChildren();
  Widget.attach(view.luminoWidget, root);
  root.dataset.session = connection.session ?? '';
  root.setAttribute('aria-busy', 'false');
}

function bytes(base64) {
  const binary = atob(base64);
  const buffer = new ArrayBuffer(binary.length);
  const view = new Uint8Array(buffer);
  for (let index = 0; index < binary.length; index++) view[index] = binary.charCodeAt(index);
  return new DataView(buffer);
}

// The first widget tree, when the page came with it (server/visits.py): shown without waiting for the websocket,
// which connects to its session meanwhile; what the visitor does before it is open waits in the connection.
const tree = firstTree();
if (tree) {
  connection.welcome(tree.welcome);
  for (const { message, buffers } of tree.messages) manager.receive(message, buffers.map(bytes));
  display(tree.display);
}
connection.open();
