import { useState } from "preact/hooks";
import { useBusy } from "../hooks.js";
import { errorText } from "../i18n.js";
import { dakarToday, downloadOrdersCsv } from "../orders-export.js";
import "../orders-export.css";

/** The Orders page's export: a date range (today by default) and a button that downloads the CSV. */
/** @param {Pick<import("./page.js").PageProps, "vendor" | "t">} props */
export function OrdersExport({ vendor, t }) {
  const [from, setFrom] = useState(dakarToday);
  const [to, setTo] = useState(dakarToday);
  const [note, setNote] = useState(/** @type {string | undefined} */ (undefined));
  const { run, busy } = useBusy();
  const download = (/** @type {Event} */ event) => {
    event.preventDefault();
    void run("export", async () => {
      setNote(undefined);
      try {
        await downloadOrdersCsv(vendor.vendorId, from, to);
      } catch (e) {
        setNote(errorText(t, e));
      }
    });
  };
  return (
    <form class="card export" data-test="export" onSubmit={download}>
      <label>
        {t.exportFrom}
        <input type="date" name="from" value={from} onInput={(e) => setFrom(e.currentTarget.value)} required />
      </label>
      <label>
        {t.exportTo}
        <input type="date" name="to" value={to} onInput={(e) => setTo(e.currentTarget.value)} required />
      </label>
      <button type="submit" disabled={busy("export")} data-test="export-csv">
        {t.exportCsv}
      </button>
      {note && (
        <p class="error small" role="alert">
          {note}
        </p>
      )}
    </form>
  );
}
