// Small statistics and formatting helpers.

export function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return undefined;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export function min(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x));
  return v.length ? Math.min(...v) : undefined;
}

export function max(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x));
  return v.length ? Math.max(...v) : undefined;
}

export function summary(xs) {
  return { median: median(xs), min: min(xs), max: max(xs), n: xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).length };
}

/** seconds with 3 significant-ish digits */
export function secs(x) {
  if (x === undefined) return '-';
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

export function ratio(x) {
  return x === undefined ? '-' : x.toFixed(2);
}

export function bytes(n) {
  if (n === undefined || n === null) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${u === 0 ? v.toFixed(0) : v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

/** Renders rows (arrays of strings) as an aligned text table with a header rule. */
export function table(header, rows, { right = [] } = {}) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i] ?? '').length)));
  const fmt = (r) => r.map((c, i) => {
    const s = String(c ?? '');
    return right.includes(i) ? s.padStart(widths[i]) : s.padEnd(widths[i]);
  }).join('  ').trimEnd();
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}
