import { useCallback, useState } from "preact/hooks";
import { vendorPath } from "../api.js";
import { errorText, formatAmount, formatWhen } from "../i18n.js";
import { useBusy, usePolled } from "../hooks.js";
import { OrdersExport } from "./orders-export.jsx";

/** @typedef {import("../../../functions/src/admin/console-types").OrdersAnswer} OrdersAnswer */
/** @typedef {keyof import("../../../functions/src/admin/console-types").OrderTotals} Bucket */

/** @type {Bucket[]} */
const STATUSES = ["reserved", "paid", "expired", "cancelled", "flagged"];

/** @param {import("./page.js").PageProps} props */
export function OrdersPage({ api, vendor, t }) {
  const load = useCallback(
    /** @type {(signal: AbortSignal) => Promise<OrdersAnswer>} */ (
      (signal) => api(vendorPath(vendor.vendorId, "orders"), { signal })
    ),
    [api, vendor.vendorId],
  );
  const { data, error, reload } = usePolled(load);
  const [filter, setFilter] = useState(/** @type {Bucket | "all"} */ ("all"));
  const [note, setNote] = useState(/** @type {string | undefined} */ (undefined));
  const { run, busy } = useBusy();
  const change = (/** @type {string} */ reference, /** @type {"paid" | "cancelled"} */ status) =>
    run(reference, async () => {
      setNote(undefined);
      try {
        await api(vendorPath(vendor.vendorId, `orders/${encodeURIComponent(reference)}/status`), {
          method: "POST",
          body: { status },
        });
        void reload();
      } catch (e) {
        setNote(errorText(t, e));
      }
    });
  const totals = data?.today.totals;
  const orders = (data?.orders ?? []).filter(
    (o) => filter === "all" || (filter === "flagged" ? o.flagged : o.status === filter),
  );
  return (
    <section>
      <h2>{t.orders}</h2>
      <OrdersExport vendor={vendor} t={t} />
      {totals && (
        <div class="totals" data-test="totals">
          <strong>{t.today}</strong>
          {STATUSES.map((s) => (
            <span key={s} class={`badge ${s}`}>
              {t[s]} {totals[s].count}
            </span>
          ))}
          <span data-test="paid-amount">
            {formatAmount(totals.paid.amount, vendor.language)} {t.amountPaid}
          </span>
        </div>
      )}
      <div class="chips">
        {
          /** @type {Array<Bucket | "all">} */ (["all", ...STATUSES]).map((s) => (
            <button
              key={s}
              class={filter === s ? "chip active" : "chip"}
              aria-pressed={filter === s}
              onClick={() => setFilter(s)}
            >
              {t[s]}
            </button>
          ))
        }
      </div>
      {note && (
        <p class="error" role="alert">
          {note}
        </p>
      )}
      {error ? <p class="error">{errorText(t, error)}</p> : null}
      {!data ? (
        <p>{t.loading}</p>
      ) : orders.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        orders.map((o) => (
          <article
            key={o.reference}
            class="card"
            data-test="order"
            data-reference={o.reference}
            data-status={o.status ?? ""}
          >
            <div class="row">
              <div>
                <h3>{o.reference}</h3>
                <div class="muted small">
                  {o.customerName ? `${o.customerName} · ` : ""}
                  {o.customer} · {formatWhen(o.createdAt, t.language)}
                </div>
              </div>
              <span class={`badge ${o.status}`} data-test="status">
                {o.status ? t[o.status] : "—"}
              </span>
            </div>
            <ul class="items">
              {o.items.map((i) => (
                <li key={i.keyword}>
                  {i.quantity} × {i.name} ({i.keyword})
                </li>
              ))}
            </ul>
            <div class="row">
              <strong>{formatAmount(o.total, vendor.language)}</strong>
              {o.status === "reserved" && (
                <div class="actions">
                  <button
                    class="primary"
                    onClick={() => change(o.reference, "paid")}
                    disabled={busy(o.reference)}
                    data-test="mark-paid"
                  >
                    {t.markPaid}
                  </button>
                  <button
                    onClick={() => change(o.reference, "cancelled")}
                    disabled={busy(o.reference)}
                    data-test="cancel-order"
                  >
                    {t.cancelOrder}
                  </button>
                </div>
              )}
            </div>
            {o.attention && <p class="error small">{o.attention}</p>}
          </article>
        ))
      )}
    </section>
  );
}
