// The map as the browser draws it: coordinates scaled to 0..10000 integers and a colour per
// primary category (the largest categories get their own colour, the rest share "other").
import type { Archive } from '../../../pipeline/site/data.ts';
import { readable } from '../../../pipeline/util/latex.ts';

const MAP_COLOURS = 11;

export interface MapPoints {
  categories: string[];
  x: number[];
  y: number[];
  c: number[];
}

export interface MapLabels {
  ids: string[];
  titles: string[];
}

/** Ids the map shows: laid-out papers that are in the store. */
function placed(archive: Archive): { ids: string[]; xs: number[]; ys: number[] } {
  const ids: string[] = [];
  const xs: number[] = [];
  const ys: number[] = [];
  const map = archive.map;
  if (!map) return { ids, xs, ys };
  map.ids.forEach((id, i) => {
    if (!archive.papers.has(id)) return;
    ids.push(id);
    xs.push(map.xy[2 * i]!);
    ys.push(map.xy[2 * i + 1]!);
  });
  return { ids, xs, ys };
}

export function mapPoints(archive: Archive): MapPoints {
  const { ids, xs, ys } = placed(archive);
  const counts = new Map<string, number>();
  for (const id of ids) {
    const c = archive.paper(id)!.primaryCategory;
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([c]) => c);
  const named = top.length > MAP_COLOURS ? top.slice(0, MAP_COLOURS - 1) : top;
  const categories = top.length > named.length ? [...named, 'other'] : named;
  const colour = new Map(named.map((c, i) => [c, i]));
  const scale = (vs: number[]) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of vs) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return vs.map((v) => Math.round(((v - lo) / (hi - lo || 1)) * 10000));
  };
  return {
    categories,
    x: scale(xs),
    y: scale(ys),
    c: ids.map((id) => colour.get(archive.paper(id)!.primaryCategory) ?? named.length),
  };
}

export function mapLabels(archive: Archive): MapLabels {
  const { ids } = placed(archive);
  return { ids, titles: ids.map((id) => readable(archive.paper(id)!.title)) };
}
