import { z } from "zod";
import { dateFormat } from "../model/date-format";
import type { OutboundContent } from "../model/message";
import { ADDRESS_MAX_LENGTH, orderDeliverySchema } from "../model/order-delivery";
import { openingVerdict } from "../model/opening-hours";
import type { Product } from "../model/product";
import { toE164 } from "../shared/phone";
import type { ChatEngine, ChatEngineInput, ChatEngineOutput, EngineOrder, EngineVendor } from "./chat-engine";
import { closestProduct, commandOf, productMentioned, productOf, quantityOf } from "./intents";
import { formatPrice, normalizeText } from "./formatting";
import { intentText } from "./message-reading";
import { fill, textBook, type TextBook } from "./wording";

/** How many catalogue lines one MENU message shows. */
export const MENU_PAGE_SIZE = 6;
/** How many orders COMMANDES lists. */
const ORDERS_SHOWN = 5;
/** A buyer who keeps writing while the shop is closed hears the away message once an hour, not each time. */
const AWAY_REPEAT_MS = 60 * 60 * 1000;
const DEFAULT_TIME_ZONE = "Africa/Dakar";
const RESUME_WORDS = new Set(["reprendre", "resume", "bot", "robot"]);

/** What AlloPermet remembers of a conversation between two messages (stored in Firestore). */
const productQuantitySchema = z.object({ productId: z.string(), quantity: z.number().int().positive() });
const stateSchema = z.object({
  step: z.enum(["quantity", "confirm", "zone", "address", "rezone"]).optional().catch(undefined),
  productId: z.string().optional().catch(undefined),
  cart: z
    .array(z.object({ productId: z.string(), quantity: z.number().int().positive() }))
    .catch([])
    .default([]),
  suggestion: z.string().optional().catch(undefined),
  menuPage: z.number().int().positive().optional().catch(undefined),
  awayNotifiedAt: z.number().optional().catch(undefined),
  lastIntent: z.string().optional().catch(undefined),
  /** The line the last answer offered (a sold-out or short product): OUI takes a place. */
  waitOffer: productQuantitySchema.optional().catch(undefined),
  /** The delivery chosen so far (zone, then address), before the reservation or the place it is for. */
  delivery: orderDeliverySchema.optional().catch(undefined),
  /** What the delivery answers lead to: the cart's reservation, or a place in this line. */
  deliveryFor: z.enum(["order", "waitlist"]).optional().catch(undefined),
  waitFor: productQuantitySchema.optional().catch(undefined),
  /** The reserved order whose zone the buyer is changing (ZONE). */
  rezone: z.string().optional().catch(undefined),
});
type EngineState = z.infer<typeof stateSchema>;
type CartLine = EngineState["cart"][number];

function withoutUndefined(state: EngineState): Record<string, unknown> {
  return Object.fromEntries(Object.entries(state).filter(([, value]) => value !== undefined));
}

/** One message's worth of context, so each intent handler stays a few lines. */
interface Turn {
  input: ChatEngineInput;
  vendor: EngineVendor;
  t: TextBook;
  shop: string;
  state: EngineState;
  /** The message as the intents read it: `intentText`, trimmed and bounded. */
  text: string;
}

/**
 * AlloPermet, the live-commerce conversation: keyword → product card → quantity → recap → OUI →
 * reserved order with a payment link; plus MENU, PANIER, COMMANDES, ANNULER, HUMAIN, greetings and
 * the vendor's own REPRENDRE command. Plain TypeScript: everything it reads or changes goes through
 * `ShopPort`, and its memory is the conversation state it returns.
 */
export class AlloPermetEngine implements ChatEngine {
  readonly name = "allopermet";

  async handle(input: ChatEngineInput): Promise<ChatEngineOutput> {
    const { vendor, message } = input;
    const templates = {
      ...vendor.templates,
      ...(vendor.welcomeMessage && { welcome: vendor.welcomeMessage }),
      ...(vendor.awayMessage && { away: vendor.awayMessage }),
    };
    const turn: Turn = {
      input,
      vendor,
      t: textBook(vendor.language, templates),
      shop: vendor.businessName ?? vendor.vendorId,
      state: stateSchema.parse(input.state ?? {}),
      // Only a bounded prefix is read: a 64 KB message costs no more than a short one.
      text: intentText(message.text),
    };
    if (vendor.ownerPhone && message.from === vendor.ownerPhone) {
      const ownerReply = await this.ownerCommand(turn);
      if (ownerReply) return ownerReply;
    }
    const away = this.awayCheck(turn);
    if (away) return away;
    return this.converse(turn);
  }

