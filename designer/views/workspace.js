// Workspace shell (designer/views/workspace.py): toolbar, canvas over plots with a draggable
// split, a collapsible inspector, collapsible/enlargeable plot sections, the `?` overlay.
// Everything here is page-only state (kept in localStorage): no message goes to Python.

const STORE_KEY = "snn-designer/workspace"
const SPLIT_DEFAULT = 0.42 // the canvas's share of the height below the toolbar
const CANVAS_MIN_PX = 150
const PLOTS_MIN_PX = 120
const KEY_STEP = 0.05 // arrow keys on the split bar move it by this share

const CSS = `
:host { display: block; width: 100%; height: 100%; }
.ws { display: flex; flex-direction: column; width: 100%; height: 100vh; height: 100dvh; overflow: hidden;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2937; background: #fff; }
.ws-toolbar { flex: 0 0 auto; display: flex; align-items: flex-start; gap: 4px; min-width: 0;
  background: #eef2f7; border-bottom: 1px solid #cbd5e1; padding: 2px 4px; }
.ws-toolbar-body { flex: 1 1 auto; min-width: 0; }
.ws-main { flex: 1 1 auto; display: flex; min-height: 0; }
.ws-work { flex: 1 1 auto; display: flex; flex-direction: column; min-width: 0; min-height: 0; }
.ws-canvas { flex: 0 0 auto; box-sizing: border-box; min-height: ${CANVAS_MIN_PX}px; position: relative; padding: 4px 4px 0 4px; }
.ws-canvas { display: flex; flex-direction: column; }
.ws-notices { flex: 0 0 auto; }
.ws-canvas-body { flex: 1 1 0; min-height: 0; }
.ws-canvas-body > * { width: 100%; height: 100%; }
.ws-gutter { flex: 0 0 12px; cursor: row-resize; touch-action: none; display: flex; align-items: center;
  justify-content: center; outline: none; }
.ws-gutter::before { content: ""; width: 56px; height: 4px; border-radius: 2px; background: #cbd5e1; }
.ws-gutter:hover::before, .ws-gutter.is-dragging::before { background: #2563eb; }
.ws-gutter:focus-visible { background: #eff6ff; }
.ws-gutter:focus-visible::before { background: #2563eb; }
.ws-plots { flex: 1 1 0; display: flex; gap: 6px; min-height: ${PLOTS_MIN_PX}px; padding: 0 4px 4px 4px; }
.ws-col { display: flex; flex-direction: column; gap: 4px; min-width: 0; min-height: 0; }
.ws-col--main { flex: 3 1 0; }
.ws-col--side { flex: 2 1 0; }
.ws-col.is-empty { display: none; }
.ws-section { display: flex; flex-direction: column; min-height: 0; border: 1px solid #e2e8f0; border-radius: 6px;
  overflow: hidden; flex: 1 1 0; }
.ws-section.is-collapsed { flex: 0 0 auto; }
.ws-section.is-hidden { display: none; }
.ws-section-head { flex: 0 0 auto; display: flex; align-items: center; gap: 2px; height: 26px; padding: 0 2px 0 8px;
  background: #f8fafc; border-bottom: 1px solid #e2e8f0; font-size: 12px; font-weight: 600; color: #334155; }
.ws-section.is-collapsed .ws-section-head { border-bottom: 0; }
.ws-section-title { flex: 1 1 auto; min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.ws-section-body { flex: 1 1 auto; min-height: 0; overflow: auto; }
.ws-section.is-collapsed .ws-section-body { display: none; }
.ws-section-body > * { width: 100%; height: 100%; }
.ws-plots.has-enlarged .ws-section:not(.is-enlarged) { display: none; }
.ws-plots.has-enlarged .ws-col:not(.has-enlarged) { display: none; }
.ws-btn { display: inline-flex; align-items: center; justify-content: center; gap: 4px; min-width: 28px; height: 24px;
  padding: 0 6px; font: 500 12px system-ui, sans-serif; color: #334155; background: transparent;
  border: 1px solid transparent; border-radius: 5px; cursor: pointer; }
.ws-btn:hover { background: #e2e8f0; }
.ws-btn:focus-visible { outline: 2px solid #2563eb; outline-offset: 1px; }
.ws-btn--help { margin-top: 6px; min-width: 32px; height: 30px; font-size: 15px; font-weight: 700;
  border-color: #94a3b8; background: #fff; border-radius: 50%; }
.ws-inspector { flex: 0 0 auto; width: 340px; display: flex; flex-direction: column;
  min-height: 0; border-left: 1px solid #e5e7eb; background: #fafafa; }
.ws-inspector-head { flex: 0 0 auto; display: flex; align-items: center; height: 28px; padding: 0 2px 0 8px;
  border-bottom: 1px solid #e5e7eb; font-size: 12px; font-weight: 600; color: #334155; }
.ws-inspector-head span { flex: 1 1 auto; }
.ws-inspector-body { flex: 1 1 auto; min-height: 0; overflow-y: auto; overflow-x: hidden; }
.ws-inspector.is-collapsed { width: 34px; }
.ws-inspector.is-collapsed .ws-inspector-body { display: none; }
.ws-inspector.is-collapsed .ws-inspector-head { flex-direction: column-reverse; gap: 8px; height: auto; padding: 4px 2px;
  border: 0; }
.ws-inspector.is-collapsed .ws-inspector-head span { writing-mode: vertical-rl; color: #64748b; }
.ws-help { position: fixed; inset: 0; z-index: 1000; display: flex; align-items: center; justify-content: center;
  background: rgba(15, 23, 42, .45); }
.ws-help[hidden] { display: none; }
.ws-help-box { max-width: min(640px, 92vw); max-height: 88vh; overflow: auto; background: #fff; border-radius: 10px;
  box-shadow: 0 10px 40px rgba(0, 0, 0, .3); padding: 14px 18px; }
.ws-help-box h2 { margin: 0 0 8px 0; font-size: 17px; display: flex; align-items: center; }
.ws-help-box h2 span { flex: 1 1 auto; }
.ws-help-box table { border-collapse: collapse; font-size: 13px; }
.ws-help-box td { padding: 4px 8px; border-top: 1px solid #e5e7eb; vertical-align: top; }
.ws-help-box td:first-child { white-space: nowrap; }
.ws-help-box kbd { font: 12px ui-monospace, monospace; background: #f1f5f9; border: 1px solid #cbd5e1;
  border-radius: 4px; padding: 1px 5px; }
.ws-help-box p { font-size: 12px; color: #475569; margin: 10px 0 0 0; }
`

