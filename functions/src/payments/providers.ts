import type { PaymentAccount, PaymentProviderName } from "../model/payment-account";
import { orangeMoney } from "./orange-money";
import { paydunya } from "./paydunya";
import type { PaymentProvider } from "./provider";
import { wave } from "./wave";

const PROVIDERS = { wave, paydunya, orange_money: orangeMoney } as const;

/** The provider behind an account, typed to take that account. */
export function providerFor(account: PaymentAccount): PaymentProvider {
  return PROVIDERS[account.provider];
}

/** The provider of a name already checked (an order's recorded checkout). */
export function providerNamed(name: PaymentProviderName): PaymentProvider {
  return PROVIDERS[name];
}

export function isPaymentProviderName(name: string): name is PaymentProviderName {
  return Object.hasOwn(PROVIDERS, name);
}