  /** The vendor writing from its owner phone: "REPRENDRE 77 123 45 67" gives a conversation back to the bot. */
  private async ownerCommand(turn: Turn): Promise<ChatEngineOutput | undefined> {
    const [first, ...rest] = normalizeText(turn.text).split(" ");
    if (!first || !RESUME_WORDS.has(first)) return undefined;
    const customer = rest.length > 0 ? toE164(rest.join(" ")) : undefined;
    if (!customer) return say(turn, "resume", [turn.t("resumeUsage")]);
    const resumed = await turn.input.shop.resumeBot(customer);
    return say(turn, "resume", [turn.t(resumed ? "resumeDone" : "resumeNotPaused", { customer })]);
  }

  /** Outside opening hours (and not live), the away message, at most once an hour per buyer. */
  private awayCheck(turn: Turn): ChatEngineOutput | undefined {
    const { vendor, input } = turn;
    if (vendor.liveMode || !vendor.openingHours) return undefined;
    // A buyer's reservations keep running while the shop is closed: checking or cancelling them still works.
    const command = commandOf(turn.text)?.command;
    if (command === "orders" || command === "cancel") return undefined;
    const verdict = openingVerdict(vendor.openingHours, input.now);
    if (verdict.open) return undefined;
    const now = input.now.getTime();
    if (turn.state.awayNotifiedAt !== undefined && now - turn.state.awayNotifiedAt < AWAY_REPEAT_MS) {
      return {
        replies: [],
        state: withoutUndefined(turn.state),
        silentReason: "the shop is closed and the away message was already sent",
      };
    }
    const opensAt = verdict.next ? describeOpening(vendor.language, verdict.next) : "";
    turn.state = { ...turn.state, awayNotifiedAt: now };
    return say(turn, "away", [turn.t("away", { shop: turn.shop, opensAt })]);
  }

  private async converse(turn: Turn): Promise<ChatEngineOutput> {
    const { state, text } = turn;
    if (text.length === 0) return say(turn, "empty", [turn.t("notUnderstood", { text: "…" })]);
    const command = commandOf(text);
    const suggestion = state.suggestion;
    const waitOffer = state.waitOffer;
    turn.state = { ...state, suggestion: undefined, waitOffer: undefined };

    // The line offered by the last answer: OUI takes a place.
    if (waitOffer && command?.command === "yes") return this.joinLine(turn, waitOffer);
    // The delivery questions: a zone's number, then the address (any text that is no command).
    if (state.step === "zone" || state.step === "rezone") {
      const number = quantityOf(text);
      if (number !== undefined) return this.zoneChosen(turn, number);
    }
    if (state.step === "address" && !command) return this.addressGiven(turn);

    // A "did you mean" question is answered first: OUI opens that product, NON only drops the question.
    if (suggestion && command?.command === "yes") {
      const product = await turn.input.shop.product(suggestion);
      if (product?.active) return this.productCard(turn, product);
    }
    if (suggestion && command?.command === "no") return say(turn, "no", [turn.t("suggestionDeclined")]);

    switch (command?.command) {
      case "help":
        return this.help(turn);
      case "menu":
        return this.menu(turn, 1);
      case "next":
        return this.menu(turn, (state.menuPage ?? 0) + 1);
      case "cart":
        return this.showCart(turn);
      case "orders":
        return this.orders(turn);
      case "cancel":
        return this.cancel(turn, command.argument);
      case "no":
        // NON clears what is being built; it never cancels a placed order (ANNULER does).
        if (state.cart.length > 0 || state.step) return this.cancel(turn);
        return say(turn, "no", [turn.t("cartEmpty")]);
      case "human":
        return this.handoff(turn);
      case "place":
        return this.places(turn);
      case "zone":
        return this.askRezone(turn);
      case "yes":
        if (state.step === "zone" || state.step === "rezone") return this.askZone(turn);
        if (state.step === "address") return say(turn, "address", [this.addressQuestion(turn)]);
        if (state.step === "confirm") return this.confirm(turn);
        if (state.step === "quantity") return this.quantity(turn, 1);
        return this.showCart(turn);
      default:
        break;
    }
    const products = await turn.input.shop.activeProducts();
    // "ROBE1", "ROBE1 2"; then a keyword inside a sentence ("Bonjour, je veux ROBE1").
    const wanted = productOf(products, text) ?? productMentioned(products, text);
    if (wanted) {
      if (wanted.quantity === undefined) return this.productCard(turn, wanted.product);
      turn.state = { ...turn.state, productId: wanted.product.id };
      return this.quantity(turn, wanted.quantity);
    }
    if (command?.command === "greeting") {
      return say(turn, "greeting", [
        turn.t("welcome", { shop: turn.shop, name: turn.input.message.customerName ?? "" }),
      ]);
    }
    const quantity = quantityOf(text);
    if (state.step === "quantity" && quantity !== undefined) return this.quantity(turn, quantity);

    const close = closestProduct(products, text);
    if (close) {
      turn.state = { ...turn.state, suggestion: close.id };
      return say(turn, "didYouMean", [turn.t("didYouMean", { keyword: close.keyword.toUpperCase() })]);
    }
    if (state.step === "quantity" && state.productId) {
      const product = await turn.input.shop.product(state.productId);
      if (product) return say(turn, "quantity", [turn.t("quantityInvalid", { max: product.stock })]);
    }
    return say(turn, "unknown", [turn.t("notUnderstood", { text: shorten(text) })]);
  }

