// StripChart: a scrolling line chart on one 2D canvas, for panel.custom.JSComponent.
//
// Plain ES module, no imports: nothing to bundle, nothing fetched.
// Python side: designer/views/strip_chart.py (StripChart).
//
// The page keeps the rows of the visible window (and one before it) in typed arrays; a
// message only appends rows and asks for a repaint, and the chart repaints at most once
// per animation frame. A repaint draws each series decimated to at most 4 points per
// pixel column (first, min, max, last: a one-step spike stays visible).
//
// Messages Python -> JS (model.on("msg:custom")):
//   {type: "series", series: [{key, label, color}]}   a series whose key and label were
//       shown before keeps its data; when none was, the data held is dropped
//   {type: "data", n, keys, t_end, data}
//       data: one buffer (ArrayBuffer via Bokeh's binary buffers): n little-endian float64
//             times (ms), then per key n little-endian float32 values; NaN/inf break the line
//   {type: "clear"}
// Messages JS -> Python (model.send_msg):
//   {type: "ready"}   after (re)render
//
// Read-back for tests and benchmarks: window.snnCharts[name] = {series, t, values, log,
// legend, onPush, onPaint}; t / values: the rows held now (arrays); log: every row pushed
// (the last LOG_ROWS), kept across "clear", dropped when the series' keys change;
// legend: the labels as drawn; updates / paints / paintMs: counters (paintMs: time spent in
// repaints, total); onPush(info) / onPaint(now): hooks, called after a push was
// applied (info: {n, t: Float64Array, values: {key: Float32Array}, tEnd}) and after each
// repaint. The canvas carries data-points (rows held), data-updates (pushes applied),
// data-paints and data-series.

const BG = "#ffffff"
const FG = "#333333"
const MUTED = "#8a8a8a"
const GRID = "#e6e6e6"
const AXIS_LINE = "#bdbdbd"
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"

const AXIS = 22 // CSS px, time axis (as the raster's)
const PAD = 6 // CSS px, around the plot
const TITLE_H = 18 // CSS px
const LEGEND_ROW = 15 // CSS px
const LEGEND_LABEL_MAX = 150 // CSS px, a longer label is cut with "…"
// Lines are 1 device pixel wide: Skia draws those as hairlines (2 ms for 4 zig-zag series of
// 2,400 points here); a 1.5 px stroke of the same paths took 140-260 ms (the stroker outlines
// the self-crossing path). On HiDPI screens they are round(dpr) px wide, stroked in short pieces.
const STROKE_PIECE = 32 // points per stroke() when lines are wider than 1 device pixel
const MAX_ROWS = 1 << 18 // rows held at most (the window usually needs a few thousand)
const LOG_ROWS = 20000

function toBytes(x) {
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

function typed(Ctor, bytes, offset, n) {
  let view = bytes.subarray(offset, offset + n * Ctor.BYTES_PER_ELEMENT)
  if (view.byteOffset % Ctor.BYTES_PER_ELEMENT !== 0) view = view.slice()
  return new Ctor(view.buffer, view.byteOffset, Math.floor(view.byteLength / Ctor.BYTES_PER_ELEMENT))
}

function niceStep(raw) {
  if (!(raw > 0) || !isFinite(raw)) return 1
  const p = Math.pow(10, Math.floor(Math.log10(raw)))
  for (const m of [1, 2, 5, 10]) {
    if (m * p >= raw * (1 - 1e-9)) return m * p
  }
  return 10 * p
}

function decimalsFor(step) {
  return step >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(step) - 1e-9))
}

function ellipsize(c, text, maxW) {
  if (c.measureText(text).width <= maxW) return text
  let s = text
  while (s.length > 1 && c.measureText(s + "…").width > maxW) s = s.slice(0, -1)
  return s + "…"
}