function h(tag, attrs = {}, children = []) {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v
    else node.setAttribute(k, v)
  }
  for (const child of children) if (child) node.append(child)
  return node
}

// The focused element itself, inside the shadow roots Panel renders into.
function deepActiveElement() {
  let el = document.activeElement
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement
  return el
}

function loadView() {
  try {
    const v = JSON.parse(window.localStorage.getItem(STORE_KEY) || "{}")
    return v && typeof v === "object" ? v : {}
  } catch (e) {
    return {}
  }
}

// Whether the key belongs to the element typing it (text fields keep `?` and Escape).
function typing(event) {
  const target = event.composedPath ? event.composedPath()[0] : event.target
  if (!target || !target.tagName) return false
  const tag = target.tagName.toUpperCase()
  if (tag === "INPUT") return !["range", "checkbox", "radio", "button", "submit", "file", "color"].includes(String(target.type).toLowerCase())
  return tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable
}

// The `?` overlay: the shortcuts' table, a close button; focus goes in and comes back.
function shortcutsDialog(shortcuts, helpButton) {
  const closeButton = h("button", {type: "button", class: "ws-btn", title: "Close (Esc)", "aria-label": "Close"}, ["✕"])
  const rows = (shortcuts || []).map(([keys, what]) => h("tr", {}, [
    h("td", {}, String(keys).split(" or ").flatMap((k, i) => [i ? document.createTextNode(" or ") : null, h("kbd", {text: k})])),
    h("td", {text: what}),
  ]))
  const el = h("div", {class: "ws-help", hidden: "", "data-part": "help"}, [
    h("div", {class: "ws-help-box", role: "dialog", "aria-modal": "true", "aria-labelledby": "ws-help-title"}, [
      h("h2", {}, [h("span", {id: "ws-help-title", text: "Keyboard shortcuts"}), closeButton]),
      h("table", {}, [h("tbody", {}, rows)]),
      h("p", {text: "On a tablet: drag a model from the palette, drag from a node's right dot to another node to " +
                    "connect, pinch to zoom, tap a raster row for its membrane trace."}),
    ]),
  ])
  let returnFocus = null
  const dialog = {
    el,
    get open() { return !el.hidden },
    show(open) {
      if (open === dialog.open) return
      if (open) {
        returnFocus = deepActiveElement()
        el.hidden = false
        closeButton.focus()
      } else {
        el.hidden = true
        if (returnFocus && returnFocus.focus) returnFocus.focus()
        else helpButton.focus()
        returnFocus = null
      }
    },
  }
  helpButton.addEventListener("click", () => dialog.show(!dialog.open))
  closeButton.addEventListener("click", () => dialog.show(false))
  el.addEventListener("click", (ev) => { if (ev.target === el) dialog.show(false) })
  el.addEventListener("keydown", (ev) => { // keep Tab inside the dialog (it has one control)
    if (ev.key === "Tab") { ev.preventDefault(); closeButton.focus() }
  })
  return dialog
}

