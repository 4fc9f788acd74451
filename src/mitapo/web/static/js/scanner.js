// Reading QR codes: the browser's BarcodeDetector where it has one, else jsQR (vendored from npm, see
// /static/vendor/jsQR.LICENSE). Nothing here decodes a QR code by itself.

const LARGEST_SIDE = 1280; // a phone photo is scaled down first: plenty for a code, and quick to search

let detector; // undefined: not asked yet; null: the browser has none for QR codes

async function nativeDetector() {
  if (detector !== undefined) return detector;
  detector = null;
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch {
      detector = null;
    }
  }
  return detector;
}

function pixels(source, width, height) {
  const scale = Math.min(1, LARGEST_SIDE / Math.max(width, height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

// The text of the first QR code in an image, a video frame or a canvas; null when there is none.
export async function readCode(source, width, height) {
  const native = await nativeDetector();
  if (native) {
    const found = await native.detect(source);
    if (found.length) return found[0].rawValue;
    return null;
  }
  const image = pixels(source, width, height);
  const found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
  return found ? found.data : null;
}

export async function readPhoto(file) {
  const bitmap = await createImageBitmap(file);
  try {
    return await readCode(bitmap, bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

// Looks at the camera until a code shows up; `stop()` ends it early. Resolves with the code, or null.
export function watchCamera(video) {
  let stopped = false;
  let stream = null;
  const finish = () => {
    stopped = true;
    stream?.getTracks().forEach((track) => track.stop());
    video.srcObject = null;
  };
  const found = (async () => {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    video.srcObject = stream;
    await video.play();
    while (!stopped) {
      if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth) {
        const code = await readCode(video, video.videoWidth, video.videoHeight);
        if (code) {
          finish();
          return code;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    return null;
  })();
  found.catch(finish);
  return { found, stop: finish };
}
