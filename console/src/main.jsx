import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import {
  GoogleAuthProvider,
  onAuthStateChanged,
  signInWithEmailAndPassword,
  signInWithPopup,
  signOut,
} from "firebase/auth";
import { makeApi } from "./api.js";
import { startFirebase } from "./firebase.js";
import { texts } from "./i18n.js";
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

function SignIn({ auth }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const t = texts(navigator.language?.startsWith("en") ? "en" : "fr");
  const submit = async (event) => {
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

function Console({ auth, user }) {
  const api = useMemo(() => makeApi(user), [user]);
  const [session, setSession] = useState();
  const [error, setError] = useState("");
  const [vendorId, setVendorId] = useState(() => localStorage.getItem("console.vendor") ?? "");
  const page = useHashPage();
  useEffect(() => {
    api("/vendors").then(setSession, (e) => setError(e.message));
  }, [api]);
  const vendors = session?.vendors ?? [];
  const vendor = vendors.find((v) => v.vendorId === vendorId) ?? vendors[0];
  const t = texts(vendor?.language);
  useEffect(() => {
    document.documentElement.lang = vendor?.language ?? "fr";
  }, [vendor?.language]);
  if (error)
    return (
      <main class="signin">
        <p class="error" role="alert">
          {error}
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
  const Page = PAGES[page] ?? NumbersPage;
  const choose = (id) => {
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
              <option value={v.vendorId}>
                {v.businessName} ({v.vendorId})
              </option>
            ))}
          </select>
        </label>
        <nav>
          {Object.keys(PAGES).map((name) => (
            <a href={`#/${name}`} class={name === page ? "active" : ""} data-page={name}>
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

function App({ auth }) {
  const [user, setUser] = useState(undefined);
  useEffect(() => onAuthStateChanged(auth, (u) => setUser(u ?? null)), [auth]);
  if (user === undefined) return null;
  return user ? <Console key={user.uid} auth={auth} user={user} /> : <SignIn auth={auth} />;
}

startFirebase().then(
  (auth) => render(<App auth={auth} />, document.getElementById("app")),
  (error) => {
    document.getElementById("app").textContent = `The console could not start: ${error.message}`;
  },
);
