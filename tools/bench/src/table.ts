// Plain-text tables for the terminal and for docs/performance.md: a Markdown pipe table whose
// columns are padded, so the same text reads well in both.

export type Cell = string | number | undefined;

/** `12.3 ms`, `1.24 s` from 1 000 ms; `–` for nothing. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(1)} ms`;
}

/** Per-second figures without false precision. */
export function formatRate(perSecond: number | undefined): string {
  if (perSecond === undefined || !Number.isFinite(perSecond)) return '–';
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}

/** `0.87×`; `–` when there is no ratio. */
export function formatRatio(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  return `${value >= 10 ? value.toFixed(1) : value.toFixed(2)}×`;
}

function text(cell: Cell): string {
  if (cell === undefined) return '–';
  return typeof cell === 'number' ? String(cell) : cell;
}

/** A Markdown table; numbers and ratios right-aligned (every column but the first). */
export function formatTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = [headers.map(text), ...rows.map((row) => headers.map((_, index) => text(row[index])))];
  const widths = headers.map((_, column) =>
    Math.max(3, ...cells.map((row) => [...(row[column] ?? '')].length)),
  );
  const pad = (value: string, column: number): string => {
    const width = widths[column] ?? 0;
    const fill = ' '.repeat(Math.max(0, width - [...value].length));
    return column === 0 ? value + fill : fill + value;
  };
  const line = (row: readonly string[]): string => `| ${row.map(pad).join(' | ')} |`;
  // the separator row as Prettier writes it, so a pasted table survives formatting unchanged
  const rule = `| ${widths.map((width, column) => (column === 0 ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`)).join(' | ')} |`;
  const [head, ...body] = cells;
  return [line(head ?? []), rule, ...body.map(line)].join('\n');
}
