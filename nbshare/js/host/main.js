// The standalone page: connect to this visitor's session, then show the widget tree the kernel built for it.
import { Widget } from '@lumino/widgets';
import { Connection } from './connection.js';
import { PageManager } from './manager.js';

const root = document.getElementById('nbshare-root');
const banner = document.getElementById('nbshare-banner');

const STATUS_TEXT = {
  reconnecting: 'Connection lost; reconnecting…',
  lost: 'The connection to the model was lost. Reload the page to start again.',
};

function showBanner(text) {
  banner.textContent = text;
  banner.hidden = !text;
}

const connection = new Connection({
  onMessage: (message, buffers) => {
    if (message.msg_type === 'nbshare_display') display(message.content.model_id);
    else if (message.msg_type === 'nbshare_error') showBanner(message.content.message);
    else manager.receive(message, buffers);
  },
  onStatus: (status, text) => {
    // 'refused' comes with its whole sentence (an expired or closed link, a full server: connection.js closeText).
    if (status === 'connected') showBanner('');
    else showBanner(status === 'refused' ? text : STATUS_TEXT[status]);
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
  root.setAttribute('aria-busy', 'false');
}

connection.open();