// first index i in [lo, hi) with t[i] >= x (hi if none)
function lowerBound(t, lo, hi, x) {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (t[mid] < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

// A bounded log of every pushed row (oldest dropped), read back as plain arrays.
function makeLog(keys) {
  return {keys: keys.slice(), t: new Float64Array(LOG_ROWS), v: keys.map(() => new Float64Array(LOG_ROWS)), next: 0, size: 0}
}

function logAppend(L, t, colsByKey, n) {
  const start = Math.max(0, n - LOG_ROWS)
  for (let i = start; i < n; i++) {
    const at = L.next
    L.t[at] = t[i]
    for (let j = 0; j < L.keys.length; j++) {
      const col = colsByKey[L.keys[j]]
      L.v[j][at] = col ? col[i] : NaN
    }
    L.next = (at + 1) % LOG_ROWS
  }
  L.size = Math.min(LOG_ROWS, L.size + n - start)
}

function logRead(L) {
  const first = (L.next - L.size + LOG_ROWS) % LOG_ROWS
  const take = (arr) => {
    const out = new Array(L.size)
    for (let i = 0; i < L.size; i++) out[i] = arr[(first + i) % LOG_ROWS]
    return out
  }
  const out = {t: take(L.t)}
  L.keys.forEach((k, j) => { out[k] = take(L.v[j]) })
  return out
}

export function render({model, el: container, view}) {
  // The ESM view does not drop "msg:custom" handlers when it re-renders; drop ours.
  if (view && view._snnChartCleanup) view._snnChartCleanup()

  const root = document.createElement("div")
  Object.assign(root.style, {
    position: "relative", width: "100%", height: "100%", minHeight: "80px",
    background: BG, overflow: "hidden", userSelect: "none",
  })
  root.className = "snn-chart-root"
  const canvas = document.createElement("canvas")
  Object.assign(canvas.style, {position: "absolute", left: "0px", top: "0px"})
  canvas.className = "snn-chart"
  const chartName = String(model.name || "chart")
  canvas.dataset.name = chartName
  root.append(canvas)
  const ctx = canvas.getContext("2d", {alpha: false})

  const S = {
    cssW: 0, cssH: 0, dpr: 1,
    series: [], // {key, label, color}
    cap: 0, lo: 0, hi: 0,
    t: new Float64Array(0),
    cols: [], // per series, Float32Array(cap)
    tRight: null, // right edge of the window (ms): newest data or t_end
    log: makeLog([]),
    legend: [], // {key, label, text, color} as drawn
    raf: 0,
  }
  const C = {updates: 0, paints: 0, paintMs: 0}

  function windowMs() {
    const w = Number(model.window_ms)
    return w > 0 ? w : 1000
  }

  // --- data ------------------------------------------------------------------------------
  function dropData() {
    S.lo = 0; S.hi = 0; S.tRight = null
  }

  function setSeries(list) {
    const series = (Array.isArray(list) ? list : []).map((s) => ({
      key: String(s.key), label: String(s.label ?? s.key), color: String(s.color || FG),
    }))
    const keys = series.map((s) => s.key)
    if (keys.join("\u0000") !== S.log.keys.join("\u0000")) S.log = makeLog(keys)
    // a series with the same key and label keeps its data (e.g. when a trace is added)
    const kept = series.map((s) => S.series.findIndex((o) => o.key === s.key && o.label === s.label))
    S.cols = kept.map((j) => {
      if (j >= 0) return S.cols[j]
      const col = new Float32Array(S.cap)
      col.fill(NaN, S.lo, S.hi)
      return col
    })
    S.series = series
    if (kept.every((j) => j < 0)) dropData()
  }

  function reserve(n) {
    // room for n more rows after hi: move the held rows to the front, or grow
    if (S.hi + n <= S.cap) return
    const live = S.hi - S.lo
    let cap = S.cap
    if (live + n > cap / 2) cap = Math.max(1024, 1 << Math.ceil(Math.log2(2 * (live + n))))
    if (cap === S.cap) {
      S.t.copyWithin(0, S.lo, S.hi)
      for (const col of S.cols) col.copyWithin(0, S.lo, S.hi)
    } else {
      const t = new Float64Array(cap)
      t.set(S.t.subarray(S.lo, S.hi))
      S.t = t
      S.cols = S.cols.map((col) => {
        const c = new Float32Array(cap)
        c.set(col.subarray(S.lo, S.hi))
        return c
      })
      S.cap = cap
    }
    S.hi = live; S.lo = 0
  }

  function onData(msg) {
    const bytes = toBytes(msg.data)
    const keys = Array.isArray(msg.keys) ? msg.keys.map(String) : []
    let n = Math.max(0, msg.n | 0)
    n = Math.min(n, Math.floor(bytes.byteLength / (8 + 4 * keys.length)))
    const t = typed(Float64Array, bytes, 0, n)
    const colsByKey = {}
    keys.forEach((k, j) => { colsByKey[k] = typed(Float32Array, bytes, 8 * n + 4 * n * j, n) })
    const tEnd = msg.t_end == null ? null : Number(msg.t_end)

    if (n > 0 && S.hi > S.lo && t[0] < S.t[S.hi - 1] - 1e-9) dropData() // time went back: a new run
    const skip = Math.max(0, n - MAX_ROWS)
    const m = n - skip
    reserve(m)
    if (m > 0) {
      S.t.set(t.subarray(skip), S.hi)
      S.series.forEach((s, j) => {
        const src = colsByKey[s.key]
        if (src) S.cols[j].set(src.subarray(skip), S.hi)
        else S.cols[j].fill(NaN, S.hi, S.hi + m)
      })
      S.hi += m
    }
    let right = S.hi > S.lo ? S.t[S.hi - 1] : null
    if (tEnd !== null && isFinite(tEnd) && (right === null || tEnd > right)) right = tEnd
    if (right !== null) S.tRight = S.tRight === null ? right : Math.max(S.tRight, right)
    // keep the window and the last row before it (the line enters from the left edge)
    if (S.tRight !== null) {
      const first = lowerBound(S.t, S.lo, S.hi, S.tRight - windowMs())
      S.lo = Math.max(S.lo, first - 1)
    }
    if (S.hi - S.lo > MAX_ROWS) S.lo = S.hi - MAX_ROWS
    logAppend(S.log, t, colsByKey, n)

    C.updates += 1
    canvas.dataset.updates = String(C.updates)
    canvas.dataset.points = String(S.hi - S.lo)
    const reg = registry()
    if (typeof reg.onPush === "function") {
      try {
        reg.onPush({n, t, values: colsByKey, tEnd})
      } catch (e) {
        console.error("StripChart: onPush hook failed", e)
      }
    }
    schedulePaint()
  }

  function onClear() {
    dropData()
    canvas.dataset.points = "0"
    schedulePaint()
  }

  // --- drawing ---------------------------------------------------------------------------
  function schedulePaint() {
    if (!S.raf) S.raf = requestAnimationFrame(paint)
  }

  function resize() {
    const rect = root.getBoundingClientRect()
    const dpr = window.devicePixelRatio || 1
    const cssW = Math.max(0, Math.floor(rect.width))
    const cssH = Math.max(0, Math.floor(rect.height))
    if (cssW === S.cssW && cssH === S.cssH && dpr === S.dpr) return false
    S.cssW = cssW; S.cssH = cssH; S.dpr = dpr
    canvas.width = Math.round(cssW * dpr)
    canvas.height = Math.round(cssH * dpr)
    canvas.style.width = `${cssW}px`
    canvas.style.height = `${cssH}px`
    return true
  }

  // The legend flows after the title, wrapping into rows: returns its height and the items' places.
  function layoutLegend(titleW, width) {
    ctx.font = `10.5px ${FONT}`
    const items = []
    let x = PAD + titleW + (titleW > 0 ? 14 : 0), row = 0
    for (const s of S.series) {
      const text = ellipsize(ctx, s.label, LEGEND_LABEL_MAX)
      const w = 18 + ctx.measureText(text).width + 12
      if (x + w > width - PAD && x > PAD) { row += 1; x = PAD }
      items.push({key: s.key, label: s.label, text, color: s.color, x, row})
      x += w
    }
    return {items, rows: items.length ? row + 1 : 1}
  }

  function yRange(i0, lo, hi) {
    let min = Infinity, max = -Infinity
    for (const col of S.cols) {
      for (let i = i0; i < hi; i++) {
        const v = col[i]
        if (v < min) min = v // NaN compares false
        if (v > max) max = v
      }
    }
    if (!isFinite(min) || !isFinite(max)) {
      // +-inf (a blown-up neuron) or nothing: scale over the finite values only
      min = Infinity; max = -Infinity
      for (const col of S.cols) {
        for (let i = i0; i < hi; i++) {
          const v = col[i]
          if (isFinite(v)) { if (v < min) min = v; if (v > max) max = v }
        }
      }
    }
    return [min, max]
  }

  function paint() {
    S.raf = 0
    const start = performance.now()
    if ((window.devicePixelRatio || 1) !== S.dpr) resize()
    const {dpr, cssW: W, cssH: H} = S
    if (W === 0 || H === 0) return
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
    ctx.fillStyle = BG
    ctx.fillRect(0, 0, W, H)

    const win = windowMs()
    const tRight = S.tRight ?? win
    const tLeft = tRight - win
    const hasRows = S.hi > S.lo
    const iFirst = hasRows ? lowerBound(S.t, S.lo, S.hi, tLeft) : S.lo // first visible row
    let [ymin, ymax] = hasRows ? yRange(iFirst, S.lo, S.hi) : [Infinity, -Infinity]
    const empty = !(ymin <= ymax)
    if (empty) { ymin = 0; ymax = 1 }
    const fromZero = !!model.y_from_zero
    if (fromZero) { ymin = Math.min(0, ymin); ymax = Math.max(ymax, 0) }
    let span = ymax - ymin
    if (!(span > 0)) span = Math.max(Math.abs(ymax) * 0.1, 1)
    if (ymax - ymin > 0) {
      ymax += 0.06 * span
      if (!(fromZero && ymin === 0)) ymin -= 0.06 * span
    } else {
      ymax += span / 2
      if (!(fromZero && ymin === 0)) ymin -= span / 2
    }

    // header: title, then the legend
    const title = String(model.title || "")
    ctx.font = `600 11.5px ${FONT}`
    ctx.textBaseline = "middle"
    ctx.textAlign = "left"
    const titleW = title ? Math.min(ctx.measureText(title).width, W - 2 * PAD) : 0
    const legend = layoutLegend(titleW, W)
    const headerH = PAD + Math.max(TITLE_H, legend.rows * LEGEND_ROW) + 2

    // y ticks (need their widths for the left margin)
    const plotTop = headerH
    const plotBottom = H - AXIS
    const plotH = plotBottom - plotTop
    const yStep = niceStep((ymax - ymin) / Math.max(2, Math.floor(plotH / 30)))
    const yDec = decimalsFor(yStep)
    const yTicks = []
    ctx.font = `10px ${FONT}`
    let labelW = 0
    for (let k = Math.ceil(ymin / yStep - 1e-9); k * yStep <= ymax + 1e-9 * yStep; k++) {
      const v = k * yStep
      const text = (Math.abs(v) < yStep / 2 ? 0 : v).toFixed(yDec)
      yTicks.push([v, text])
      labelW = Math.max(labelW, ctx.measureText(text).width)
    }
    const plotLeft = Math.ceil(Math.max(30, labelW + 12))
    const plotRight = W - PAD - 4
    const plotW = plotRight - plotLeft
    if (plotW <= 4 || plotH <= 4) return
    const sy = plotH / (ymax - ymin)
    const sx = plotW / win
    const yOf = (v) => plotBottom - (v - ymin) * sy

    // grid, y labels, y axis line
    ctx.fillStyle = GRID
    for (const [v] of yTicks) ctx.fillRect(plotLeft, Math.round(yOf(v) * dpr) / dpr, plotW, 1 / dpr)
    const xStep = niceStep(win * 90 / plotW)
    const xDec = decimalsFor(xStep)
    const xTicks = []
    for (let k = Math.ceil(tLeft / xStep - 1e-9); k * xStep <= tRight + 1e-9 * xStep; k++) xTicks.push(k * xStep)
    for (const t of xTicks) ctx.fillRect(Math.round((plotLeft + (t - tLeft) * sx) * dpr) / dpr, plotTop, 1 / dpr, plotH)
    ctx.fillStyle = MUTED
    ctx.textAlign = "right"
    ctx.textBaseline = "middle"
    if (!empty) {
      for (const [v, text] of yTicks) ctx.fillText(text, plotLeft - 7, Math.min(Math.max(yOf(v), plotTop + 5), plotBottom - 5))
    }
    ctx.fillStyle = AXIS_LINE
    ctx.fillRect(plotLeft - 1, plotTop, 1, plotH + 1)
    for (const [v] of yTicks) ctx.fillRect(plotLeft - 4, Math.round(yOf(v) * dpr) / dpr, 4, 1)

    // x axis, as the raster's: a line, ticks and "t ms" labels
    ctx.fillRect(plotLeft, plotBottom, plotW, 1)
    ctx.textAlign = "left"
    ctx.textBaseline = "top"
    for (const t of xTicks) {
      const x = plotLeft + (t - tLeft) * sx
      ctx.fillStyle = AXIS_LINE
      ctx.fillRect(Math.round(x * dpr) / dpr, plotBottom, 1, 4)
      const label = `${t.toFixed(xDec)} ms`
      const tw = ctx.measureText(label).width
      ctx.fillStyle = MUTED
      ctx.fillText(label, Math.min(Math.max(x - tw / 2, plotLeft - 8), W - tw - 2), plotBottom + 6)
    }

    // the lines
    let drawnPoints = 0
    if (!empty) {
      ctx.save()
      ctx.beginPath()
      ctx.rect(plotLeft, plotTop, plotW, plotH)
      ctx.clip()
      const deviceWidth = dpr >= 1.5 ? Math.round(dpr) : 1
      ctx.lineWidth = deviceWidth / dpr
      ctx.lineJoin = "round"
      ctx.lineCap = "round"
      const i0 = Math.max(S.lo, iFirst - 1)
      S.series.forEach((s, j) => {
        ctx.strokeStyle = s.color
        ctx.beginPath()
        drawnPoints += traceSeries(S.cols[j], i0, S.hi, tLeft, plotLeft, sx, yOf, deviceWidth > 1 ? STROKE_PIECE : 0)
        ctx.stroke()
      })
      ctx.restore()
    }

    // title and legend (text: labels are user-given names, never HTML)
    ctx.textBaseline = "middle"
    ctx.textAlign = "left"
    ctx.fillStyle = FG
    ctx.font = `600 11.5px ${FONT}`
    if (title) ctx.fillText(ellipsize(ctx, title, W - 2 * PAD), PAD, PAD + TITLE_H / 2 - 1)
    ctx.font = `10.5px ${FONT}`
    for (const item of legend.items) {
      const y = PAD + item.row * LEGEND_ROW + TITLE_H / 2 - 1
      ctx.fillStyle = item.color
      ctx.fillRect(item.x, Math.round(y) - 1, 14, 3)
      ctx.fillStyle = FG
      ctx.fillText(item.text, item.x + 18, y)
    }
    S.legend = legend.items.map(({key, label, text, color}) => ({key, label, text, color}))

    if (empty) {
      ctx.fillStyle = MUTED
      ctx.font = `11px ${FONT}`
      ctx.textAlign = "center"
      ctx.fillText(S.series.length ? "no data" : "nothing recorded", plotLeft + plotW / 2, plotTop + plotH / 2)
    }

    C.paints += 1
    C.paintMs += performance.now() - start
    canvas.dataset.paints = String(C.paints)
    canvas.dataset.drawnPoints = String(drawnPoints)
    const reg = registry()
    if (typeof reg.onPaint === "function") {
      try {
        reg.onPaint(performance.now())
      } catch (e) {
        console.error("StripChart: onPaint hook failed", e)
      }
    }
  }

  // One series as a path, at most 4 points per device-pixel column (first, min, max, last in
  // the order they came); a non-finite value lifts the pen. `piece` > 0: stroke every `piece`
  // points (wide lines). Returns the points drawn.
  function traceSeries(col, i0, hi, tLeft, plotLeft, sx, yOf, piece) {
    const t = S.t, dpr = S.dpr
    let pen = false, column = null, points = 0, inPiece = 0
    let iF = 0, iMin = 0, iMax = 0, iL = 0
    const emit = (i) => {
      const x = plotLeft + (t[i] - tLeft) * sx, y = yOf(col[i])
      if (pen) ctx.lineTo(x, y)
      else { ctx.moveTo(x, y); pen = true }
      points++
      if (piece && ++inPiece >= piece) {
        ctx.stroke(); ctx.beginPath(); ctx.moveTo(x, y); inPiece = 0
      }
    }
    const flush = () => {
      if (column === null) return
      emit(iF)
      const a = Math.min(iMin, iMax), b = Math.max(iMin, iMax)
      if (a !== iF) emit(a)
      if (b !== a && b !== iF) emit(b)
      if (iL !== b && iL !== iF) emit(iL)
      column = null
    }
    for (let i = i0; i < hi; i++) {
      const v = col[i]
      if (!isFinite(v)) { flush(); pen = false; continue }
      const c = Math.floor((t[i] - tLeft) * sx * dpr)
      if (c !== column) {
        flush()
        column = c; iF = iMin = iMax = iL = i
      } else {
        if (v < col[iMin]) iMin = i
        if (v > col[iMax]) iMax = i
        iL = i
      }
    }
    flush()
    return points
  }

  // --- read-back and wiring ----------------------------------------------------------------
  function registry() {
    const all = window.snnCharts = window.snnCharts || {}
    return all[chartName] = all[chartName] || {onPush: null, onPaint: null}
  }

  const reg = registry()
  Object.defineProperties(reg, {
    series: {get: () => S.series.map((s) => ({...s})), configurable: true, enumerable: true},
    t: {get: () => Array.from(S.t.subarray(S.lo, S.hi)), configurable: true, enumerable: true},
    values: {
      get: () => Object.fromEntries(S.series.map((s, j) => [s.key, Array.from(S.cols[j].subarray(S.lo, S.hi))])),
      configurable: true, enumerable: true,
    },
    log: {get: () => logRead(S.log), configurable: true, enumerable: true},
    legend: {get: () => S.legend.map((l) => ({...l})), configurable: true, enumerable: true},
    updates: {get: () => C.updates, configurable: true, enumerable: true},
    paints: {get: () => C.paints, configurable: true, enumerable: true},
    paintMs: {get: () => C.paintMs, configurable: true, enumerable: true},
  })
  canvas.dataset.points = "0"
  canvas.dataset.updates = "0"
  canvas.dataset.paints = "0"
  canvas.dataset.series = "0"

  function onMsg(msg) {
    if (msg == null || typeof msg !== "object") return
    try {
      if (msg.type === "data") onData(msg)
      else if (msg.type === "clear") onClear()
      else if (msg.type === "series") {
        setSeries(msg.series)
        canvas.dataset.series = String(S.series.length)
        canvas.dataset.points = String(S.hi - S.lo)
        schedulePaint()
      }
    } catch (e) {
      console.error("StripChart: message failed", e)
    }
  }

  const ro = new ResizeObserver(() => { if (resize()) paint() })
  ro.observe(root)
  model.on("msg:custom", onMsg)
  model.on(["title", "window_ms", "y_from_zero"], schedulePaint)

  const cleanup = () => {
    ro.disconnect()
    model.off("msg:custom", onMsg)
    if (S.raf) cancelAnimationFrame(S.raf)
    S.raf = 0
    if (view && view._snnChartCleanup === cleanup) view._snnChartCleanup = null
  }
  if (view) view._snnChartCleanup = cleanup
  model.on("remove", cleanup)

  // Not in requestAnimationFrame: rAF never fires in a hidden tab.
  model.send_msg({type: "ready"})
  return root
}
