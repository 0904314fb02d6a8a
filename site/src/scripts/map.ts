// The map in the browser: tens of thousands of points on one canvas, batched by colour; a grid
// index finds the point under the pointer; wheel/buttons zoom, drag pans, click opens the paper.
interface Points {
  categories: string[];
  x: number[];
  y: number[];
  c: number[];
}
interface Labels {
  ids: string[];
  titles: string[];
}

const GRID = 128;
const SPAN = 10000;

/** One map on the page: its data, where it looks, and what is under the pointer. */
interface MapView {
  canvas: HTMLCanvasElement;
  tip: HTMLElement;
  ctx: CanvasRenderingContext2D;
  palette: string[];
  points: Points;
  labels: Labels | null;
  n: number;
  /** Point indexes by grid cell (GRID × GRID over the layout's SPAN). */
  grid: number[][];
  zoom: number;
  cx: number;
  cy: number;
  hover: number;
  highlight: number;
  width: number;
  height: number;
}

const cell = (v: number) => Math.min(GRID - 1, Math.floor((v / SPAN) * GRID));
const scale = (m: MapView) => (Math.min(m.width, m.height) / SPAN) * 0.94 * m.zoom;
const toScreen = (m: MapView, i: number) => ({ x: m.width / 2 + (m.points.x[i]! - m.cx) * scale(m), y: m.height / 2 + (m.points.y[i]! - m.cy) * scale(m) });
const toData = (m: MapView, sx: number, sy: number) => ({ x: m.cx + (sx - m.width / 2) / scale(m), y: m.cy + (sy - m.height / 2) / scale(m) });

export async function startMap(canvas: HTMLCanvasElement, tip: HTMLElement): Promise<void> {
  const points = (await (await fetch(canvas.dataset.points!)).json()) as Points;
  const n = points.x.length;
  const grid: number[][] = Array.from({ length: GRID * GRID }, () => []);
  for (let i = 0; i < n; i++) grid[cell(points.y[i]!) * GRID + cell(points.x[i]!)]!.push(i);
  const m: MapView = {
    canvas,
    tip,
    ctx: canvas.getContext('2d')!,
    palette: canvas.dataset.palette!.split(','),
    points,
    labels: null,
    n,
    grid,
    zoom: 1,
    cx: SPAN / 2,
    cy: SPAN / 2,
    hover: -1,
    highlight: -1,
    width: 0,
    height: 0,
  };
  listenToPointer(m);
  listenToZoom(m);
  new ResizeObserver(() => resize(m)).observe(canvas);
  await centreOnLinkedPaper(m);
  // For tests and for anyone scripting the page: where a paper is drawn, in CSS pixels of the canvas.
  (window as unknown as { paperboyMap: unknown }).paperboyMap = {
    count: n,
    project: async (id: string) => {
      const i = (await ensureLabels(m)).ids.indexOf(id);
      return i < 0 ? null : toScreen(m, i);
    },
  };
}

function resize(m: MapView): void {
  const dpr = window.devicePixelRatio || 1;
  m.width = m.canvas.clientWidth;
  m.height = m.canvas.clientHeight;
  m.canvas.width = Math.round(m.width * dpr);
  m.canvas.height = Math.round(m.height * dpr);
  m.ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  draw(m);
}

function draw(m: MapView): void {
  const { ctx, points, n, width, height } = m;
  ctx.clearRect(0, 0, width, height);
  const s = scale(m);
  const r = Math.max(1.2, Math.min(4, 1.6 * Math.sqrt(m.zoom) * (n > 20000 ? 0.7 : 1)));
  ctx.globalAlpha = 0.8;
  for (let colour = 0; colour < points.categories.length; colour++) {
    ctx.fillStyle = m.palette[colour] ?? '#888';
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      if (points.c[i] !== colour) continue;
      const x = width / 2 + (points.x[i]! - m.cx) * s;
      const y = height / 2 + (points.y[i]! - m.cy) * s;
      if (x < -r || y < -r || x > width + r || y > height + r) continue;
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, Math.PI * 2);
    }
    ctx.fill();
  }
  ctx.globalAlpha = 1;
  for (const i of [m.highlight, m.hover]) {
    if (i < 0) continue;
    const p = toScreen(m, i);
    ctx.strokeStyle = getComputedStyle(m.canvas).color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(p.x, p.y, r + 4, 0, Math.PI * 2);
    ctx.stroke();
  }
  m.canvas.dataset.drawn = String(n);
}

/** The point nearest to a screen position, within `px` pixels (overlapping points: the nearest wins). */
function pick(m: MapView, sx: number, sy: number, px = 8): number {
  const d = toData(m, sx, sy);
  const radius = px / scale(m);
  let best = -1;
  let bestD = radius * radius;
  for (let gy = cell(Math.max(0, d.y - radius)); gy <= cell(Math.min(SPAN, d.y + radius)); gy++) {
    for (let gx = cell(Math.max(0, d.x - radius)); gx <= cell(Math.min(SPAN, d.x + radius)); gx++) {
      for (const i of m.grid[gy * GRID + gx]!) {
        const dd = (m.points.x[i]! - d.x) ** 2 + (m.points.y[i]! - d.y) ** 2;
        if (dd <= bestD) {
          bestD = dd;
          best = i;
        }
      }
    }
  }
  return best;
}