  private async help(turn: Turn): Promise<ChatEngineOutput> {
    const keywords = (await turn.input.shop.activeProducts())
      .filter((product) => product.stock > 0)
      .map((product) => product.keyword.toUpperCase())
      .sort()
      .slice(0, 3);
    return say(turn, "help", [
      turn.t("help", { shop: turn.shop, examples: keywords.length > 0 ? keywords.join(", ") : "ROBE1" }),
    ]);
  }

  private async menu(turn: Turn, requestedPage: number): Promise<ChatEngineOutput> {
    const products = [...(await turn.input.shop.activeProducts())].sort((a, b) => a.keyword.localeCompare(b.keyword));
    if (products.length === 0) return say(turn, "menu", [turn.t("menuEmpty")]);
    const pages = Math.ceil(products.length / MENU_PAGE_SIZE);
    const page = requestedPage > pages ? 1 : requestedPage;
    const lines = products.slice((page - 1) * MENU_PAGE_SIZE, page * MENU_PAGE_SIZE).map((product) => {
      const values = {
        keyword: product.keyword.toUpperCase(),
        name: product.name,
        price: formatPrice(product.price, product.currency),
        stock: product.stock,
      };
      return turn.t(product.stock > 0 ? "menuLine" : "menuLineSoldOut", values);
    });
    const body = turn.t("menuPage", { lines: lines.join("\n"), page, pages });
    turn.state = { ...turn.state, menuPage: page };
    return say(turn, "menu", [page < pages ? `${body}\n${turn.t("menuMore")}` : body]);
  }

  private productCard(turn: Turn, product: Product): ChatEngineOutput {
    if (product.stock <= 0) return this.offerLine(turn, product, 1);
    const card = turn.t("productCard", {
      name: product.name,
      price: formatPrice(product.price, product.currency),
      stock: product.stock,
      description: product.description ?? "",
    });
    const caption = `${card}\n\n${turn.t("askQuantity", { max: product.stock, keyword: product.keyword.toUpperCase() })}`;
    turn.state = { ...turn.state, step: "quantity", productId: product.id };
    return reply(turn, "product", [
      product.imageUrl ? { text: caption, imageUrl: product.imageUrl } : { text: caption },
    ]);
  }

