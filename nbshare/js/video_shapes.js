// The occlusions drawn over a video: boxes and brush strokes in the frame's own pixels (as Python keeps them), scaled
// to the canvas laid over the video.
import { fitCanvas } from "./helpers.js";

export function drawShapes(canvas, box, frame, shapes) {
  const { context, width, height } = fitCanvas(canvas, box);
  if (!shapes.length || !(frame.width > 0 && frame.height > 0)) return;
  context.save();
  context.scale(width / frame.width, height / frame.height);
  for (const shape of shapes) {
    context.fillStyle = context.strokeStyle = shape.color;
    if (shape.box) {
      const [x0, y0, x1, y1] = shape.box;
      context.fillRect(x0, y0, x1 - x0, y1 - y0);
      continue;
    }
    Object.assign(context, { lineCap: "round", lineJoin: "round", lineWidth: shape.width });
    context.beginPath();
    shape.points.forEach(([x, y], index) => (index ? context.lineTo(x, y) : context.moveTo(x, y)));
    if (shape.points.length > 1) context.stroke();
    for (const [x, y] of shape.points) {
      context.beginPath();
      context.arc(x, y, shape.width / 2, 0, 2 * Math.PI);
      context.fill();
    }
  }
  context.restore();
}
