/**
 * Every text of the console in French and English. The interface speaks the signed-in person's
 * language (their choice, else their browser's); what a buyer reads (amounts as the bot writes them,
 * the bot's own messages) keeps the vendor's `language`.
 */

/** @typedef {"fr" | "en"} Language */

/** The languages of the interface, each named in itself for the switch. */
export const LANGUAGES = /** @type {const} */ ([
  { code: "fr", name: "Français" },
  { code: "en", name: "English" },
]);

/**
 * The person's language: the one they chose (`saved`), else the first of their browser's languages the
 * console speaks, else French (the vendors' usual language).
 * @param {string | null | undefined} saved
 * @param {readonly string[]} browserLanguages
 * @returns {Language}
 */
export function chooseLanguage(saved, browserLanguages) {
  const known = (/** @type {string | null | undefined} */ tag) => {
    const base = tag?.toLowerCase().split("-")[0];
    return LANGUAGES.find((language) => language.code === base)?.code;
  };
  return known(saved) ?? browserLanguages.map(known).find(Boolean) ?? "fr";
}

/**
 * @typedef {object} ErrorDetails what an admin API error says besides its code
 * @property {string[]} [problems]
 * @property {string[]} [fields]
 * @property {Array<{ vendorId?: string; wabaInstanceId?: string }>} [owners]
 * @property {string} [keyword]
 * @property {string} [name]
 * @property {string} [productId]
 * @property {string} [messageId]
 */

/** @typedef {string | ((details: ErrorDetails) => string)} ErrorText */

const quoteFr = (/** @type {string | undefined} */ text) => `« ${text ?? "?"} »`;
const quoteEn = (/** @type {string | undefined} */ text) => `"${text ?? "?"}"`;
/** @param {ErrorDetails} details */
const ownersOf = (details) =>
  (details.owners ?? []).map((owner) => `${owner.vendorId ?? "?"}/${owner.wabaInstanceId ?? "?"}`).join(", ");