// One plot section: a header (title, collapse, enlarge) over the plot.
function plotSection(meta, plot) {
  const collapse = h("button", {type: "button", class: "ws-btn", "data-action": "collapse"})
  const enlarge = h("button", {type: "button", class: "ws-btn", "data-action": "enlarge"})
  const section = h("section", {class: "ws-section", "data-section": meta.key, "aria-label": meta.title}, [
    h("div", {class: "ws-section-head"}, [h("span", {class: "ws-section-title", text: meta.title}), collapse, enlarge]),
    h("div", {class: "ws-section-body"}, [plot]),
  ])
  return {section, collapse, enlarge, title: meta.title, area: meta.area === "main" ? "main" : "side"}
}

// The plot sections into their columns; their buttons change `view`, then call `changed()`.
function addSections(model, columns, view, changed) {
  const sections = new Map()
  const plots = model.get_child("plots") || []
  ;(model.sections || []).forEach((meta, i) => {
    const s = plotSection(meta, plots[i])
    if (!(meta.key in view.collapsed) && meta.collapsed) view.collapsed[meta.key] = true  // its starting state
    s.collapse.addEventListener("click", () => {
      view.collapsed[meta.key] = !view.collapsed[meta.key]
      if (view.collapsed[meta.key] && view.enlarged === meta.key) view.enlarged = null
      changed()
    })
    s.enlarge.addEventListener("click", () => {
      view.enlarged = view.enlarged === meta.key ? null : meta.key
      if (view.enlarged) view.collapsed[meta.key] = false
      changed()
    })
    sections.set(meta.key, s)
    columns[s.area].append(s.section)
  })
  return sections
}

function labelButton(button, text, title, state, on) {
  button.textContent = text
  button.title = title
  button.setAttribute("aria-label", title)
  button.setAttribute(state, String(on))
}

function showSection(s, hidden, collapsed, enlarged) {
  s.section.classList.toggle("is-hidden", hidden)
  s.section.classList.toggle("is-collapsed", collapsed)
  s.section.classList.toggle("is-enlarged", enlarged)
  labelButton(s.collapse, collapsed ? "▸" : "▾", `${collapsed ? "Expand" : "Collapse"} ${s.title}`, "aria-expanded", !collapsed)
  labelButton(s.enlarge, enlarged ? "⤡" : "⤢", `${enlarged ? "Restore" : "Enlarge"} ${s.title}`, "aria-pressed", enlarged)
}

// The split bar between canvas and plots: a pointer drag (mouse, pen, finger) or keys move it.
// Returns `apply()`, which sizes the canvas from `view.split` (clamped to both minimums).
function wireSplit(gutter, work, canvasBox, view, save) {
  const avail = () => work.clientHeight - gutter.offsetHeight
  const apply = () => {
    const room = avail()
    if (room <= 0) return
    const lo = Math.min(CANVAS_MIN_PX, room / 2), hi = Math.max(lo, room - PLOTS_MIN_PX)
    const px = Math.round(Math.min(hi, Math.max(lo, view.split * room)))
    canvasBox.style.height = `${px}px`
    gutter.setAttribute("aria-valuenow", String(Math.round(100 * px / room)))
  }
  const settle = () => { view.split = canvasBox.offsetHeight / avail(); save() } // keep the clamped value
  let drag = null
  gutter.addEventListener("pointerdown", (ev) => {
    drag = {id: ev.pointerId, y0: ev.clientY, h0: canvasBox.offsetHeight}
    gutter.setPointerCapture(ev.pointerId)
    gutter.classList.add("is-dragging")
    ev.preventDefault()
  })
  gutter.addEventListener("pointermove", (ev) => {
    if (!drag || ev.pointerId !== drag.id) return
    view.split = (drag.h0 + ev.clientY - drag.y0) / avail()
    apply()
  })
  const endDrag = (ev) => {
    if (!drag || ev.pointerId !== drag.id) return
    drag = null
    gutter.classList.remove("is-dragging")
    settle()
  }
  gutter.addEventListener("pointerup", endDrag)
  gutter.addEventListener("pointercancel", endDrag)
  gutter.addEventListener("keydown", (ev) => {
    const now = canvasBox.offsetHeight / avail()
    const next = {ArrowUp: now - KEY_STEP, ArrowDown: now + KEY_STEP, Home: 0, End: 1}[ev.key]
    if (next === undefined) return
    ev.preventDefault()
    view.split = next
    apply()
    settle()
  })
  return apply
}

