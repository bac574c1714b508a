// The door's camera: @yudiel/react-qr-scanner reads the ticket's QR code and hands its text to Python.
// Browsers without a native BarcodeDetector (desktop Chromium on Linux, Firefox) use the ZXing WebAssembly
// polyfill; its .wasm is bundled and served from this site (never from a CDN), and only this page loads it.
import { createElement, useCallback, useEffect, useRef, useState } from "react";
import { Scanner, setZXingModuleOverrides } from "@yudiel/react-qr-scanner";
import zxingWasmUrl from "zxing-wasm/reader/zxing_reader.wasm?url";

setZXingModuleOverrides({
  locateFile: (path, prefix) => (path.endsWith(".wasm") ? zxingWasmUrl : prefix + path),
});

const REPEAT_MS = 4000; // the same code held in front of the camera counts once per 4 s

function cameraAllowed() {
  const policy = document.permissionsPolicy || document.featurePolicy;
  try {
    return !policy || policy.allowsFeature("camera");
  } catch (e) {
    return true;
  }
}

function text(value) {
  if (!value) return "";
  if (typeof value === "string") return value;
  if (typeof value.message === "string") return value.message;
  try {
    return JSON.stringify(value);
  } catch (e) {
    return String(value);
  }
}

// The words come from Python (``messages``, in the page's language): by the library's error kind, else
// "failed" / "failed_detail" (with the browser's own words in its %(detail)s).
function describe(error, messages) {
  const m = messages || {};
  if (!error) return m.failed || "";
  const known = error.kind && Object.prototype.hasOwnProperty.call(m, error.kind) && m[error.kind];
  if (known) return known;
  const detail = (error.kind ? error.kind + ": " : "") + (text(error.message) || text(error.cause) || text(error));
  return m.failed_detail ? m.failed_detail.replace("%(detail)s", detail) : detail;
}

export function TicketScanner({ paused = false, messages = {}, onCode, onProblem }) {
  const last = useRef({ code: "", at: 0 });
  const [allowed] = useState(cameraAllowed);

  useEffect(() => {
    // This document was loaded by another page whose Permissions-Policy keeps the camera off: load the
    // check-in page itself once (its response allows the camera for this origin).
    if (!allowed) {
      const key = "khala-camera-reload:" + window.location.pathname;
      if (!window.sessionStorage.getItem(key)) {
        window.sessionStorage.setItem(key, "1");
        window.location.reload();
      } else if (onProblem) {
        onProblem(messages.blocked || "");
      }
    }
  }, [allowed]);

  const handleScan = useCallback(
    (codes) => {
      const value = codes && codes.length ? String(codes[0].rawValue || "").trim() : "";
      const now = Date.now();
      if (!value || (value === last.current.code && now - last.current.at < REPEAT_MS)) return;
      last.current = { code: value, at: now };
      if (onCode) onCode(value);
    },
    [onCode]
  );

  const handleError = useCallback(
    (error) => {
      console.error("ticket scanner:", error);
      if (onProblem) onProblem(describe(error, messages));
    },
    [onProblem, messages]
  );

  if (!allowed) return null;
  return createElement(Scanner, {
    onScan: handleScan,
    onError: handleError,
    paused,
    formats: ["qr_code"],
    // Any camera will do (the library's defaults ask for at least 640 px each way, which some webcams and
    // Chromium's test camera refuse as "overconstrained"); prefer the back camera and a sharp picture.
    constraints: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } },
    allowMultiple: true,
    scanDelay: 500,
    sound: false,
    components: { finder: true, torch: true, zoom: false, onOff: false },
    styles: {
      container: { width: "100%", aspectRatio: "1 / 1", borderRadius: "16px", overflow: "hidden", background: "#1c2346" },
      video: { width: "100%", height: "100%", objectFit: "cover" },
    },
  });
}
