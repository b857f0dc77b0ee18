// The page's one websocket to its session in the kernel: ordered delivery, acknowledgements, reconnects.
import { decodeFrame, encodeFrame } from './frames.js';
import { sessionSocket } from './socket.js';

const RETRY_MS = 1000;
const LARGE_FRAME_BYTES = 256 * 1024;
const SHOW_PROGRESS_AFTER_MS = 500;
const SESSION_GONE = 4004; // nbshare/server/app.py CLOSE_SESSION_GONE
const PROGRESS_POLL_MS = 200;

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
    this.welcomed = false; // the server has taken this page's websocket for its session
    this.startedAfresh = false;
    this.generation = 0; // which session's widgets may send: the next one's after starting afresh
    this.maxMessageBytes = Infinity;
    this.giveUpAt = Infinity;
    this.outbox = [];
    this.acks = new Map();
    this.nextId = 0;
    this.socket = null;
    this.uploadBytes = 0; // large frames sent and not yet all handed to the network
    this.uploadTimer = null;
  }

  /** Connect: at first by adopting the socket boot.js opened while the bundle downloaded, when there is one. */
  open() {
    const boot = window.nbshareBoot;
    window.nbshareBoot = null; // taken, or too late: boot.js opens no second one
    const socket = boot && boot.session === this.session ? boot.socket : sessionSocket(this.session);
    socket.onopen = () => {
      this.onStatus('connected');
      for (const frame of this.outbox.splice(0)) this._write(frame);
    };
    socket.onmessage = (event) => this._receive(decodeFrame(event.data));
    socket.onclose = (event) => this._closed(event);
    this.socket = socket;
    // What happened before the bundle ran, in order; later events reach the handlers above (one thread: none
    // can come in between).
    const handlers = { open: socket.onopen, message: socket.onmessage, close: socket.onclose };
    if (socket === boot?.socket) for (const event of boot.take()) handlers[event.type](event);
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
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this._write(frame);
    else this.outbox.push(frame);
    return id;
  }

  /** Send one frame; a large one (an upload) is followed until the browser has handed it to the network. */
  _write(frame) {
    this.socket.send(frame);
    if (frame.byteLength >= LARGE_FRAME_BYTES) this._followUpload(frame.byteLength);
  }

  // The visitor is told how much of a slow upload has left (bufferedAmount: bytes sent but not yet on the
  // network), once it has taken longer than SHOW_PROGRESS_AFTER_MS; 'sent' when it has gone.
  _followUpload(bytes) {
    this.uploadBytes += bytes;
    if (this.uploadTimer) return;
    const started = Date.now();
    let shown = false;
    this.uploadTimer = setInterval(() => {
      const left = this.socket?.readyState === WebSocket.OPEN ? this.socket.bufferedAmount : 0;
      if (left === 0) {
        clearInterval(this.uploadTimer);
        this.uploadTimer = null;
        this.uploadBytes = 0;
        if (shown) this.onStatus('sent');
      } else if (Date.now() - started >= SHOW_PROGRESS_AFTER_MS) {
        shown = true;
        const percent = Math.max(0, Math.floor(100 * (1 - left / Math.max(left, this.uploadBytes))));
        this.onStatus('sending', `Sending ${(this.uploadBytes / 1048576).toFixed(1)} MB… ${percent}%`);
      }
    }, PROGRESS_POLL_MS);
  }

  /** The session this page belongs to, and the server's limits for it (a welcome, or the page's first tree). */
  welcome({ session, max_message_bytes: maxMessageBytes, grace_seconds: graceSeconds }) {
    this.session = session;
    this.maxMessageBytes = maxMessageBytes;
    this.graceMs = graceSeconds * 1000;
    this.giveUpAt = Infinity;
  }

  _receive({ message, buffers }) {
    if (message.msg_type === 'nbshare_welcome') {
      this.welcomed = true;
      this.welcome(message.content);
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
    // The session the page came with ended before its websocket was ever taken for it (its browser opened many
    // pages at once, say): a new session, once, whose tree replaces the one shown.
    if (event.code === SESSION_GONE && !this.welcomed && this.session && !this.startedAfresh) {
      this.startedAfresh = true;
      this.session = null;
      this.outbox = []; // for widgets of the tree that is going
      this.acks.clear();
      this.generation += 1;
      this.onStatus('reconnecting');
      this.open();
      return;
    }
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