const FR = {
  title: "Console LivePay",
  signIn: "Se connecter",
  signOut: "Déconnexion",
  email: "E-mail",
  password: "Mot de passe",
  google: "Continuer avec Google",
  signInFailed: "Connexion refusée : vérifiez l'e-mail et le mot de passe.",
  noAccess: "Ce compte n'a accès à aucun vendeur.",
  vendor: "Vendeur",
  operator: "Opérateur",
  staff: "Équipe",
  numbers: "Numéros",
  handoffs: "Clients en attente",
  orders: "Commandes",
  products: "Produits",
  failed: "Échecs",
  loading: "Chargement…",
  none: "Rien pour l'instant.",
  save: "Enregistrer",
  cancel: "Annuler",
  edit: "Modifier",
  saved: "Enregistré.",
  addNumber: "Ajouter un numéro",
  numberId: "Identifiant du numéro",
  phone: "Numéro",
  provider: "Fournisseur",
  session: "Session",
  circuit: "Bascule Meta",
  failures24h: "Échecs (24 h)",
  waiting: "En attente d'envoi",
  problems: "Problèmes de configuration",
  noProblem: "Configuration valide",
  scanQr: "Scannez ce QR code avec WhatsApp sur le téléphone du numéro",
  registerWebhook: "Enregistrer le webhook",
  webhookRegistered: "Webhook enregistré",
  secretSet: "enregistré — laisser vide pour garder",
  secretUnset: "non renseigné",
  checking: "Enregistré ; vérification en cours…",
  waitingBuyers: "Clients qui attendent une personne",
  reply: "Répondre",
  send: "Envoyer",
  resumeBot: "Relancer le robot",
  botResumed: "Le robot reprend la conversation.",
  yourReply: "Votre réponse…",
  back: "Retour",
  today: "Aujourd'hui",
  all: "Toutes",
  reserved: "réservée",
  paid: "payée",
  expired: "expirée",
  cancelled: "annulée",
  flagged: "à vérifier",
  markPaid: "Marquer payée",
  cancelOrder: "Annuler la commande",
  amountPaid: "encaissé",
  addProduct: "Ajouter un produit",
  keyword: "Mot-clé",
  name: "Nom",
  price: "Prix (FCFA)",
  stock: "Stock",
  active: "Actif",
  imageUrl: "Image (URL)",
  messageStatus: { queued: "en file", sending: "envoi…", sent: "envoyé", failed: "échec" },
  inactive: "inactif",
  reason: "Raison",
  when: "Quand",
  to: "À",
  redrive: "Renvoyer",
  redriven: "Renvoyé.",
  language: "Langue",
  image: "[image]",
  fields: {
    wasenderInstanceId: "Session Wasender",
    wasenderApiUrl: "URL de l'API Wasender",
    metaPhoneNumberId: "Identifiant du numéro (Meta)",
    metaApiUrl: "URL de l'API Meta",
    unipileAccountId: "Compte Unipile",
    unipileApiUrl: "URL de l'API Unipile",
    wasenderApiKey: "Clé d'API Wasender",
    wasenderWebhookSecret: "Secret du webhook Wasender",
    wasenderAccessToken: "Jeton d'accès Wasender",
    metaAccessToken: "Jeton d'accès Meta",
    metaAppSecret: "Secret de l'application Meta",
    metaVerifyToken: "Jeton de vérification Meta",
    unipileApiKey: "Clé d'API Unipile",
    unipileWebhookSecret: "Secret du webhook Unipile",
    businessName: "Nom affiché",
  },
  numberStatus: { connected: "connecté", disconnected: "déconnecté", pending: "en attente" },
  sessionStatus: {
    connecting: "connexion…",
    connected: "connectée",
    disconnected: "déconnectée",
    need_scan: "QR code à scanner",
    logged_out: "déconnectée du téléphone",
    expired: "expirée",
    error: "en erreur",
  },
  circuitState: { closed: "fermée (Wasender)", open: "ouverte (relais)", probing: "essai de Wasender" },
  live: "En direct",
  liveUpdated: "Mis à jour à",
  livePaid: "Payé",
  liveReserved: "Réservé",
  liveOrdersToday: "Commandes du jour",
  liveHandoffs: "Attendent une personne",
  liveOrdersPerMinute: "Commandes par minute (dernière heure)",
  liveNoOrders: "Aucune commande dans la dernière heure.",
  liveInHour: "commande(s) en une heure",
  liveFunnel: "Du mot-clé au paiement (aujourd'hui)",
  liveFunnelKeyword: "Ont demandé un produit",
  liveFunnelYes: "Ont dit OUI (réservé)",
  liveFunnelPaid: "Ont payé",
  liveLeft: "Reste",
  liveWaiting: "En file",
  liveSoldOut: "Épuisé",
  exportFrom: "Du",
  exportTo: "Au",
  exportCsv: "Exporter (CSV)",
  serverSilent: "Le serveur ne répond pas : vérifiez la connexion, puis réessayez.",
  serverRefused: "Le serveur a refusé la demande.",
  /** @type {Record<string, ErrorText>} */
  errors: {
    internal: "Le serveur n'a pas pu enregistrer : réessayez.",
    auth_unavailable: "La vérification du compte est indisponible : réessayez.",
    unauthenticated: "Reconnectez-vous.",
    invalid_token: "Votre session a expiré : reconnectez-vous.",
    revoked_token: "Votre session a été révoquée : reconnectez-vous.",
    disabled_account: "Ce compte est désactivé.",
    deleted_account: "Ce compte a été supprimé.",
    forbidden: "Ce compte n'a pas accès à ce vendeur.",
    not_found: "Introuvable.",
    unknown_vendor: "Ce vendeur n'existe pas.",
    method_not_allowed: "Action non permise.",
    invalid_json: "La demande est mal formée.",
    invalid_request: "La demande est mal formée.",
    invalid_id: "Cet identifiant n'est pas valide.",
    invalid_number: "Le numéro n'est pas valide.",
    invalid_product: "Le produit n'est pas valide.",
    invalid_status: "Seules « payée » et « annulée » sont possibles.",
    invalid_message: "Le message n'est pas valide.",
    invalid_phone: "Ce numéro de téléphone n'est pas valide.",
    invalid_date: "Choisissez des dates valides (AAAA-MM-JJ).",
    invalid_range: "La date de début est après la date de fin.",
    invalid_idempotency_key: "La demande est mal formée : réessayez.",
    idempotency_key_reused: "Ce message a déjà été envoyé avec un autre texte : réécrivez-le.",
    url_not_allowed: "Une URL d'API pointe vers un hôte non autorisé.",
    instance_of_another_vendor: "Cet identifiant de numéro est déjà utilisé : choisissez-en un autre.",
    already_in_use: (details) =>
      `Déjà utilisé par un autre numéro : ${(details.fields ?? []).join(", ")}` +
      (details.owners?.length ? ` (${ownersOf(details)})` : "") +
      ".",
    duplicate_keyword: (details) =>
      `Le mot-clé ${quoteFr(details.keyword)} est déjà celui de ${quoteFr(details.name)} (produit ${details.productId ?? "?"}) : les clients ne pourraient pas les distinguer.`,
    unknown_order: "Cette commande n'existe pas.",
    not_reserved:
      "Cette commande n'est plus réservée : seule une commande réservée peut être marquée payée ou annulée.",
    unknown_conversation: "Cette conversation n'existe pas.",
    unknown_message: "Ce message n'existe pas chez ce vendeur.",
    not_failed: "Seul un message en échec peut être renvoyé.",
    already_redriven: "Déjà renvoyé.",
    no_instance: "Ce vendeur n'a pas de numéro.",
    no_usable_instance: "Le numéro de ce vendeur n'est pas utilisable.",
    instance_incomplete: "Il manque au numéro ce qu'il faut pour cela (jeton d'accès, session).",
    not_a_wasender_number: "Ce numéro n'est pas un numéro Wasender.",
    public_base_url_missing: "L'adresse publique du service n'est pas configurée (PUBLIC_BASE_URL).",
    wasender_unauthorized: "Wasender a refusé le jeton.",
    wasender_unknown_session: "Wasender ne connaît pas cette session.",
    wasender_unavailable: "Wasender est indisponible : réessayez.",
    wasender_unreachable: "Wasender est injoignable : réessayez.",
    wasender_bad_response: "Wasender a répondu sans état de session connu.",
    wasender_error: "Wasender a refusé la demande.",
    wasender_rate_limited: "Wasender limite les appels : réessayez dans un moment.",
    wasender_timeout: "Wasender n'a pas répondu à temps : réessayez.",
  },
};

