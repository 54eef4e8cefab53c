/**
 * The catalogue of AlloPermet's texts: which templates exist and which `{placeholders}` each may use.
 * It belongs to the model because `vendor_configs.templates` is validated against it; the engine's
 * default wording (engine/wording.ts) follows it.
 *
 * Every sentence AlloPermet says is a template with named `{placeholders}`. A vendor may override any
 * of them in `vendor_configs.templates`; the placeholders each template may use are listed here so an
 * override with a typo is refused when the config is read.
 */
export const TEMPLATE_PLACEHOLDERS = {
  welcome: ["shop", "name"],
  help: ["shop", "examples"],
  productCard: ["name", "price", "stock", "description"],
  askQuantity: ["max", "keyword"],
  outOfStock: ["name"],
  quantityInvalid: ["max"],
  quantityTooHigh: ["name", "max"],
  recap: ["lines", "total"],
  recapLine: ["quantity", "name", "amount"],
  cartEmpty: [],
  cartCleared: [],
  orderReserved: ["reference", "total", "link", "expiresAt", "minutes"],
  notEnoughStock: ["lines"],
  shortageLine: ["name", "available"],
  orderCancelled: ["reference"],
  nothingToCancel: [],
  ordersList: ["lines"],
  orderLine: ["reference", "total", "status"],
  noOrders: [],
  statusReserved: ["expiresAt", "link"],
  statusPaid: [],
  statusExpired: [],
  statusCancelled: [],
  menuPage: ["lines", "page", "pages"],
  menuLine: ["keyword", "name", "price", "stock"],
  menuLineSoldOut: ["keyword", "name", "price"],
  menuMore: [],
  menuEmpty: [],
  handoffStarted: ["shop"],
  handoffOwnerNotice: ["customer", "name", "text", "resume"],
  resumeDone: ["customer"],
  resumeUsage: [],
  resumeNotPaused: ["customer"],
  didYouMean: ["keyword"],
  suggestionDeclined: [],
  notUnderstood: ["text"],
  away: ["shop", "opensAt"],
  paymentThanks: ["reference", "total", "shop"],
  paymentFailed: ["reference", "link"],
  reservationExpired: ["reference"],
  cancelledByVendor: ["reference"],
  slowDown: [],
  waitlistOffer: ["name", "quantity"],
  waitlistShortOffer: ["name", "max", "quantity"],
  waitlistJoined: ["name", "quantity", "place"],
  waitlistPlaces: ["lines"],
  waitlistPlaceLine: ["name", "quantity", "place"],
  waitlistNone: [],
  waitlistLeft: ["name"],
  waitlistServed: ["name", "quantity", "reference", "total", "link", "expiresAt", "minutes"],
  waitlistClosed: ["name"],
  askZone: ["lines"],
  zoneLine: ["number", "zone", "fee"],
  zoneInvalid: ["max"],
  askAddress: ["zone"],
  orderReservedDelivery: ["reference", "total", "zone", "fee", "address", "link", "expiresAt", "minutes"],
  deliveryChanged: ["reference", "zone", "fee", "total", "link"],
  noDeliveryToChange: [],
} as const satisfies Record<string, readonly string[]>;

export type TemplateKey = keyof typeof TEMPLATE_PLACEHOLDERS;
export type Templates = Record<TemplateKey, string>;
export type TemplateOverrides = Partial<Templates>;
export const TEMPLATE_KEYS = Object.keys(TEMPLATE_PLACEHOLDERS) as TemplateKey[];

/** The placeholders a template uses, e.g. ["name", "price"]. */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(/\{([^{}]*)\}/g)].map((match) => match[1]!);
}

/** Placeholders an override must keep: without {link} a buyer would never see where to pay. */
export const REQUIRED_PLACEHOLDERS: Partial<Record<TemplateKey, readonly string[]>> = {
  orderReserved: ["link", "reference"],
  orderReservedDelivery: ["link", "reference"],
  waitlistServed: ["link", "reference"],
  deliveryChanged: ["link", "reference"],
  statusReserved: ["link"],
};
