"use client";

import { Line, LineChart, ResponsiveContainer, YAxis } from "recharts";

/** A tiny trend line; the number beside it carries the value, the line only the shape. */
export function Sparkline({ values, label, colorClass }: { values: number[]; label: string; colorClass: string }) {
  const data = values.map((v, i) => ({ i, v }));
  return (
    <div className={`h-6 w-full ${colorClass}`} role="img" aria-label={`${label} trend`}>
      {data.length > 1 ? (
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 2, bottom: 2, left: 0, right: 0 }}>
            <YAxis hide domain={["dataMin", "dataMax"]} />
            <Line type="monotone" dataKey="v" stroke="currentColor" strokeWidth={1.5} dot={false} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      ) : null}
    </div>
  );
}