/** @typedef {typeof FR} Texts every text of the interface, in one language */

/** @type {Texts} */
const EN = {
  title: "LivePay console",
  signIn: "Sign in",
  signOut: "Sign out",
  email: "Email",
  password: "Password",
  google: "Continue with Google",
  signInFailed: "Sign-in refused: check the email and password.",
  noAccess: "This account has access to no vendor.",
  vendor: "Vendor",
  operator: "Operator",
  staff: "Staff",
  numbers: "Numbers",
  handoffs: "Waiting buyers",
  orders: "Orders",
  products: "Products",
  failed: "Failed",
  loading: "Loading…",
  none: "Nothing yet.",
  save: "Save",
  cancel: "Cancel",
  edit: "Edit",
  saved: "Saved.",
  addNumber: "Add a number",
  numberId: "Number id",
  phone: "Number",
  provider: "Provider",
  session: "Session",
  circuit: "Meta failover",
  failures24h: "Failures (24 h)",
  waiting: "Waiting to send",
  problems: "Configuration problems",
  noProblem: "Configuration valid",
  scanQr: "Scan this QR code with WhatsApp on the number's phone",
  registerWebhook: "Register the webhook",
  webhookRegistered: "Webhook registered",
  secretSet: "set — leave empty to keep",
  secretUnset: "not set",
  checking: "Saved; checking…",
  waitingBuyers: "Buyers waiting for a person",
  reply: "Reply",
  send: "Send",
  resumeBot: "Resume the bot",
  botResumed: "The bot has the conversation again.",
  yourReply: "Your reply…",
  back: "Back",
  today: "Today",
  all: "All",
  reserved: "reserved",
  paid: "paid",
  expired: "expired",
  cancelled: "cancelled",
  flagged: "flagged",
  markPaid: "Mark paid",
  cancelOrder: "Cancel order",
  amountPaid: "collected",
  addProduct: "Add a product",
  keyword: "Keyword",
  name: "Name",
  price: "Price (FCFA)",
  stock: "Stock",
  active: "Active",
  imageUrl: "Image (URL)",
  messageStatus: { queued: "queued", sending: "sending…", sent: "sent", failed: "failed" },
  inactive: "inactive",
  reason: "Reason",
  when: "When",
  to: "To",
  redrive: "Send again",
  redriven: "Sent again.",
  language: "Language",
  image: "[image]",
  fields: {
    wasenderInstanceId: "Wasender session",
    wasenderApiUrl: "Wasender API URL",
    metaPhoneNumberId: "Phone number id (Meta)",
    metaApiUrl: "Meta API URL",
    unipileAccountId: "Unipile account",
    unipileApiUrl: "Unipile API URL",
    wasenderApiKey: "Wasender API key",
    wasenderWebhookSecret: "Wasender webhook secret",
    wasenderAccessToken: "Wasender access token",
    metaAccessToken: "Meta access token",
    metaAppSecret: "Meta app secret",
    metaVerifyToken: "Meta verify token",
    unipileApiKey: "Unipile API key",
    unipileWebhookSecret: "Unipile webhook secret",
    businessName: "Display name",
  },
  numberStatus: { connected: "connected", disconnected: "disconnected", pending: "pending" },
  sessionStatus: {
    connecting: "connecting…",
    connected: "connected",
    disconnected: "disconnected",
    need_scan: "QR code to scan",
    logged_out: "logged out from the phone",
    expired: "expired",
    error: "in error",
  },
  circuitState: { closed: "closed (Wasender)", open: "open (failover)", probing: "trying Wasender" },
  live: "Live",
  liveUpdated: "Updated at",
  livePaid: "Paid",
  liveReserved: "Reserved",
  liveOrdersToday: "Orders today",
  liveHandoffs: "Waiting for a person",
  liveOrdersPerMinute: "Orders per minute (last hour)",
  liveNoOrders: "No order in the last hour.",
  liveInHour: "order(s) in the hour",
  liveFunnel: "From keyword to payment (today)",
  liveFunnelKeyword: "Asked for a product",
  liveFunnelYes: "Said YES (reserved)",
  liveFunnelPaid: "Paid",
  liveLeft: "Left",
  liveWaiting: "In line",
  liveSoldOut: "Sold out",
  exportFrom: "From",
  exportTo: "To",
  exportCsv: "Export (CSV)",
  serverSilent: "The server does not answer: check the connection, then try again.",
  serverRefused: "The server refused the request.",
  errors: {
    internal: "The server could not save: try again.",
    auth_unavailable: "The account check is unavailable: try again.",
    unauthenticated: "Sign in again.",
    invalid_token: "Your session expired: sign in again.",
    revoked_token: "Your session was revoked: sign in again.",
    disabled_account: "This account is disabled.",
    deleted_account: "This account was deleted.",
    forbidden: "This account has no access to this vendor.",
    not_found: "Not found.",
    unknown_vendor: "This vendor does not exist.",
    method_not_allowed: "Action not allowed.",
    invalid_json: "The request is malformed.",
    invalid_request: "The request is malformed.",
    invalid_id: "This id is not valid.",
    invalid_number: "The number is not valid.",
    invalid_product: "The product is not valid.",
    invalid_status: 'Only "paid" and "cancelled" are possible.',
    invalid_message: "The message is not valid.",
    invalid_phone: "This phone number is not valid.",
    invalid_date: "Choose valid dates (YYYY-MM-DD).",
    invalid_range: "The start date is after the end date.",
    invalid_idempotency_key: "The request is malformed: try again.",
    idempotency_key_reused: "This message was already sent with another text: write it again.",
    url_not_allowed: "An API URL points at a host that is not allowed.",
    instance_of_another_vendor: "This number id is already in use: choose another one.",
    already_in_use: (details) =>
      `Already in use by another number: ${(details.fields ?? []).join(", ")}` +
      (details.owners?.length ? ` (${ownersOf(details)})` : "") +
      ".",
    duplicate_keyword: (details) =>
      `The keyword ${quoteEn(details.keyword)} is already that of ${quoteEn(details.name)} (product ${details.productId ?? "?"}): buyers could not tell them apart.`,
    unknown_order: "This order does not exist.",
    not_reserved: "This order is no longer reserved: only a reserved order can be marked paid or cancelled.",
    unknown_conversation: "This conversation does not exist.",
    unknown_message: "This vendor has no such message.",
    not_failed: "Only a failed message can be sent again.",
    already_redriven: "Already sent again.",
    no_instance: "This vendor has no number.",
    no_usable_instance: "This vendor's number cannot be used.",
    instance_incomplete: "The number lacks what this needs (access token, session).",
    not_a_wasender_number: "This number is not a Wasender number.",
    public_base_url_missing: "The service's public address is not configured (PUBLIC_BASE_URL).",
    wasender_unauthorized: "Wasender refused the token.",
    wasender_unknown_session: "Wasender does not know this session.",
    wasender_unavailable: "Wasender is unavailable: try again.",
    wasender_unreachable: "Wasender cannot be reached: try again.",
    wasender_bad_response: "Wasender answered without a known session status.",
    wasender_error: "Wasender refused the request.",
    wasender_rate_limited: "Wasender limits calls: try again in a moment.",
    wasender_timeout: "Wasender did not answer in time: try again.",
  },
};

