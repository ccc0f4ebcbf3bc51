// Per-browser storage of the design (survives reload) and global keyboard shortcuts.
// Messages JS -> Python: {type: "stored", text} once at start; {type: "key", action}.
// Python -> JS: the `design_json` property; every change is written to localStorage.
const KEY = "snn-designer/design"

// Whether the focused element keeps this key to itself: text fields keep every key (their own
// undo); sliders, checkboxes and buttons keep Space only, so Ctrl+Z after moving a slider with
// the arrow keys still undoes the design edit.
const OWN_SPACE_ONLY = new Set(["range", "checkbox", "radio", "button", "submit", "color"])

function focusedKeeps(event, action) {
  const target = event.composedPath ? event.composedPath()[0] : event.target
  if (!target || !target.tagName) return false
  const tag = target.tagName.toUpperCase()
  if (tag === "INPUT" && OWN_SPACE_ONLY.has(String(target.type).toLowerCase())) return action === "toggle_run"
  if (tag === "BUTTON") return action === "toggle_run"
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable
}

export function render({ model, el }) {
  let stored = null
  try { stored = window.localStorage.getItem(KEY) } catch (e) { stored = null }
  model.send_msg({type: "stored", text: stored})

  const save = () => {
    const text = model.design_json
    if (!text) return
    try { window.localStorage.setItem(KEY, text) } catch (e) { /* storage full or blocked: the server copy remains */ }
  }
  model.on("design_json", save)

  const onKey = (event) => {
    const ctrl = event.ctrlKey || event.metaKey
    let action = null
    if (ctrl && !event.shiftKey && (event.key === "z" || event.key === "Z")) action = "undo"
    else if (ctrl && ((event.shiftKey && (event.key === "z" || event.key === "Z")) || event.key === "y")) action = "redo"
    else if (!ctrl && event.key === " ") action = "toggle_run"
    if (action === null || focusedKeeps(event, action)) return
    // the canvas handles its own shortcuts when it has focus (its root element, or anything
    // inside it); it also marks the events it handled
    if (event.defaultPrevented) return
    const path = event.composedPath ? event.composedPath() : []
    if (action !== "toggle_run" && path.some((n) => n.classList &&
        (n.classList.contains("react-flow") || n.classList.contains("snn-root")))) return
    event.preventDefault()
    model.send_msg({type: "key", action})
  }
  document.addEventListener("keydown", onKey)
  model.on("remove", () => document.removeEventListener("keydown", onKey))
  el.style.display = "none"
}
