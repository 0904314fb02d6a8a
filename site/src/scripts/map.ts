// The map in the browser: tens of thousands of points on one canvas, batched by colour; a grid
// index finds the point under the pointer; wheel/buttons zoom, drag pans, click opens the paper.
interface Points { categories: string[]; x: number[]; y: number[]; c: number[] }
interface Labels { ids: string[]; titles: string[] }

const GRID = 128;
const SPAN = 10000;

export async function startMap(canvas: HTMLCanvasElement, tip: HTMLElement): Promise<void> {
  const palette = canvas.dataset.palette!.split(',');
  const points = (await (await fetch(canvas.dataset.points!)).json()) as Points;
  let labels: Labels | null = null;
  const n = points.x.length;
  const ctx = canvas.getContext('2d')!;
  const grid: number[][] = Array.from({ length: GRID * GRID }, () => []);
  const cell = (v: number) => Math.min(GRID - 1, Math.floor((v / SPAN) * GRID));
  for (let i = 0; i < n; i++) grid[cell(points.y[i]!) * GRID + cell(points.x[i]!)]!.push(i);

  let zoom = 1;
  let cx = SPAN / 2;
  let cy = SPAN / 2;
  let hover = -1;
  let highlight = -1;
  let width = 0;
  let height = 0;

  const scale = () => (Math.min(width, height) / SPAN) * 0.94 * zoom;
  const toScreen = (i: number) => ({ x: width / 2 + (points.x[i]! - cx) * scale(), y: height / 2 + (points.y[i]! - cy) * scale() });
  const toData = (sx: number, sy: number) => ({ x: cx + (sx - width / 2) / scale(), y: cy + (sy - height / 2) / scale() });

  function resize(): void {
    const dpr = window.devicePixelRatio || 1;
    width = canvas.clientWidth;
    height = canvas.clientHeight;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    draw();
  }

  function draw(): void {
    ctx.clearRect(0, 0, width, height);
    const s = scale();
    const r = Math.max(1.2, Math.min(4, 1.6 * Math.sqrt(zoom) * (n > 20000 ? 0.7 : 1)));
    ctx.globalAlpha = 0.8;
    for (let colour = 0; colour < points.categories.length; colour++) {
      ctx.fillStyle = palette[colour] ?? '#888';
      ctx.beginPath();
      for (let i = 0; i < n; i++) {
        if (points.c[i] !== colour) continue;
        const x = width / 2 + (points.x[i]! - cx) * s;
        const y = height / 2 + (points.y[i]! - cy) * s;
        if (x < -r || y < -r || x > width + r || y > height + r) continue;
        ctx.moveTo(x + r, y);
        ctx.arc(x, y, r, 0, Math.PI * 2);
      }
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    for (const i of [highlight, hover]) {
      if (i < 0) continue;
      const p = toScreen(i);
      ctx.strokeStyle = getComputedStyle(canvas).color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(p.x, p.y, r + 4, 0, Math.PI * 2);
      ctx.stroke();
    }
    canvas.dataset.drawn = String(n);
  }

  /** The point nearest to a screen position, within `px` pixels (overlapping points: the nearest wins). */
  function pick(sx: number, sy: number, px = 8): number {
    const d = toData(sx, sy);
    const radius = px / scale();
    let best = -1;
    let bestD = radius * radius;
    for (let gy = cell(Math.max(0, d.y - radius)); gy <= cell(Math.min(SPAN, d.y + radius)); gy++) {
      for (let gx = cell(Math.max(0, d.x - radius)); gx <= cell(Math.min(SPAN, d.x + radius)); gx++) {
        for (const i of grid[gy * GRID + gx]!) {
          const dd = (points.x[i]! - d.x) ** 2 + (points.y[i]! - d.y) ** 2;
          if (dd <= bestD) {
            bestD = dd;
            best = i;
          }
        }
      }
    }
    return best;
  }

  async function ensureLabels(): Promise<Labels> {
    labels ??= (await (await fetch(canvas.dataset.labels!)).json()) as Labels;
    return labels;
  }

  /** The title of point `i` by the pointer; `link`: as a link that opens the paper (touch, which has no click-through hover). */
  async function showTip(i: number, sx: number, sy: number, link = false): Promise<void> {
    if (i < 0) {
      tip.hidden = true;
      return;
    }
    const l = await ensureLabels();
    if (hover !== i && highlight !== i) return;
    const category = ` (${points.categories[points.c[i]!]})`;
    if (link) {
      const a = document.createElement('a');
      a.href = `${canvas.dataset.paper}${l.ids[i]}/`;
      a.textContent = l.titles[i]!;
      tip.replaceChildren(a, category);
    } else tip.textContent = `${l.titles[i]}${category}`;
    tip.classList.toggle('selected', link);
    tip.hidden = false;
    tip.style.left = `${Math.min(sx + 12, width - tip.offsetWidth - 4)}px`;
    tip.style.top = `${sy + 14 > height - 40 ? sy - tip.offsetHeight - 10 : sy + 14}px`;
  }

  function zoomAt(factor: number, sx = width / 2, sy = height / 2): void {
    const before = toData(sx, sy);
    zoom = Math.min(200, Math.max(0.5, zoom * factor));
    const after = toData(sx, sy);
    cx += before.x - after.x;
    cy += before.y - after.y;
    draw();
  }

  let drag: { x: number; y: number; moved: boolean } | null = null;
  canvas.addEventListener('pointerdown', (e) => {
    drag = { x: e.offsetX, y: e.offsetY, moved: false };
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (drag && (drag.moved || Math.abs(e.offsetX - drag.x) + Math.abs(e.offsetY - drag.y) > 4)) {
      cx -= (e.offsetX - drag.x) / scale();
      cy -= (e.offsetY - drag.y) / scale();
      drag = { x: e.offsetX, y: e.offsetY, moved: true };
      draw();
      return;
    }
    if (e.pointerType === 'touch') return; // no hover on touch: taps select (pointerup)
    const i = pick(e.offsetX, e.offsetY);
    if (i !== hover) {
      hover = i;
      canvas.style.cursor = i >= 0 ? 'pointer' : 'crosshair';
      draw();
      void showTip(i, e.offsetX, e.offsetY);
    }
  });
  canvas.addEventListener('pointerup', async (e) => {
    const wasDrag = drag?.moved;
    drag = null;
    if (wasDrag) return;
    // Touch has no hover: a tap selects the nearest point and shows its title, as a link, until
    // the next tap; tapping the title opens the paper.
    if (e.pointerType === 'touch') {
      highlight = pick(e.offsetX, e.offsetY, 24);
      hover = -1;
      draw();
      void showTip(highlight, e.offsetX, e.offsetY, true);
      return;
    }
    const i = pick(e.offsetX, e.offsetY);
    if (i < 0) return;
    const l = await ensureLabels();
    location.href = `${canvas.dataset.paper}${l.ids[i]}/`;
  });
  canvas.addEventListener('pointerleave', (e) => {
    // every touch ends with a pointerleave: a tapped title stays until the next tap
    if (e.pointerType === 'touch') return;
    hover = -1;
    if (highlight < 0 || !tip.classList.contains('selected')) tip.hidden = true;
    draw();
  });
  canvas.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      zoomAt(Math.exp(-e.deltaY * 0.0015), e.offsetX, e.offsetY);
    },
    { passive: false },
  );
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-zoom]')) {
    b.addEventListener('click', () => {
      if (b.dataset.zoom === 'in') zoomAt(1.6);
      else if (b.dataset.zoom === 'out') zoomAt(1 / 1.6);
      else {
        zoom = 1;
        cx = cy = SPAN / 2;
        draw();
      }
    });
  }
  new ResizeObserver(resize).observe(canvas);

  // `map/#<id>` (from a paper page) centres on that paper.
  const wanted = decodeURIComponent(location.hash.slice(1));
  if (wanted) {
    const l = await ensureLabels();
    const i = l.ids.indexOf(wanted);
    if (i >= 0) {
      highlight = i;
      zoom = 4;
      cx = points.x[i]!;
      cy = points.y[i]!;
      resize();
      const p = toScreen(i);
      void showTip(i, p.x, p.y);
    }
  }

  // For tests and for anyone scripting the page: where a paper is drawn, in CSS pixels of the canvas.
  (window as unknown as { paperboyMap: unknown }).paperboyMap = {
    count: n,
    project: async (id: string) => {
      const i = (await ensureLabels()).ids.indexOf(id);
      return i < 0 ? null : toScreen(i);
    },
  };
}
