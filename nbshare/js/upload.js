// Shared by the components that take files (bundled into each): dropping a file, checking its size, sending it in
// parts of at most PART_BYTES (so no single message meets the share server's size limit), downloading bytes.
import { asBuffer, element } from "./helpers.js";

export const PART_BYTES = 4 * 1024 * 1024; // Python's widgets/_upload.py PART_BYTES: the most a part may hold

export function sendInParts(model, meta, bytes) {
  const data = asBuffer(bytes);
  const parts = Math.max(1, Math.ceil(data.byteLength / PART_BYTES));
  for (let part = 0; part < parts; part++) {
    const chunk = data.slice(part * PART_BYTES, (part + 1) * PART_BYTES);
    model.send({ ...(part === 0 ? meta : {}), event: "upload", part, parts }, undefined, [chunk]);
  }
}

export function formatBytes(count) {
  if (count < 1000) return `${count} bytes`;
  return count >= 1e6 ? `${(count / 1e6).toFixed(1)} MB` : `${(count / 1e3).toFixed(1)} KB`;
}

// Why ``file`` cannot be sent (empty, over ``limit`` bytes), or "".
export function fileProblem(file, limit) {
  if (file.size === 0) return `${file.name} is empty (0 bytes)`;
  if (file.size > limit) return `${file.name} is ${formatBytes(file.size)}; the limit is ${formatBytes(limit)}`;
  return "";
}

// Let each of ``targets`` take a dropped file, highlighted while one is dragged over, while ``accepting()``; the
// listeners join ``listeners`` (helpers.js ``bind``), so the view's cleanup removes them.
export function acceptDrops(listeners, targets, accepting, onFile) {
  for (const target of targets) {
    listeners.listen(target, "dragover", (event) => { event.preventDefault(); target.classList.add("nbshare-dragging"); });
    listeners.listen(target, "dragleave", () => target.classList.remove("nbshare-dragging"));
    listeners.listen(target, "drop", (event) => {
      event.preventDefault();
      target.classList.remove("nbshare-dragging");
      if (accepting()) onFile(event.dataTransfer.files[0]);
    });
  }
}

// The length of the clip at `url` as the browser reads its header, or null when it cannot.
export function mediaDuration(url) {
  return new Promise((resolve) => {
    const probe = element("video", { preload: "metadata", muted: true });
    probe.addEventListener("loadedmetadata", () => resolve(Number.isFinite(probe.duration) ? probe.duration : null), { once: true });
    probe.addEventListener("error", () => resolve(null), { once: true });
    probe.src = url;
  });
}

export function downloadBytes(buffer, name, type = "application/octet-stream") {
  const url = URL.createObjectURL(new Blob([buffer], { type }));
  const link = element("a", { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