/**
 * The texts of the interface in `language`, which they carry for the dates they format.
 * @param {string | undefined} language
 * @returns {Texts & { language: Language }}
 */
export function texts(language) {
  return language === "en" ? { ...EN, language: "en" } : { ...FR, language: "fr" };
}

/**
 * An admin API error in the person's language, by its code; the server's own message only for a code
 * this console does not know. The fields a form got wrong (`problems`) follow as the server names them.
 * @param {Texts} t
 * @param {unknown} error
 * @returns {string}
 */
export function errorText(t, error) {
  const { code, message, details } = /** @type {{ code?: unknown; message?: unknown; details?: ErrorDetails }} */ (
    error ?? {}
  );
  if (typeof code !== "string") return t.serverSilent;
  const known = t.errors[code];
  const text =
    typeof known === "function"
      ? known(details ?? {})
      : (known ?? `${t.serverRefused} (${code}${typeof message === "string" ? `: ${message}` : ""})`);
  const problems = details?.problems ?? [];
  return problems.length > 0 ? `${text} ${problems.join("; ")}` : text;
}

/**
 * An amount as the bot writes it to buyers ("15 000 FCFA", plain spaces), in the vendor's language:
 * the console shows the figures the buyers read.
 * @param {number | null | undefined} amount
 * @param {string} language
 */
export function formatAmount(amount, language) {
  const grouped = new Intl.NumberFormat(language === "en" ? "en-US" : "fr-FR").format(amount ?? 0);
  return `${grouped.replace(/\u202f|\u00a0/g, " ")} FCFA`;
}

/**
 * A time on Dakar's clock, in the person's language.
 * @param {string | null | undefined} iso
 * @param {string} language
 */
export function formatWhen(iso, language) {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(language === "en" ? "en-GB" : "fr-FR", {
    dateStyle: "short",
    timeStyle: "short",
    timeZone: "Africa/Dakar",
  });
}