  private async quantity(turn: Turn, quantity: number): Promise<ChatEngineOutput> {
    const productId = turn.state.productId;
    const product = productId ? await turn.input.shop.product(productId) : undefined;
    if (!product || !product.active || product.stock <= 0) {
      turn.state = { ...turn.state, step: turn.state.cart.length > 0 ? "confirm" : undefined, productId: undefined };
      if (product?.active && quantity >= 1) return this.offerLine(turn, product, quantity);
      return say(turn, "quantity", [turn.t("outOfStock", { name: product?.name ?? "?" })]);
    }
    // A bad number keeps the question open for this product ("ROBE1 9" then "2" works).
    turn.state = { ...turn.state, step: "quantity", productId: product.id };
    if (quantity < 1) return say(turn, "quantity", [turn.t("quantityInvalid", { max: product.stock })]);
    if (quantity > product.stock) {
      // Short: a smaller number, or OUI to wait in line for them all.
      turn.state = { ...turn.state, waitOffer: { productId: product.id, quantity } };
      return say(turn, "quantity", [
        turn.t("waitlistShortOffer", { name: product.name, max: product.stock, quantity }),
      ]);
    }
    // Asking for a product again replaces its quantity: "ROBE1" then "2" means two, not two more.
    const line = { productId: product.id, quantity };
    const known = turn.state.cart.some((existing) => existing.productId === product.id);
    const cart = known
      ? turn.state.cart.map((existing) => (existing.productId === product.id ? line : existing))
      : [...turn.state.cart, line];
    turn.state = { ...turn.state, cart, productId: undefined };
    return this.recap(turn, "quantity");
  }

  /** The cart with current prices, and the question OUI / NON. */
  private async recap(turn: Turn, intent: string, before: string[] = []): Promise<ChatEngineOutput> {
    const lines: string[] = [];
    let total = 0;
    let currency = "XOF";
    const kept: CartLine[] = [];
    for (const line of turn.state.cart) {
      const product = await turn.input.shop.product(line.productId);
      if (!product || !product.active) continue;
      kept.push(line);
      total += product.price * line.quantity;
      currency = product.currency;
      lines.push(
        turn.t("recapLine", {
          quantity: line.quantity,
          name: product.name,
          amount: formatPrice(product.price * line.quantity, product.currency),
        }),
      );
    }
    if (kept.length === 0) {
      turn.state = { ...turn.state, cart: [], step: undefined };
      return say(turn, intent, [...before, turn.t("cartEmpty")]);
    }
    turn.state = { ...turn.state, cart: kept, step: "confirm" };
    return say(turn, intent, [
      ...before,
      turn.t("recap", { lines: lines.join("\n"), total: formatPrice(total, currency) }),
    ]);
  }

  private showCart(turn: Turn): Promise<ChatEngineOutput> {
    return this.recap(turn, "cart");
  }

  private async confirm(turn: Turn): Promise<ChatEngineOutput> {
    const { vendor, input } = turn;
    // With delivery zones, the zone (and the address) come first; the reservation, and its expiry, at
    // the last answer: typing an address never holds units longer than the reservation's duration.
    const delivery = turn.state.delivery;
    if (vendor.delivery && !delivery) {
      turn.state = { ...turn.state, step: "zone", deliveryFor: "order" };
      return this.askZone(turn);
    }
    const expiresAt = new Date(input.now.getTime() + vendor.reservationDurationMinutes * 60_000);
    const result = await input.shop.reserve({
      customer: input.message.from,
      ...(input.message.customerName && { customerName: input.message.customerName }),
      items: turn.state.cart,
      expiresAt,
      ...(vendor.delivery && delivery && { delivery }),
      paymentLink: ({ reference, amount, currency }) => paymentLink(vendor, { reference, amount, currency }),
    });
    if (!result.ok) {
      const wanted = turn.state.cart;
      const short = new Map(result.shortages.map((shortage) => [shortage.productId, shortage.available]));
      const cart = turn.state.cart
        .map((line) =>
          short.has(line.productId) ? { ...line, quantity: Math.min(line.quantity, short.get(line.productId)!) } : line,
        )
        .filter((line) => line.quantity > 0);
      turn.state = { ...turn.state, cart };
      const lines = result.shortages.map((shortage) =>
        turn.t("shortageLine", { name: shortage.name, available: shortage.available }),
      );
      // Nothing left of a one-product cart (the card showed a stock a moment old): the line is offered.
      const only = wanted.length === 1 ? wanted[0] : undefined;
      const soldOut = only && cart.length === 0 ? await input.shop.product(only.productId) : undefined;
      if (only && soldOut?.active) {
        turn.state = { ...turn.state, cart: [], step: undefined };
        const offer = this.offerLine(turn, soldOut, only.quantity);
        return {
          ...offer,
          replies: [{ text: turn.t("notEnoughStock", { lines: lines.join("\n") }) }, ...offer.replies],
        };
      }
      return this.recap(turn, "confirm", [turn.t("notEnoughStock", { lines: lines.join("\n") })]);
    }
    const order = result.order;
    turn.state = { ...turn.state, cart: [], step: undefined, productId: undefined, ...NO_DELIVERY };
    if (order.delivery) {
      return say(turn, "confirm", [
        turn.t("orderReservedDelivery", {
          reference: order.reference,
          total: formatPrice(order.total, order.currency),
          zone: order.delivery.zone,
          fee: formatPrice(order.delivery.fee, order.currency),
          address: order.delivery.address ?? "",
          link: order.paymentLink,
          expiresAt: clock(order.expiresAt, vendor),
          minutes: vendor.reservationDurationMinutes,
        }),
      ]);
    }
    return say(turn, "confirm", [
      turn.t("orderReserved", {
        reference: order.reference,
        total: formatPrice(order.total, order.currency),
        link: order.paymentLink,
        expiresAt: clock(order.expiresAt, vendor),
        minutes: vendor.reservationDurationMinutes,
      }),
    ]);
  }

