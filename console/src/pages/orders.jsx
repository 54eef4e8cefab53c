import { useState } from "preact/hooks";
import { vendorPath } from "../api.js";
import { formatAmount, formatWhen } from "../i18n.js";
import { useBusy, usePolled } from "../hooks.js";
import { OrdersExport } from "./orders-export.jsx";

const STATUSES = ["reserved", "paid", "expired", "cancelled", "flagged"];

export function OrdersPage({ api, vendor, t }) {
  const { data, error, reload } = usePolled(() => api(vendorPath(vendor.vendorId, "orders")), [vendor.vendorId]);
  const [filter, setFilter] = useState("all");
  const [note, setNote] = useState();
  const { run, busy } = useBusy();
  const change = (reference, status) =>
    run(reference, async () => {
      setNote(undefined);
      try {
        await api(vendorPath(vendor.vendorId, `orders/${encodeURIComponent(reference)}/status`), {
          method: "POST",
          body: { status },
        });
        void reload();
      } catch (e) {
        setNote(e.message);
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
            <span class={`badge ${s}`}>
              {t[s]} {totals[s].count}
            </span>
          ))}
          <span data-test="paid-amount">
            {formatAmount(totals.paid.amount, vendor.language)} {t.amountPaid}
          </span>
        </div>
      )}
      <div class="chips">
        {["all", ...STATUSES].map((s) => (
          <button class={filter === s ? "chip active" : "chip"} onClick={() => setFilter(s)}>
            {t[s]}
          </button>
        ))}
      </div>
      {note && (
        <p class="error" role="alert">
          {note}
        </p>
      )}
      {error && <p class="error">{error.message}</p>}
      {!data ? (
        <p>{t.loading}</p>
      ) : orders.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        orders.map((o) => (
          <article class="card" data-test="order" data-reference={o.reference} data-status={o.status}>
            <div class="row">
              <div>
                <h3>{o.reference}</h3>
                <div class="muted small">
                  {o.customerName ? `${o.customerName} · ` : ""}
                  {o.customer} · {formatWhen(o.createdAt, vendor.language)}
                </div>
              </div>
              <span class={`badge ${o.status}`} data-test="status">
                {t[o.status] ?? o.status}
              </span>
            </div>
            <ul class="items">
              {o.items.map((i) => (
                <li>
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
