// SpikeRaster: a scrolling-bitmap spike raster for panel.custom.JSComponent.
//
// Plain ES module, no imports: nothing to bundle, nothing fetched.
// Python side: designer/views/raster.py (SpikeRaster).
//
// Per frame the cost is one self-drawImage (shift left), a copy of the new
// columns from a JS-side pixel mirror into an ImageData strip, one putImageData,
// and one pixel write per new spike: it follows the NEW spikes, not the spikes
// on screen.
//
// Messages Python -> JS (model.on("msg:custom")):
//   {type: "frame", seq, t0, t1, n, rw, data}
//       data: one buffer (ArrayBuffer via Bokeh's binary buffers, or a base64
//             string): n little-endian uint16 (rw == 2) or uint32 (rw == 4)
//             global rows, zero padding to a multiple of 4 bytes, then n
//             little-endian float32 spike times minus t0 (ms)
//   {type: "clear"}
//   {type: "layout", layout}   the `layout` property's value, sent after "ready" and on each
//                              change: a property change made while the page connects is lost
// Messages JS -> Python (model.send_msg):
//   {type: "ready", width, height}          after (re)render
//   {type: "ack", seq, drawn, frames, draw_ms}  after each frame is drawn
//   {type: "pick", row, t_ms}               on click

const GUTTER = 128 // CSS px, population labels
const AXIS = 22 // CSS px, time axis
const BG = "#ffffff"
const FG = "#333333"
const MUTED = "#8a8a8a"
const GRID = "#e6e6e6"
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

function colorToPixel(hex) {
  const m = /^#?([0-9a-fA-F]{6})$/.exec(String(hex || ""))
  const v = m ? parseInt(m[1], 16) : 0x333333
  const r = (v >> 16) & 255, g = (v >> 8) & 255, b = v & 255
  // ImageData is RGBA in memory; a Uint32 view reads it in platform byte order.
  return LITTLE_ENDIAN
    ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0
    : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0
}

function toBytes(x) {
  // Bokeh gives binary buffers as ArrayBuffer; base64 strings are decoded here.
  if (x == null) return new Uint8Array(0)
  if (typeof x === "string") {
    const s = atob(x)
    const out = new Uint8Array(s.length)
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
    return out
  }
  if (x instanceof ArrayBuffer) return new Uint8Array(x)
  if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength)
  return new Uint8Array(0)
}

function typed(Ctor, bytes, n) {
  if (bytes.byteOffset % Ctor.BYTES_PER_ELEMENT !== 0) bytes = bytes.slice()
  return new Ctor(bytes.buffer, bytes.byteOffset, Math.min(n, Math.floor(bytes.byteLength / Ctor.BYTES_PER_ELEMENT)))
}

function niceStep(raw) {
  const p = Math.pow(10, Math.floor(Math.log10(raw)))
  for (const m of [1, 2, 5, 10]) {
    if (m * p >= raw) return m * p
  }
  return 10 * p
}

function el(tag, style) {
  const e = document.createElement(tag)
  Object.assign(e.style, style)
  return e
}

