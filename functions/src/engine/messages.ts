import type { Language } from "../model/vendor-config";

export interface BasicTexts {
  welcome: (businessName: string) => string;
  help: (businessName: string, keywords: string[]) => string;
  productCard: (card: { name: string; price: string; description?: string; stock: number }) => string;
  outOfStock: (name: string) => string;
  notUnderstood: string;
  slowDown: string;
}

/** Every text the first engine says, in both languages; French is the default. */
export const BASIC_TEXTS: Record<Language, BasicTexts> = {
  fr: {
    welcome: (shop) => `Bonjour et bienvenue chez ${shop} ! Tapez le mot-clé d'un produit vu en live, ou AIDE.`,
    help: (shop, keywords) =>
      [
        `${shop} : voici ce que je comprends`,
        "• BONJOUR : l'accueil",
        "• AIDE : ce message",
        keywords.length > 0
          ? `• le mot-clé d'un produit pour voir sa fiche, par exemple : ${keywords.join(", ")}`
          : "• le mot-clé d'un produit vu en live pour voir sa fiche",
      ].join("\n"),
    productCard: ({ name, price, description, stock }) =>
      [`*${name}*`, price, description, `En stock : ${stock}`].filter(Boolean).join("\n"),
    outOfStock: (name) => `*${name}* est épuisé pour le moment.`,
    notUnderstood: "Je n'ai pas compris. Tapez AIDE pour voir ce que je comprends.",
    slowDown: "Doucement s'il vous plaît : vos messages sont bien reçus, je vous réponds dans une minute.",
  },
  en: {
    welcome: (shop) => `Hello and welcome to ${shop}! Type the keyword of a product from the live, or HELP.`,
    help: (shop, keywords) =>
      [
        `${shop}: here is what I understand`,
        "• HELLO: the welcome",
        "• HELP: this message",
        keywords.length > 0
          ? `• a product's keyword to see it, for example: ${keywords.join(", ")}`
          : "• the keyword of a product from the live to see it",
      ].join("\n"),
    productCard: ({ name, price, description, stock }) =>
      [`*${name}*`, price, description, `In stock: ${stock}`].filter(Boolean).join("\n"),
    outOfStock: (name) => `*${name}* is sold out for now.`,
    notUnderstood: "Sorry, I did not understand. Type HELP to see what I understand.",
    slowDown: "Please slow down a little: your messages are received, I will answer within a minute.",
  },
};
