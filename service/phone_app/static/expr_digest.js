// digest(text, algorithm, encoding) of the form expression language, synchronous as expressions are (the browser's
// crypto.subtle is asynchronous). Same answers as Python's hashlib: tests/phone_app/test_odk_differential.py.

const utf8 = (text) => new TextEncoder().encode(text);

function padded(bytes, blockBytes, lengthBytes, littleEndian) {
  const bitLength = BigInt(bytes.length) * 8n;
  let size = bytes.length + 1 + lengthBytes;
  size += (blockBytes - (size % blockBytes)) % blockBytes;
  const out = new Uint8Array(size);
  out.set(bytes);
  out[bytes.length] = 0x80;
  for (let i = 0; i < lengthBytes; i++) {
    const byte = Number((bitLength >> BigInt(8 * i)) & 0xffn);
    out[littleEndian ? size - lengthBytes + i : size - 1 - i] = byte;
  }
  return out;
}

const rotl = (x, n) => (x << n) | (x >>> (32 - n));
const rotr = (x, n) => (x >>> n) | (x << (32 - n));

function md5(bytes) {
  const K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);
  const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
  const data = padded(bytes, 64, 8, true);
  const view = new DataView(data.buffer);
  let [a0, b0, c0, d0] = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476];
  for (let off = 0; off < data.length; off += 64) {
    let [a, b, c, d] = [a0, b0, c0, d0];
    for (let i = 0; i < 64; i++) {
      let f, g;
      if (i < 16) { f = (b & c) | (~b & d); g = i; }
      else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) % 16; }
      else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) % 16; }
      else { f = c ^ (b | ~d); g = (7 * i) % 16; }
      const temp = d;
      d = c;
      c = b;
      b = (b + rotl((a + f + K[i] + view.getUint32(off + 4 * g, true)) | 0, S[(i >> 4) * 4 + (i % 4)])) | 0;
      a = temp;
    }
    a0 = (a0 + a) | 0; b0 = (b0 + b) | 0; c0 = (c0 + c) | 0; d0 = (d0 + d) | 0;
  }
  const out = new DataView(new ArrayBuffer(16));
  [a0, b0, c0, d0].forEach((word, i) => out.setUint32(4 * i, word >>> 0, true));
  return new Uint8Array(out.buffer);
}

function sha1(bytes) {
  const data = padded(bytes, 64, 8, false);
  const view = new DataView(data.buffer);
  const h = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0];
  const w = new Int32Array(80);
  for (let off = 0; off < data.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getInt32(off + 4 * i);
    for (let i = 16; i < 80; i++) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    let [a, b, c, d, e] = h;
    for (let i = 0; i < 80; i++) {
      const [f, k] = i < 20 ? [(b & c) | (~b & d), 0x5a827999] : i < 40 ? [b ^ c ^ d, 0x6ed9eba1]
        : i < 60 ? [(b & c) | (b & d) | (c & d), 0x8f1bbcdc | 0] : [b ^ c ^ d, 0xca62c1d6 | 0];
      const temp = (rotl(a, 5) + f + e + k + w[i]) | 0;
      e = d; d = c; c = rotl(b, 30); b = a; a = temp;
    }
    [a, b, c, d, e].forEach((x, i) => { h[i] = (h[i] + x) | 0; });
  }
  const out = new DataView(new ArrayBuffer(20));
  h.forEach((word, i) => out.setInt32(4 * i, word));
  return new Uint8Array(out.buffer);
}

const SHA256_K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
].map((k) => k | 0);

function sha256(bytes) {
  const data = padded(bytes, 64, 8, false);
  const view = new DataView(data.buffer);
  const h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19].map((x) => x | 0);
  const w = new Int32Array(64);
  for (let off = 0; off < data.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getInt32(off + 4 * i);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + SHA256_K[i] + w[i]) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    [a, b, c, d, e, f, g, hh].forEach((x, i) => { h[i] = (h[i] + x) | 0; });
  }
  const out = new DataView(new ArrayBuffer(32));
  h.forEach((word, i) => out.setInt32(4 * i, word));
  return new Uint8Array(out.buffer);
}

