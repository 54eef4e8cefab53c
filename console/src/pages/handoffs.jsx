import { useCallback, useRef, useState } from "preact/hooks";
import { vendorPath } from "../api.js";
import { errorText, formatWhen } from "../i18n.js";
import { useBusy, usePolled } from "../hooks.js";

/** @typedef {import("../../../functions/src/admin/console-types").ThreadAnswer} ThreadAnswer */
/** @typedef {import("../../../functions/src/admin/console-types").HandoffsAnswer} HandoffsAnswer */
/** @typedef {{ ok: boolean; text: string }} Note */

/** @param {import("./page.js").PageProps & { customer: string; onBack: () => void }} props */
function Thread({ api, vendor, t, customer, onBack }) {
  const base = vendorPath(vendor.vendorId, `conversations/${encodeURIComponent(customer)}`);
  const load = useCallback(
    /** @type {(signal: AbortSignal) => Promise<ThreadAnswer>} */ ((signal) => api(`${base}/messages`, { signal })),
    [api, base],
  );
  const { data, reload } = usePolled(load);
  const [text, setText] = useState("");
  const [note, setNote] = useState(/** @type {Note | undefined} */ (undefined));
  const { run, busy } = useBusy();
  // One key per message being written: a retry of the same message (a lost answer, a second tap) is
  // sent once by the server; a new key once it went through.
  const idempotencyKeyRef = useRef(crypto.randomUUID());
  const send = (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    return run("send", async () => {
      setNote(undefined);
      try {
        // The admin API's send: the outbox's producer, as for every message a vendor starts.
        await api(vendorPath(vendor.vendorId, "messages"), {
          method: "POST",
          body: { to: customer, text },
          headers: { "idempotency-key": idempotencyKeyRef.current },
        });
        idempotencyKeyRef.current = crypto.randomUUID();
        setText("");
        void reload();
      } catch (e) {
        setNote({ ok: false, text: errorText(t, e) });
      }
    });
  };
  const resume = () =>
    run("resume", async () => {
      try {
        await api(`${base}/resume`, { method: "POST" });
        setNote({ ok: true, text: t.botResumed });
      } catch (e) {
        setNote({ ok: false, text: errorText(t, e) });
      }
    });
  return (
    <section data-test="thread">
      <div class="row">
        <button class="link" onClick={onBack}>
          ← {t.back}
        </button>
        <h2>{customer}</h2>
      </div>
      <div class="thread">
        {(data?.messages ?? []).map((m) => (
          <div key={m.id} class={`bubble ${m.direction === "outbound" ? "out" : "in"}`} data-test="bubble">
            {/* What the buyer reads, as written: the vendor's language for what was sent. */}
            <div lang={m.direction === "outbound" ? vendor.language : undefined}>
              {m.text ?? (m.imageUrl ? t.image : "")}
            </div>
            <div class="muted small">
              {formatWhen(m.at, t.language)}
              {m.direction === "outbound" && m.status
                ? ` · ${t.messageStatus[/** @type {keyof typeof t.messageStatus} */ (m.status)] ?? m.status}`
                : ""}
            </div>
          </div>
        ))}
      </div>
      <form class="replybox" onSubmit={send}>
        <textarea
          name="reply"
          rows={2}
          placeholder={t.yourReply}
          aria-label={t.yourReply}
          value={text}
          onInput={(e) => {
            // Another text is another message: it gets its own key.
            if (e.currentTarget.value !== text) idempotencyKeyRef.current = crypto.randomUUID();
            setText(e.currentTarget.value);
          }}
          required
        />
        <button type="submit" class="primary" disabled={busy("send")} data-test="send">
          {t.send}
        </button>
      </form>
      {note && (
        <p class={note.ok ? "ok" : "error"} data-test="note">
          {note.text}
        </p>
      )}
      <button onClick={resume} disabled={busy("resume")} data-test="resume">
        {t.resumeBot}
      </button>
    </section>
  );
}

/** @param {import("./page.js").PageProps} props */
export function HandoffsPage({ api, vendor, t }) {
  const load = useCallback(
    /** @type {(signal: AbortSignal) => Promise<HandoffsAnswer>} */ (
      (signal) => api(vendorPath(vendor.vendorId, "handoffs"), { signal })
    ),
    [api, vendor.vendorId],
  );
  const { data, error } = usePolled(load);
  const [open, setOpen] = useState(/** @type {string | undefined} */ (undefined));
  if (open) return <Thread api={api} vendor={vendor} t={t} customer={open} onBack={() => setOpen(undefined)} />;
  return (
    <section>
      <h2>{t.waitingBuyers}</h2>
      {error ? <p class="error">{errorText(t, error)}</p> : null}
      {!data ? (
        <p>{t.loading}</p>
      ) : data.handoffs.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        data.handoffs.map((h) => (
          <article key={h.customer} class="card" data-test="handoff" data-customer={h.customer}>
            <div class="row">
              <div>
                <h3>{h.customerName ?? h.customer}</h3>
                <div class="muted small">
                  {h.customer} · {formatWhen(h.pausedAt, t.language)}
                </div>
              </div>
              <button class="primary" onClick={() => setOpen(h.customer)}>
                {t.reply}
              </button>
            </div>
            {h.lastInboundText && <p class="quote">« {h.lastInboundText} »</p>}
          </article>
        ))
      )}
    </section>
  );
}
