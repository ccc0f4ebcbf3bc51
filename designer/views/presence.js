// Tells the server whether this tab is seen and used, so a class server can pause the network
// of a tab nobody looks at. Messages JS -> Python: {type: "hidden", hidden} at start and on every
// visibilitychange; {type: "active"} at most every ACTIVE_MS while the user points, types,
// scrolls or touches anywhere in the page.
const ACTIVE_MS = 15000
const INPUT_EVENTS = ["pointerdown", "pointermove", "keydown", "wheel", "touchstart"]

export function render({ model, el }) {
  el.style.display = "none"
  let lastActive = 0
  const onInput = () => {
    const now = Date.now()
    if (now - lastActive < ACTIVE_MS) return
    lastActive = now
    model.send_msg({type: "active"})
  }
  const onVisibility = () => model.send_msg({type: "hidden", hidden: document.visibilityState === "hidden"})
  for (const name of INPUT_EVENTS) document.addEventListener(name, onInput, {capture: true, passive: true})
  document.addEventListener("visibilitychange", onVisibility)
  onVisibility()
  model.on("remove", () => {
    for (const name of INPUT_EVENTS) document.removeEventListener(name, onInput, {capture: true})
    document.removeEventListener("visibilitychange", onVisibility)
  })
}