  /** ANNULER: the cart being built first; else the buyer's latest (or named) reserved order. */
  private async cancel(turn: Turn, reference?: string): Promise<ChatEngineOutput> {
    const justJoined = turn.state.lastIntent === "waitlist";
    if (!reference && (turn.state.cart.length > 0 || turn.state.step)) {
      turn.state = { ...turn.state, cart: [], step: undefined, productId: undefined, ...NO_DELIVERY };
      return say(turn, "cancel", [turn.t("cartCleared")]);
    }
    const { shop, message } = turn.input;
    // Just after taking a place, ANNULER leaves the line; otherwise a reserved order goes first.
    if (!reference && justJoined) {
      const left = await this.leaveLines(turn);
      if (left) return left;
    }
    let target = reference?.toUpperCase().replace(/\s+/g, "");
    if (!target) {
      const reserved = (await shop.ordersOf(message.from, ORDERS_SHOWN)).find((order) => order.status === "reserved");
      target = reserved?.reference;
    }
    const cancelled = target ? await shop.cancelReservation(message.from, target) : undefined;
    if (cancelled) return say(turn, "cancel", [turn.t("orderCancelled", { reference: cancelled.reference })]);
    if (!reference && !justJoined) {
      const left = await this.leaveLines(turn);
      if (left) return left;
    }
    return say(turn, "cancel", [turn.t("nothingToCancel")]);
  }

  private async leaveLines(turn: Turn): Promise<ChatEngineOutput | undefined> {
    const names = await turn.input.shop.leaveWaitlist(turn.input.message.from);
    if (names.length === 0) return undefined;
    return say(
      turn,
      "cancel",
      names.map((name) => turn.t("waitlistLeft", { name })),
    );
  }

  /** A sold-out (or short) product: the line is offered; OUI takes a place for `quantity`. */
  private offerLine(turn: Turn, product: Product, quantity: number): ChatEngineOutput {
    turn.state = { ...turn.state, waitOffer: { productId: product.id, quantity } };
    return say(turn, "product", [turn.t("waitlistOffer", { name: product.name, quantity })]);
  }

  private async joinLine(turn: Turn, wanted: { productId: string; quantity: number }): Promise<ChatEngineOutput> {
    const { vendor, input } = turn;
    // With delivery zones, the place records the delivery: a reservation made for it needs no question.
    if (vendor.delivery && !turn.state.delivery) {
      turn.state = { ...turn.state, step: "zone", deliveryFor: "waitlist", waitFor: wanted };
      return this.askZone(turn);
    }
    const delivery = vendor.delivery ? turn.state.delivery : undefined;
    const joined = await input.shop.joinWaitlist({
      customer: input.message.from,
      ...(input.message.customerName && { customerName: input.message.customerName }),
      productId: wanted.productId,
      quantity: wanted.quantity,
      ...(delivery && { delivery }),
    });
    turn.state = { ...turn.state, step: undefined, deliveryFor: undefined, waitFor: undefined };
    if (joined.kind === "available") {
      // Units came back meanwhile: the usual recap (the delivery chosen stays for the OUI).
      turn.state = { ...turn.state, productId: wanted.productId };
      return this.quantity(turn, wanted.quantity);
    }
    turn.state = { ...turn.state, delivery: undefined };
    if (joined.kind === "inactive") return say(turn, "waitlist", [turn.t("outOfStock", { name: joined.name })]);
    return say(turn, "waitlist", [
      turn.t("waitlistJoined", { name: joined.name, quantity: joined.quantity, place: joined.place }),
    ]);
  }