async function ensureLabels(m: MapView): Promise<Labels> {
  m.labels ??= (await (await fetch(m.canvas.dataset.labels!)).json()) as Labels;
  return m.labels;
}

/** The title of point `i` by the pointer; `link`: as a link that opens the paper (touch, which has no click-through hover). */
async function showTip(m: MapView, i: number, sx: number, sy: number, link = false): Promise<void> {
  const { tip } = m;
  if (i < 0) {
    tip.hidden = true;
    return;
  }
  const l = await ensureLabels(m);
  if (m.hover !== i && m.highlight !== i) return;
  const category = ` (${m.points.categories[m.points.c[i]!]})`;
  if (link) {
    const a = document.createElement('a');
    a.href = `${m.canvas.dataset.paper}${l.ids[i]}/`;
    a.textContent = l.titles[i]!;
    tip.replaceChildren(a, category);
  } else tip.textContent = `${l.titles[i]}${category}`;
  tip.classList.toggle('selected', link);
  tip.hidden = false;
  tip.style.left = `${Math.min(sx + 12, m.width - tip.offsetWidth - 4)}px`;
  tip.style.top = `${sy + 14 > m.height - 40 ? sy - tip.offsetHeight - 10 : sy + 14}px`;
}

function zoomAt(m: MapView, factor: number, sx = m.width / 2, sy = m.height / 2): void {
  const before = toData(m, sx, sy);
  m.zoom = Math.min(200, Math.max(0.5, m.zoom * factor));
  const after = toData(m, sx, sy);
  m.cx += before.x - after.x;
  m.cy += before.y - after.y;
  draw(m);
}

/** Drag pans, hover shows a title, click opens the paper; a tap selects (touch has no hover). */
function listenToPointer(m: MapView): void {
  const { canvas } = m;
  let drag: { x: number; y: number; moved: boolean } | null = null;
  canvas.addEventListener('pointerdown', (e) => {
    drag = { x: e.offsetX, y: e.offsetY, moved: false };
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (drag && (drag.moved || Math.abs(e.offsetX - drag.x) + Math.abs(e.offsetY - drag.y) > 4)) {
      m.cx -= (e.offsetX - drag.x) / scale(m);
      m.cy -= (e.offsetY - drag.y) / scale(m);
      drag = { x: e.offsetX, y: e.offsetY, moved: true };
      draw(m);
      return;
    }
    if (e.pointerType === 'touch') return; // no hover on touch: taps select (pointerup)
    const i = pick(m, e.offsetX, e.offsetY);
    if (i !== m.hover) {
      m.hover = i;
      canvas.style.cursor = i >= 0 ? 'pointer' : 'crosshair';
      draw(m);
      void showTip(m, i, e.offsetX, e.offsetY);
    }
  });
  canvas.addEventListener('pointerup', async (e) => {
    const wasDrag = drag?.moved;
    drag = null;
    if (wasDrag) return;
    // Touch has no hover: a tap selects the nearest point and shows its title, as a link, until
    // the next tap; tapping the title opens the paper.
    if (e.pointerType === 'touch') {
      m.highlight = pick(m, e.offsetX, e.offsetY, 24);
      m.hover = -1;
      draw(m);
      void showTip(m, m.highlight, e.offsetX, e.offsetY, true);
      return;
    }
    const i = pick(m, e.offsetX, e.offsetY);
    if (i < 0) return;
    const l = await ensureLabels(m);
    location.href = `${canvas.dataset.paper}${l.ids[i]}/`;
  });
  canvas.addEventListener('pointerleave', (e) => {
    // every touch ends with a pointerleave: a tapped title stays until the next tap
    if (e.pointerType === 'touch') return;
    m.hover = -1;
    if (m.highlight < 0 || !m.tip.classList.contains('selected')) m.tip.hidden = true;
    draw(m);
  });
}

/** The wheel zooms at the pointer; the buttons zoom at the centre or reset the view. */
function listenToZoom(m: MapView): void {
  m.canvas.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      zoomAt(m, Math.exp(-e.deltaY * 0.0015), e.offsetX, e.offsetY);
    },
    { passive: false },
  );
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-zoom]')) {
    b.addEventListener('click', () => {
      if (b.dataset.zoom === 'in') zoomAt(m, 1.6);
      else if (b.dataset.zoom === 'out') zoomAt(m, 1 / 1.6);
      else {
        m.zoom = 1;
        m.cx = m.cy = SPAN / 2;
        draw(m);
      }
    });
  }
}

/** `map/#<id>` (from a paper page) centres on that paper. */
async function centreOnLinkedPaper(m: MapView): Promise<void> {
  const wanted = decodeURIComponent(location.hash.slice(1));
  if (!wanted) return;
  const l = await ensureLabels(m);
  const i = l.ids.indexOf(wanted);
  if (i < 0) return;
  m.highlight = i;
  m.zoom = 4;
  m.cx = m.points.x[i]!;
  m.cy = m.points.y[i]!;
  resize(m);
  const p = toScreen(m, i);
  void showTip(m, i, p.x, p.y);
}
