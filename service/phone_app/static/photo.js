// Photos are made upright and downscaled ON THE PHONE to the question's max_pixels before they are stored or
// sent: a 12 MP photo becomes ~1.6 MP and a few hundred KB. The capture time travels in a small EXIF block
// (DateTimeOriginal + OffsetTimeOriginal) written into the new JPEG; the original's GPS is not copied.

// 2×1 px JPEG whose EXIF says "rotate 90°": a browser that applies EXIF orientation decodes it as 1×2.
const ORIENTATION_PROBE = "/9j/4AAQSkZJRgABAQAAAQABAAD/4QAiRXhpZgAATU0AKgAAAAgAAQESAAMAAAABAAYAAAAAAAD/2wBDAFA3PEY8MlBGQUZaVVBfeMiCeG5uePWvuZHI////////////////////////////////////////////////////2wBDAVVaWnhpeOuCguv/////////////////////////////////////////////////////////////////////////wAARCAABAAIDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwCKiiiszsP/2Q==";

// How this browser's createImageBitmap treats EXIF orientation, found once with the probe:
// {native: true, option: true}   it turns the pixels upright when asked ({imageOrientation: "from-image"});
// {native: true, option: false}  it does so by default and does not know that option value;
// {native: false}                it hands over the sensor's pixels: the app rotates them itself.
let orientationSupport = null;

async function decodesUpright(options) {
  const bytes = Uint8Array.from(atob(ORIENTATION_PROBE), (c) => c.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/jpeg" }), options);
  const upright = bitmap.height === 2;
  bitmap.close();
  return upright;
}

async function browserOrientation() {
  if (orientationSupport === null) {
    try {
      orientationSupport = { native: await decodesUpright({ imageOrientation: "from-image" }), option: true };
    } catch (e) {
      // Older Chrome rejects the value "from-image": see what it does without being asked.
      try {
        orientationSupport = { native: await decodesUpright(undefined), option: false };
      } catch (e2) {
        orientationSupport = { native: false, option: false };
      }
    }
  }
  return orientationSupport;
}

/** {orientation, width, height, dateTime, offset} read from a JPEG's first bytes (all optional). */
export function readJpegFacts(buffer) {
  const view = new DataView(buffer);
  const facts = { orientation: 1, width: 0, height: 0, dateTime: null, offset: null };
  if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) return facts;
  let pos = 2;
  while (pos + 4 <= view.byteLength) {
    if (view.getUint8(pos) !== 0xff) break;
    const marker = view.getUint8(pos + 1);
    const length = view.getUint16(pos + 2);
    if (marker === 0xe1 && view.getUint32(pos + 4) === 0x45786966) readExif(view, pos + 10, facts);
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      facts.height = view.getUint16(pos + 5);
      facts.width = view.getUint16(pos + 7);
      break;
    }
    pos += 2 + length;
  }
  return facts;
}

function readExif(view, tiff, facts) {
  try {
    const little = view.getUint16(tiff) === 0x4949;
    const u16 = (at) => view.getUint16(at, little);
    const u32 = (at) => view.getUint32(at, little);
    const ascii = (entry) => {
      const count = u32(entry + 4);
      const at = count > 4 ? tiff + u32(entry + 8) : entry + 8;
      let text = "";
      for (let i = 0; i < count; i++) { const c = view.getUint8(at + i); if (!c) break; text += String.fromCharCode(c); }
      return text;
    };
    const entries = (ifd) => { const list = []; const n = u16(ifd); for (let i = 0; i < n; i++) list.push(ifd + 2 + i * 12); return list; };
    let exifIfd = 0;
    for (const entry of entries(tiff + u32(tiff + 4))) {
      const tag = u16(entry);
      if (tag === 0x0112) { facts.orientation = u16(entry + 8); facts.orientationAt = entry + 8; facts.little = little; }
      if (tag === 0x8769) exifIfd = tiff + u32(entry + 8);
    }
    if (exifIfd) {
      for (const entry of entries(exifIfd)) {
        const tag = u16(entry);
        if (tag === 0x9003) facts.dateTime = ascii(entry);
        if (tag === 0x9011) facts.offset = ascii(entry);
      }
    }
    if (!(facts.orientation >= 1 && facts.orientation <= 8)) facts.orientation = 1;
  } catch (e) { /* broken EXIF: the photo is still evidence */ }
}

const pad = (n) => String(n).padStart(2, "0");

function localExifTime(date) {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes >= 0 ? "+" : "-";
  return {
    dateTime: `${date.getFullYear()}:${pad(date.getMonth() + 1)}:${pad(date.getDate())} ` +
      `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`,
    offset: `${sign}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`,
  };
}

