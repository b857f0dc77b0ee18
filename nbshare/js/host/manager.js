// The ecosystem's own widget manager, talking to one session in the kernel instead of a Jupyter kernel.
import * as base from '@jupyter-widgets/base';
import { ManagerBase } from '@jupyter-widgets/base-manager';
import * as boxes from '@jupyter-widgets/controls/lib/widget_box.js';
import { provide, provideLater, require } from './amd.js';

const CONTROLS = '@jupyter-widgets/controls';

provide('@jupyter-widgets/base', base);
// An interface's tree uses only the controls' boxes (VBox, HBox), which come with the bundle; the rest of the
// controls (sliders, text fields, ... for a plain ipywidget in an interface, 38 KB compressed) is a chunk of its
// own, fetched the first time a tree uses one of them.
provideLater(CONTROLS, () => import('@jupyter-widgets/controls'));

const IDLE = { content: { execution_state: 'idle' } };

class PageComm {
  constructor(connection, commId, targetName) {
    this.connection = connection;
    this.generation = connection.generation; // a page that started afresh: the old tree's widgets send nothing
    this.comm_id = commId;
    this.target_name = targetName;
    this._onMsg = null;
    this._onClose = null;
  }

  open() {
    throw new Error('Widgets are created by the kernel on this page, not by the page');
  }

  send(data, callbacks, metadata, buffers) {
    return this._send('comm_msg', data, callbacks, metadata, buffers);
  }

  close(data, callbacks, metadata, buffers) {
    return this._send('comm_close', data, callbacks, metadata, buffers);
  }

  on_msg(callback) {
    this._onMsg = callback;
  }

  on_close(callback) {
    this._onClose = callback;
  }

  _send(msgType, data, callbacks, metadata, buffers) {
    if (this.generation !== this.connection.generation) return '';
    const status = callbacks?.iopub?.status;
    const content = { comm_id: this.comm_id, data: data ?? {} };
    return this.connection.send({ msg_type: msgType, content, metadata: metadata ?? {} }, buffers ?? [], () =>
      status?.(IDLE),
    );
  }
}

export class PageManager extends ManagerBase {
  constructor(connection) {
    super();
    this.connection = connection;
    this.comms = new Map();
    this.pending = Promise.resolve();
  }

  /** Handle kernel messages strictly in order: a draw command must not overtake the creation of its model. */
  receive(message, buffers) {
    this.pending = this.pending.then(() => this._handle(message, buffers)).catch((error) => console.error(error));
    return this.pending;
  }

  async _handle({ msg_type: msgType, content, metadata }, buffers) {
    if (msgType === 'comm_open') {
      const comm = new PageComm(this.connection, content.comm_id, content.target_name);
      this.comms.set(content.comm_id, comm);
      await this.handle_comm_open(comm, { content, metadata, buffers });
    } else if (msgType === 'comm_msg') {
      await this.comms.get(content.comm_id)?._onMsg?.({ content, metadata, buffers });
    } else if (msgType === 'comm_close') {
      const comm = this.comms.get(content.comm_id);
      this.comms.delete(content.comm_id);
      await comm?._onClose?.({ content, metadata, buffers });
    }
  }

  async loadClass(className, moduleName) {
    if (moduleName === CONTROLS && Object.prototype.hasOwnProperty.call(boxes, className)) return boxes[className];
    const module = await require(moduleName);
    if (!(className in module)) throw new Error(`${moduleName} has no widget class ${className}`);
    return module[className];
  }

  _create_comm() {
    return Promise.reject(new Error('Widgets are created by the kernel on this page, not by the page'));
  }

  _get_comm_info() {
    return Promise.resolve({});
  }
}
