/** Every text of the console in French and English; the vendor's `language` chooses. */
const TEXTS = {
  fr: {
    title: "Console LivePay",
    signIn: "Se connecter", signOut: "Déconnexion", email: "E-mail", password: "Mot de passe", google: "Continuer avec Google",
    signInFailed: "Connexion refusée : vérifiez l'e-mail et le mot de passe.", noAccess: "Ce compte n'a accès à aucun vendeur.",
    vendor: "Vendeur", operator: "Opérateur", staff: "Équipe",
    numbers: "Numéros", handoffs: "Clients en attente", orders: "Commandes", products: "Produits", failed: "Échecs",
    loading: "Chargement…", none: "Rien pour l'instant.", save: "Enregistrer", cancel: "Annuler", edit: "Modifier", saved: "Enregistré.",
    addNumber: "Ajouter un numéro", numberId: "Identifiant du numéro", phone: "Numéro", provider: "Fournisseur",
    session: "Session", circuit: "Bascule Meta", failures24h: "Échecs (24 h)", waiting: "En attente d'envoi",
    problems: "Problèmes de configuration", noProblem: "Configuration valide",
    scanQr: "Scannez ce QR code avec WhatsApp sur le téléphone du numéro", registerWebhook: "Enregistrer le webhook",
    webhookRegistered: "Webhook enregistré", secretSet: "enregistré — laisser vide pour garder", secretUnset: "non renseigné",
    checking: "Enregistré ; vérification en cours…",
    waitingBuyers: "Clients qui attendent une personne", reply: "Répondre", send: "Envoyer", resumeBot: "Relancer le robot",
    botResumed: "Le robot reprend la conversation.", yourReply: "Votre réponse…", back: "Retour",
    today: "Aujourd'hui", all: "Toutes", reserved: "réservée", paid: "payée", expired: "expirée", cancelled: "annulée", flagged: "à vérifier",
    markPaid: "Marquer payée", cancelOrder: "Annuler la commande", amountPaid: "encaissé",
    addProduct: "Ajouter un produit", keyword: "Mot-clé", name: "Nom", price: "Prix (FCFA)", stock: "Stock", active: "Actif", imageUrl: "Image (URL)",
    messageStatus: { queued: "en file", sending: "envoi…", sent: "envoyé", failed: "échec" },
    inactive: "inactif", reason: "Raison", when: "Quand", to: "À", redrive: "Renvoyer", redriven: "Renvoyé.",
  },
  en: {
    title: "LivePay console",
    signIn: "Sign in", signOut: "Sign out", email: "Email", password: "Password", google: "Continue with Google",
    signInFailed: "Sign-in refused: check the email and password.", noAccess: "This account has access to no vendor.",
    vendor: "Vendor", operator: "Operator", staff: "Staff",
    numbers: "Numbers", handoffs: "Waiting buyers", orders: "Orders", products: "Products", failed: "Failed",
    loading: "Loading…", none: "Nothing yet.", save: "Save", cancel: "Cancel", edit: "Edit", saved: "Saved.",
    addNumber: "Add a number", numberId: "Number id", phone: "Number", provider: "Provider",
    session: "Session", circuit: "Meta failover", failures24h: "Failures (24 h)", waiting: "Waiting to send",
    problems: "Configuration problems", noProblem: "Configuration valid",
    scanQr: "Scan this QR code with WhatsApp on the number's phone", registerWebhook: "Register the webhook",
    webhookRegistered: "Webhook registered", secretSet: "set — leave empty to keep", secretUnset: "not set",
    checking: "Saved; checking…",
    waitingBuyers: "Buyers waiting for a person", reply: "Reply", send: "Send", resumeBot: "Resume the bot",
    botResumed: "The bot has the conversation again.", yourReply: "Your reply…", back: "Back",
    today: "Today", all: "All", reserved: "reserved", paid: "paid", expired: "expired", cancelled: "cancelled", flagged: "flagged",
    markPaid: "Mark paid", cancelOrder: "Cancel order", amountPaid: "collected",
    addProduct: "Add a product", keyword: "Keyword", name: "Name", price: "Price (FCFA)", stock: "Stock", active: "Active", imageUrl: "Image (URL)",
    messageStatus: { queued: "queued", sending: "sending…", sent: "sent", failed: "failed" },
    inactive: "inactive", reason: "Reason", when: "When", to: "To", redrive: "Send again", redriven: "Sent again.",
  },
};

export function texts(language) {
  return TEXTS[language === "en" ? "en" : "fr"];
}

export function formatAmount(amount, language) {
  return `${new Intl.NumberFormat(language === "en" ? "en-US" : "fr-FR").format(amount ?? 0).replace(/\u202f|\u00a0/g, " ")} FCFA`;
}

export function formatWhen(iso, language) {
  if (!iso) return "—";
  return new Date(iso).toLocaleString(language === "en" ? "en-GB" : "fr-FR", { dateStyle: "short", timeStyle: "short", timeZone: "Africa/Dakar" });
}
