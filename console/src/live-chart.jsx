/**
 * Orders per minute as bars, in plain SVG (no chart library, nothing fetched): one bar per minute,
 * oldest on the left, "now" on the right. The viewBox scales with the card, text included.
 */
const WIDTH = 360;
const HEIGHT = 150;
const TOP = 14;
const BOTTOM = 18;
const LEFT = 22;

/**
 * @param {{
 *   minutes: Array<{ at: string; orders: number; label: string }>;
 *   labels: { title: string; start: string; middle: string; end: string };
 * }} props
 */
export function OrdersChart({ minutes, labels }) {
  const max = Math.max(1, ...minutes.map((m) => m.orders));
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const step = (WIDTH - LEFT) / Math.max(1, minutes.length);
  const barWidth = Math.max(1, step - 1);
  const y = (/** @type {number} */ value) => TOP + plotHeight - (value / max) * plotHeight;
  return (
    <svg
      class="orders-chart"
      data-test="orders-chart"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={labels.title}
    >
      <line x1={LEFT} x2={WIDTH} y1={y(0)} y2={y(0)} class="axis" />
      <line x1={LEFT} x2={WIDTH} y1={y(max)} y2={y(max)} class="grid" />
      <text x={LEFT - 4} y={y(max) + 4} class="tick" text-anchor="end">
        {max}
      </text>
      <text x={LEFT - 4} y={y(0) + 4} class="tick" text-anchor="end">
        0
      </text>
      {minutes.map((m, index) =>
        m.orders > 0 ? (
          <rect
            key={m.at}
            data-test="bar"
            data-orders={m.orders}
            x={LEFT + index * step}
            y={y(m.orders)}
            width={barWidth}
            height={y(0) - y(m.orders)}
            rx="1"
          >
            <title>{`${m.label} · ${m.orders}`}</title>
          </rect>
        ) : null,
      )}
      <text x={LEFT} y={HEIGHT - 4} class="tick">
        {labels.start}
      </text>
      <text x={LEFT + (WIDTH - LEFT) / 2} y={HEIGHT - 4} class="tick" text-anchor="middle">
        {labels.middle}
      </text>
      <text x={WIDTH} y={HEIGHT - 4} class="tick" text-anchor="end">
        {labels.end}
      </text>
    </svg>
  );
}
