// The in-app QR scanner: the camera and jsQR on a canvas. jsQR everywhere, since iOS has no BarcodeDetector and
// one decoder is one behaviour to test.

let loading = null;

function loadJsQr() {
  if (window.jsQR) return Promise.resolve(window.jsQR);
  loading ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = '/app/vendor/jsqr.js';
    script.onload = () => resolve(window.jsQR);
    script.onerror = () => reject(new Error('the scanner did not load'));
    document.head.append(script);
  });
  return loading;
}

/** The pairing token in a Latchkey pairing link of this server, or null for anything else. */
export function tokenFromLink(text) {
  let url;
  try {
    url = new URL(String(text).trim(), location.origin);
  } catch {
    return null;
  }
  if (url.origin !== location.origin || !url.pathname.startsWith('/app/pair')) return null;
  const token = new URLSearchParams(url.hash.slice(1)).get('t');
  return token && /^[A-Za-z0-9_-]{20,200}$/.test(token) ? token : null;
}

/**
 * Starts the back camera in `video` and calls onText with each decoded QR text until stop() is called.
 * Rejects when there is no camera or the user refuses it.
 */
export async function startScanner(video, onText) {
  const jsQR = await loadJsQr();
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { facingMode: { ideal: 'environment' } },
    audio: false,
  });
  video.srcObject = stream;
  video.setAttribute('playsinline', '');
  video.muted = true;
  await video.play();
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  let stopped = false;
  let timer = null;
  const tick = () => {
    if (stopped) return;
    if (video.readyState >= 2 && video.videoWidth > 0) {
      // A smaller frame decodes faster and a QR on a screen is large in it.
      const scale = Math.min(1, 640 / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      const found = jsQR(image.data, image.width, image.height, { inversionAttempts: 'attemptBoth' });
      if (found?.data) onText(found.data);
    }
    timer = setTimeout(tick, 150);
  };
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
}
