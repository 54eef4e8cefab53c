// The demo vendors that `npm start` serves. emulator-data/ is generated from this file by
// `npm run demo-data:export`; edit here, then regenerate.
export const DEMO_VENDORS = [
  {
    vendorId: "vendor_001",
    instance: {
      id: "waba_vendor_001",
      vendorId: "vendor_001",
      businessName: "Awa Couture",
      phoneNumber: "+221701111111",
      provider: "wasender",
      wasenderInstanceId: "demo-session-001",
      wasenderApiKey: "demo-api-key-vendor-001",
      wasenderWebhookSecret: "demo-webhook-secret-vendor-001",
      wasenderAccessToken: "demo-access-token-001",
      status: "connected",
      // Replies fail over to a second number of the vendor on the WhatsApp Cloud API while the session
      // cannot send; no metaApiUrl, so the global META_GRAPH_API_URL (the Meta sandbox locally) is used.
      failoverProvider: "meta",
      metaPhoneNumberId: "100000000000001",
      metaAccessToken: "demo-meta-token-vendor-001",
      metaAppSecret: "demo-meta-app-secret-vendor-001",
      metaVerifyToken: "demo-meta-verify-token-vendor-001",
    },
    config: {
      vendorId: "vendor_001",
      wabaInstanceId: "waba_vendor_001",
      wabaProvider: "wasender",
      businessName: "Awa Couture",
      welcomeMessage: "Bienvenue chez Awa Couture ! Tapez le mot-clé vu en live (ex. ROBE1) ou AIDE.",
      language: "fr",
      autoReplyEnabled: true,
      liveMode: true,
      reservationDurationMinutes: 10,
      paymentLinkTemplate: "https://pay.wave.com/m/M_sn_awa_couture/c/sn/?amount={amount}",
      ownerPhone: "+221765550101",
      // After OUI the bot asks the zone (numbered list) and the address; the fee is in the order's total.
      delivery: {
        zones: [
          { name: "Dakar Plateau", fee: 1000 },
          { name: "Médina / Fann", fee: 1500 },
          { name: "Parcelles Assainies", fee: 2000 },
          { name: "Pikine / Guédiawaye", fee: 2500 },
        ],
        askAddress: true,
      },
      openingHours: {
        timeZone: "Africa/Dakar",
        weekly: {
          mon: ["09:00-20:00"],
          tue: ["09:00-20:00"],
          wed: ["09:00-20:00"],
          thu: ["09:00-20:00"],
          fri: ["09:00-13:00", "15:00-20:00"],
          sat: ["10:00-18:00"],
        },
      },
    },
    products: {
      robe1: {
        keyword: "ROBE1",
        name: "Robe wax Ndeye",
        price: 15000,
        currency: "XOF",
        stock: 5,
        active: true,
        description: "Robe longue en wax, taille unique.",
        imageUrl: "https://livepay.tech/demo/robe1.jpg",
      },
      boubou1: {
        keyword: "BOUBOU1",
        name: "Grand boubou brodé",
        price: 45000,
        currency: "XOF",
        stock: 2,
        active: true,
      },
      sac1: { keyword: "SAC1", name: "Sac en cuir", price: 12500, currency: "XOF", stock: 0, active: true },
      ancien: {
        keyword: "ANCIEN",
        name: "Ancienne collection",
        price: 5000,
        currency: "XOF",
        stock: 10,
        active: false,
      },
    },
    // A live in progress: SAC1 sold out, buyers in its line (first come, first served by `joinedAt`).
    waitlist: [
      { customer: "+221771230001", customerName: "Mariama", quantity: 1, minutesAgo: 12 },
      { customer: "+221771230002", customerName: "Khady", quantity: 2, minutesAgo: 9 },
      { customer: "+221771230003", customerName: "Ousmane", quantity: 1, minutesAgo: 4 },
    ].map((place) => ({
      ...place,
      productId: "sac1",
      delivery: { zone: "Dakar Plateau", fee: 1000, address: "Rue Carnot, immeuble Fahd" },
    })),
  },
  {
    vendorId: "vendor_002",
    instance: {
      id: "waba_vendor_002",
      vendorId: "vendor_002",
      businessName: "Dakar Sneakers",
      phoneNumber: "+221702222222",
      provider: "wasender",
      wasenderInstanceId: "demo-session-002",
      wasenderApiKey: "demo-api-key-vendor-002",
      wasenderWebhookSecret: "demo-webhook-secret-vendor-002",
      wasenderAccessToken: "demo-access-token-002",
      status: "connected",
    },
    config: {
      vendorId: "vendor_002",
      wabaInstanceId: "waba_vendor_002",
      wabaProvider: "wasender",
      businessName: "Dakar Sneakers",
      language: "en",
      autoReplyEnabled: true,
      reservationDurationMinutes: 15,
      ownerPhone: "+221765550202",
    },
    products: {
      air42: { keyword: "AIR42", name: "Air sneakers, size 42", price: 35000, currency: "XOF", stock: 3, active: true },
      cap1: { keyword: "CAP1", name: "Cap LivePay", price: 7000, currency: "XOF", stock: 20, active: true },
    },
  },
  {
    // A number on the WhatsApp Cloud API only: Meta brings its messages, Meta sends its replies.
    vendorId: "vendor_003",
    instance: {
      id: "waba_vendor_003",
      vendorId: "vendor_003",
      businessName: "Keur Bijoux",
      phoneNumber: "+221703333333",
      provider: "meta",
      metaPhoneNumberId: "100000000000003",
      metaAccessToken: "demo-meta-token-vendor-003",
      metaAppSecret: "demo-meta-app-secret-vendor-003",
      metaVerifyToken: "demo-meta-verify-token-vendor-003",
      status: "connected",
    },
    config: {
      vendorId: "vendor_003",
      wabaInstanceId: "waba_vendor_003",
      wabaProvider: "meta",
      businessName: "Keur Bijoux",
      language: "fr",
      autoReplyEnabled: true,
      ownerPhone: "+221765550303",
    },
    products: {
      bracelet1: {
        keyword: "BRACELET1",
        name: "Bracelet en perles",
        price: 8000,
        currency: "XOF",
        stock: 6,
        active: true,
      },
      collier1: {
        keyword: "COLLIER1",
        name: "Collier en argent",
        price: 18000,
        currency: "XOF",
        stock: 3,
        active: true,
      },
    },
  },
  {
    // A number linked to Unipile: Unipile's webhook brings its messages, Unipile sends its replies
    // (the Unipile sandbox of `npm start` on port 3902 stands in for the workspace's DSN).
    vendorId: "vendor_004",
    instance: {
      id: "waba_vendor_004",
      vendorId: "vendor_004",
      businessName: "Thiossane Tissus",
      phoneNumber: "+221704444444",
      provider: "unipile",
      unipileAccountId: "demo-unipile-account-004",
      unipileApiKey: "demo-unipile-api-key",
      unipileApiUrl: "http://127.0.0.1:3902/api/v1",
      unipileWebhookSecret: "demo-unipile-auth-vendor-004",
      status: "connected",
    },
    config: {
      vendorId: "vendor_004",
      wabaInstanceId: "waba_vendor_004",
      wabaProvider: "unipile",
      businessName: "Thiossane Tissus",
      language: "fr",
      autoReplyEnabled: true,
      ownerPhone: "+221765550404",
    },
    products: {
      bazin1: { keyword: "BAZIN1", name: "Bazin riche 3 m", price: 25000, currency: "XOF", stock: 4, active: true },
      pagne1: { keyword: "PAGNE1", name: "Pagne tissé", price: 9000, currency: "XOF", stock: 8, active: true },
    },
  },
  {
    // A Wasender number whose replies fail over to Unipile while its session cannot send.
    vendorId: "vendor_005",
    instance: {
      id: "waba_vendor_005",
      vendorId: "vendor_005",
      businessName: "Sandaga Phones",
      phoneNumber: "+221705555555",
      provider: "wasender",
      wasenderInstanceId: "demo-session-005",
      wasenderApiKey: "demo-api-key-vendor-005",
      wasenderWebhookSecret: "demo-webhook-secret-vendor-005",
      wasenderAccessToken: "demo-access-token-005",
      status: "connected",
      failoverProvider: "unipile",
      failoverCooldownSeconds: 30,
      unipileAccountId: "demo-unipile-account-005",
      unipileApiKey: "demo-unipile-api-key",
      unipileApiUrl: "http://127.0.0.1:3902/api/v1",
    },
    config: {
      vendorId: "vendor_005",
      wabaInstanceId: "waba_vendor_005",
      wabaProvider: "wasender",
      businessName: "Sandaga Phones",
      language: "fr",
      autoReplyEnabled: true,
      ownerPhone: "+221765550505",
    },
    products: {
      tel1: { keyword: "TEL1", name: "Téléphone reconditionné", price: 60000, currency: "XOF", stock: 2, active: true },
      coque1: { keyword: "COQUE1", name: "Coque de protection", price: 3000, currency: "XOF", stock: 15, active: true },
    },
  },
];