// SHA-512's constants: the first 64 bits of the fractional parts of the cube roots of the first 80 primes.
function primes(count) {
  const found = [];
  for (let n = 2; found.length < count; n++) if (found.every((p) => n % p)) found.push(n);
  return found;
}

const M64 = (1n << 64n) - 1n;
const rotr64 = (x, n) => ((x >> n) | (x << (64n - n))) & M64;

function integerRoot(value, degree) {
  // floor(value^(1/degree)) for a BigInt value.
  let x = 1n << BigInt(Math.ceil(value.toString(2).length / Number(degree)));
  for (;;) {
    const next = ((degree - 1n) * x + value / x ** (degree - 1n)) / degree;
    if (next >= x) return x;
    x = next;
  }
}

let SHA512_K = null;
let SHA512_H = null;
let SHA384_H = null;

function sha512Constants() {
  if (SHA512_K) return;
  const ps = primes(80);
  const frac = (p, degree) => integerRoot(BigInt(p) << (64n * degree), degree) & M64;
  SHA512_K = ps.map((p) => frac(p, 3n));
  SHA512_H = ps.slice(0, 8).map((p) => frac(p, 2n));
  SHA384_H = ps.slice(8, 16).map((p) => frac(p, 2n));
}

function sha512(bytes, outBytes) {
  sha512Constants();
  const data = padded(bytes, 128, 16, false);
  const view = new DataView(data.buffer);
  const h = [...(outBytes === 48 ? SHA384_H : SHA512_H)];
  const w = new Array(80);
  for (let off = 0; off < data.length; off += 128) {
    for (let i = 0; i < 16; i++) w[i] = view.getBigUint64(off + 8 * i);
    for (let i = 16; i < 80; i++) {
      const s0 = rotr64(w[i - 15], 1n) ^ rotr64(w[i - 15], 8n) ^ (w[i - 15] >> 7n);
      const s1 = rotr64(w[i - 2], 19n) ^ rotr64(w[i - 2], 61n) ^ (w[i - 2] >> 6n);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) & M64;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 80; i++) {
      const t1 = (hh + (rotr64(e, 14n) ^ rotr64(e, 18n) ^ rotr64(e, 41n)) + ((e & f) ^ (~e & M64 & g)) + SHA512_K[i] + w[i]) & M64;
      const t2 = ((rotr64(a, 28n) ^ rotr64(a, 34n) ^ rotr64(a, 39n)) + ((a & b) ^ (a & c) ^ (b & c))) & M64;
      hh = g; g = f; f = e; e = (d + t1) & M64; d = c; c = b; b = a; a = (t1 + t2) & M64;
    }
    [a, b, c, d, e, f, g, hh].forEach((x, i) => { h[i] = (h[i] + x) & M64; });
  }
  const out = new DataView(new ArrayBuffer(64));
  h.forEach((word, i) => out.setBigUint64(8 * i, word));
  return new Uint8Array(out.buffer).slice(0, outBytes);
}

const ALGORITHMS = {
  "md5": md5, "sha-1": sha1, "sha-256": sha256, "sha-384": (b) => sha512(b, 48), "sha-512": (b) => sha512(b, 64),
};

/** digest(message, 'SHA-256', 'hex' | 'base64'): '' for an unknown algorithm or encoding (as the server). */
export function digest(message, algorithm, encoding) {
  const hash = ALGORITHMS[algorithm.toLowerCase()];
  const form = encoding.toLowerCase();
  if (!hash || (form !== "hex" && form !== "base64")) return "";
  const bytes = hash(utf8(message));
  if (form === "hex") return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return btoa(String.fromCharCode(...bytes));
}
