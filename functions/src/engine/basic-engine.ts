import type { Product } from "../model/product";
import type { ChatEngine, ChatEngineInput, ChatEngineOutput } from "./chat-engine";
import { BASIC_TEXTS } from "./messages";
import { formatPrice, normalizeText, words } from "./text";

const GREETINGS = new Set([
  "bonjour", "bonsoir", "salut", "slt", "coucou", "salam", "salaam", "salamalekum", "assalamualaikum",
  "hello", "hi", "hey", "good morning", "good evening", "nanga def", "na nga def",
]);
const HELP = new Set(["aide", "help", "?", "menu", "info", "infos"]);
/** How many keywords the help text lists, so it stays a short message. */
const HELP_KEYWORDS = 8;

/** "Bonjour", "salut !", "Nanga def ?", "hello there": a greeting leads a short message. */
function isGreeting(text: string): boolean {
  const [first, second] = words(text);
  if (!first || words(text).length > 5) return false;
  return GREETINGS.has(first) || (second !== undefined && GREETINGS.has(`${first} ${second}`));
}

function isHelp(text: string): boolean {
  const normalized = normalizeText(text).replace(/[!.]+$/, "");
  return HELP.has(normalized);
}

function findByKeyword(products: Product[], text: string): Product | undefined {
  const wanted = normalizeText(text);
  return products.find((product) => normalizeText(product.keyword) === wanted);
}

/**
 * The first honest engine: a welcome on a greeting, a help text, a product card for an exact keyword.
 * It keeps no state of its own beyond what it last understood.
 */
export class BasicChatEngine implements ChatEngine {
  readonly name = "basic";

  async handle({ vendor, state, message, catalog }: ChatEngineInput): Promise<ChatEngineOutput> {
    const texts = BASIC_TEXTS[vendor.language];
    const shop = vendor.businessName ?? vendor.vendorId;
    const reply = (intent: string, replies: ChatEngineOutput["replies"]): ChatEngineOutput => ({
      replies,
      state: { ...state, lastIntent: intent },
    });

    if (message.text.trim().length === 0) return reply("empty", [{ text: texts.notUnderstood }]);
    if (isHelp(message.text)) {
      const keywords = (await catalog.activeProducts()).slice(0, HELP_KEYWORDS).map((p) => p.keyword.toUpperCase());
      return reply("help", [{ text: texts.help(shop, keywords) }]);
    }
    const product = findByKeyword(await catalog.activeProducts(), message.text);
    if (product) {
      if (product.stock <= 0) return reply("product", [{ text: texts.outOfStock(product.name) }]);
      const card = texts.productCard({
        name: product.name,
        price: formatPrice(product.price, product.currency),
        stock: product.stock,
        ...(product.description && { description: product.description }),
      });
      return reply("product", [product.imageUrl ? { text: card, imageUrl: product.imageUrl } : { text: card }]);
    }
    if (isGreeting(message.text)) {
      return reply("greeting", [{ text: vendor.welcomeMessage ?? texts.welcome(shop) }]);
    }
    return reply("unknown", [{ text: texts.notUnderstood }]);
  }
}
