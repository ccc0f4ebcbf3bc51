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
// Zoom (only while the model's `zoomable` is true, i.e. the simulation is paused): the wheel
// zooms the time axis around the pointer, a drag zooms into the dragged range, double-click or
// "Back to live view" returns. The zoomed view is drawn on its own canvas over the live bitmap,
// which is kept as it is; the page asks Python for the exact spikes of the range and draws
// each at its time. Nothing of this runs per live frame while not zoomed.
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
//   {type: "lesioned", rows}   global rows of lesioned neurons, drawn grey on the overlay (all of
//                              them each time; sent after "layout" on "ready" and on each change)
//   {type: "zoom", id, t0, t1, n, rw, data, too_many, kept_from}
//       the answer to a zoom request: the exact spikes of [t0, t1], encoded like a frame;
//       too_many > 0: the range holds that many spikes and none were sent; kept_from: the
//       oldest kept spike's time when older ones were dropped (else null)
// Messages JS -> Python (model.send_msg):
//   {type: "ready", width, height}          after (re)render
//   {type: "ack", seq, drawn, frames, draw_ms}  after each frame is drawn
//   {type: "pick", row, t_ms}               on click
//   {type: "zoom", id, t0, t1}              the exact spikes of [t0, t1] ms, please
//
// Read-back for tests (data attributes of canvas.snn-raster): data-drawn-spikes, data-last-seq,
// data-frames, data-rows, data-width, data-height, data-lesioned-rows (rows drawn grey); while zoomed data-zoom ("off", "loading",
// "exact": the spikes of the view are drawn, "too-many"), data-zoom-t0/-t1 (the range shown),
// data-zoom-spikes (marks drawn), data-zoom-sent (spikes Python sent); the answer itself is
// the canvas's `snnZoom` property ({t0, t1, n, rows, dt}: typed arrays, times minus t0).

const GUTTER = 128 // CSS px, population labels
const AXIS = 22 // CSS px, time axis
const BG = "#ffffff"
const FG = "#333333"
const MUTED = "#8a8a8a"
const GRID = "#e6e6e6"
const LESIONED = "rgba(120, 120, 120, 0.45)" // a lesioned neuron's row, over its old spikes
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
const MIN_SPAN_MS = 0.5 // narrowest zoomed range
const TICK_SPAN_MS = 50 // below this range spikes are drawn as ticks and can be hovered
const TICK_MIN_H = 7 // CSS px, a tick's least height (rows are often thinner)
const MARK_W = 2 // CSS px, a spike's width in the zoomed view
const HOVER_PX = 4 // CSS px, how far from a tick the pointer may be to name it
const DRAG_PX = 4 // CSS px, a press that moves farther is a drag (zoom), not a click (pick)
const PICK_DELAY_MS = 250 // while zoomed a click waits this long: a double-click goes back instead
const ZOOM_RETRY_MS = 5000 // a zoom request unanswered this long is given up

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