  private async places(turn: Turn): Promise<ChatEngineOutput> {
    const places = await turn.input.shop.waitlistPlaces(turn.input.message.from);
    if (places.length === 0) return say(turn, "place", [turn.t("waitlistNone")]);
    const lines = places.map((place) =>
      turn.t("waitlistPlaceLine", { name: place.name, quantity: place.quantity, place: place.place }),
    );
    return say(turn, "place", [turn.t("waitlistPlaces", { lines: lines.join("\n") })]);
  }

  /** The numbered list of zones. */
  private askZone(turn: Turn): ChatEngineOutput {
    const zones = turn.vendor.delivery?.zones ?? [];
    const lines = zones.map((zone, index) =>
      turn.t("zoneLine", { number: index + 1, zone: zone.name, fee: formatPrice(zone.fee) }),
    );
    return say(turn, "zone", [turn.t("askZone", { lines: lines.join("\n") })]);
  }

  private addressQuestion(turn: Turn): string {
    return turn.t("askAddress", { zone: turn.state.delivery?.zone ?? "" });
  }

  private async zoneChosen(turn: Turn, number: number): Promise<ChatEngineOutput> {
    const zones = turn.vendor.delivery?.zones ?? [];
    const zone = zones[number - 1];
    if (!zone) return say(turn, "zone", [turn.t("zoneInvalid", { max: zones.length })]);
    if (turn.state.step === "rezone") return this.rezone(turn, { zone: zone.name, fee: zone.fee });
    turn.state = { ...turn.state, delivery: { zone: zone.name, fee: zone.fee } };
    if (turn.vendor.delivery?.askAddress) {
      turn.state = { ...turn.state, step: "address" };
      return say(turn, "address", [this.addressQuestion(turn)]);
    }
    return this.deliveryDone(turn);
  }

  private async addressGiven(turn: Turn): Promise<ChatEngineOutput> {
    const address = turn.text.replace(/\s+/g, " ").trim().slice(0, ADDRESS_MAX_LENGTH);
    const delivery = turn.state.delivery;
    if (!delivery) {
      turn.state = { ...turn.state, step: "zone" };
      return this.askZone(turn);
    }
    turn.state = { ...turn.state, delivery: { ...delivery, address } };
    return this.deliveryDone(turn);
  }

  /** Every delivery answer given: the reservation (or the place in line) it was asked for. */
  private async deliveryDone(turn: Turn): Promise<ChatEngineOutput> {
    const waitFor = turn.state.waitFor;
    if (turn.state.deliveryFor === "waitlist" && waitFor) return this.joinLine(turn, waitFor);
    turn.state = { ...turn.state, step: "confirm", deliveryFor: undefined };
    if (turn.state.cart.length === 0) return this.recap(turn, "confirm");
    return this.confirm(turn);
  }

  /** ZONE: the zones again, for the buyer's latest reserved order with delivery. */
  private async askRezone(turn: Turn): Promise<ChatEngineOutput> {
    const { shop, message } = turn.input;
    const order = turn.vendor.delivery
      ? (await shop.ordersOf(message.from, ORDERS_SHOWN)).find((o) => o.status === "reserved" && o.delivery)
      : undefined;
    if (!order) return say(turn, "zone", [turn.t("noDeliveryToChange")]);
    turn.state = { ...turn.state, step: "rezone", rezone: order.reference };
    return this.askZone(turn);
  }

  private async rezone(turn: Turn, chosen: { zone: string; fee: number }): Promise<ChatEngineOutput> {
    const { vendor, input } = turn;
    const reference = turn.state.rezone;
    turn.state = { ...turn.state, step: undefined, rezone: undefined };
    const order = reference
      ? await input.shop.changeDelivery(input.message.from, reference, chosen, (values) => paymentLink(vendor, values))
      : undefined;
    if (!order?.delivery) return say(turn, "zone", [turn.t("noDeliveryToChange")]);
    return say(turn, "zone", [
      turn.t("deliveryChanged", {
        reference: order.reference,
        zone: order.delivery.zone,
        fee: formatPrice(order.delivery.fee, order.currency),
        total: formatPrice(order.total, order.currency),
        link: order.paymentLink,
      }),
    ]);
  }

