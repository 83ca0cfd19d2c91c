/**
 * Small images from the trainer (dataset samples, generated digits, first-layer
 * filters) painted with crisp, scaled-up pixels. The trainer sends bytes, row-major
 * with channels interleaved (see ImagePayload in training/events.ts).
 */
import type { ImagePayload } from '../../src/training/events';

/** One image as RGBA bytes for ImageData; grey images repeat their channel. */
export function payloadToRgba(image: ImagePayload): Uint8ClampedArray<ArrayBuffer> {
  const { width, height, channels, pixels } = image;
  if (channels !== 1 && channels !== 3) {
    throw new RangeError(`image: expected 1 or 3 channels, got ${channels}`);
  }
  const n = width * height;
  if (pixels.length !== n * channels) {
    throw new RangeError(`image: ${width}x${height}x${channels} needs ${n * channels} values, got ${pixels.length}`);
  }
  const out = new Uint8ClampedArray(new ArrayBuffer(n * 4));
  for (let p = 0; p < n; p++) {
    if (channels === 3) {
      out[4 * p] = pixels[3 * p];
      out[4 * p + 1] = pixels[3 * p + 1];
      out[4 * p + 2] = pixels[3 * p + 2];
    } else {
      out[4 * p] = out[4 * p + 1] = out[4 * p + 2] = pixels[p];
    }
    out[4 * p + 3] = 255;
  }
  return out;
}

/** A canvas showing one image at `scale` screen pixels per image pixel. */
export function imageCanvas(image: ImagePayload, scale: number, label?: string): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.className = 'pixelated framed';
  canvas.style.width = `${image.width * scale}px`;
  canvas.style.height = `${image.height * scale}px`;
  if (label) {
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', label);
  }
  canvas.getContext('2d')!.putImageData(new ImageData(payloadToRgba(image), image.width, image.height), 0, 0);
  return canvas;
}

/** Many same-sized images tiled into one canvas, `cols` per row with a one-pixel gap. */
export function drawImageTiles(canvas: HTMLCanvasElement, images: ImagePayload[], cols: number, scale: number): void {
  if (images.length === 0) return;
  const { width, height } = images[0];
  const rows = Math.ceil(images.length / cols);
  const gap = 1;
  const w = cols * (width + gap) - gap;
  const h = rows * (height + gap) - gap;
  canvas.width = w;
  canvas.height = h;
  canvas.classList.add('pixelated', 'framed');
  canvas.style.width = `${w * scale}px`;
  canvas.style.height = `${h * scale}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, w, h);
  images.forEach((img, i) => {
    if (img.width !== width || img.height !== height) {
      throw new RangeError(`image ${i}: ${img.width}x${img.height} differs from the first image's ${width}x${height}`);
    }
    const x = (i % cols) * (width + gap);
    const y = Math.floor(i / cols) * (height + gap);
    ctx.putImageData(new ImageData(payloadToRgba(img), width, height), x, y);
  });
}
