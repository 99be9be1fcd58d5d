/** The dashboard's one chart (the quality page's trend), out of kit.ts. */
/** A small SVG line chart: one line per series over shared x labels (values 0..1 unless max given). */
export function lineChart(
  labels: readonly string[],
  series: ReadonlyArray<{ name: string; values: ReadonlyArray<number | null> }>,
  opts: { max?: number } = {},
): SVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const W = 600;
  const H = 180;
  const pad = { l: 36, r: 90, t: 10, b: 22 };
  const max = opts.max ?? 1;
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('class', 'chart');
  svg.setAttribute('role', 'img');
  const el = (tag: string, attrs: Record<string, string | number>, text?: string): SVGElement => {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
  const x = (i: number): number =>
    pad.l + (labels.length <= 1 ? 0 : (i * (W - pad.l - pad.r)) / (labels.length - 1));
  const y = (v: number): number => pad.t + (1 - v / max) * (H - pad.t - pad.b);
  for (const v of [0, 0.5, 1]) {
    el('line', { class: 'axis', x1: pad.l, x2: W - pad.r, y1: y(v * max), y2: y(v * max) });
    el('text', { x: 2, y: y(v * max) + 3 }, max === 1 ? `${v * 100}%` : String(v * max));
  }
  if (labels.length > 0) {
    el('text', { x: pad.l, y: H - 6 }, labels[0] ?? '');
    el('text', { x: W - pad.r - 50, y: H - 6 }, labels[labels.length - 1] ?? '');
  }
  const colours = ['#0b5cad', '#1a7f37', '#b26b00', '#c62828', '#6f42c1', '#5b6875'];
  series.forEach((s, k) => {
    const pts = s.values
      .map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`))
      .filter((p): p is string => p !== null);
    el('polyline', {
      points: pts.join(' '),
      fill: 'none',
      stroke: colours[k % colours.length]!,
      'stroke-width': 2,
    });
    el('text', { x: W - pad.r + 6, y: pad.t + 12 + k * 14, fill: colours[k % colours.length]! }, s.name);
  });
  return svg;
}
