import type { Language } from "../model/vendor-config";
import type { TemplateKey, TemplateOverrides, Templates } from "../model/templates";

/**
 * What AlloPermet says by default, in French and English, and how a template is filled. The catalogue of
 * templates and their placeholders is part of the vendor configuration model (model/templates.ts).
 */
const FR: Templates = {
  welcome:
    "Bonjour et bienvenue chez {shop} ! Tapez le mot-clé d'un produit vu en live (ou MENU pour le catalogue, AIDE pour l'aide).",
  help: [
    "{shop} : voici ce que je comprends",
    "• le mot-clé d'un produit, ex. {examples}",
    "• MENU : le catalogue",
    "• PANIER : votre panier",
    "• COMMANDES : vos commandes",
    "• ANNULER : annuler",
    "• HUMAIN : parler au vendeur",
  ].join("\n"),
  productCard: "*{name}*\n{price}\n{description}\nEn stock : {stock}",
  askQuantity: "Combien en voulez-vous ? Répondez par un nombre de 1 à {max}.",
  outOfStock: "*{name}* est épuisé pour le moment. Tapez MENU pour voir les autres produits.",
  quantityInvalid: "Répondez par un nombre de 1 à {max}, ou ANNULER.",
  quantityTooHigh: "Il ne reste que {max} *{name}*. Répondez par un nombre de 1 à {max}.",
  recap:
    "Votre commande :\n{lines}\nTotal : *{total}*\n\nRépondez OUI pour confirmer, NON pour annuler, ou tapez un autre mot-clé pour ajouter un produit.",
  recapLine: "• {quantity} × {name} = {amount}",
  cartEmpty: "Votre panier est vide. Tapez le mot-clé d'un produit vu en live, ou MENU.",
  cartCleared: "C'est annulé, votre panier est vide. Tapez un mot-clé quand vous voulez.",
  orderReserved:
    "Commande *{reference}* réservée : {total}.\nPayez ici : {link}\nLa réservation tient {minutes} minutes (jusqu'à {expiresAt}). Merci !",
  notEnoughStock:
    "Désolé, le stock a changé entre-temps :\n{lines}\nVotre panier a été ajusté ; répondez OUI pour confirmer ce qui reste, ou NON.",
  shortageLine: "• *{name}* : il en reste {available}",
  orderCancelled: "La commande *{reference}* est annulée et les articles sont remis en vente.",
  nothingToCancel: "Il n'y a rien à annuler.",
  ordersList: "Vos commandes :\n{lines}",
  orderLine: "• *{reference}* : {total}, {status}",
  noOrders: "Vous n'avez pas encore de commande. Tapez le mot-clé d'un produit pour commander.",
  statusReserved: "réservée jusqu'à {expiresAt}, à payer : {link}",
  statusPaid: "payée",
  statusExpired: "expirée",
  statusCancelled: "annulée",
  menuPage: "Catalogue ({page}/{pages}) :\n{lines}",
  menuLine: "• {keyword} : {name}, {price} ({stock} en stock)",
  menuLineSoldOut: "• {keyword} : {name}, {price} (épuisé)",
  menuMore: "Tapez SUITE pour la page suivante.",
  menuEmpty: "Aucun produit n'est en vente pour le moment.",
  handoffStarted: "Je préviens {shop} : quelqu'un vous répond ici dès que possible.",
  handoffOwnerNotice:
    "Le client {name} ({customer}) demande à parler à quelqu'un. Dernier message : « {text} ». Le robot est en pause pour lui ; pour le relancer, écrivez : {resume}",
  resumeDone: "Le robot reprend la conversation avec {customer}.",
  resumeUsage: "Pour relancer le robot avec un client : REPRENDRE suivi de son numéro, ex. REPRENDRE 77 123 45 67.",
  resumeNotPaused: "Le robot n'était pas en pause avec {customer}.",
  didYouMean: "Vouliez-vous dire *{keyword}* ? Répondez OUI, ou tapez le bon mot-clé.",
  suggestionDeclined: "D'accord. Tapez le mot-clé exact du produit, ou MENU pour le catalogue.",
  notUnderstood: "Je n'ai pas compris « {text} ». Tapez le mot-clé d'un produit, MENU ou AIDE.",
  away: "Merci pour votre message ! {shop} est fermé pour le moment ; nous rouvrons {opensAt}. Nous vous répondrons dès l'ouverture.",
  paymentThanks: "Paiement reçu pour la commande *{reference}* ({total}). Merci pour votre achat chez {shop} !",
  paymentFailed:
    "Le paiement de la commande *{reference}* n'a pas abouti. Votre réservation tient toujours : réessayez ici {link}",
  reservationExpired:
    "La réservation *{reference}* a expiré sans paiement, les articles sont remis en vente. Tapez le mot-clé pour recommander.",
  cancelledByVendor: "Le vendeur a annulé la commande *{reference}*.",
  slowDown: "Doucement s'il vous plaît : vos messages sont bien reçus, je vous réponds dans une minute.",
  waitlistOffer:
    "*{name}* est épuisé pour le moment. Répondez OUI pour prendre une place dans la file d'attente ({quantity}) : si des articles se libèrent, ils vous sont réservés automatiquement. Ou tapez MENU.",
  waitlistShortOffer:
    "Il ne reste que {max} *{name}*. Répondez par un nombre de 1 à {max}, ou OUI pour attendre les {quantity} dans la file d'attente.",
  waitlistJoined:
    "C'est noté : vous êtes n°{place} dans la file d'attente pour {quantity} × *{name}*. Dès qu'un article se libère, il vous est réservé et je vous écris. PLACE pour connaître votre place, ANNULER pour quitter la file.",
  waitlistPlaces: "Vos places dans la file d'attente :\n{lines}",
  waitlistPlaceLine: "• {quantity} × *{name}* : n°{place}",
  waitlistNone: "Vous n'êtes dans aucune file d'attente. Tapez le mot-clé d'un produit épuisé pour en prendre une.",
  waitlistLeft: "Vous avez quitté la file d'attente pour *{name}*.",
  waitlistServed:
    "Bonne nouvelle : {quantity} × *{name}* s'est libéré pour vous ! Commande *{reference}* réservée : {total}.\nPayez ici : {link}\nLa réservation tient {minutes} minutes (jusqu'à {expiresAt}).",
  waitlistClosed: "*{name}* n'est plus en vente : la file d'attente est fermée. Merci de votre patience !",
  askZone: "Où faut-il livrer ? Répondez par le numéro de votre zone :\n{lines}",
  zoneLine: "{number}. {zone} : {fee}",
  zoneInvalid: "Répondez par le numéro de votre zone, de 1 à {max}.",
  askAddress: "Votre adresse de livraison à {zone} (quartier, rue, repère) ?",
  orderReservedDelivery:
    "Commande *{reference}* réservée : {total}, livraison comprise ({zone} : {fee}).\n{address}\nPayez ici : {link}\nLa réservation tient {minutes} minutes (jusqu'à {expiresAt}). Tapez ZONE pour changer de zone avant de payer. Merci !",
  deliveryChanged: "Commande *{reference}* : livraison à {zone} ({fee}), nouveau total *{total}*.\nPayez ici : {link}",
  noDeliveryToChange: "Vous n'avez pas de commande à payer avec livraison.",
};

