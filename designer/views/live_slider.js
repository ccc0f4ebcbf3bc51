// LiveSlider: a labelled number box plus a range slider for panel.custom.JSComponent.
//
// Plain ES module, no imports: nothing to bundle, nothing fetched.
// Python side: designer/views/live_slider.py (LiveSlider).
//
// Messages JS -> Python (model.send_msg), each with seq (per view) and t (Date.now()):
//   {type: "value", value, drag, final: false}  while dragging, at most one per animation
//                                              frame (the newest value), and only once the
//                                              previous one was acknowledged: a busy server
//                                              gets the newest value, not a queue of old ones
//   {type: "value", value, drag, final: true}   on release (or a keyboard step of the slider)
//   {type: "value", text, drag: null, final: true}  a number typed in the box (Enter, or leaving
//                                              the box); Python parses it, so the model names
//                                              a bad value
// Messages Python -> JS (model.on("msg:custom")):
//   {type: "ack", seq, ok, final, lag_ms}      after each value was applied (ok) or refused;
//                                              lag_ms: page send -> Python receive
// Properties: label, doc (tooltip), start, end, step (the slider's range), locked (box and slider
// disabled), shown ({value, seq}:
// a value set from Python; never moves the slider under the user's pointer, never overwrites
// what the user is typing).
//
// Test read-back (data attributes of the number box): sentSeq (last message sent), ackSeq
// (last final acknowledged), ok ("true"/"false"), sent (messages sent since render), rttMs
// (round trip of the last acknowledged final); box.snnTimings = {toPython: [...], roundTrip:
// [...]} in ms for the last 500 acknowledged messages (page and server share a clock here).

let nextId = 0

function format(v) {
  const x = Number(v)
  if (!Number.isFinite(x)) return String(v)
  return String(Number(x.toPrecision(10)))
}