// The spikes of a "frame" or "zoom" message: n rows (uint16, or uint32 when rw == 4), padded
// to 4 bytes, then n float32 times relative to the message's t0 (see raster.py encode_spikes).
function decodeSpikes(msg) {
  let n = Math.max(0, msg.n | 0)
  let bytes = toBytes(msg.data)
  if (bytes.byteOffset % 4 !== 0) bytes = bytes.slice()
  const rowLen = n * (msg.rw === 4 ? 4 : 2)
  const dtOff = rowLen + ((4 - (rowLen % 4)) % 4)
  const rows = typed(msg.rw === 4 ? Uint32Array : Uint16Array, bytes.subarray(0, rowLen), n)
  const dt = typed(Float32Array, bytes.subarray(dtOff, dtOff + 4 * n), n)
  n = Math.min(n, rows.length, dt.length)
  return {n, rows, dt}
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
  // the zoomed view: over the live bitmap (kept as it is underneath), under the band separators
  const zoom = el("canvas", {position: "absolute", left: `${GUTTER}px`, top: "0px", pointerEvents: "none",
    background: BG, display: "none"})
  const selection = el("div", {position: "absolute", top: "0px", pointerEvents: "none", display: "none",
    background: "rgba(31, 119, 180, 0.12)", borderLeft: "1px solid rgba(31, 119, 180, 0.7)",
    borderRight: "1px solid rgba(31, 119, 180, 0.7)"})
  const panelStyle = {position: "absolute", top: "4px", right: "6px", display: "none", alignItems: "center",
    gap: "8px", padding: "2px 4px 2px 8px", background: "rgba(255, 255, 255, 0.92)", border: "1px solid #d0d0d0",
    borderRadius: "4px", color: FG, font: `11px ${FONT}`}
  const zoomBar = el("div", panelStyle)
  const zoomText = el("span", {})
  const backButton = el("button", {font: `11px ${FONT}`, padding: "1px 8px", cursor: "pointer",
    border: "1px solid #b8b8b8", borderRadius: "3px", background: "#f4f4f4", color: FG})
  backButton.type = "button"
  backButton.textContent = "Back to live view"
  backButton.title = "Show the live raster again (or double-click the raster)"
  zoomBar.append(zoomText, backButton)
  const hint = el("div", {...panelStyle, padding: "2px 8px", color: MUTED, pointerEvents: "none"})
  hint.textContent = "Paused: scroll or drag over the raster to zoom in"
  const tip = el("div", {position: "absolute", display: "none", pointerEvents: "none", whiteSpace: "nowrap",
    padding: "2px 6px", borderRadius: "3px", background: "rgba(34, 34, 34, 0.9)", color: "#ffffff",
    font: `11px ${FONT}`})
  raster.className = "snn-raster"
  zoomBar.className = "snn-raster-zoombar"
  hint.className = "snn-raster-hint"
  tip.className = "snn-raster-tip"
  root.append(gutter, raster, zoom, overlay, axis, selection, hint, zoomBar, tip)

  const ctx = raster.getContext("2d", {alpha: true})
  const gctx = gutter.getContext("2d")
  const octx = overlay.getContext("2d")
  const actx = axis.getContext("2d")
  const zctx = zoom.getContext("2d")

  const S = {
    cssW: 0, cssH: 0, dpr: 1,
    W: 0, H: 0, // raster backing size (device px)
    nRows: 0,
    rowY0: new Int32Array(0), rowY1: new Int32Array(0), rowColor: new Uint32Array(0),
    bands: [], // {name, rows, color, sampled, start}
    lesioned: new Int32Array(0), // global rows of lesioned neurons (drawn grey on the overlay)
    mirror: new Uint32Array(0), // W*H pixels, ring buffer by absolute column % W
    head: null, // absolute column index shown at the right edge
    lastT: null, // t_end of the last frame (ms)
    wantT: null, // paused and cleared: the window end (ms) to redraw once the raster has a size
    xs: new Int32Array(1024),
  }
  // the zoomed view (only while `active`)
  const Z = {
    active: false,
    t0: 0, t1: 0, // the range shown (ms)
    lo: 0, hi: 0, // the live window when zooming began: the range stays inside it
    tHead: 0, // the newest time drawn when zooming began: a frame beyond it ends the zoom
    data: null, // the last answer: {t0, t1, n, rows, dt, tooMany, keptFrom}
    nextId: 0, inFlight: false, sentAt: 0, dirty: false,
    refill: null, // {id, t1}: the exact spikes asked for to redraw a paused live view that was cleared
    img: null, // ImageData reused between draws
    drag: null, // {x0} (client px) while the mouse is pressed on the raster
    suppressClick: false, pickTimer: null, hoverFrame: 0, hoverEvent: null,
  }
  raster.dataset.zoom = "off"
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
      const stride = Math.max(1, Math.floor(Number(p.stride) || 1))
      bands.push({name: String(p.name ?? ""), rows, color: p.color || "#333333", sampled: !!p.sampled, stride, start})
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
    S.wantT = null
    drawAxis()
  }

  function clearAndRefill() {
    // a resize or a new row layout clears the bitmap; running, the next frames fill it again, but
    // paused none come: ask for the exact spikes of the window that was shown and draw them
    const lastT = Z.active ? null : (S.lastT ?? S.wantT)
    clearBitmap()
    if (lastT === null || !model.zoomable) return
    S.wantT = lastT // kept while the raster has no size (a section enlarged over it): its next size redraws it
    if (S.W === 0 || S.H === 0) return
    Z.nextId += 1
    Z.refill = {id: Z.nextId, t1: lastT}
    delete raster.dataset.refilled // set again (the spikes drawn) when the answer is drawn
    model.send_msg({type: "zoom", id: Z.nextId, t0: Math.max(0, lastT - windowMs()), t1: lastT})
  }

  function onRefillAnswer(msg) {
    Z.refill = null
    // a frame (Run, Step) or a zoom got there first: it draws what is current
    if (Z.active || S.head !== null || Number(msg.too_many) > 0) return
    drawFrame(msg)
    raster.dataset.refilled = String(Number(msg.n) || 0)
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
    drawLesioned()
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

  function drawLesioned() {
    // a grey band over each lesioned row: at least 1 device px, so a thin row still shows
    octx.fillStyle = LESIONED
    let shown = 0
    for (const r of S.lesioned) {
      if (r < 0 || r >= S.nRows || S.rowY1.length !== S.nRows) continue
      const y0 = S.rowY0[r]
      octx.fillRect(0, y0, S.W, Math.max(1, S.rowY1[r] - y0))
      shown++
    }
    raster.dataset.lesionedRows = String(shown)
  }

  function ellipsize(c, text, maxW) {
    if (c.measureText(text).width <= maxW) return text
    let s = text
    while (s.length > 1 && c.measureText(s + "…").width > maxW) s = s.slice(0, -1)
    return s + "…"
  }

  function liveRange() {
    // [left, right] of the live bitmap, ms
    const win = windowMs()
    const tRight = ((S.head ?? (S.W - 1)) + 1) * win / Math.max(1, S.W)
    return [tRight - win, tRight]
  }

  function drawAxis() {
    const {dpr, W} = S
    const ah = Math.round(AXIS * dpr)
    actx.setTransform(1, 0, 0, 1, 0, 0)
    actx.clearRect(0, 0, W, ah)
    if (W === 0) return
    let tLeft = Z.t0, tRight = Z.t1
    if (!Z.active) {
      const win = windowMs()
      tRight = ((S.head ?? (W - 1)) + 1) * win / W
      tLeft = tRight - win
    }
    const span = tRight - tLeft
    const msPx = span / W
    const step = niceStep(span * (90 * dpr) / W)
    actx.fillStyle = Z.active ? "#1f77b4" : "#bdbdbd"
    actx.fillRect(0, 0, W, Math.max(1, Math.round(dpr)))
    actx.fillStyle = MUTED
    actx.font = `${10 * dpr}px ${FONT}`
    actx.textBaseline = "top"
    const decimals = step >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(step) - 1e-9))
    // ticks by index, not by adding steps: no drift, and 0.1 + 0.2 never shows as 0.30000000000000004
    for (let k = Math.ceil(tLeft / step); k * step <= tRight; k++) {
      const t = k * step
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
    clearAndRefill()
    drawGutterAndOverlay()
    raster.dataset.width = String(S.W)
    raster.dataset.height = String(S.H)
    if (Z.active) {
      // the live bitmap was cleared with the resize: the zoomed view redraws from its answer
      zoom.width = S.W; zoom.height = S.H
      zoom.style.width = `${cssW}px`; zoom.style.height = `${cssH}px`
      drawZoom()
      drawAxis()
    }
  }

  function onLayout() {
    exitZoom()
    readLayout()
    buildRowMap()
    clearAndRefill()
    drawGutterAndOverlay()
  }

  function drawFrame(msg) {
    const t0 = Number(msg.t0), t1 = Number(msg.t1)
    const {n, rows, dt} = decodeSpikes(msg)
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
      // newer than what was zoomed into (Run, Step): back to the live view
      if (Z.active && Number(msg.t1) > Z.tHead + 1e-9) exitZoom()
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
      exitZoom()
      clearBitmap()
    } else if (msg.type === "zoom") {
      onZoomAnswer(msg)
    } else if (msg.type === "lesioned") {
      S.lesioned = Int32Array.from(Array.isArray(msg.rows) ? msg.rows : [], Number)
      drawGutterAndOverlay()
    } else if (msg.type === "layout") {
      layoutFromMsg = Array.isArray(msg.layout) ? msg.layout : []
      onLayout()
    }
  }

  function onClick(ev) {
    if (Z.suppressClick) { Z.suppressClick = false; return } // the end of a drag
    if (S.W === 0 || S.H === 0 || S.nRows === 0) return
    const rect = raster.getBoundingClientRect()
    const x = Math.floor((ev.clientX - rect.left) * S.dpr)
    const y = Math.floor((ev.clientY - rect.top) * S.dpr)
    if (x < 0 || x >= S.W || y < 0 || y >= S.H) return
    const row = Math.min(S.nRows - 1, Math.floor(y * S.nRows / S.H))
    let t_ms
    if (Z.active) {
      t_ms = timeAt(x + 0.5)
    } else {
      const msPx = windowMs() / S.W
      const head = S.head ?? (S.W - 1)
      const col = head - (S.W - 1 - x)
      t_ms = (col + 0.5) * msPx
    }
    const pick = () => { Z.pickTimer = null; model.send_msg({type: "pick", row, t_ms}) }
    if (!Z.active) { pick(); return }
    // zoomed: a double-click means "back to live", not two picks
    if (Z.pickTimer !== null) clearTimeout(Z.pickTimer)
    Z.pickTimer = setTimeout(pick, PICK_DELAY_MS)
  }

  // ---------------------------------------------------------------- zoomed view
  function zoomAllowed() {
    return !!model.zoomable && S.head !== null && S.W > 0 && S.H > 0 && S.nRows > 0
  }

  function timeAt(xDevice) {
    const [a, b] = Z.active ? [Z.t0, Z.t1] : liveRange()
    return a + (xDevice / S.W) * (b - a)
  }

  function setDisplay(node, on, how = "") {
    const want = on ? how : "none"
    if (node.style.display !== want) node.style.display = want
  }

  function showHint() {
    setDisplay(hint, !!model.zoomable && !Z.active && S.head !== null, "flex")
  }

  function zoomTo(t0, t1) {
    if (!Z.active) {
      if (!zoomAllowed()) return
      ;[Z.lo, Z.hi] = liveRange()
      Z.tHead = S.lastT ?? Z.hi
    }
    const full = Z.hi - Z.lo
    let span = t1 - t0
    if (!(span > 0)) return
    if (span < MIN_SPAN_MS) { t0 = (t0 + t1) / 2 - MIN_SPAN_MS / 2; span = MIN_SPAN_MS }
    if (span >= full * (1 - 1e-9)) { exitZoom(); return } // zoomed all the way out
    t0 = Math.min(Math.max(t0, Z.lo), Z.hi - span)
    Z.t0 = t0
    Z.t1 = t0 + span
    if (!Z.active) {
      Z.active = true
      zoom.width = S.W; zoom.height = S.H
      zoom.style.width = `${S.cssW}px`; zoom.style.height = `${S.cssH}px`
      setDisplay(zoom, true)
      setDisplay(zoomBar, true, "flex")
      showHint()
    }
    drawZoom()
    drawAxis()
    requestSpikes()
  }

  function exitZoom() {
    if (!Z.active) return
    Z.active = false
    Z.data = null
    Z.dirty = false
    if (Z.pickTimer !== null) { clearTimeout(Z.pickTimer); Z.pickTimer = null }
    raster.snnZoom = null
    setDisplay(zoom, false)
    setDisplay(zoomBar, false)
    setDisplay(tip, false)
    setDisplay(selection, false)
    showHint()
    raster.dataset.zoom = "off"
    drawAxis()
  }

  function requestSpikes() {
    // one request at a time; the answer asks again if the view moved meanwhile
    if (Z.inFlight && performance.now() - Z.sentAt < ZOOM_RETRY_MS) { Z.dirty = true; return }
    Z.inFlight = true
    Z.dirty = false
    Z.sentAt = performance.now()
    Z.nextId += 1
    model.send_msg({type: "zoom", id: Z.nextId, t0: Z.t0, t1: Z.t1})
  }

  function onZoomAnswer(msg) {
    if (Z.refill !== null && Number(msg.id) === Z.refill.id) { onRefillAnswer(msg); return }
    if (Number(msg.id) === Z.nextId) Z.inFlight = false
    if (!Z.active) return
    const {n, rows, dt} = decodeSpikes(msg)
    Z.data = {
      t0: Number(msg.t0), t1: Number(msg.t1), n, rows, dt, tooMany: Math.max(0, Number(msg.too_many) || 0),
      keptFrom: msg.kept_from == null ? null : Number(msg.kept_from),
    }
    raster.snnZoom = {t0: Z.data.t0, t1: Z.data.t1, n, rows, dt}
    if (Z.dirty || Z.data.t0 !== Z.t0 || Z.data.t1 !== Z.t1) requestSpikes()
    drawZoom()
  }

  function rowExtents(ticks) {
    // device-px [top, bottom) of each row's marks; ticks get a least height, kept inside their band
    if (!ticks) return [S.rowY0, S.rowY1]
    const N = S.nRows, H = S.H, minH = Math.round(TICK_MIN_H * S.dpr)
    const top = new Int32Array(N), bottom = new Int32Array(N)
    for (const b of S.bands) {
      const bandTop = Math.round(b.start * H / N), bandBottom = Math.round((b.start + b.rows) * H / N)
      for (let r = b.start; r < b.start + b.rows; r++) {
        let y0 = S.rowY0[r], y1 = S.rowY1[r]
        if (y1 - y0 < minH) {
          y0 = Math.round((y0 + y1 - minH) / 2)
          y0 = Math.max(bandTop, Math.min(y0, bandBottom - minH))
          y1 = Math.min(bandBottom, y0 + minH)
          y0 = Math.max(bandTop, y0)
        }
        top[r] = y0; bottom[r] = y1
      }
    }
    return [top, bottom]
  }

  function drawZoom() {
    const {W, H, dpr} = S
    if (!Z.active || W === 0 || H === 0) return
    const span = Z.t1 - Z.t0
    const pxPerMs = W / span
    const ticks = span < TICK_SPAN_MS
    const d = Z.data
    if (!Z.img || Z.img.width !== W || Z.img.height !== H) Z.img = new ImageData(W, H)
    const px = new Uint32Array(Z.img.data.buffer)
    px.fill(0)
    let drawn = 0
    if (d && !d.tooMany && d.n > 0) {
      const [top, bottom] = rowExtents(ticks)
      const markW = Math.max(1, Math.round(MARK_W * dpr))
      const N = S.nRows, rowColor = S.rowColor, rows = d.rows, dt = d.dt
      const eps = span * 1e-6 // float32 times may land a hair outside the range
      const lo = Z.t0 - eps, hi = Z.t1 + eps
      for (let i = 0; i < d.n; i++) {
        const r = rows[i]
        const t = d.t0 + dt[i]
        if (r >= N || t < lo || t > hi) continue
        const x0 = Math.max(0, Math.floor((t - Z.t0) * pxPerMs - markW / 2))
        const x1 = Math.min(W, x0 + markW)
        const color = rowColor[r]
        for (let y = top[r], y1 = bottom[r]; y < y1; y++) {
          const base = y * W
          for (let x = x0; x < x1; x++) px[base + x] = color
        }
        drawn++
      }
    }
    zctx.setTransform(1, 0, 0, 1, 0, 0)
    zctx.putImageData(Z.img, 0, 0)
    if (d && d.keptFrom != null && d.keptFrom > Z.t0) {
      // older spikes were dropped from the recording: grey out that part
      const x = Math.min(W, Math.round((d.keptFrom - Z.t0) * pxPerMs))
      zctx.fillStyle = "rgba(0, 0, 0, 0.06)"
      zctx.fillRect(0, 0, x, H)
      if (x > 140 * dpr) centerText("older spikes are no longer kept", x / 2)
    }
    if (!d) centerText("loading the exact spikes…", W / 2)
    else if (d.tooMany) centerText(`too many spikes to show exactly (${d.tooMany.toLocaleString("en-US")}): zoom in`, W / 2)
    const exact = !!d && d.t0 === Z.t0 && d.t1 === Z.t1
    raster.dataset.zoom = !d || !exact ? "loading" : d.tooMany ? "too-many" : "exact"
    raster.dataset.zoomT0 = String(Z.t0)
    raster.dataset.zoomT1 = String(Z.t1)
    raster.dataset.zoomSpikes = String(drawn)
    raster.dataset.zoomSent = String(d ? d.n : 0)
    const range = `${formatMs(Z.t0, span)} – ${formatMs(Z.t1, span)} ms`
    zoomText.textContent = d && d.tooMany ? `${range} · too many spikes`
      : `${range} · ${drawn.toLocaleString("en-US")} spike${drawn === 1 ? "" : "s"}${ticks ? " · point at one to name it" : ""}`
    if (!ticks) setDisplay(tip, false)
  }

  function formatMs(t, span) {
    const decimals = span >= 100 ? 0 : span >= 10 ? 1 : span >= 1 ? 2 : 3
    return t.toFixed(decimals)
  }

  function centerText(text, x) {
    const {dpr, H} = S
    zctx.font = `${12 * dpr}px ${FONT}`
    zctx.textAlign = "center"
    zctx.textBaseline = "middle"
    const w = zctx.measureText(text).width + 16 * dpr
    zctx.fillStyle = "rgba(255, 255, 255, 0.9)"
    zctx.fillRect(x - w / 2, H / 2 - 11 * dpr, w, 22 * dpr)
    zctx.fillStyle = FG
    zctx.fillText(text, x, H / 2)
    zctx.textAlign = "left"
  }

  function spikeAt(clientX, clientY) {
    // the spike under the pointer in the tick view: {band, neuron, t} or null
    const d = Z.data
    if (!Z.active || !d || d.tooMany || Z.t1 - Z.t0 >= TICK_SPAN_MS) return null
    const rect = raster.getBoundingClientRect()
    const {dpr, W} = S
    const x = (clientX - rect.left) * dpr, y = (clientY - rect.top) * dpr
    const [top, bottom] = rowExtents(true)
    const pxPerMs = W / (Z.t1 - Z.t0), reach = HOVER_PX * dpr, N = S.nRows
    let best = -1, bestScore = Infinity
    for (let i = 0; i < d.n; i++) {
      const r = d.rows[i]
      if (r >= N) continue
      const dx = Math.abs((d.t0 + d.dt[i] - Z.t0) * pxPerMs - x)
      if (dx > reach || y < top[r] - reach / 2 || y > bottom[r] + reach / 2) continue
      const score = dx + Math.abs((top[r] + bottom[r]) / 2 - y)
      if (score < bestScore) { bestScore = score; best = i }
    }
    if (best < 0) return null
    const r = d.rows[best]
    const band = S.bands.find((b) => r >= b.start && r < b.start + b.rows)
    if (!band) return null
    return {band, neuron: (r - band.start) * band.stride, t: d.t0 + d.dt[best]}
  }

  function showTip() {
    Z.hoverFrame = 0
    const ev = Z.hoverEvent
    const hit = ev && !Z.drag ? spikeAt(ev.clientX, ev.clientY) : null
    if (!hit) { setDisplay(tip, false); raster.style.cursor = "crosshair"; return }
    tip.textContent = `${hit.band.name} #${hit.neuron} at t = ${hit.t.toFixed(2)} ms`
    setDisplay(tip, true)
    raster.style.cursor = "pointer"
    const rootRect = root.getBoundingClientRect()
    const x = ev.clientX - rootRect.left, y = ev.clientY - rootRect.top
    const w = tip.offsetWidth
    tip.style.left = `${Math.max(0, Math.min(x + 12, rootRect.width - w - 4))}px`
    tip.style.top = `${Math.max(0, y - 26)}px`
  }

  function onPointerMove(ev) {
    if (!Z.active) return
    Z.hoverEvent = ev
    if (!Z.hoverFrame) Z.hoverFrame = requestAnimationFrame(showTip)
  }

  function onPointerLeave() {
    Z.hoverEvent = null
    setDisplay(tip, false)
  }

  function onWheel(ev) {
    if (!Z.active && !(zoomAllowed() && ev.deltaY < 0)) return // not zooming: the page scrolls
    if (!model.zoomable) return
    ev.preventDefault()
    const rect = raster.getBoundingClientRect()
    if (rect.width <= 0) return
    const unit = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? rect.height : 1
    const dx = ev.deltaX * unit, dy = ev.deltaY * unit
    const [a, b] = Z.active ? [Z.t0, Z.t1] : liveRange()
    const span = b - a
    if (Z.active && (ev.shiftKey || Math.abs(dx) > Math.abs(dy))) { // pan
      const shift = ((ev.shiftKey ? dy : 0) + dx) / rect.width * span
      zoomTo(a + shift, b + shift)
      return
    }
    const f = Math.min(1, Math.max(0, (ev.clientX - rect.left) / rect.width))
    const tPointer = a + f * span
    const newSpan = span * Math.exp(dy * 0.0015)
    zoomTo(tPointer - f * newSpan, tPointer - f * newSpan + newSpan)
  }

  function onMouseDown(ev) {
    if (ev.button !== 0 || !(Z.active || zoomAllowed())) return
    Z.drag = {x0: ev.clientX, moved: false}
    window.addEventListener("mousemove", onDragMove)
    window.addEventListener("mouseup", onDragEnd)
  }

  function dragSpan(x0, clientX) {
    // [left, right] of the dragged range, CSS px from the raster's left edge
    const rect = raster.getBoundingClientRect()
    const clamp = (x) => Math.min(rect.width, Math.max(0, x - rect.left))
    const a = clamp(x0), b = clamp(clientX)
    return [Math.min(a, b), Math.max(a, b)]
  }

  function onDragMove(ev) {
    if (!Z.drag) return
    if (!Z.drag.moved && Math.abs(ev.clientX - Z.drag.x0) <= DRAG_PX) return
    Z.drag.moved = true
    const [a, b] = dragSpan(Z.drag.x0, ev.clientX)
    Object.assign(selection.style, {left: `${GUTTER + a}px`, width: `${b - a}px`, height: `${S.cssH}px`})
    setDisplay(selection, true)
    setDisplay(tip, false)
  }

  function onDragEnd(ev) {
    window.removeEventListener("mousemove", onDragMove)
    window.removeEventListener("mouseup", onDragEnd)
    const drag = Z.drag
    Z.drag = null
    setDisplay(selection, false)
    if (!drag || !drag.moved) return
    Z.suppressClick = true // the click that follows this mouseup is not a pick
    setTimeout(() => { Z.suppressClick = false }, 0)
    const [a, b] = dragSpan(drag.x0, ev.clientX)
    if (b - a < 1 || !(Z.active || zoomAllowed())) return
    const toDevice = S.dpr
    zoomTo(timeAt(a * toDevice), timeAt(b * toDevice))
  }

  function onDoubleClick(ev) {
    if (!Z.active) return
    ev.preventDefault()
    exitZoom()
  }

  raster.addEventListener("click", onClick)
  raster.addEventListener("dblclick", onDoubleClick)
  raster.addEventListener("wheel", onWheel, {passive: false})
  raster.addEventListener("mousedown", onMouseDown)
  raster.addEventListener("mousemove", onPointerMove)
  raster.addEventListener("mouseleave", onPointerLeave)
  backButton.addEventListener("click", exitZoom)
  readLayout()
  const ro = new ResizeObserver(() => resize())
  ro.observe(root)
  model.on("msg:custom", onMsg)
  const onLayoutProperty = () => { layoutFromMsg = null; onLayout() }
  model.on("layout", onLayoutProperty)
  model.on("window_ms", () => { exitZoom(); clearBitmap() })
  const onZoomable = () => { if (!model.zoomable) exitZoom(); showHint() }
  model.on("zoomable", onZoomable)
  showHint()

  const cleanup = () => {
    ro.disconnect()
    model.off("msg:custom", onMsg)
    raster.removeEventListener("click", onClick)
    raster.removeEventListener("dblclick", onDoubleClick)
    raster.removeEventListener("wheel", onWheel)
    raster.removeEventListener("mousedown", onMouseDown)
    raster.removeEventListener("mousemove", onPointerMove)
    raster.removeEventListener("mouseleave", onPointerLeave)
    window.removeEventListener("mousemove", onDragMove)
    window.removeEventListener("mouseup", onDragEnd)
    if (Z.pickTimer !== null) clearTimeout(Z.pickTimer)
    if (Z.hoverFrame) cancelAnimationFrame(Z.hoverFrame)
    if (view && view._snnRasterCleanup === cleanup) view._snnRasterCleanup = null
  }
  if (view) view._snnRasterCleanup = cleanup
  model.on("remove", cleanup)

  // Let the server forget frames it sent before this view could receive them.
  // (Sent now, not in requestAnimationFrame: rAF never fires in a hidden tab.)
  model.send_msg({type: "ready", width: S.W, height: S.H})
  return root
}
