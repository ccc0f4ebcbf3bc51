// The lesson text: sanitised HTML from the server (designer/views/lesson.py), with its
// equations typeset by KaTeX in the page. KaTeX, its CSS and its fonts are in the bundle
// (scripts/build-katex): nothing is fetched.
import katex from "katex"
import FONT_CSS from "katex-fonts-css"
import RULES_CSS from "katex-rules-css"

const TEXT_CSS = `
:host { display: block; }
.lesson-prose { font-size: 14px; line-height: 1.45; color: #1f2937; overflow-wrap: anywhere; }
.lesson-prose p { margin: 0 0 8px 0; }
.lesson-prose table { border-collapse: collapse; margin: 4px 0 8px 0; font-size: 13px; }
.lesson-prose th, .lesson-prose td { border: 1px solid #cbd5e1; padding: 2px 5px; text-align: left; }
.lesson-prose code { background: #f1f5f9; padding: 0 3px; border-radius: 3px; }
.lesson-prose .math.display { display: block; overflow-x: auto; overflow-y: hidden; margin: 6px 0; }
.lesson-prose .katex-display { margin: 0; }
.lesson-prose .katex { font-size: 1.08em; }
.lesson-prose .math.display .katex { font-size: 1em; }
.lesson-prose .math-error { color: #b91c1c; }
`

// @font-face rules are ignored inside shadow roots (Chromium): they go into the document once.
function ensureFonts() {
  if (document.getElementById("katex-fonts")) return
  const style = document.createElement("style")
  style.id = "katex-fonts"
  style.textContent = FONT_CSS
  document.head.appendChild(style)
}

function typeset(body) {
  for (const node of body.querySelectorAll(".math")) {
    const tex = node.textContent
    try {
      // trust: false (the default) keeps \href, \url and \htmlClass off: lesson text cannot add links or HTML
      katex.render(tex, node, {displayMode: node.classList.contains("display"), throwOnError: true, trust: false})
      node.dataset.tex = tex
    } catch (error) {
      node.textContent = tex
      node.classList.add("math-error")
      node.title = String(error.message || error)
    }
  }
}

export function render({model, el}) {
  ensureFonts()
  const style = document.createElement("style")
  style.textContent = RULES_CSS + TEXT_CSS
  const body = document.createElement("div")
  body.className = "lesson-prose"
  const draw = () => {
    body.innerHTML = model.html  // sanitised on the server: markdown-it without HTML, then nh3
    typeset(body)
  }
  el.append(style, body)
  draw()
  model.on("html", draw)
}
