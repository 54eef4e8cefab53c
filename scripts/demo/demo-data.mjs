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
      status: "connected",
    },
    config: {
      vendorId: "vendor_001",
      wabaInstanceId: "waba_vendor_001",
      wabaProvider: "wasender",
      businessName: "Awa Couture",
      welcomeMessage: "Bienvenue chez Awa Couture ! Tapez le mot-clé vu en live (ex. ROBE1) ou AIDE.",
      language: "fr",
      autoReplyEnabled: true,
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
      boubou1: { keyword: "BOUBOU1", name: "Grand boubou brodé", price: 45000, currency: "XOF", stock: 2, active: true },
      sac1: { keyword: "SAC1", name: "Sac en cuir", price: 12500, currency: "XOF", stock: 0, active: true },
      ancien: { keyword: "ANCIEN", name: "Ancienne collection", price: 5000, currency: "XOF", stock: 10, active: false },
    },
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
      status: "connected",
    },
    config: {
      vendorId: "vendor_002",
      wabaInstanceId: "waba_vendor_002",
      wabaProvider: "wasender",
      businessName: "Dakar Sneakers",
      language: "en",
      autoReplyEnabled: true,
    },
    products: {
      air42: { keyword: "AIR42", name: "Air sneakers, size 42", price: 35000, currency: "XOF", stock: 3, active: true },
      cap1: { keyword: "CAP1", name: "Cap LivePay", price: 7000, currency: "XOF", stock: 20, active: true },
    },
  },
];
