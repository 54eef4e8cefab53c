// The floor of a webhook: an HTTPS function that stores the posted message with one Firestore create
// and answers, with no authentication, validation, cache or logging. The benchmarks compare the real
// webhook to it in the same run. It writes the document the real webhook would write (same path and
// fields), so the same reply trigger fires behind both and neither is charged for the other's work.
// Only the benchmarks' emulator configuration loads this codebase; `firebase deploy` never sees it.
const { onRequest } = require("firebase-functions/v2/https");
const { initializeApp } = require("firebase-admin/app");
const { FieldValue, getFirestore } = require("firebase-admin/firestore");

initializeApp();
const db = getFirestore();

exports.benchBaseline = onRequest({ invoker: "public" }, async (req, res) => {
  const vendorId = req.path.split("/").filter(Boolean).pop();
  const message = req.body?.data?.messages ?? {};
  const id = message.key?.id;
  const from = `+${message.key?.cleanedSenderPn}`;
  await db.doc(`vendors/${vendorId}/conversations/${from}/messages/in_${id}`).create({
    direction: "inbound",
    vendorId,
    wabaInstanceId: `waba_${vendorId}`,
    waMessageId: id,
    from,
    text: message.messageBody,
    kind: "text",
    event: req.body.event,
    processing: { state: "pending" },
    receivedAt: FieldValue.serverTimestamp(),
  });
  res.status(200).json({ ok: true });
});
