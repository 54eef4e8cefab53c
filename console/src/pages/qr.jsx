import qrcode from "qrcode-generator";

/**
 * Wasender's QR string drawn as an image, for the number's phone to scan from the screen.
 * @param {{ text: string; alt: string }} props
 */
export function QrImage({ text, alt }) {
  const qr = qrcode(0, "M");
  qr.addData(text);
  qr.make();
  return <img class="qr" src={qr.createDataURL(6, 4)} alt={alt} data-test="qr" data-qr-text={text} />;
}