/** The demo numbers on Wasender (sessions the Wasender sandbox knows). */
export const WASENDER_DEMO_VENDORS = DEMO_VENDORS.filter((v) => v.instance.provider === "wasender");

/** The demo numbers Meta serves, as a failover or alone (phone number ids the Meta sandbox knows). */
export const META_DEMO_VENDORS = DEMO_VENDORS.filter((v) => v.instance.metaPhoneNumberId);

/** The demo numbers Unipile serves, as their provider or a failover (accounts the Unipile sandbox knows). */
export const UNIPILE_DEMO_VENDORS = DEMO_VENDORS.filter((v) => v.instance.unipileAccountId);

/** The payments sandbox `npm start` runs (all three providers' shapes on one port). */
export const PAYMENTS_SANDBOX_URL = "http://127.0.0.1:3903";

/**
 * `payment_accounts/{vendorId}` of the demo vendors, at the payments sandbox: vendor_001 on Wave (the
 * Wave-Signature scheme), vendor_002 on PayDunya (its sandbox API). vendor_003 has none: its buyers get
 * its link template.
 */
export const DEMO_PAYMENT_ACCOUNTS = {
  vendor_001: {
    provider: "wave",
    waveApiKey: "wave_sn_prod_demo_vendor_001",
    waveWebhookSecret: "wave_sn_WHS_demo_vendor_001",
    waveWebhookScheme: "signature",
    waveApiUrl: `${PAYMENTS_SANDBOX_URL}/wave`,
  },
  vendor_002: {
    provider: "paydunya",
    paydunyaMasterKey: "demo-paydunya-master-key-vendor-002",
    paydunyaPrivateKey: "test_private_demo_vendor_002",
    paydunyaToken: "demo-paydunya-token-vendor-002",
    paydunyaApiUrl: `${PAYMENTS_SANDBOX_URL}/paydunya/sandbox-api`,
  },
};
