/**
 * What every page of the console receives.
 * @typedef {object} PageProps
 * @property {import("../api.js").Api} api the admin API as the signed-in person
 * @property {import("../../../functions/src/admin/console-types").VendorSummary} vendor the vendor chosen
 * @property {import("../i18n.js").Texts & { language: import("../i18n.js").Language }} t the interface's texts, in the person's language
 */
export {};