/** An APP1 segment: Orientation 1 (the pixels are upright now), DateTimeOriginal, OffsetTimeOriginal. */
export function exifSegment(dateTime, offset) {
  const date = (dateTime + "\0").slice(0, 20).padEnd(20, "\0");
  const off = ((offset || "+00:00") + "\0").slice(0, 7).padEnd(7, "\0");
  const tiff = new Uint8Array(68 + 20 + 7);
  const v = new DataView(tiff.buffer);
  v.setUint16(0, 0x4d4d); v.setUint16(2, 42); v.setUint32(4, 8);
  v.setUint16(8, 2);
  v.setUint16(10, 0x0112); v.setUint16(12, 3); v.setUint32(14, 1); v.setUint16(18, 1);
  v.setUint16(22, 0x8769); v.setUint16(24, 4); v.setUint32(26, 1); v.setUint32(30, 38);
  v.setUint32(34, 0);
  v.setUint16(38, 2);
  v.setUint16(40, 0x9003); v.setUint16(42, 2); v.setUint32(44, 20); v.setUint32(48, 68);
  v.setUint16(52, 0x9011); v.setUint16(54, 2); v.setUint32(56, 7); v.setUint32(60, 88);
  v.setUint32(64, 0);
  for (let i = 0; i < 20; i++) tiff[68 + i] = date.charCodeAt(i);
  for (let i = 0; i < 7; i++) tiff[88 + i] = off.charCodeAt(i);
  const segment = new Uint8Array(4 + 6 + tiff.length);
  const s = new DataView(segment.buffer);
  s.setUint16(0, 0xffe1); s.setUint16(2, 2 + 6 + tiff.length);
  segment.set([0x45, 0x78, 0x69, 0x66, 0, 0], 4);
  segment.set(tiff, 10);
  return segment;
}

function withExif(jpeg, segment) {
  const bytes = new Uint8Array(jpeg);
  let at = 2; // after SOI, and after the JFIF APP0 when there is one
  if (bytes[2] === 0xff && bytes[3] === 0xe0) at = 4 + ((bytes[4] << 8) | bytes[5]);
  return new Blob([bytes.subarray(0, at), segment, bytes.subarray(at)], { type: "image/jpeg" });
}

// Blob.arrayBuffer() needs Chrome 76; a Response reads a blob on much older phones.
const bytesOf = (blob) => new Response(blob).arrayBuffer();

/** For tests and for emulating an old browser: force how EXIF orientation is handled (null: detect). */
export function setOrientationSupport(value) { orientationSupport = value; }

function uprightSize(facts, width, height) {
  return facts.orientation >= 5 ? [height, width] : [width, height];
}

function canvasToBlob(canvas, quality) {
  return new Promise((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("encode"))), "image/jpeg", quality));
}

/**
 * A camera photo → {blob, width, height, takenAt}: upright, at most `maxPixels`, JPEG with its capture time.
 */
export async function preparePhoto(file, maxPixels) {
  const buffer = await bytesOf(file);
  const facts = readJpegFacts(buffer);
  const time = facts.dateTime ? { dateTime: facts.dateTime, offset: facts.offset } : localExifTime(new Date(file.lastModified || Date.now()));
  const support = await browserOrientation();
  const native = support.native;
  // Decode once, at the target size, so a 12 MP photo never sits in memory whole on a cheap phone.
  let raw = facts.width && facts.height ? [facts.width, facts.height] : null;
  if (!raw) {
    const probe = await createImageBitmap(file);
    raw = native ? uprightSize(facts, probe.width, probe.height) : [probe.width, probe.height];
    probe.close();
  }
  const [uprightW, uprightH] = uprightSize(facts, raw[0], raw[1]);
  const scale = Math.min(1, Math.sqrt(maxPixels / (uprightW * uprightH)));
  const outW = Math.max(1, Math.floor(uprightW * scale));
  const outH = Math.max(1, Math.floor(uprightH * scale));
  const canvas = document.createElement("canvas");
  canvas.width = outW;
  canvas.height = outH;
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingQuality = "high";
  if (native) {
    const options = { resizeWidth: outW, resizeHeight: outH, resizeQuality: "high" };
    if (support.option) options.imageOrientation = "from-image";
    const bitmap = await createImageBitmap(file, options);
    ctx.drawImage(bitmap, 0, 0);
    bitmap.close();
  } else {
    // This browser hands over the sensor's pixels: turn them upright ourselves.
    const sideways = facts.orientation >= 5;
    const drawW = sideways ? outH : outW, drawH = sideways ? outW : outH;
    // Decode a copy whose EXIF says "upright", so no browser turns the pixels as well (newer ones would).
    let source = file;
    if (facts.orientationAt) {
      const copy = buffer.slice(0);
      new DataView(copy).setUint16(facts.orientationAt, 1, facts.little);
      source = new Blob([copy], { type: "image/jpeg" });
    }
    const bitmap = await createImageBitmap(source, { resizeWidth: drawW, resizeHeight: drawH, resizeQuality: "high" });
    const transforms = {
      2: [-1, 0, 0, 1, outW, 0], 3: [-1, 0, 0, -1, outW, outH], 4: [1, 0, 0, -1, 0, outH],
      5: [0, 1, 1, 0, 0, 0], 6: [0, 1, -1, 0, outW, 0], 7: [0, -1, -1, 0, outW, outH], 8: [0, -1, 1, 0, 0, outH],
    };
    const t = transforms[facts.orientation];
    if (t) ctx.setTransform(t[0], t[1], t[2], t[3], t[4], t[5]);
    ctx.drawImage(bitmap, 0, 0);
    bitmap.close();
  }
  const encoded = await canvasToBlob(canvas, 0.85);
  canvas.width = canvas.height = 0;
  const blob = withExif(await bytesOf(encoded), exifSegment(time.dateTime, time.offset));
  return { blob, width: outW, height: outH, takenAt: time.dateTime };
}
