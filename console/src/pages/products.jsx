import { useCallback, useState } from "preact/hooks";
import { vendorPath } from "../api.js";
import { errorText, formatAmount } from "../i18n.js";
import { useBusy, usePolled } from "../hooks.js";

/** @typedef {import("../../../functions/src/admin/console-types").ProductView} ProductView */
/** @typedef {import("../../../functions/src/admin/console-types").ProductsAnswer} ProductsAnswer */

/** @param {import("./page.js").PageProps & { product?: ProductView; onDone: () => void }} props */
function ProductForm({ api, vendor, t, product, onDone }) {
  const [values, setValues] = useState(() => ({
    keyword: product?.keyword ?? "",
    name: product?.name ?? "",
    price: product?.price ?? "",
    stock: product?.stock ?? "",
    active: product?.active ?? true,
    imageUrl: product?.imageUrl ?? "",
  }));
  const [error, setError] = useState(/** @type {unknown} */ (undefined));
  const set = (/** @type {string} */ name) => (/** @type {{ currentTarget: HTMLInputElement }} */ event) =>
    setValues({
      ...values,
      [name]: event.currentTarget.type === "checkbox" ? event.currentTarget.checked : event.currentTarget.value,
    });
  const { run, busy } = useBusy();
  const submit = (/** @type {SubmitEvent} */ event) => {
    event.preventDefault();
    return run("save", async () => {
      setError(undefined);
      const body = {
        keyword: values.keyword.trim(),
        name: values.name.trim(),
        price: Number(values.price),
        stock: Number(values.stock),
        active: values.active,
        imageUrl: values.imageUrl.trim(),
        ...(product?.description && { description: product.description }),
      };
      try {
        // A new product's id is made by the server from its keyword.
        const path = product ? `products/${encodeURIComponent(product.productId)}` : "products";
        await api(vendorPath(vendor.vendorId, path), { method: product ? "PUT" : "POST", body });
        onDone();
      } catch (e) {
        setError(e);
      }
    });
  };
  return (
    <form class="card form" onSubmit={submit} data-test="product-form">
      <label>
        {t.keyword}
        <input name="keyword" value={values.keyword} onInput={set("keyword")} required />
      </label>
      <label>
        {t.name}
        <input name="name" value={values.name} onInput={set("name")} required />
      </label>
      <div class="pair">
        <label>
          {t.price}
          <input
            name="price"
            type="number"
            min="0"
            step="1"
            inputmode="numeric"
            value={values.price}
            onInput={set("price")}
            required
          />
        </label>
        <label>
          {t.stock}
          <input
            name="stock"
            type="number"
            min="0"
            step="1"
            inputmode="numeric"
            value={values.stock}
            onInput={set("stock")}
            required
          />
        </label>
      </div>
      <label>
        {t.imageUrl}
        <input name="imageUrl" type="url" value={values.imageUrl} onInput={set("imageUrl")} />
      </label>
      <label class="check">
        <input name="active" type="checkbox" checked={values.active} onChange={set("active")} /> {t.active}
      </label>
      {error ? (
        <p class="error" role="alert" data-test="product-error">
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

/** @param {import("./page.js").PageProps} props */
export function ProductsPage({ api, vendor, t }) {
  const load = useCallback(
    /** @type {(signal: AbortSignal) => Promise<ProductsAnswer>} */ (
      (signal) => api(vendorPath(vendor.vendorId, "products"), { signal })
    ),
    [api, vendor.vendorId],
  );
  const { data, error, reload } = usePolled(load, 5000);
  const [editing, setEditing] = useState(/** @type {ProductView | "new" | undefined} */ (undefined));
  const done = () => {
    setEditing(undefined);
    void reload();
  };
  return (
    <section>
      <div class="row">
        <h2>{t.products}</h2>
        <button class="primary" onClick={() => setEditing("new")} data-test="add-product">
          {t.addProduct}
        </button>
      </div>
      {editing === "new" && <ProductForm api={api} vendor={vendor} t={t} onDone={done} />}
      {error ? <p class="error">{errorText(t, error)}</p> : null}
      {!data ? (
        <p>{t.loading}</p>
      ) : data.products.length === 0 ? (
        <p>{t.none}</p>
      ) : (
        data.products.map((p) =>
          editing !== "new" && editing?.productId === p.productId ? (
            <ProductForm key={p.productId} api={api} vendor={vendor} t={t} product={p} onDone={done} />
          ) : (
            <article key={p.productId} class="card product" data-test="product" data-id={p.productId}>
              {p.imageUrl ? (
                <img src={p.imageUrl} alt="" loading="lazy" onError={(e) => e.currentTarget.classList.add("broken")} />
              ) : (
                <div class="noimg" />
              )}
              <div class="grow">
                <h3>
                  {p.name} <span class="muted small">{p.keyword}</span>
                </h3>
                <div>
                  {/* The price as the bot writes it to buyers: in the vendor's language. */}
                  <span lang={vendor.language}>{formatAmount(p.price, vendor.language)}</span> · {t.stock}{" "}
                  <strong data-test="stock">{p.stock}</strong>
                  {!p.active && <span class="badge cancelled">{t.inactive}</span>}
                </div>
              </div>
              <button onClick={() => setEditing(p)} data-test="edit-product">
                {t.edit}
              </button>
            </article>
          ),
        )
      )}
    </section>
  );
}
