"use client";

/** Drawing units of the viewBox; the SVG stretches to its box, the stroke stays 1.5 px. */
const W = 100;
const H = 24;
const PAD = 2;

/** SVG polyline points over [min, max] of the values (a flat series is drawn through the middle). */
export function sparkPoints(values: number[]): string {
  const finite = values.filter(Number.isFinite);
  if (finite.length < 2) return "";
  const min = Math.min(...finite);
  const span = Math.max(...finite) - min;
  const stepX = W / (values.length - 1);
  return values
    .map((v, i) => (Number.isFinite(v) ? `${(i * stepX).toFixed(2)},${(span === 0 ? H / 2 : H - PAD - ((v - min) / span) * (H - 2 * PAD)).toFixed(2)}` : null))
    .filter((p) => p !== null)
    .join(" ");
}

/**
 * A tiny trend line; the number beside it carries the value, the line only the shape. Hand-drawn
 * SVG on purpose: recharts here would put ~100 KiB gzipped on the topology page for a polyline.
 */
export function Sparkline({ values, label, colorClass }: { values: number[]; label: string; colorClass: string }) {
  const points = sparkPoints(values);
  return (
    <div className={`h-6 w-full ${colorClass}`} role="img" aria-label={`${label} trend`}>
      {points ? (
        <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" className="block h-full w-full overflow-visible" aria-hidden>
          <polyline points={points} fill="none" stroke="currentColor" strokeWidth={1.5} strokeLinejoin="round" strokeLinecap="round" vectorEffect="non-scaling-stroke" />
        </svg>
      ) : null}
    </div>
  );
}
