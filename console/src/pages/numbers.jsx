import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { vendorPath } from "../api.js";
import { errorText, formatWhen } from "../i18n.js";
import { useBusy, usePolled } from "../hooks.js";
import { QrImage } from "./qr.jsx";

/** @typedef {keyof import("./page.js").PageProps["t"]["fields"]} Field */

/** @type {Record<"wasender" | "meta" | "unipile", Field[]>} */
const SECRETS = {
  wasender: ["wasenderApiKey", "wasenderWebhookSecret", "wasenderAccessToken"],
  meta: ["metaAccessToken", "metaAppSecret", "metaVerifyToken"],
  unipile: ["unipileApiKey", "unipileWebhookSecret"],
};
/** @type {Record<"wasender" | "meta" | "unipile", Field[]>} */
const PLAIN = {
  wasender: ["wasenderInstanceId", "wasenderApiUrl"],
  meta: ["metaPhoneNumberId", "metaApiUrl"],
  unipile: ["unipileAccountId", "unipileApiUrl"],
};
/** @typedef {keyof typeof PLAIN} Provider */
const PROVIDERS = /** @type {Provider[]} */ (Object.keys(PLAIN));

/** @typedef {import("../../../functions/src/admin/console-types").NumberView} NumberView */
/** @typedef {import("../../../functions/src/admin/console-types").NumberHealth} NumberHealth */
/** @typedef {import("../../../functions/src/admin/console-types").NumbersAnswer} NumbersAnswer */
/** @typedef {import("./page.js").PageProps["t"]} Texts */
/** @typedef {{ ok: boolean; text: string }} Note */

/**
 * Add or edit a number: the same `waba_instances` fields a console edit writes; secrets write-only.
 * @param {import("./page.js").PageProps & { number: NumberView | undefined; onDone: (message?: string) => void }} props
 */
function NumberForm({ api, vendor, t, number, onDone }) {
  const [values, setValues] = useState(
    () =>
      /** @type {Record<string, string>} */ ({
        id: number?.wabaInstanceId ?? "",
        phoneNumber: number?.phoneNumber ?? "",
        provider: number?.provider ?? "wasender",
        businessName: number?.businessName ?? "",
        ...Object.fromEntries(
          Object.values(PLAIN)
            .flat()
            .map((name) => [name, number?.[/** @type {keyof NumberView} */ (name)] ?? ""]),
        ),
      }),
  );
  const [error, setError] = useState(/** @type {unknown} */ (undefined));
  /** @type {import("preact").RefObject<HTMLFormElement>} */
  const form = useRef(null);
  // The form opens above the list: bring it into view on a phone.
  useEffect(() => form.current?.scrollIntoView({ block: "start" }), []);
  const set = (/** @type {string} */ name) => (/** @type {{ currentTarget: { value: string } }} */ event) =>
    setValues({ ...values, [name]: event.currentTarget.value });
  const providerFields = PROVIDERS.find((provider) => provider === values.provider) ?? "wasender";
  const { run, busy } = useBusy();
  const submit = (/** @type {SubmitEvent & { currentTarget: HTMLFormElement }} */ event) => {
    event.preventDefault();
    const elements = event.currentTarget.elements;
    return run("save", async () => {
      setError(undefined);
      const { id, ...fields } = values;
      /** @type {Record<string, unknown>} */
      const body = Object.fromEntries(
        // Only the chosen provider's fields: another provider's are left as stored (a switch keeps them).
        Object.entries(fields).filter(
          ([name]) =>
            !PROVIDERS.some((other) => other !== providerFields && PLAIN[other].includes(/** @type {Field} */ (name))),
        ),
      );
      if (!number) for (const name of Object.keys(body)) if (body[name] === "") delete body[name];
      for (const name of SECRETS[providerFields]) {
        const value = /** @type {HTMLInputElement} */ (elements.namedItem(name)).value;
        if (value !== "") body[name] = value;
      }
      try {
        await api(vendorPath(vendor.vendorId, `numbers/${encodeURIComponent(id.trim())}`), { method: "PUT", body });
        onDone(t.checking);
      } catch (e) {
        setError(e);
      }
    });
  };
  return (
    <form class="card form" onSubmit={submit} data-test="number-form" ref={form}>
      <label>
        {t.numberId}
        <input
          name="id"
          value={values.id}
          onInput={set("id")}
          required
          disabled={Boolean(number)}
          placeholder="waba_vendor_004"
        />
      </label>
      <label>
        {t.phone}
        <input
          name="phoneNumber"
          value={values.phoneNumber}
          onInput={set("phoneNumber")}
          inputmode="tel"
          placeholder="+221 77 123 45 67"
        />
      </label>
      <label>
        {t.provider}
        <select name="provider" value={values.provider} onChange={set("provider")}>
          <option value="wasender">Wasender</option>
          <option value="meta">Meta Cloud API</option>
          <option value="unipile">Unipile</option>
        </select>
      </label>
      {PLAIN[providerFields].map((name) => (
        <label key={name}>
          {t.fields[name]}
          <input name={name} value={values[name]} onInput={set(name)} />
        </label>
      ))}
      {SECRETS[providerFields].map((name) => (
        <label key={name}>
          {t.fields[name]}
          <input
            name={name}
            type="password"
            autocomplete="off"
            placeholder={number?.secretsSet?.[name] ? t.secretSet : t.secretUnset}
          />
        </label>
      ))}
      <label>
        {t.fields.businessName}
        <input name="businessName" value={values.businessName} onInput={set("businessName")} />
      </label>
      {error ? (
        <p class="error" role="alert">
          {errorText(t, error)}
        </p>
      ) : null}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy("save")}>
          {t.save}
        </button>
        <button type="button" onClick={() => onDone()}>
          {t.cancel}
        </button>
      </div>
    </form>
  );
}

