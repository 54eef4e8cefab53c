import { useCallback, useState } from "preact/hooks";
import { vendorPath } from "../api.js";
import { errorText, formatWhen } from "../i18n.js";
import { useBusy, usePolled } from "../hooks.js";

/** @typedef {import("../../../functions/src/admin/console-types").FailedMessagesAnswer} FailedMessagesAnswer */

/** @param {import("./page.js").PageProps} props */
export function FailedPage({ api, vendor, t }) {
  const load = useCallback(
    /** @type {(signal: AbortSignal) => Promise<FailedMessagesAnswer>} */ (
      (signal) => api(vendorPath(vendor.vendorId, "failed-messages"), { signal })
    ),
    [api, vendor.vendorId],
  );
  const { data, error } = usePolled(load, 5000);
  const [notes, setNotes] = useState(/** @type {Record<string, { ok: boolean; text: string }>} */ ({}));
  const { run, busy } = useBusy();
  const note = (/** @type {string} */ path, /** @type {{ ok: boolean; text: string }} */ value) =>
    setNotes((previous) => ({ ...previous, [path]: value }));
  const redrive = (/** @type {string} */ path) =>
    run(path, async () => {
      try {
        await api(vendorPath(vendor.vendorId, "failed-messages/redrive"), { method: "POST", body: { path } });
        note(path, { ok: true, text: t.redriven });
      } catch (e) {
        // Sent again already (another tap, another device): that is what was asked.
        note(
          path,
          /** @type {{ code?: unknown }} */ (e).code === "already_redriven"
            ? { ok: true, text: t.redriven }
            : { ok: false, text: errorText(t, e) },
        );
      }
    });
  return (
    <section>
      <h2>{t.failed}</h2>
      {error ? <p class="error">{errorText(t, error)}</p> : null}
      {!data ? (
        <p>{t.loading}</p>
      ) : data.failed.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        data.failed.map((f) => (
          <article key={f.path} class="card" data-test="failed">
            <dl class="facts">
              <dt>{t.to}</dt>
              <dd>{f.to ?? "—"}</dd>
              <dt>{t.reason}</dt>
              <dd>{f.reason ?? f.code ?? "—"}</dd>
              <dt>{t.provider}</dt>
              <dd>{f.provider ?? "—"}</dd>
              <dt>{t.when}</dt>
              <dd>{formatWhen(f.failedAt, t.language)}</dd>
            </dl>
            {notes[f.path] ? (
              <p class={notes[f.path].ok ? "ok" : "error"}>{notes[f.path].text}</p>
            ) : f.redrivenAs ? (
              <p class="ok" data-test="redriven">
                {t.redriven}
              </p>
            ) : (
              <button onClick={() => redrive(f.path)} disabled={busy(f.path)} data-test="redrive">
                {t.redrive}
              </button>
            )}
          </article>
        ))
      )}
    </section>
  );
}