export function render({model, el, view}) {
  // The ESM view does not drop "msg:custom" handlers when it re-renders; drop ours.
  if (view && view._snnLiveSliderCleanup) view._snnLiveSliderCleanup()

  const id = `snn-live-slider-${++nextId}`
  const root = document.createElement("div")
  root.className = "snn-ls"
  const head = document.createElement("div")
  head.className = "snn-ls__head"
  const label = document.createElement("label")
  label.className = "snn-ls__label"
  label.htmlFor = id
  const help = document.createElement("span")
  help.className = "snn-ls__help"
  help.textContent = "?"
  help.setAttribute("aria-hidden", "true")
  head.append(label, help)
  const row = document.createElement("div")
  row.className = "snn-ls__row"
  const box = document.createElement("input")
  box.id = id
  box.type = "text"
  box.className = "snn-ls__box"
  box.inputMode = "decimal"
  box.autocomplete = "off"
  box.spellcheck = false
  const range = document.createElement("input")
  range.type = "range"
  range.className = "snn-ls__range"
  row.append(box, range)
  root.append(head, row)

  let current = Number(model.shown && model.shown.value)
  let gesture = null     // drag id of the slider gesture in progress
  let pointerDown = false
  let pending = null     // newest dragged value not sent yet
  let frame = 0          // requestAnimationFrame handle
  let dirty = false      // the box holds typed text not sent yet
  let seq = 0
  let sent = 0
  let inFlight = 0       // seq of the drag message not acknowledged yet (0: none)
  let inFlightSince = 0
  const awaiting = new Map()  // seq -> Date.now() of messages awaiting their ack
  const timings = box.snnTimings = {toPython: [], roundTrip: []}

  function applyText() {
    label.textContent = model.label
    const tip = model.doc || ""
    for (const node of [label, help, box, range]) node.title = tip
    // The range is named by its tooltip (the parameter's doc), not by the label: a page
    // search for the label (get_by_label, also by substring or /^Weight \(/) must find
    // exactly the number box, where a value is typed.
    if (!tip) range.setAttribute("aria-label", "drag to change the value")
    else range.removeAttribute("aria-label")
  }

  function applyRange() {
    range.min = String(model.start)
    range.max = String(model.end)
    range.step = String(model.step)
    if (!dragging()) range.value = String(current)
  }

  function dragging() {
    return pointerDown || gesture !== null
  }

  function typing() {
    return dirty && box.matches(":focus")
  }

  function show(value) {
    current = Number(value)
    if (!typing()) {
      box.value = format(current)
      dirty = false
    }
    if (!dragging()) range.value = String(current)
  }

  function send(msg) {
    seq += 1
    sent += 1
    msg.type = "value"
    msg.seq = seq
    msg.t = Date.now()
    awaiting.set(seq, msg.t)
    if (awaiting.size > 100) awaiting.delete(awaiting.keys().next().value)
    box.dataset.sentSeq = String(seq)
    box.dataset.sent = String(sent)
    model.send_msg(msg)
  }

  // -- the slider ----------------------------------------------------------------------
  function flush() {
    frame = 0
    if (pending === null || gesture === null) return
    // the ack of the previous drag message sends this one (a lost ack stalls for 0.5 s at most)
    if (inFlight && Date.now() - inFlightSince < 500) return
    send({value: pending, drag: gesture, final: false})
    inFlight = seq
    inFlightSince = Date.now()
    pending = null
  }

  function onInput() {
    const value = Number(range.value)
    if (gesture === null) gesture = `${id}-${seq + 1}`
    current = value
    box.value = format(value)
    dirty = false
    pending = value
    // the first move of a gesture goes out at once; while a value is on its way, later moves
    // wait for the next animation frame (or the ack) and only the newest is sent
    if (!inFlight && !frame) flush()
    else if (!frame) frame = requestAnimationFrame(flush)
  }

  function finish() {
    // release: one final message per gesture (pointerup and change both call this)
    if (gesture === null) return
    if (frame) cancelAnimationFrame(frame)
    frame = 0
    pending = null
    const value = Number(range.value)
    current = value
    box.value = format(value)
    send({value, drag: gesture, final: true})
    gesture = null
  }

  const onPointerDown = () => { pointerDown = true }
  const onPointerUp = () => {
    if (!pointerDown) return
    pointerDown = false
    finish()
    // a pointer gesture leaves no focus behind: the page's shortcuts (Ctrl+Z undoes the
    // drag, Space pauses) ignore keys typed into a field, and a range is a field
    range.blur()
  }
  range.addEventListener("pointerdown", onPointerDown)
  range.addEventListener("input", onInput)
  range.addEventListener("change", finish)
  window.addEventListener("pointerup", onPointerUp)
  window.addEventListener("pointercancel", onPointerUp)

  // -- the box -------------------------------------------------------------------------
  function commitBox() {
    if (!dirty) return
    dirty = false
    // the slider follows when Python accepted the value (`shown`): a refused one leaves it
    send({text: box.value, drag: null, final: true})
  }

  box.addEventListener("input", () => { dirty = true })
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault()
      commitBox()
    } else if (event.key === "Escape") {
      dirty = false
      box.value = format(current)
    }
  })
  box.addEventListener("blur", commitBox)

  // -- Python -> page ------------------------------------------------------------------
  const onMsg = (msg) => {
    if (!msg || msg.type !== "ack") return
    if (msg.seq === inFlight) {
      inFlight = 0
      if (pending !== null && !frame) frame = requestAnimationFrame(flush)
    }
    const t = awaiting.get(msg.seq)
    awaiting.delete(msg.seq)
    if (t !== undefined) {
      for (const [key, value] of [["toPython", msg.lag_ms], ["roundTrip", Date.now() - t]]) {
        if (typeof value !== "number") continue
        timings[key].push(value)
        if (timings[key].length > 500) timings[key].shift()
      }
    }
    if (!msg.final) return
    box.dataset.ackSeq = String(msg.seq)
    box.dataset.ok = String(!!msg.ok)
    if (t !== undefined) box.dataset.rttMs = String(Date.now() - t)
  }
  model.on("msg:custom", onMsg)
  model.on("shown", () => show(model.shown.value))
  model.on(["start", "end", "step"], applyRange)
  model.on(["label", "doc"], applyText)
  const applyLocked = () => { box.disabled = range.disabled = !!model.locked }
  model.on("locked", applyLocked)

  const cleanup = () => {
    model.off("msg:custom", onMsg)
    window.removeEventListener("pointerup", onPointerUp)
    window.removeEventListener("pointercancel", onPointerUp)
    if (frame) cancelAnimationFrame(frame)
    if (view && view._snnLiveSliderCleanup === cleanup) view._snnLiveSliderCleanup = null
  }
  if (view) view._snnLiveSliderCleanup = cleanup
  model.on("remove", cleanup)

  applyText()
  applyRange()
  applyLocked()
  show(current)
  box.dataset.sent = "0"
  el.append(root)
}
