// Network canvas (React Flow 12 inside a Panel ReactComponent).
//
// The Python side owns the state. This file only renders `nodes` / `edges` /
// `palette` and reports gestures with model.send_msg(...); see
// network_canvas.py for the message shapes. `selection` is the only value the
// browser writes directly.
//
// `panel compile` prepends `import * as React from "react"`.
// Rebuild the committed bundle with scripts/build-js after editing this file.
import {
  ReactFlow,
  ReactFlowProvider,
  Background,
  BackgroundVariant,
  BaseEdge,
  Controls,
  Handle,
  MiniMap,
  Panel,
  Position,
  getBezierPath,
  useInternalNode,
  useEdgesState,
  useNodesState,
  useReactFlow,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";

const DND_MIME = "application/x-snn-model";
const NODE_W = { neuron: 160, device: 172 };
const NODE_H = 50;
// Fit leaves room for the toolbar (top right) and a self-loop drawn above a node.
const FIT_VIEW = { padding: { top: "105px", right: "6%", bottom: "5%", left: "6%" }, maxZoom: 1.1 };
// The minimap covers the bottom-right corner: shown only when the design is big
// enough to need it (a small example's node was hidden behind it).
const MINIMAP_MIN_NODES = 12;
// A projection whose reverse also exists (A->B and B->A) has its middle (and
// label) moved this far (px) to its right-hand side, so the pair draws two lanes.
const TWIN_OFFSET = 42;

const COLORS = {
  exc: "#16a34a",
  inh: "#dc2626",
  neu: "#94a3b8",
  neuron: "#2563eb",
  device: "#7c3aed",
  warning: "#f59e0b",
  select: "#2563eb",
};

const CSS = `
:host { --snn-font: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.snn-root { display: flex; width: 100%; height: 100%; box-sizing: border-box; font-family: var(--snn-font);
  color: #0f172a; border: 1px solid #e2e8f0; border-radius: 8px; overflow: hidden; background: #fff; outline: none; }
/* Panning drags over the toolbar's text: d3-zoom's selectstart guard sits on the
   window, which never sees that event from inside Panel's shadow root. */
.snn-root { user-select: none; -webkit-user-select: none; }
.snn-root:focus-visible { box-shadow: 0 0 0 2px rgba(37, 99, 235, .35); }
.snn-root *, .snn-root *::before, .snn-root *::after { box-sizing: border-box; }

/* palette */
.snn-palette { flex: 0 0 152px; width: 152px; height: 100%; overflow-y: auto; background: #f8fafc;
  border-right: 1px solid #e2e8f0; padding: 10px 8px; user-select: none; }
.snn-palette__title { font-size: 11px; font-weight: 700; letter-spacing: .06em; text-transform: uppercase;
  color: #475569; margin: 0 2px 2px; }
.snn-palette__hint { font-size: 11px; color: #94a3b8; margin: 0 2px 10px; }
.snn-palette__group { font-size: 10.5px; font-weight: 600; letter-spacing: .05em; text-transform: uppercase;
  color: #64748b; margin: 12px 2px 6px; }
.snn-palette__item { display: flex; align-items: center; gap: 7px; padding: 6px 7px; margin-bottom: 5px;
  background: #fff; border: 1px solid #e2e8f0; border-radius: 6px; cursor: grab; transition: border-color .12s, box-shadow .12s; }
.snn-palette__item:hover, .snn-palette__item:focus-visible { border-color: #93c5fd; box-shadow: 0 1px 3px rgba(15, 23, 42, .08); outline: none; }
.snn-palette__item:active { cursor: grabbing; }
/* touch: a sideways drag carries the model to the canvas, a vertical one scrolls the palette */
.snn-palette__item { touch-action: pan-y; }
.snn-touch-ghost { position: fixed; z-index: 50; pointer-events: none; transform: translate(-50%, -50%);
  padding: 6px 10px; font-size: 12px; font-weight: 600; background: #fff; border: 1.5px solid ${COLORS.neuron};
  border-radius: 6px; box-shadow: 0 4px 12px rgba(15, 23, 42, .2); opacity: .92; }
.snn-palette__swatch { flex: 0 0 auto; width: 11px; height: 9px; border: 2px solid; }
.snn-palette__item--neuron .snn-palette__swatch { border-color: ${COLORS.neuron}; background: #eff6ff; border-radius: 3px; }
.snn-palette__item--device .snn-palette__swatch { border-color: ${COLORS.device}; background: #f5f3ff; border-radius: 999px; }
.snn-palette__text { min-width: 0; display: flex; flex-direction: column; }
.snn-palette__label { font-size: 12px; font-weight: 600; line-height: 1.25; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.snn-palette__model { font-size: 10px; color: #64748b; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.snn-palette__empty { font-size: 11px; color: #94a3b8; margin: 8px 2px; }

/* flow area */
.snn-flow { position: relative; flex: 1 1 auto; min-width: 0; height: 100%; }
.snn-flow .react-flow { --xy-background-color: #fbfcfe; }
.snn-empty { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center;
  pointer-events: none; z-index: 1; }
.snn-empty > div { font-size: 13px; color: #94a3b8; border: 1.5px dashed #cbd5e1; border-radius: 10px; padding: 14px 20px; background: rgba(255,255,255,.8); }
.snn-flow.is-dragover .react-flow__pane { background: rgba(37, 99, 235, .04); }

/* toolbar */
.snn-toolbar { display: flex; gap: 4px; padding: 4px; background: #fff; border: 1px solid #e2e8f0; border-radius: 8px;
  box-shadow: 0 1px 3px rgba(15, 23, 42, .08); }
.snn-btn { display: inline-flex; align-items: center; gap: 5px; height: 28px; padding: 0 10px; font: 500 12px var(--snn-font);
  color: #334155; background: #fff; border: 1px solid transparent; border-radius: 6px; cursor: pointer; }
.snn-btn:hover:not(:disabled) { background: #f1f5f9; border-color: #e2e8f0; }
.snn-btn:focus-visible { outline: 2px solid rgba(37, 99, 235, .5); outline-offset: 1px; }
.snn-btn:disabled { color: #cbd5e1; cursor: default; }
.snn-btn--danger:hover:not(:disabled) { color: #b91c1c; background: #fef2f2; border-color: #fecaca; }
.snn-btn svg { width: 14px; height: 14px; }
.snn-sep { width: 1px; margin: 4px 2px; background: #e2e8f0; }

/* nodes */
.react-flow__node-neuron, .react-flow__node-device { padding: 0; border: 0; background: transparent; }
.snn-node { position: relative; display: flex; flex-direction: column; justify-content: center; height: ${NODE_H}px;
  padding: 6px 14px; background: #fff; border: 1.5px solid; box-shadow: 0 1px 2px rgba(15, 23, 42, .06);
  transition: box-shadow .12s, border-color .12s; }
.snn-node--neuron { width: ${NODE_W.neuron}px; border-color: ${COLORS.neuron}; border-radius: 8px; background: #f8fbff; }
.snn-node--device { width: ${NODE_W.device}px; border-color: ${COLORS.device}; border-radius: 999px; background: #faf8ff; padding: 6px 16px; text-align: center; align-items: center; }
.snn-node.is-warning { border-color: ${COLORS.warning}; border-width: 2px; background: #fffbeb; }
.snn-node.is-selected { box-shadow: 0 0 0 3px rgba(37, 99, 235, .35), 0 2px 6px rgba(15, 23, 42, .12); border-color: ${COLORS.select}; }
.snn-node.is-selected.is-warning { border-color: ${COLORS.warning}; }
.snn-node__label { font-size: 12.5px; font-weight: 600; line-height: 1.3; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 100%; }
.snn-node__meta { display: flex; gap: 6px; align-items: baseline; font-size: 10px; color: #64748b; line-height: 1.3; max-width: 100%; }
.snn-node--device .snn-node__meta { justify-content: center; }
.snn-node__model { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; min-width: 0; }
.snn-node__size { flex: 0 0 auto; font-variant-numeric: tabular-nums; }
.snn-node__warn { position: absolute; top: -8px; right: 8px; width: 16px; height: 16px; border-radius: 50%;
  background: ${COLORS.warning}; color: #fff; font: 700 11px/16px var(--snn-font); text-align: center; }
.snn-node .react-flow__handle { width: 9px; height: 9px; background: #fff; border: 1.5px solid #64748b; }
/* a finger needs a bigger target than the 9 px dot: the handle's hit area reaches 10 px around it */
.snn-node .react-flow__handle::after { content: ""; position: absolute; inset: -10px; border-radius: 50%; }
.snn-node .react-flow__handle:hover, .snn-node .react-flow__handle.connectingto { background: ${COLORS.select}; border-color: ${COLORS.select}; }
.snn-node--neuron .react-flow__handle { border-color: ${COLORS.neuron}; }
.snn-node--device .react-flow__handle { border-color: ${COLORS.device}; }
.react-flow__node:focus-visible { outline: none; }
.react-flow__node:focus-visible .snn-node { box-shadow: 0 0 0 3px rgba(37, 99, 235, .25); }

/* edges */
.snn-edge-halo { fill: none; stroke: ${COLORS.select}; stroke-opacity: .22; stroke-width: 9; stroke-linecap: round; }
.react-flow__edge .react-flow__edge-path.snn-edge { stroke-width: 1.8; }
.react-flow__edge.selected .react-flow__edge-path.snn-edge { stroke-width: 2.6; }
.react-flow__edge-textbg { fill: #fff; }
.react-flow__edge.selected .react-flow__edge-textbg { stroke: ${COLORS.select}; stroke-width: 1.2; }
.react-flow__edge-text { font-family: var(--snn-font); }
.react-flow__minimap { border: 1px solid #e2e8f0; border-radius: 6px; overflow: hidden; }
.react-flow__controls { border-radius: 6px; overflow: hidden; }
.react-flow__attribution { background: transparent; font-size: 9px; opacity: .7; }
`;

// ---------------------------------------------------------------- helpers

function num(v, fallback = 0) {
  const n = Number(v);
  return Number.isFinite(n) ? n : fallback;
}

function sameSelection(a, b) {
  a = a || {};
  b = b || {};
  return (a.kind || null) === (b.kind || null) && (a.id || null) === (b.id || null);
}

function categoryOf(item) {
  return item && item.category === "device" ? "device" : "neuron";
}

function signClass(sign) {
  const s = num(sign);
  return s > 0 ? "exc" : s < 0 ? "inh" : "neu";
}

function toFlowNode(p, old, selection) {
  const type = categoryOf(p);
  const data = {
    label: p.label == null ? String(p.id) : String(p.label),
    model: p.model == null ? "" : String(p.model),
    size: p.size,
    warning: !!p.warning,
  };
  const position = old && old.dragging ? old.position : { x: num(p.x), y: num(p.y) };
  const selected = old ? !!old.selected : selection.kind === "node" && selection.id === p.id;
  if (
    old && old.type === type && old.position.x === position.x && old.position.y === position.y &&
    old.data.label === data.label && old.data.model === data.model &&
    old.data.size === data.size && old.data.warning === data.warning
  ) {
    return old; // unchanged: keep the object so React Flow skips it
  }
  return { ...old, id: String(p.id), type, position, data, selected };
}

function toFlowEdge(p, old, selection, twin) {
  const data = { sign: num(p.sign), plastic: !!p.plastic, twin: !!twin };
  const label = p.label == null ? "" : String(p.label);
  const selected = old ? !!old.selected : selection.kind === "edge" && selection.id === p.id;
  if (
    old && old.source === String(p.source) && old.target === String(p.target) && old.label === label &&
    old.data.sign === data.sign && old.data.plastic === data.plastic && old.data.twin === data.twin
  ) {
    return old;
  }
  return {
    ...old, id: String(p.id), type: "signed", source: String(p.source), target: String(p.target),
    label, data, selected,
  };
}

function mergeById(list, prev, convert, selection) {
  const byId = new Map(prev.map((item) => [item.id, item]));
  return (list || []).filter((p) => p && p.id != null).map((p) => convert(p, byId.get(String(p.id)), selection));
}

// Like mergeById, and marks the edges whose reverse (target -> source) exists.
function mergeEdges(list, prev, selection) {
  const valid = (list || []).filter((p) => p && p.id != null);
  const pairs = new Set(valid.map((p) => `${p.source}\u0000${p.target}`));
  const byId = new Map(prev.map((item) => [item.id, item]));
  return valid.map((p) => {
    const twin = String(p.source) !== String(p.target) && pairs.has(`${p.target}\u0000${p.source}`);
    return toFlowEdge(p, byId.get(String(p.id)), selection, twin);
  });
}

// What identifies a node across one edit: its id (kept by a move) and its
// position (kept by a rename).
function nodeKeys(list) {
  const valid = (list || []).filter((p) => p && p.id != null);
  return {
    ids: new Set(valid.map((p) => String(p.id))),
    positions: new Set(valid.map((p) => `${num(p.x)},${num(p.y)}`)),
  };
}

// True when `next` replaces the node set wholesale (another design was
// opened), not after an edit: no old node remains, by id or by position (an
// edit changes one node at most). From an empty canvas, only a jump to several
// nodes counts (one new node is a palette drop).
function replacesAll(prev, next) {
  if (next.ids.size === 0) return false;
  if (prev.ids.size === 0) return next.ids.size > 1;
  for (const id of prev.ids) if (next.ids.has(id)) return false;
  for (const xy of prev.positions) if (next.positions.has(xy)) return false;
  return true;
}

// ------------------------------------------------------------------ nodes

function PopulationNode({ type, data, selected }) {
  const cls = ["snn-node", `snn-node--${type}`];
  if (data.warning) cls.push("is-warning");
  if (selected) cls.push("is-selected");
  const size = data.size == null || data.size === "" ? null : data.size;
  return (
    <div className={cls.join(" ")} title={data.label}>
      <Handle type="target" position={Position.Left} />
      <div className="snn-node__label">{data.label}</div>
      <div className="snn-node__meta">
        <span className="snn-node__model">{data.model}</span>
        {size != null && <span className="snn-node__size">{type === "device" ? `× ${size}` : `n=${size}`}</span>}
      </div>
      {data.warning && <span className="snn-node__warn" aria-label="warning">!</span>}
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

const NODE_TYPES = { neuron: PopulationNode, device: PopulationNode };

// ------------------------------------------------------------------ edges

// A loop above the node, leaving the right (source) handle and entering the
// left (target) handle horizontally so the end marker points into the node.
function selfLoopPath(sx, sy, tx, ty) {
  const top = Math.min(sy, ty) - NODE_H / 2 - 34;
  const mid = (sx + tx) / 2;
  const path = `M ${sx} ${sy} C ${sx + 46} ${sy}, ${sx + 46} ${top}, ${mid} ${top} ` +
    `C ${tx - 46} ${top}, ${tx - 46} ${ty}, ${tx} ${ty}`;
  return [path, mid, top];
}

// React Flow's bezier control point for a handle on `position` (same maths as getBezierPath).
function controlPoint(position, x1, y1, x2, y2) {
  const offset = (d) => (d >= 0 ? 0.5 * d : 0.25 * 25 * Math.sqrt(-d));
  switch (position) {
    case Position.Left: return [x1 - offset(x1 - x2), y1];
    case Position.Right: return [x1 + offset(x2 - x1), y1];
    case Position.Top: return [x1, y1 - offset(y1 - y2)];
    default: return [x1, y1 + offset(y2 - y1)];
  }
}

function nodeCentre(node, fallbackX, fallbackY) {
  if (!node || !node.internals || !node.measured || !node.measured.width) return [fallbackX, fallbackY];
  const p = node.internals.positionAbsolute;
  return [p.x + node.measured.width / 2, p.y + (node.measured.height || 0) / 2];
}

// React Flow's bezier, split at its middle (de Casteljau), with the middle and
// its two neighbouring control points moved TWIN_OFFSET px to the right of the
// travel direction (centre to centre): A->B and B->A take opposite sides,
// while both ends still leave and enter their handles horizontally.
function twinPath(p, sourceNode, targetNode) {
  const [scx, scy] = nodeCentre(sourceNode, p.sourceX, p.sourceY);
  const [tcx, tcy] = nodeCentre(targetNode, p.targetX, p.targetY);
  const len = Math.hypot(tcx - scx, tcy - scy) || 1;
  const ox = (-(tcy - scy) / len) * TWIN_OFFSET, oy = ((tcx - scx) / len) * TWIN_OFFSET; // y points down
  const s = [p.sourceX, p.sourceY], t = [p.targetX, p.targetY];
  const c1 = controlPoint(p.sourcePosition, s[0], s[1], t[0], t[1]);
  const c2 = controlPoint(p.targetPosition, t[0], t[1], s[0], s[1]);
  const mix = (w) => [0, 1].map((i) => w[0] * s[i] + w[1] * c1[i] + w[2] * c2[i] + w[3] * t[i]);
  const shift = ([x, y]) => [x + ox, y + oy];
  const b1 = shift(mix([1 / 4, 1 / 2, 1 / 4, 0])), b2 = shift(mix([0, 1 / 4, 1 / 2, 1 / 4]));
  const m = shift(mix([1 / 8, 3 / 8, 3 / 8, 1 / 8]));
  const pt = (q) => `${q[0]} ${q[1]}`;
  // The outer controls stay at React Flow's full handle distance (an exact
  // split would halve it): shorter, the moved path hooked under a node's corner.
  const path = `M ${pt(s)} C ${pt(c1)}, ${pt(b1)}, ${pt(m)} C ${pt(b2)}, ${pt(c2)}, ${pt(t)}`;
  return [path, m[0], m[1]];
}

function SignedEdge(props) {
  const {
    id, source, target, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition,
    data, label, selected,
  } = props;
  const twin = !!(data && data.twin) && source !== target;
  // Node centres give the pair one shared axis (the handles sit on opposite sides).
  const sourceNode = useInternalNode(twin ? source : "");
  const targetNode = useInternalNode(twin ? target : "");
  let path, labelX, labelY;
  if (source === target) {
    [path, labelX, labelY] = selfLoopPath(sourceX, sourceY, targetX, targetY);
  } else if (twin) {
    [path, labelX, labelY] = twinPath(props, sourceNode, targetNode);
  } else {
    [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  }
  const kind = signClass(data && data.sign);
  const color = COLORS[kind];
  const plastic = !!(data && data.plastic);
  return (
    <>
      {selected && <path className="snn-edge-halo" d={path} />}
      <BaseEdge
        id={id}
        path={path}
        className={`snn-edge snn-edge--${kind}${plastic ? " snn-edge--plastic" : ""}`}
        style={{ stroke: color, strokeDasharray: plastic ? "6 4" : undefined }}
        markerEnd={`url(#snn-marker-${kind})`}
        label={label || undefined}
        labelX={labelX}
        labelY={labelY}
        labelStyle={{ fill: kind === "neu" ? "#475569" : color, fontSize: 10.5, fontWeight: 600 }}
        labelShowBg
        labelBgStyle={{ fill: "#fff", fillOpacity: 0.92 }}
        labelBgPadding={[5, 2]}
        labelBgBorderRadius={4}
        interactionWidth={16}
      />
    </>
  );
}

const EDGE_TYPES = { signed: SignedEdge };

// Excitatory: filled arrow. Inhibitory: filled dot (classic "inhibitory
// synapse" end). Neutral: open grey arrow. userSpaceOnUse keeps them the same
// size when a selected edge gets a thicker stroke.
function MarkerDefs() {
  return (
    <svg className="snn-marker-defs" style={{ position: "absolute", width: 0, height: 0, overflow: "hidden" }} aria-hidden="true">
      <defs>
        <marker id="snn-marker-exc" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="11" markerHeight="11"
          markerUnits="userSpaceOnUse" orient="auto-start-reverse">
          <path d="M 0 0.5 L 10 5 L 0 9.5 z" fill={COLORS.exc} />
        </marker>
        <marker id="snn-marker-inh" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="11" markerHeight="11"
          markerUnits="userSpaceOnUse" orient="auto">
          <circle cx="5" cy="5" r="4.2" fill={COLORS.inh} stroke="#fff" strokeWidth="0.8" />
        </marker>
        <marker id="snn-marker-neu" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="11" markerHeight="11"
          markerUnits="userSpaceOnUse" orient="auto-start-reverse">
          <path d="M 1 1 L 9 5 L 1 9" fill="none" stroke={COLORS.neu} strokeWidth="1.6" strokeLinejoin="round" />
        </marker>
      </defs>
    </svg>
  );
}

// ------------------------------------------------------------------ icons

const Icon = ({ d }) => (
  <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
    <path d={d} />
  </svg>
);
const TRASH_ICON = "M3 6h18M8 6V4h8v2M19 6l-1 14H6L5 6M10 11v6M14 11v6";

// ---------------------------------------------------------------- palette

// A drag from the palette with a finger or pen (HTML5 drag and drop is mouse-only):
// `onTouchDrag(item, x, y, phase)` with phase "move" while dragging and "drop" at the end.
function startTouchDrag(event, item, onTouchDrag) {
  if (event.pointerType === "mouse") return;
  const id = event.pointerId;
  const move = (e) => { if (e.pointerId === id) onTouchDrag(item, e.clientX, e.clientY, "move"); };
  const end = (e) => {
    if (e.pointerId !== id) return;
    window.removeEventListener("pointermove", move);
    window.removeEventListener("pointerup", end);
    window.removeEventListener("pointercancel", end);
    onTouchDrag(item, e.clientX, e.clientY, e.type === "pointerup" ? "drop" : "cancel");
  };
  window.addEventListener("pointermove", move);
  window.addEventListener("pointerup", end);
  window.addEventListener("pointercancel", end);
}

function PaletteSidebar({ palette, onAddAtCenter, onTouchDrag }) {
  const groups = [
    ["neuron", "Neurons"],
    ["device", "Devices"],
  ];
  const items = (palette || []).filter((p) => p && p.model != null);
  const onDragStart = (event, item) => {
    event.dataTransfer.setData(DND_MIME, String(item.model));
    event.dataTransfer.setData("text/plain", String(item.model));
    event.dataTransfer.effectAllowed = "copy";
  };
  return (
    <aside className="snn-palette" aria-label="Palette">
      <div className="snn-palette__title">Palette</div>
      <div className="snn-palette__hint">Drag onto the canvas</div>
      {items.length === 0 && <div className="snn-palette__empty">No models</div>}
      {groups.map(([cat, title]) => {
        const entries = items.filter((p) => categoryOf(p) === cat);
        if (!entries.length) return null;
        return (
          <div key={cat} className="snn-palette__section">
            <div className="snn-palette__group">{title}</div>
            {entries.map((item) => (
              <div
                key={item.model}
                className={`snn-palette__item snn-palette__item--${cat}`}
                draggable
                tabIndex={0}
                role="button"
                data-model={String(item.model)}
                title={item.doc ? String(item.doc) : String(item.model)}
                onDragStart={(e) => onDragStart(e, item)}
                onPointerDown={(e) => startTouchDrag(e, item, onTouchDrag)}
                onDoubleClick={() => onAddAtCenter(item)}
                onKeyDown={(e) => {
                  if (e.key === "Enter" || e.key === " ") {
                    e.preventDefault();
                    onAddAtCenter(item);
                  }
                }}
              >
                <span className="snn-palette__swatch" />
                <span className="snn-palette__text">
                  <span className="snn-palette__label">{item.label == null ? String(item.model) : String(item.label)}</span>
                  <span className="snn-palette__model">{String(item.model)}</span>
                </span>
              </div>
            ))}
          </div>
        );
      })}
    </aside>
  );
}

// ----------------------------------------------------------------- canvas

// model.useState misses a change that arrives between the component's first render and its
// subscription (Panel 1.9.4; seen when a design restored from the browser's storage arrived
// while the canvas mounted: the old nodes stayed drawn): after mounting, read the model again.
function useModelValue(model, name) {
  const [value] = model.useState(name);
  const [late, setLate] = React.useState(null);
  React.useEffect(() => {
    const now = model[name];
    if (now !== value) setLate({ value: now, seen: value });
  }, []);
  return late && late.seen === value ? late.value : value;
}

function Canvas({ model }) {
  const pyNodes = useModelValue(model, "nodes");
  const pyEdges = useModelValue(model, "edges");
  const [palette] = model.useState("palette");
  const [pySelection, setPySelection] = model.useState("selection");
  const [fitRequests] = model.useState("fit_requests");

  // Last selection known to both sides (reported by us or received from Python).
  const selRef = React.useRef(pySelection || {});
  const [nodes, setNodes, onNodesChange] = useNodesState(
    () => mergeById(pyNodes, [], toFlowNode, selRef.current));
  const [edges, setEdges, onEdgesChange] = useEdgesState(
    () => mergeEdges(pyEdges, [], selRef.current));
  const [dragOver, setDragOver] = React.useState(false);
  const flowRef = React.useRef(null);
  const rootRef = React.useRef(null);
  const focusRoot = React.useCallback(() => {
    if (rootRef.current) rootRef.current.focus({ preventScroll: true });
  }, []);
  const focusInside = React.useCallback(() => {
    const root = rootRef.current;
    if (!root) return false;
    const active = root.getRootNode().activeElement; // shadow root (or document)
    return !!active && root.contains(active);
  }, []);
  // d3-zoom cancels the default action of mousedown on the pane, so clicking
  // the empty canvas would not move the focus here: do it ourselves.
  const onPointerDownCapture = React.useCallback(() => {
    if (!focusInside()) focusRoot();
  }, [focusInside, focusRoot]);
  const rf = useReactFlow();

  const send = React.useCallback((msg) => model.send_msg(msg), [model]);
  const setSelRef = React.useRef(setPySelection);
  setSelRef.current = setPySelection;

  // Python -> browser: merge into the previous React Flow objects so that
  // `measured`, `selected` and in-flight drags survive.
  // A wholesale replacement of the nodes (another design opened) also fits
  // the view; edits do not, so the view never jumps under the user's hands.
  const nodeKeysRef = React.useRef(null);
  if (nodeKeysRef.current === null) nodeKeysRef.current = nodeKeys(pyNodes);
  const [fitTick, setFitTick] = React.useState(0);
  React.useEffect(() => {
    const keys = nodeKeys(pyNodes);
    const replaced = replacesAll(nodeKeysRef.current, keys);
    nodeKeysRef.current = keys;
    setNodes((prev) => mergeById(pyNodes, prev, toFlowNode, selRef.current));
    if (replaced) setFitTick((t) => t + 1);
  }, [pyNodes]);
  React.useEffect(() => {
    setEdges((prev) => mergeEdges(pyEdges, prev, selRef.current));
  }, [pyEdges]);

  // Python's fit_view() bumps `fit_requests` (the value at mount is not a request).
  const fitSeenRef = React.useRef(fitRequests);
  React.useEffect(() => {
    if (fitRequests === fitSeenRef.current) return;
    fitSeenRef.current = fitRequests;
    setFitTick((t) => t + 1);
  }, [fitRequests]);
  // Runs after the new nodes reached React Flow's store (child effects run
  // first); React Flow's fitView then waits until they are measured.
  React.useEffect(() => {
    if (fitTick > 0) rf.fitView(FIT_VIEW);
  }, [fitTick]);

  // Python asks to redraw from `nodes` (e.g. it rejected a move, so the value
  // did not change and Bokeh sent nothing).
  const pyNodesRef = React.useRef(pyNodes);
  pyNodesRef.current = pyNodes;
  React.useEffect(() => {
    const onMsg = (msg) => {
      if (msg && msg.type === "resync") {
        setNodes((prev) => mergeById(pyNodesRef.current, prev, toFlowNode, selRef.current));
      }
    };
    model.on("msg:custom", onMsg);
    return () => model.off("msg:custom", onMsg);
  }, [model]);

  // Selection set from Python: highlight exactly that item.
  React.useEffect(() => {
    const sel = pySelection || {};
    if (sameSelection(sel, selRef.current)) return;
    selRef.current = sel;
    setNodes((ns) => ns.map((n) => {
      const s = sel.kind === "node" && sel.id === n.id;
      return !!n.selected === s ? n : { ...n, selected: s };
    }));
    setEdges((es) => es.map((e) => {
      const s = sel.kind === "edge" && sel.id === e.id;
      return !!e.selected === s ? e : { ...e, selected: s };
    }));
  }, [pySelection]);

  const onSelectionChange = React.useCallback(({ nodes: sn, edges: se }) => {
    const sel = sn.length ? { kind: "node", id: sn[0].id } : se.length ? { kind: "edge", id: se[0].id } : {};
    if (sameSelection(sel, selRef.current)) return;
    selRef.current = sel;
    setSelRef.current(sel);
  }, []);

  // Gestures -> Python. Nothing is changed locally (except the drag itself);
  // the new state comes back through `nodes` / `edges`.
  const onNodeDragStop = React.useCallback((_event, node, dragged) => {
    const moved = dragged && dragged.length ? dragged : [node];
    for (const n of moved) {
      send({ type: "move", id: n.id, x: n.position.x, y: n.position.y });
    }
  }, [send]);

  const onConnect = React.useCallback((c) => {
    if (c.source && c.target) send({ type: "connect", source: c.source, target: c.target });
  }, [send]);

  const onBeforeDelete = React.useCallback(async ({ nodes: dn, edges: de }) => {
    // React Flow listens for Delete/Backspace on the whole document; only act
    // when the keyboard focus is in this canvas (inputs are already excluded).
    if (!focusInside()) return false;
    if (dn.length || de.length) {
      // The focused node/button is about to disappear: keep the keyboard focus
      // in the canvas so that Ctrl+Z right after Delete still reaches us.
      focusRoot();
      send({ type: "delete", nodes: dn.map((n) => n.id), edges: de.map((e) => e.id) });
    }
    return false; // Python decides; the deletion comes back as new lists
  }, [send, focusRoot, focusInside]);

  const selectedNodes = nodes.filter((n) => n.selected);
  const selectedEdges = edges.filter((e) => e.selected);
  const hasSelection = selectedNodes.length > 0 || selectedEdges.length > 0;

  const deleteSelection = React.useCallback(() => {
    const st = rf.getNodes().filter((n) => n.selected);
    const se = rf.getEdges().filter((e) => e.selected);
    if (st.length || se.length) rf.deleteElements({ nodes: st, edges: se });
  }, [rf]);

  const onKeyDown = React.useCallback((event) => {
    const path = event.nativeEvent.composedPath ? event.nativeEvent.composedPath() : [];
    const target = path[0] || event.target;
    const tag = target && target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable)) return;
    if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
    const key = event.key.toLowerCase();
    if (key === "z") {
      event.preventDefault();
      send({ type: event.shiftKey ? "redo" : "undo" });
    } else if (key === "y") {
      event.preventDefault();
      send({ type: "redo" });
    }
  }, [send]);

  // Palette drop.
  const onDragOver = React.useCallback((event) => {
    if (!Array.from(event.dataTransfer.types || []).includes(DND_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    setDragOver(true);
  }, []);
  const onDragLeave = React.useCallback((event) => {
    if (!event.currentTarget.contains(event.relatedTarget)) setDragOver(false);
  }, []);
  const addAt = React.useCallback((modelName, category, flowX, flowY) => {
    const cat = category === "device" ? "device" : "neuron";
    send({ type: "add", model: modelName, x: flowX - NODE_W[cat] / 2, y: flowY - NODE_H / 2 });
  }, [send]);
  const paletteCategory = React.useCallback((m) => {
    const item = (palette || []).find((p) => p && String(p.model) === m);
    return categoryOf(item);
  }, [palette]);
  const onDrop = React.useCallback((event) => {
    setDragOver(false);
    const m = event.dataTransfer.getData(DND_MIME);
    if (!m) return;
    event.preventDefault();
    const p = rf.screenToFlowPosition({ x: event.clientX, y: event.clientY });
    addAt(m, paletteCategory(m), p.x, p.y);
  }, [rf, addAt, paletteCategory]);
  const onAddAtCenter = React.useCallback((item) => {
    const el = flowRef.current;
    if (!el) return;
    const r = el.getBoundingClientRect();
    const p = rf.screenToFlowPosition({ x: r.left + r.width / 2, y: r.top + r.height / 2 });
    addAt(String(item.model), categoryOf(item), p.x, p.y);
  }, [rf, addAt]);

  // Touch drag from the palette: a ghost follows the finger; released over the flow area,
  // the model is added there (as a mouse drop would).
  const [touchGhost, setTouchGhost] = React.useState(null);
  const onTouchDrag = React.useCallback((item, x, y, phase) => {
    const el = flowRef.current;
    const r = el ? el.getBoundingClientRect() : null;
    const over = !!r && x >= r.left && x <= r.right && y >= r.top && y <= r.bottom;
    if (phase === "move") {
      setTouchGhost({ label: item.label == null ? String(item.model) : String(item.label), x, y });
      setDragOver(over);
      return;
    }
    setTouchGhost(null);
    setDragOver(false);
    if (phase === "drop" && over) {
      const p = rf.screenToFlowPosition({ x, y });
      addAt(String(item.model), categoryOf(item), p.x, p.y);
    }
  }, [rf, addAt]);

  const miniMapColor = React.useCallback((n) => (n.type === "device" ? "#ddd6fe" : "#bfdbfe"), []);
  const miniMapStroke = React.useCallback((n) => (
    n.data && n.data.warning ? COLORS.warning : n.type === "device" ? COLORS.device : COLORS.neuron), []);

  return (
    <div className="snn-root" ref={rootRef} tabIndex={0} onKeyDown={onKeyDown} aria-label="Network canvas"
      onPointerDownCapture={onPointerDownCapture} data-testid="network-canvas">
      <style>{CSS}</style>
      <MarkerDefs />
      <PaletteSidebar palette={palette} onAddAtCenter={onAddAtCenter} onTouchDrag={onTouchDrag} />
      {touchGhost && <div className="snn-touch-ghost" style={{ left: touchGhost.x, top: touchGhost.y }}>{touchGhost.label}</div>}
      <div
        className={`snn-flow${dragOver ? " is-dragover" : ""}`}
        ref={flowRef}
        onDragOver={onDragOver}
        onDragLeave={onDragLeave}
        onDrop={onDrop}
      >
        {nodes.length === 0 && (
          <div className="snn-empty"><div>Drag a population or device from the palette</div></div>
        )}
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={NODE_TYPES}
          edgeTypes={EDGE_TYPES}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onSelectionChange={onSelectionChange}
          onNodeDragStop={onNodeDragStop}
          onConnect={onConnect}
          onBeforeDelete={onBeforeDelete}
          deleteKeyCode={["Delete", "Backspace"]}
          connectionLineStyle={{ stroke: COLORS.select, strokeWidth: 1.8, strokeDasharray: "5 4" }}
          fitView
          fitViewOptions={FIT_VIEW}
          minZoom={0.1}
          maxZoom={2.5}
          zoomOnDoubleClick={false}
          onlyRenderVisibleElements={nodes.length > 200}
          attributionPosition="top-left"
        >
          <Background variant={BackgroundVariant.Dots} gap={18} size={1.2} color="#cbd5e1" />
          <Controls showInteractive={false} position="bottom-left" />
          {nodes.length > MINIMAP_MIN_NODES && <MiniMap
            position="bottom-right"
            pannable
            zoomable
            nodeColor={miniMapColor}
            nodeStrokeColor={miniMapStroke}
            nodeStrokeWidth={3}
            nodeBorderRadius={6}
            maskColor="rgba(241, 245, 249, 0.7)"
            style={{ width: 150, height: 100 }}
          />}
          <Panel position="top-right">
            <div className="snn-toolbar" role="toolbar" aria-label="Canvas actions">
              <button type="button" className="snn-btn snn-btn--danger" title="Delete selection (Delete)"
                disabled={!hasSelection} onClick={deleteSelection}>
                <Icon d={TRASH_ICON} />Delete
              </button>
            </div>
          </Panel>
        </ReactFlow>
      </div>
    </div>
  );
}

export function render({ model }) {
  return (
    <ReactFlowProvider>
      <Canvas model={model} />
    </ReactFlowProvider>
  );
}