const EN: Templates = {
  welcome:
    "Hello and welcome to {shop}! Type the keyword of a product from the live (or MENU for the catalogue, HELP for help).",
  help: [
    "{shop}: here is what I understand",
    "• a product's keyword, e.g. {examples}",
    "• MENU: the catalogue",
    "• CART: your cart",
    "• ORDERS: your orders",
    "• CANCEL: cancel",
    "• AGENT: talk to the seller",
  ].join("\n"),
  productCard: "*{name}*\n{price}\n{description}\nIn stock: {stock}",
  askQuantity: "How many would you like? Reply with a number from 1 to {max}.",
  outOfStock: "*{name}* is sold out for now. Type MENU to see the other products.",
  quantityInvalid: "Reply with a number from 1 to {max}, or CANCEL.",
  quantityTooHigh: "Only {max} *{name}* left. Reply with a number from 1 to {max}.",
  recap:
    "Your order:\n{lines}\nTotal: *{total}*\n\nReply YES to confirm, NO to cancel, or type another keyword to add a product.",
  recapLine: "• {quantity} × {name} = {amount}",
  cartEmpty: "Your cart is empty. Type the keyword of a product from the live, or MENU.",
  cartCleared: "Cancelled, your cart is empty. Type a keyword whenever you like.",
  orderReserved:
    "Order *{reference}* reserved: {total}.\nPay here: {link}\nThe reservation holds for {minutes} minutes (until {expiresAt}). Thank you!",
  notEnoughStock:
    "Sorry, the stock changed in the meantime:\n{lines}\nYour cart was adjusted; reply YES to confirm what is left, or NO.",
  shortageLine: "• *{name}*: {available} left",
  orderCancelled: "Order *{reference}* is cancelled and its items are back on sale.",
  nothingToCancel: "There is nothing to cancel.",
  ordersList: "Your orders:\n{lines}",
  orderLine: "• *{reference}*: {total}, {status}",
  noOrders: "You have no order yet. Type a product's keyword to order.",
  statusReserved: "reserved until {expiresAt}, pay at: {link}",
  statusPaid: "paid",
  statusExpired: "expired",
  statusCancelled: "cancelled",
  menuPage: "Catalogue ({page}/{pages}):\n{lines}",
  menuLine: "• {keyword}: {name}, {price} ({stock} in stock)",
  menuLineSoldOut: "• {keyword}: {name}, {price} (sold out)",
  menuMore: "Type NEXT for the next page.",
  menuEmpty: "No product is on sale right now.",
  handoffStarted: "I am letting {shop} know: someone will answer you here as soon as possible.",
  handoffOwnerNotice:
    'Customer {name} ({customer}) asks to talk to someone. Last message: "{text}". The bot is paused for them; to restart it, write: {resume}',
  resumeDone: "The bot is back in the conversation with {customer}.",
  resumeUsage: "To restart the bot with a customer: RESUME followed by their number, e.g. RESUME +221 77 123 45 67.",
  resumeNotPaused: "The bot was not paused with {customer}.",
  didYouMean: "Did you mean *{keyword}*? Reply YES, or type the right keyword.",
  suggestionDeclined: "All right. Type the product's exact keyword, or MENU for the catalogue.",
  notUnderstood: 'Sorry, I did not understand "{text}". Type a product\'s keyword, MENU or HELP.',
  away: "Thanks for your message! {shop} is closed right now; we open again {opensAt}. We will answer as soon as we open.",
  paymentThanks: "Payment received for order *{reference}* ({total}). Thank you for shopping at {shop}!",
  paymentFailed:
    "The payment for order *{reference}* did not go through. Your reservation still holds: try again at {link}",
  reservationExpired:
    "Reservation *{reference}* expired without payment and its items are back on sale. Type the keyword to order again.",
  cancelledByVendor: "The seller cancelled order *{reference}*.",
  slowDown: "Please slow down a little: your messages are received, I will answer within a minute.",
  waitlistOffer:
    "*{name}* is sold out for now. Reply YES to take a place in the waiting line ({quantity}): if units come back, they are reserved for you automatically. Or type MENU.",
  waitlistShortOffer:
    "Only {max} *{name}* left. Reply with a number from 1 to {max}, or YES to wait for all {quantity} in the waiting line.",
  waitlistJoined:
    "Done: you are number {place} in the waiting line for {quantity} × *{name}*. As soon as one comes back it is reserved for you and I will write. PLACE to see your place, CANCEL to leave the line.",
  waitlistPlaces: "Your places in the waiting line:\n{lines}",
  waitlistPlaceLine: "• {quantity} × *{name}*: number {place}",
  waitlistNone: "You are in no waiting line. Type the keyword of a sold-out product to take a place.",
  waitlistLeft: "You left the waiting line for *{name}*.",
  waitlistServed:
    "Good news: {quantity} × *{name}* came back for you! Order *{reference}* reserved: {total}.\nPay here: {link}\nThe reservation holds for {minutes} minutes (until {expiresAt}).",
  waitlistClosed: "*{name}* is no longer on sale: its waiting line is closed. Thank you for your patience!",
  askZone: "Where should we deliver? Reply with the number of your zone:\n{lines}",
  zoneLine: "{number}. {zone}: {fee}",
  zoneInvalid: "Reply with the number of your zone, from 1 to {max}.",
  askAddress: "Your delivery address in {zone} (area, street, landmark)?",
  orderReservedDelivery:
    "Order *{reference}* reserved: {total}, delivery included ({zone}: {fee}).\n{address}\nPay here: {link}\nThe reservation holds for {minutes} minutes (until {expiresAt}). Type ZONE to change the zone before paying. Thank you!",
  deliveryChanged: "Order *{reference}*: delivery to {zone} ({fee}), new total *{total}*.\nPay here: {link}",
  noDeliveryToChange: "You have no order to pay with delivery.",
};

export const DEFAULT_TEMPLATES: Record<Language, Templates> = { fr: FR, en: EN };

/**
 * Fills a template; a placeholder whose value is empty takes its line with it when it stood alone
 * (a product without description leaves no blank line).
 */
export function fill(template: string, values: Record<string, string | number | undefined>): string {
  return template
    .split("\n")
    .flatMap((line) => {
      const standsAlone = /^\s*\{([A-Za-z]+)\}\s*$/.exec(line);
      if (standsAlone && (values[standsAlone[1]!] ?? "") === "") return [];
      return [
        line.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) =>
          name in values ? String(values[name] ?? "") : whole,
        ),
      ];
    })
    .join("\n");
}

/** The vendor's texts: its overrides over the defaults of its language. */
export type TextBook = (key: TemplateKey, values?: Record<string, string | number | undefined>) => string;

export function textBook(language: Language, overrides: TemplateOverrides = {}): TextBook {
  const templates = { ...DEFAULT_TEMPLATES[language], ...overrides };
  return (key, values = {}) => fill(templates[key], values);
}