/** @param {{ health: NumberHealth | null; t: Texts }} props */
function Health({ health, t }) {
  if (!health) return null;
  const failed = health.failedLast24h ?? { count: 0, latest: [] };
  const session = health.session?.sessionStatus ?? health.session?.status;
  return (
    <dl class="facts">
      <dt>{t.session}</dt>
      <dd data-test="session" data-status={session ?? ""}>
        {session ? (t.sessionStatus[/** @type {keyof Texts["sessionStatus"]} */ (session)] ?? session) : "—"}
      </dd>
      {health.circuit && (
        <>
          <dt>{t.circuit}</dt>
          <dd>
            {t.circuitState[/** @type {keyof Texts["circuitState"]} */ (health.circuit.state)] ?? health.circuit.state}
            {health.circuit.reason ? ` — ${health.circuit.reason}` : ""}
          </dd>
        </>
      )}
      <dt>{t.waiting}</dt>
      <dd>{health.waiting ?? 0}</dd>
      <dt>{t.failures24h}</dt>
      <dd data-test="failures">
        {failed.count}
        {failed.latest.slice(0, 3).map((f) => (
          <div key={f.path} class="muted small">
            {formatWhen(f.failedAt, t.language)} · {f.provider ?? "?"} · {f.reason ?? f.code}
          </div>
        ))}
      </dd>
    </dl>
  );
}

/** @param {import("./page.js").PageProps & { number: NumberView; onEdit: (number: NumberView) => void }} props */
function NumberCard({ api, vendor, t, number, onEdit }) {
  const [note, setNote] = useState(/** @type {Note | undefined} */ (undefined));
  const { run, busy } = useBusy();
  const register = () =>
    run("register", async () => {
      setNote(undefined);
      try {
        /** @type {{ registered: { webhook_url: string } }} */
        const result = await api(vendorPath(vendor.vendorId, "setup-wasender-webhook"), { method: "POST" });
        setNote({ ok: true, text: `${t.webhookRegistered}: ${result.registered.webhook_url}` });
      } catch (e) {
        setNote({ ok: false, text: errorText(t, e) });
      }
    });
  // The onboarding check's verdict, and what keeps the number from being used (e.g. a missing secret).
  const problems = [...new Set([...(number.configProblems ?? []), ...(number.health?.problems ?? [])])];
  return (
    <article class="card" data-test="number" data-id={number.wabaInstanceId}>
      <div class="row">
        <div>
          <h3>{number.phoneNumber ?? "—"}</h3>
          <div class="muted small">
            {number.wabaInstanceId} · {number.provider ?? "?"}
            {number.businessName ? ` · ${number.businessName}` : ""}
          </div>
        </div>
        <span class={`badge ${number.status ?? ""}`}>
          {number.status
            ? (t.numberStatus[/** @type {keyof Texts["numberStatus"]} */ (number.status)] ?? number.status)
            : "—"}
        </span>
      </div>
      {problems.length > 0 ? (
        // Shown for as long as they last: read in turn, not announced as an alert at each poll.
        <div class="problems" data-test="problems">
          <strong>{t.problems}</strong>
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      ) : (
        <p class="ok small" data-test="no-problem">
          ✓ {t.noProblem}
        </p>
      )}
      <Health health={number.health} t={t} />
      {number.qrCode && (
        <div class="qrbox">
          <p>{t.scanQr}</p>
          <QrImage text={number.qrCode} alt={t.scanQr} />
          <div class="muted small">{formatWhen(number.qrCodeUpdatedAt, t.language)}</div>
        </div>
      )}
      {note && (
        <p class={note.ok ? "ok small" : "error"} data-test="note">
          {note.text}
        </p>
      )}
      <div class="actions">
        <button onClick={() => onEdit(number)}>{t.edit}</button>
        {number.provider === "wasender" && (
          <button onClick={register} disabled={busy("register")} data-test="register-webhook">
            {t.registerWebhook}
          </button>
        )}
      </div>
    </article>
  );
}

/** @param {import("./page.js").PageProps} props */
export function NumbersPage({ api, vendor, t }) {
  const load = useCallback(
    /** @type {(signal: AbortSignal) => Promise<NumbersAnswer>} */ (
      (signal) => api(vendorPath(vendor.vendorId, "numbers"), { signal })
    ),
    [api, vendor.vendorId],
  );
  const { data, error, reload } = usePolled(load);
  const [editing, setEditing] = useState(/** @type {NumberView | "new" | undefined} */ (undefined));
  const [note, setNote] = useState(/** @type {string | undefined} */ (undefined));
  const done = (/** @type {string | undefined} */ message) => {
    setEditing(undefined);
    setNote(message);
    void reload();
  };
  return (
    <section>
      <div class="row">
        <h2>{t.numbers}</h2>
        <button class="primary" onClick={() => setEditing("new")} data-test="add-number">
          {t.addNumber}
        </button>
      </div>
      {note && <p class="muted small">{note}</p>}
      {editing && (
        <NumberForm api={api} vendor={vendor} t={t} number={editing === "new" ? undefined : editing} onDone={done} />
      )}
      {error ? <p class="error">{errorText(t, error)}</p> : null}
      {!data ? (
        <p>{t.loading}</p>
      ) : data.numbers.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        data.numbers.map((number) => (
          <NumberCard key={number.wabaInstanceId} api={api} vendor={vendor} t={t} number={number} onEdit={setEditing} />
        ))
      )}
    </section>
  );
}
