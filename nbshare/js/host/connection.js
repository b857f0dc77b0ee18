// The page's one websocket to its session in the kernel: ordered delivery, acknowledgements, reconnects.
import { decodeFrame, encodeFrame } from './frames.js';

const RETRY_MS = 1000;

// Close codes the server ends a page with (nbshare/server/app.py), as the sentence the page shows.
const CLOSED_BECAUSE = {
  4010: 'The owner of this link has closed it; the model is no longer reachable from this page.',
  4011: 'This link has expired. Ask the person who shared it for a new one.',
};

/** What to tell the visitor when the server closed their connection with `code` (4000-4999) and `reason`. */
export function closeText(code, reason) {
  if (CLOSED_BECAUSE[code]) return CLOSED_BECAUSE[code];
  return reason ? `This page was refused by the server: ${reason}` : 'This page was refused by the server.';
}

export class Connection {
  constructor({ onMessage, onStatus }) {
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.session = null;
    this.maxMessageBytes = Infinity;
    this.giveUpAt = Infinity;
    this.outbox = [];
    this.acks = new Map();
    this.nextId = 0;
    this.socket = null;
  }

  open() {
    const url = new URL('ws', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.search = '';
    url.hash = '';
    if (this.session) url.searchParams.set('session', this.session);
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      this.onStatus('connected');
      for (const frame of this.outbox.splice(0)) socket.send(frame);
    };
    socket.onmessage = (event) => this._receive(decodeFrame(event.data));
    socket.onclose = (event) => this._closed(event);
    this.socket = socket;
  }

  /** Send a message; `onAck` runs once the kernel has handled it. Returns its id, or throws when too large. */
  send(message, buffers = [], onAck = null) {
    const id = `m${this.nextId++}`;
    const frame = encodeFrame({ ...message, msg_id: id }, buffers);
    if (frame.byteLength > this.maxMessageBytes) {
      const size = (frame.byteLength / 1048576).toFixed(1);
      const limit = (this.maxMessageBytes / 1048576).toFixed(1);
      throw new Error(`This input is ${size} MB; the limit here is ${limit} MB.`);
    }
    if (onAck) this.acks.set(id, onAck);
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(frame);
    else this.outbox.push(frame);
    return id;
  }

  _receive({ message, buffers }) {
    if (message.msg_type === 'nbshare_welcome') {
      this.session = message.content.session;
      this.maxMessageBytes = message.content.max_message_bytes;
      this.graceMs = message.content.grace_seconds * 1000;
      this.giveUpAt = Infinity;
      return;
    }
    if (message.msg_type === 'nbshare_ack') {
      const onAck = this.acks.get(message.content.msg_id);
      this.acks.delete(message.content.msg_id);
      if (onAck) onAck();
      return;
    }
    this.onMessage(message, buffers);
  }

  _closed(event) {
    // 4000-4999: the server refused (bad token, bad origin, session gone, link closed): retrying cannot help.
    if (event.code >= 4000 && event.code < 5000) {
      this.onStatus('refused', closeText(event.code, event.reason));
      return;
    }
    if (this.giveUpAt === Infinity) this.giveUpAt = Date.now() + (this.graceMs ?? 0);
    if (!this.session || Date.now() > this.giveUpAt) {
      this.onStatus('lost');
      return;
    }
    this.onStatus('reconnecting');
    setTimeout(() => this.open(), RETRY_MS);
  }
}
