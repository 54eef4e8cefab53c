import { useCallback } from "preact/hooks";
import { vendorPath } from "../api.js";
import { errorText, formatAmount } from "../i18n.js";
import { usePolled } from "../hooks.js";
import { OrdersChart } from "../live-chart.jsx";
import "../live.css";

/** How often the page asks again: each refresh reads a few counter documents, never the orders. */
const REFRESH_MS = 5000;

/** @typedef {import("../../../functions/src/admin/console-types").LiveAnswer} LiveAnswer */

const clock = (/** @type {string} */ iso, /** @type {string} */ language) =>
  new Date(iso).toLocaleTimeString(language === "en" ? "en-GB" : "fr-FR", {
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "Africa/Dakar",
  });

/**
 * @param {{ kind: string; figure: string | number; label: string; test: string; alert?: boolean }} props
 */
function Tile({ kind, figure, label, test, alert = false }) {
  return (
    <div class={`tile ${kind}${alert ? " alert" : ""}`} data-test={test}>
      <div class="figure">{figure}</div>
      <div class="label">{label}</div>
    </div>
  );
}

/** @param {{ funnel: LiveAnswer["funnel"]; t: import("./page.js").PageProps["t"] }} props */
function Funnel({ funnel, t }) {
  /** @type {Array<[string, string, number]>} */
  const steps = [
    ["keyword", t.liveFunnelKeyword, funnel.keyword],
    ["oui", t.liveFunnelYes, funnel.oui],
    ["paid", t.liveFunnelPaid, funnel.paid],
  ];
  const top = Math.max(1, ...steps.map(([, , n]) => n));
  return (
    <div class="card funnel" data-test="funnel">
      <h3>{t.liveFunnel}</h3>
      {steps.map(([key, label, n], index) => (
        <div class="step" key={key} data-test={`funnel-${key}`} data-count={n}>
          <div class="row small">
            <span>{label}</span>
            <strong>
              {n}
              {index > 0 && steps[0][2] > 0 && <span class="muted"> · {Math.round((100 * n) / steps[0][2])} %</span>}
            </strong>
          </div>
          <div class="track">
            <div class="bar" style={{ width: `${(100 * n) / top}%` }} />
          </div>
        </div>
      ))}
    </div>
  );
}

/** @param {import("./page.js").PageProps} props */
export function LivePage({ api, vendor, t }) {
  const load = useCallback(
    /** @type {(signal: AbortSignal) => Promise<LiveAnswer>} */ (
      (signal) => api(vendorPath(vendor.vendorId, "live"), { signal })
    ),
    [api, vendor.vendorId],
  );
  const { data, error } = usePolled(load, REFRESH_MS);
  const language = vendor.language;
  if (!data)
    return (
      <section class="live">
        <h2>{t.live}</h2>
        {error ? <p class="error">{errorText(t, error)}</p> : <p>{t.loading}</p>}
      </section>
    );
  const minutes = data.perMinute.map((m) => ({ ...m, label: clock(m.at, language) }));
  const inHour = minutes.reduce((sum, m) => sum + m.orders, 0);
  return (
    <section class="live">
      <div class="row">
        <h2>{t.live}</h2>
        <span class="stamp" data-test="updated">
          {t.liveUpdated} {clock(data.at, language)}
        </span>
      </div>
      {error !== undefined && <p class="error small">{errorText(t, error)}</p>}
      <div class="tiles">
        <Tile
          kind="paid"
          test="paid"
          figure={formatAmount(data.amounts.paid.amount, language)}
          label={`${t.livePaid} · ${data.amounts.paid.count}`}
        />
        <Tile
          kind="reserved"
          test="reserved"
          figure={formatAmount(data.amounts.reserved.amount, language)}
          label={`${t.liveReserved} · ${data.amounts.reserved.count}`}
        />
        <Tile kind="orders" test="orders-today" figure={data.funnel.oui} label={t.liveOrdersToday} />
        <Tile kind="handoffs" test="handoffs" figure={data.handoffs} label={t.liveHandoffs} alert={data.handoffs > 0} />
      </div>
      <div class="card">
        <h3>{t.liveOrdersPerMinute}</h3>
        <p class="muted small" data-test="orders-in-hour">
          {inHour} {t.liveInHour}
        </p>
        <OrdersChart
          minutes={minutes}
          labels={{
            title: t.liveOrdersPerMinute,
            start: minutes[0]?.label ?? "",
            middle: minutes[Math.floor(minutes.length / 2)]?.label ?? "",
            end: minutes[minutes.length - 1]?.label ?? "",
          }}
        />
        {inHour === 0 && <p class="muted small">{t.liveNoOrders}</p>}
      </div>
      <Funnel funnel={data.funnel} t={t} />
      <div class="card">
        <h3>{t.products}</h3>
        {data.products.length === 0 ? (
          <p>{t.none}</p>
        ) : (
          <table class="live-products" data-test="live-products">
            <thead>
              <tr>
                <th />
                <th>{t.liveLeft}</th>
                <th>{t.liveReserved}</th>
                <th>{t.livePaid}</th>
                <th>{t.liveWaiting}</th>
              </tr>
            </thead>
            <tbody>
              {data.products.map((p) => (
                <tr key={p.productId} data-test="live-product" data-id={p.productId}>
                  <td>
                    <div>{p.name}</div>
                    <div class="muted small">
                      {p.keyword}
                      {!p.active && ` · ${t.inactive}`}
                    </div>
                  </td>
                  <td data-test="left" class={p.left === 0 ? "soldout" : ""}>
                    {p.left === 0 ? t.liveSoldOut : (p.left ?? "—")}
                  </td>
                  <td data-test="reserved">{p.reserved}</td>
                  <td data-test="paid">{p.paid}</td>
                  <td data-test="waiting" class={p.waiting > 0 ? "waiting" : ""}>
                    {p.waiting}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