export function render({model, el: container, view}) {
  // The ESM view does not drop "msg:custom" handlers when it re-renders; drop ours.
  if (view && view._snnRasterCleanup) view._snnRasterCleanup()

  const root = el("div", {
    position: "relative", width: "100%", height: "100%", minHeight: "60px",
    background: BG, overflow: "hidden", userSelect: "none", font: `11px ${FONT}`,
  })
  root.className = "snn-raster-root"
  const gutter = el("canvas", {position: "absolute", left: "0px", top: "0px"})
  const raster = el("canvas", {position: "absolute", left: `${GUTTER}px`, top: "0px", cursor: "crosshair"})
  const overlay = el("canvas", {position: "absolute", left: `${GUTTER}px`, top: "0px", pointerEvents: "none"})
  const axis = el("canvas", {position: "absolute", left: `${GUTTER}px`, bottom: "0px"})
  raster.className = "snn-raster"
  root.append(gutter, raster, overlay, axis)

  const ctx = raster.getContext("2d", {alpha: true})
  const gctx = gutter.getContext("2d")
  const octx = overlay.getContext("2d")
  const actx = axis.getContext("2d")

  const S = {
    cssW: 0, cssH: 0, dpr: 1,
    W: 0, H: 0, // raster backing size (device px)
    nRows: 0,
    rowY0: new Int32Array(0), rowY1: new Int32Array(0), rowColor: new Uint32Array(0),
    bands: [], // {name, rows, color, sampled, start}
    mirror: new Uint32Array(0), // W*H pixels, ring buffer by absolute column % W
    head: null, // absolute column index shown at the right edge
    lastT: null, // t_end of the last frame (ms)
    xs: new Int32Array(1024),
  }
  // Counters live on the view so that a re-render does not reset them.
  const C = (view && view._snnRasterCounters) || {drawn: 0, frames: 0, lastSeq: -1}
  if (view) view._snnRasterCounters = C
  raster.dataset.drawnSpikes = String(C.drawn)
  raster.dataset.lastSeq = String(C.lastSeq)
  raster.dataset.frames = String(C.frames)

  function windowMs() {
    const w = Number(model.window_ms)
    return w > 0 ? w : 1000
  }

  // the layout from the last {type: "layout"} message; a change of the model's `layout`
  // property replaces it (both carry the same value; see SpikeRaster._send_layout)
  let layoutFromMsg = null

  function readLayout() {
    const layout = layoutFromMsg ?? (Array.isArray(model.layout) ? model.layout : [])
    const bands = []
    let start = 0
    for (const p of layout) {
      const rows = Math.max(0, Math.floor(Number(p.rows) || 0))
      bands.push({name: String(p.name ?? ""), rows, color: p.color || "#333333", sampled: !!p.sampled, start})
      start += rows
    }
    S.bands = bands
    S.nRows = start
    raster.dataset.rows = String(start)
  }

  function buildRowMap() {
    const N = S.nRows, H = S.H
    S.rowY0 = new Int32Array(N)
    S.rowY1 = new Int32Array(N)
    S.rowColor = new Uint32Array(N)
    if (N === 0 || H === 0) return
    const gap = (H / N) >= 4 * S.dpr
    for (let r = 0; r < N; r++) {
      const y0 = Math.floor(r * H / N)
      let y1 = Math.max(y0 + 1, Math.floor((r + 1) * H / N))
      if (gap) y1 -= 1
      S.rowY0[r] = y0
      S.rowY1[r] = Math.min(H, y1)
    }
    for (const b of S.bands) {
      const c = colorToPixel(b.color)
      S.rowColor.fill(c, b.start, b.start + b.rows)
    }
  }

  function clearBitmap() {
    if (S.W > 0 && S.H > 0) ctx.clearRect(0, 0, S.W, S.H)
    S.mirror.fill(0)
    S.head = null
    S.lastT = null
    drawAxis()
  }

  function drawGutterAndOverlay() {
    const {dpr, H} = S
    const gw = Math.round(GUTTER * dpr), gh = H
    gctx.setTransform(1, 0, 0, 1, 0, 0)
    gctx.clearRect(0, 0, gw, gh)
    octx.setTransform(1, 0, 0, 1, 0, 0)
    octx.clearRect(0, 0, S.W, S.H)
    if (gh === 0) return
    const N = S.nRows
    if (N === 0) {
      gctx.fillStyle = MUTED
      gctx.font = `${11 * dpr}px ${FONT}`
      gctx.textBaseline = "middle"
      gctx.fillText("no populations", 8 * dpr, gh / 2)
    }
    octx.fillStyle = GRID
    for (let i = 0; i < S.bands.length; i++) {
      const b = S.bands[i]
      if (b.rows === 0) continue
      const y0 = Math.round(b.start * H / N), y1 = Math.round((b.start + b.rows) * H / N)
      // color bar next to the raster
      gctx.fillStyle = b.color
      gctx.fillRect(gw - 5 * dpr, y0, 3 * dpr, Math.max(1, y1 - y0 - dpr))
      // separators
      if (i > 0) {
        gctx.fillStyle = GRID
        gctx.fillRect(0, y0, gw, Math.max(1, Math.round(dpr)))
        octx.fillRect(0, y0, S.W, Math.max(1, Math.round(dpr)))
      }
      const bandH = (y1 - y0) / dpr
      if (bandH < 11) continue
      const maxW = gw - 16 * dpr
      gctx.textBaseline = "middle"
      gctx.textAlign = "left"
      const two = bandH >= 26
      const mid = (y0 + y1) / 2
      gctx.fillStyle = FG
      gctx.font = `600 ${11.5 * dpr}px ${FONT}`
      gctx.fillText(ellipsize(gctx, b.name, maxW), 8 * dpr, two ? mid - 7 * dpr : mid)
      if (two) {
        gctx.fillStyle = MUTED
        gctx.font = `${10 * dpr}px ${FONT}`
        const note = `${b.rows} rows${b.sampled ? " · sampled" : ""}`
        gctx.fillText(ellipsize(gctx, note, maxW), 8 * dpr, mid + 7 * dpr)
      } else if (b.sampled) {
        // no room for a second line: mark the name
        const w = gctx.measureText(ellipsize(gctx, b.name, maxW)).width
        gctx.fillStyle = MUTED
        gctx.font = `${10 * dpr}px ${FONT}`
        if (w + 60 * dpr < maxW) gctx.fillText("sampled", 8 * dpr + w + 6 * dpr, mid)
      }
    }
  }

  function ellipsize(c, text, maxW) {
    if (c.measureText(text).width <= maxW) return text
    let s = text
    while (s.length > 1 && c.measureText(s + "…").width > maxW) s = s.slice(0, -1)
    return s + "…"
  }

  function drawAxis() {
    const {dpr, W} = S
    const ah = Math.round(AXIS * dpr)
    actx.setTransform(1, 0, 0, 1, 0, 0)
    actx.clearRect(0, 0, W, ah)
    if (W === 0) return
    const win = windowMs()
    const msPx = win / W
    const head = S.head ?? (W - 1)
    const tRight = (head + 1) * msPx
    const tLeft = tRight - win
    const step = niceStep(win * (90 * dpr) / W)
    actx.fillStyle = "#bdbdbd"
    actx.fillRect(0, 0, W, Math.max(1, Math.round(dpr)))
    actx.fillStyle = MUTED
    actx.font = `${10 * dpr}px ${FONT}`
    actx.textBaseline = "top"
    const decimals = step >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(step)))
    for (let t = Math.ceil(tLeft / step) * step; t <= tRight; t += step) {
      const x = Math.round((t - tLeft) / msPx)
      actx.fillRect(x, 0, Math.max(1, Math.round(dpr)), 4 * dpr)
      const label = `${t.toFixed(decimals)} ms`
      const tw = actx.measureText(label).width
      const lx = Math.min(Math.max(x - tw / 2, 0), W - tw)
      actx.fillText(label, lx, 6 * dpr)
    }
  }

  function resize() {
    const rect = root.getBoundingClientRect()
    const dpr = window.devicePixelRatio || 1
    const cssW = Math.max(0, Math.floor(rect.width) - GUTTER)
    const cssH = Math.max(0, Math.floor(rect.height) - AXIS)
    if (cssW === S.cssW && cssH === S.cssH && dpr === S.dpr) return
    S.cssW = cssW; S.cssH = cssH; S.dpr = dpr
    S.W = Math.round(cssW * dpr)
    S.H = Math.round(cssH * dpr)
    for (const [c, w, h, cw, ch] of [
      [raster, S.W, S.H, cssW, cssH],
      [overlay, S.W, S.H, cssW, cssH],
      [gutter, Math.round(GUTTER * dpr), S.H, GUTTER, cssH],
      [axis, S.W, Math.round(AXIS * dpr), cssW, AXIS],
    ]) {
      c.width = w; c.height = h
      c.style.width = `${cw}px`; c.style.height = `${ch}px`
    }
    S.mirror = new Uint32Array(S.W * S.H)
    buildRowMap()
    clearBitmap()
    drawGutterAndOverlay()
    raster.dataset.width = String(S.W)
    raster.dataset.height = String(S.H)
  }

  function onLayout() {
    readLayout()
    buildRowMap()
    clearBitmap()
    drawGutterAndOverlay()
  }

  function drawFrame(msg) {
    const t0 = Number(msg.t0), t1 = Number(msg.t1)
    let n = Math.max(0, msg.n | 0)
    let bytes = toBytes(msg.data)
    if (bytes.byteOffset % 4 !== 0) bytes = bytes.slice()
    const rowLen = n * (msg.rw === 4 ? 4 : 2)
    const dtOff = rowLen + ((4 - (rowLen % 4)) % 4)
    const rows = typed(msg.rw === 4 ? Uint32Array : Uint16Array, bytes.subarray(0, rowLen), n)
    const dt = typed(Float32Array, bytes.subarray(dtOff, dtOff + 4 * n), n)
    n = Math.min(n, rows.length, dt.length)
    const {W, H} = S
    if (W === 0 || H === 0 || !(t1 >= t0)) return 0
    const msPx = windowMs() / W
    const mirror = S.mirror
    const newHead = Math.ceil(t1 / msPx) - 1

    // 1. scroll: shift the bitmap left by the number of new columns
    if (S.head === null || newHead < S.head || newHead - S.head >= W) {
      ctx.clearRect(0, 0, W, H)
      mirror.fill(0)
    } else if (newHead > S.head) {
      const s = newHead - S.head
      ctx.globalCompositeOperation = "copy"
      ctx.drawImage(raster, s, 0, W - s, H, 0, 0, W - s, H)
      ctx.globalCompositeOperation = "source-over"
      ctx.clearRect(W - s, 0, s, H)
      for (let c = S.head + 1; c <= newHead; c++) {
        const m = ((c % W) + W) % W
        for (let y = 0, i = m; y < H; y++, i += W) mirror[i] = 0
      }
    }
    S.head = newHead
    S.lastT = t1

    // 2. new spikes -> pixels in the mirror
    if (S.xs.length < n) S.xs = new Int32Array(Math.max(n, S.xs.length * 2))
    const xs = S.xs, N = S.nRows, rowY0 = S.rowY0, rowY1 = S.rowY1, rowColor = S.rowColor
    const firstCol = newHead - W + 1
    let minCol = newHead + 1, drawn = 0
    for (let i = 0; i < n; i++) {
      const r = rows[i]
      const c = Math.floor((t0 + dt[i]) / msPx)
      if (r >= N || c < firstCol || c > newHead) { xs[i] = -1; continue }
      xs[i] = c
      if (c < minCol) minCol = c
      const color = rowColor[r]
      const m = ((c % W) + W) % W
      for (let y = rowY0[r], y1 = rowY1[r]; y < y1; y++) mirror[y * W + m] = color
      drawn++
    }

    // 3. copy the touched columns (minCol..newHead) from the mirror to the canvas
    if (drawn > 0) {
      const w = newHead - minCol + 1
      const img = new ImageData(w, H)
      const px = new Uint32Array(img.data.buffer)
      const m0 = ((minCol % W) + W) % W
      for (let y = 0; y < H; y++) {
        const rowBase = y * W, out = y * w
        // the ring may wrap inside the strip
        const firstLen = Math.min(w, W - m0)
        px.set(mirror.subarray(rowBase + m0, rowBase + m0 + firstLen), out)
        if (firstLen < w) px.set(mirror.subarray(rowBase, rowBase + (w - firstLen)), out + firstLen)
      }
      ctx.putImageData(img, W - w, 0)
    }
    drawAxis()
    return drawn
  }

  function onMsg(msg) {
    if (msg == null || typeof msg !== "object") return
    if (msg.type === "frame") {
      const start = performance.now()
      let drawn = 0
      try {
        drawn = drawFrame(msg)
      } catch (e) {
        console.error("SpikeRaster: frame failed", e)
      }
      C.drawn += drawn
      C.frames += 1
      // a benchmark's or test's probe (e.g. "the first frame with a spike in row R"); unset in use
      if (typeof window.snnRasterOnFrame === "function") {
        try { window.snnRasterOnFrame(msg, performance.now()) } catch (e) { console.error(e) }
      }
      C.lastSeq = msg.seq
      raster.dataset.drawnSpikes = String(C.drawn)
      raster.dataset.lastSeq = String(msg.seq)
      raster.dataset.frames = String(C.frames)
      // Always ack, even when nothing could be drawn (hidden, zero size):
      // the server's flow control depends on it.
      model.send_msg({
        type: "ack", seq: msg.seq, drawn: C.drawn, frames: C.frames,
        draw_ms: performance.now() - start,
      })
    } else if (msg.type === "clear") {
      clearBitmap()
    } else if (msg.type === "layout") {
      layoutFromMsg = Array.isArray(msg.layout) ? msg.layout : []
      onLayout()
    }
  }

  function onClick(ev) {
    if (S.W === 0 || S.H === 0 || S.nRows === 0) return
    const rect = raster.getBoundingClientRect()
    const x = Math.floor((ev.clientX - rect.left) * S.dpr)
    const y = Math.floor((ev.clientY - rect.top) * S.dpr)
    if (x < 0 || x >= S.W || y < 0 || y >= S.H) return
    const row = Math.min(S.nRows - 1, Math.floor(y * S.nRows / S.H))
    const msPx = windowMs() / S.W
    const head = S.head ?? (S.W - 1)
    const col = head - (S.W - 1 - x)
    model.send_msg({type: "pick", row, t_ms: (col + 0.5) * msPx})
  }

  raster.addEventListener("click", onClick)
  readLayout()
  const ro = new ResizeObserver(() => resize())
  ro.observe(root)
  model.on("msg:custom", onMsg)
  const onLayoutProperty = () => { layoutFromMsg = null; onLayout() }
  model.on("layout", onLayoutProperty)
  model.on("window_ms", () => { clearBitmap() })

  const cleanup = () => {
    ro.disconnect()
    model.off("msg:custom", onMsg)
    raster.removeEventListener("click", onClick)
    if (view && view._snnRasterCleanup === cleanup) view._snnRasterCleanup = null
  }
  if (view) view._snnRasterCleanup = cleanup
  model.on("remove", cleanup)

  // Let the server forget frames it sent before this view could receive them.
  // (Sent now, not in requestAnimationFrame: rAF never fires in a hidden tab.)
  model.send_msg({type: "ready", width: S.W, height: S.H})
  return root
}