  private async orders(turn: Turn): Promise<ChatEngineOutput> {
    const orders = await turn.input.shop.ordersOf(turn.input.message.from, ORDERS_SHOWN);
    if (orders.length === 0) return say(turn, "orders", [turn.t("noOrders")]);
    const lines = orders.map((order) =>
      turn.t("orderLine", {
        reference: order.reference,
        total: formatPrice(order.total, order.currency),
        status: statusText(turn, order),
      }),
    );
    return say(turn, "orders", [turn.t("ordersList", { lines: lines.join("\n") })]);
  }

  private handoff(turn: Turn): ChatEngineOutput {
    const { vendor, input } = turn;
    const customer = input.message.from;
    const resumeWord = vendor.language === "fr" ? "REPRENDRE" : "RESUME";
    const output = say(turn, "human", [turn.t("handoffStarted", { shop: turn.shop })]);
    const notice = vendor.ownerPhone
      ? {
          to: vendor.ownerPhone,
          text: turn.t("handoffOwnerNotice", {
            customer,
            name: input.message.customerName ?? customer,
            text: shorten(turn.text),
            resume: `${resumeWord} ${customer}`,
          }),
        }
      : undefined;
    return { ...output, handoff: notice ? { ownerNotice: notice } : {} };
  }
}

/** The state without a delivery being asked for. */
const NO_DELIVERY = { delivery: undefined, deliveryFor: undefined, waitFor: undefined } as const;

function reply(turn: Turn, intent: string, replies: OutboundContent[]): ChatEngineOutput {
  return { replies, state: withoutUndefined({ ...turn.state, lastIntent: intent }) };
}

function say(turn: Turn, intent: string, texts: string[]): ChatEngineOutput {
  return reply(
    turn,
    intent,
    texts.map((text) => ({ text })),
  );
}

function shorten(text: string, max = 40): string {
  const single = text.replace(/\s+/g, " ").trim();
  return single.length > max ? `${single.slice(0, max - 1)}…` : single;
}

function timeZoneOf(vendor: EngineVendor): string {
  return vendor.openingHours?.timeZone ?? DEFAULT_TIME_ZONE;
}

/** "14:32" in the shop's time zone. */
function clock(date: Date, vendor: EngineVendor): string {
  return dateFormat("fr-FR", {
    timeZone: timeZoneOf(vendor),
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(date);
}

function statusText(turn: Turn, order: EngineOrder): string {
  switch (order.status) {
    case "reserved":
      return turn.t("statusReserved", { expiresAt: clock(order.expiresAt, turn.vendor), link: order.paymentLink });
    case "paid":
      return turn.t("statusPaid");
    case "expired":
      return turn.t("statusExpired");
    case "cancelled":
      return turn.t("statusCancelled");
  }
}

const DAY_NAMES = {
  fr: ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
  en: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
};

/** "demain à 09:00", "on Monday at 10:00". */
function describeOpening(
  language: EngineVendor["language"],
  next: { daysAhead: number; weekday: number; time: string },
): string {
  if (language === "fr") {
    if (next.daysAhead === 0) return `aujourd'hui à ${next.time}`;
    if (next.daysAhead === 1) return `demain à ${next.time}`;
    return `${DAY_NAMES.fr[next.weekday]} à ${next.time}`;
  }
  if (next.daysAhead === 0) return `today at ${next.time}`;
  if (next.daysAhead === 1) return `tomorrow at ${next.time}`;
  return `on ${DAY_NAMES.en[next.weekday]} at ${next.time}`;
}

/** The vendor's payment link for one order; values are URL-encoded. */
export function paymentLink(
  vendor: Pick<EngineVendor, "paymentLinkTemplate" | "vendorId">,
  order: { reference: string; amount: number; currency: string },
): string {
  const values = {
    amount: order.amount,
    reference: order.reference,
    vendorId: vendor.vendorId,
    currency: order.currency,
  };
  return fill(
    vendor.paymentLinkTemplate,
    Object.fromEntries(Object.entries(values).map(([key, value]) => [key, encodeURIComponent(String(value))])),
  );
}
