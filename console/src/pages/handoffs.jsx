import { useRef, useState } from "preact/hooks";
import { vendorPath } from "../api.js";
import { formatWhen } from "../i18n.js";
import { useBusy, usePolled } from "../hooks.js";

function Thread({ api, vendor, t, customer, onBack }) {
  const base = vendorPath(vendor.vendorId, `conversations/${encodeURIComponent(customer)}`);
  const { data, reload } = usePolled(() => api(`${base}/messages`), [customer]);
  const [text, setText] = useState("");
  const [note, setNote] = useState();
  const { run, busy } = useBusy();
  // One key per message being written: a retry of the same message (a lost answer, a second tap) is
  // sent once by the server; a new key once it went through.
  const idempotencyKey = useRef(crypto.randomUUID());
  const send = (event) => {
    event.preventDefault();
    return run("send", async () => {
      setNote(undefined);
      try {
        // The admin API's send: the outbox's producer, as for every message a vendor starts.
        await api(vendorPath(vendor.vendorId, "messages"), {
          method: "POST",
          body: { to: customer, text },
          headers: { "idempotency-key": idempotencyKey.current },
        });
        idempotencyKey.current = crypto.randomUUID();
        setText("");
        void reload();
      } catch (e) {
        setNote({ ok: false, text: e.message });
      }
    });
  };
  const resume = () =>
    run("resume", async () => {
      try {
        await api(`${base}/resume`, { method: "POST" });
        setNote({ ok: true, text: t.botResumed });
      } catch (e) {
        setNote({ ok: false, text: e.message });
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
          <div class={`bubble ${m.direction === "outbound" ? "out" : "in"}`} data-test="bubble">
            <div>{m.text ?? (m.imageUrl ? "[image]" : "")}</div>
            <div class="muted small">
              {formatWhen(m.at, vendor.language)}
              {m.direction === "outbound" && m.status ? ` · ${t.messageStatus[m.status] ?? m.status}` : ""}
            </div>
          </div>
        ))}
      </div>
      <form class="replybox" onSubmit={send}>
        <textarea
          name="reply"
          rows={2}
          placeholder={t.yourReply}
          value={text}
          onInput={(e) => {
            // Another text is another message: it gets its own key.
            if (e.currentTarget.value !== text) idempotencyKey.current = crypto.randomUUID();
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

export function HandoffsPage({ api, vendor, t }) {
  const { data, error } = usePolled(() => api(vendorPath(vendor.vendorId, "handoffs")), [vendor.vendorId]);
  const [open, setOpen] = useState();
  if (open) return <Thread api={api} vendor={vendor} t={t} customer={open} onBack={() => setOpen(undefined)} />;
  return (
    <section>
      <h2>{t.waitingBuyers}</h2>
      {error && <p class="error">{error.message}</p>}
      {!data ? (
        <p>{t.loading}</p>
      ) : data.handoffs.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        data.handoffs.map((h) => (
          <article class="card" data-test="handoff" data-customer={h.customer}>
            <div class="row">
              <div>
                <h3>{h.customerName ?? h.customer}</h3>
                <div class="muted small">
                  {h.customer} · {formatWhen(h.pausedAt, vendor.language)}
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
