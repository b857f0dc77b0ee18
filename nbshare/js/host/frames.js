// One websocket frame = one message: [u32 part count][u32 length of each part][parts...], little-endian.
// Part 0 is the message as UTF-8 JSON, the others are its binary buffers (ipywidgets' buffer_paths point at them).

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeFrame(message, buffers = []) {
  const parts = [encoder.encode(JSON.stringify(message)), ...buffers.map(asBytes)];
  const headerBytes = 4 * (parts.length + 1);
  const total = parts.reduce((sum, part) => sum + part.byteLength, headerBytes);
  const frame = new Uint8Array(total);
  const header = new DataView(frame.buffer);
  header.setUint32(0, parts.length, true);
  let offset = headerBytes;
  parts.forEach((part, index) => {
    header.setUint32(4 * (index + 1), part.byteLength, true);
    frame.set(part, offset);
    offset += part.byteLength;
  });
  return frame;
}

export function decodeFrame(arrayBuffer) {
  const view = new DataView(arrayBuffer);
  const count = view.getUint32(0, true);
  let offset = 4 * (count + 1);
  const parts = [];
  for (let index = 0; index < count; index++) {
    const length = view.getUint32(4 * (index + 1), true);
    // Each buffer gets an ArrayBuffer of its own, as from a Jupyter kernel: widget code reads `view.buffer`.
    parts.push(new DataView(arrayBuffer.slice(offset, offset + length)));
    offset += length;
  }
  const message = JSON.parse(decoder.decode(parts[0]));
  return { message, buffers: parts.slice(1) };
}

function asBytes(buffer) {
  if (buffer instanceof Uint8Array) return buffer;
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  return new Uint8Array(buffer);
}
