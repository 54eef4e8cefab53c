import { render } from "preact";
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import {
  GoogleAuthProvider,
  onAuthStateChanged,
  signInWithEmailAndPassword,
  signInWithPopup,
  signOut,
} from "firebase/auth";
import { makeApi } from "./api.js";
import { startFirebase } from "./firebase.js";
import { chooseLanguage, errorText, LANGUAGES, texts } from "./i18n.js";
import { FailedPage } from "./pages/failed.jsx";
import { HandoffsPage } from "./pages/handoffs.jsx";
import { LivePage } from "./pages/live.jsx";
import { NumbersPage } from "./pages/numbers.jsx";
import { OrdersPage } from "./pages/orders.jsx";
import { ProductsPage } from "./pages/products.jsx";
import "./style.css";

const PAGES = {
  live: LivePage,
  numbers: NumbersPage,
  handoffs: HandoffsPage,
  orders: OrdersPage,
  products: ProductsPage,
  failed: FailedPage,
};
const PAGE_NAMES = /** @type {Array<keyof typeof PAGES>} */ (Object.keys(PAGES));

function useHashPage() {
  const read = () => location.hash.replace(/^#\/?/, "").split("/")[0] || "numbers";
  const [page, setPage] = useState(read);
  useEffect(() => {
    const onChange = () => setPage(read());
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return page;
}

/** @typedef {import("firebase/auth").Auth} Auth */
/** @typedef {import("firebase/auth").User} User */
/** @typedef {import("./i18n.js").Language} Language */
/** @typedef {import("../../functions/src/admin/console-types").SessionAnswer} SessionAnswer */

const LANGUAGE_KEY = "console.language";

/**
 * The signed-in person's language: their choice, kept on this device, else their browser's.
 * @returns {[Language, (language: Language) => void]}
 */
function useLanguage() {
  const [language, setLanguage] = useState(() =>
    chooseLanguage(localStorage.getItem(LANGUAGE_KEY), navigator.languages ?? [navigator.language]),
  );
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const choose = useCallback((/** @type {Language} */ chosen) => {
    localStorage.setItem(LANGUAGE_KEY, chosen);
    setLanguage(chosen);
  }, []);
  return [language, choose];
}

/** @param {{ t: import("./i18n.js").Texts; language: Language; onChange: (language: Language) => void }} props */
function LanguageSwitch({ t, language, onChange }) {
  return (
    <label class="language">
      <span class="sr-only">{t.language}</span>
      <select
        name="language"
        value={language}
        onChange={(e) => onChange(/** @type {Language} */ (e.currentTarget.value))}
      >
        {LANGUAGES.map(({ code, name }) => (
          <option key={code} value={code} lang={code}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** @param {{ auth: Auth; language: Language; onLanguage: (language: Language) => void }} props */
function SignIn({ auth, language, onLanguage }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const t = texts(language);
  const submit = async (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    setError("");
    try {
      await signInWithEmailAndPassword(auth, email.trim(), password);
    } catch {
      setError(t.signInFailed);
    }
  };
  return (
    <main class="signin">
      <h1>{t.title}</h1>
      <LanguageSwitch t={t} language={language} onChange={onLanguage} />
      <form onSubmit={submit} class="card">
        <label>
          {t.email}
          <input
            name="email"
            type="email"
            autocomplete="username"
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
            required
          />
        </label>
        <label>
          {t.password}
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            required
          />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary">
          {t.signIn}
        </button>
        <button
          type="button"
          onClick={() => signInWithPopup(auth, new GoogleAuthProvider()).catch(() => setError(t.signInFailed))}
        >
          {t.google}
        </button>
      </form>
    </main>
  );
}

/** @param {{ auth: Auth; user: User; language: Language; onLanguage: (language: Language) => void }} props */
function Console({ auth, user, language, onLanguage }) {
  const api = useMemo(() => makeApi(user), [user]);
  const [session, setSession] = useState(/** @type {SessionAnswer | undefined} */ (undefined));
  const [error, setError] = useState(/** @type {unknown} */ (undefined));
  const [vendorId, setVendorId] = useState(() => localStorage.getItem("console.vendor") ?? "");
  const page = useHashPage();
  useEffect(() => {
    const readSession = /** @type {() => Promise<SessionAnswer>} */ (() => api("/vendors"));
    readSession().then(setSession, setError);
  }, [api]);
  const vendors = session?.vendors ?? [];
  const vendor = vendors.find((v) => v.vendorId === vendorId) ?? vendors[0];
  // The interface in the person's language; the vendor's language stays for what buyers read.
  const t = texts(language);
  if (error)
    return (
      <main class="signin">
        <p class="error" role="alert">
          {errorText(t, error)}
        </p>
        <button onClick={() => signOut(auth)}>{t.signOut}</button>
      </main>
    );
  if (!session)
    return (
      <main class="signin">
        <p>{t.loading}</p>
      </main>
    );
  if (!vendor)
    return (
      <main class="signin">
        <p class="error">{t.noAccess}</p>
        <button onClick={() => signOut(auth)}>{t.signOut}</button>
      </main>
    );
  const Page = PAGES[/** @type {keyof typeof PAGES} */ (page)] ?? NumbersPage;
  const choose = (/** @type {string} */ id) => {
    localStorage.setItem("console.vendor", id);
    setVendorId(id);
  };
  return (
    <div class="shell">
      <header>
        <div class="top">
          <strong>{t.title}</strong>
          <span class="who" data-test="who">
            {session.me.admin ? t.operator : t.staff} · {user.email}
          </span>
          <LanguageSwitch t={t} language={language} onChange={onLanguage} />
          <button class="link" onClick={() => signOut(auth)}>
            {t.signOut}
          </button>
        </div>
        <label class="vendor">
          {t.vendor}
          <select
            name="vendor"
            value={vendor.vendorId}
            onChange={(e) => choose(e.currentTarget.value)}
            disabled={vendors.length < 2}
          >
            {vendors.map((v) => (
              <option key={v.vendorId} value={v.vendorId}>
                {v.businessName} ({v.vendorId})
              </option>
            ))}
          </select>
        </label>
        <nav>
          {PAGE_NAMES.map((name) => (
            <a
              key={name}
              href={`#/${name}`}
              class={name === page ? "active" : ""}
              aria-current={name === page ? "page" : undefined}
              data-page={name}
            >
              {t[name]}
            </a>
          ))}
        </nav>
      </header>
      <main>
        <Page key={`${vendor.vendorId}/${page}`} api={api} vendor={vendor} t={t} />
      </main>
    </div>
  );
}

/** @param {{ auth: Auth }} props */
function App({ auth }) {
  const [user, setUser] = useState(/** @type {User | null | undefined} */ (undefined));
  const [language, setLanguage] = useLanguage();
  useEffect(() => onAuthStateChanged(auth, (u) => setUser(u ?? null)), [auth]);
  if (user === undefined) return null;
  return user ? (
    <Console key={user.uid} auth={auth} user={user} language={language} onLanguage={setLanguage} />
  ) : (
    <SignIn auth={auth} language={language} onLanguage={setLanguage} />
  );
}

startFirebase().then(
  (auth) => render(<App auth={auth} />, /** @type {HTMLElement} */ (document.getElementById("app"))),
  (error) => {
    const app = document.getElementById("app");
    if (app) app.textContent = `The console could not start: ${error instanceof Error ? error.message : String(error)}`;
  },
);