export function render({model, el}) {
  const view = {split: SPLIT_DEFAULT, collapsed: {}, enlarged: null, inspectorCollapsed: false, ...loadView()}
  const save = () => {
    try { window.localStorage.setItem(STORE_KEY, JSON.stringify(view)) } catch (e) { /* blocked: page-only */ }
  }

  const helpButton = h("button", {type: "button", class: "ws-btn ws-btn--help", title: "Keyboard shortcuts (?)",
                                  "aria-label": "Keyboard shortcuts", "aria-haspopup": "dialog"}, ["?"])
  const toolbar = h("header", {class: "ws-toolbar", role: "toolbar", "aria-label": "Design and run"}, [
    h("div", {class: "ws-toolbar-body"}, [model.get_child("toolbar")]), helpButton])
  // Notices (restart, fault) take room from the canvas, never from the plots: the raster keeps
  // its size (a resize clears its bitmap) and the picture of a blow-up stays on screen.
  const canvasBox = h("div", {class: "ws-canvas", "data-part": "canvas"}, [
    h("div", {class: "ws-notices"}, [model.get_child("notices")]),
    h("div", {class: "ws-canvas-body"}, [model.get_child("canvas")]),
  ])
  const gutter = h("div", {class: "ws-gutter", role: "separator", tabindex: "0", "aria-orientation": "horizontal",
                           "aria-label": "Split between canvas and plots", "aria-valuemin": "0", "aria-valuemax": "100",
                           title: "Drag (or ↑/↓) to give the canvas or the plots more room"})
  const columns = {main: h("div", {class: "ws-col ws-col--main"}), side: h("div", {class: "ws-col ws-col--side"})}
  const plotsBox = h("div", {class: "ws-plots", "data-part": "plots"}, [columns.main, columns.side])
  const work = h("div", {class: "ws-work"}, [canvasBox, gutter, plotsBox])
  const inspectorToggle = h("button", {type: "button", class: "ws-btn"})
  const inspector = h("aside", {class: "ws-inspector", "data-part": "inspector", "aria-label": "Inspector"}, [
    h("div", {class: "ws-inspector-head"}, [h("span", {text: "Inspector"}), inspectorToggle]),
    h("div", {class: "ws-inspector-body"}, [model.get_child("inspector")]),
  ])
  const help = shortcutsDialog(model.shortcuts, helpButton)
  const applySplit = wireSplit(gutter, work, canvasBox, view, save)

  const sections = addSections(model, columns, view, () => { apply(); save() })

  function apply() {
    const hidden = new Set(model.hidden_sections || [])
    if (view.enlarged && (hidden.has(view.enlarged) || !sections.has(view.enlarged))) view.enlarged = null
    for (const [key, s] of sections) showSection(s, hidden.has(key), !!view.collapsed[key], view.enlarged === key)
    for (const [area, col] of Object.entries(columns)) {
      const shown = [...sections].filter(([key, s]) => s.area === area && !hidden.has(key)).map(([key]) => key)
      col.classList.toggle("is-empty", shown.length === 0)
      col.classList.toggle("has-enlarged", shown.includes(view.enlarged))
      // a column whose sections are all collapsed keeps only their headers: give the room away
      col.style.flexGrow = shown.length && shown.every((key) => view.collapsed[key]) ? "0.6" : ""
    }
    plotsBox.classList.toggle("has-enlarged", !!view.enlarged)
    inspector.classList.toggle("is-collapsed", !!view.inspectorCollapsed)
    labelButton(inspectorToggle, view.inspectorCollapsed ? "◂" : "▸", view.inspectorCollapsed ? "Show the inspector"
                : "Hide the inspector (more room for canvas and plots)", "aria-expanded", !view.inspectorCollapsed)
    applySplit()
  }
  inspectorToggle.addEventListener("click", () => {
    view.inspectorCollapsed = !view.inspectorCollapsed
    apply(); save()
  })
  model.on("hidden_sections", apply)

  const onKey = (ev) => {
    if (ev.key === "?" && !ev.ctrlKey && !ev.metaKey && !ev.altKey && !typing(ev)) {
      ev.preventDefault()
      help.show(!help.open)
    } else if (ev.key === "Escape") {
      if (help.open) { ev.preventDefault(); help.show(false) }
      else if (view.enlarged && !typing(ev)) { view.enlarged = null; apply(); save() }
    }
  }
  document.addEventListener("keydown", onKey)
  const ro = new ResizeObserver(() => applySplit())
  ro.observe(work)
  model.on("remove", () => { document.removeEventListener("keydown", onKey); ro.disconnect() })
  el.append(h("div", {class: "ws"}, [h("style", {text: CSS}), toolbar, h("div", {class: "ws-main"}, [work, inspector]),
                                     help.el]))
  apply()
}
