// The sign form: shows the panel of the method chosen, previews a typed name in handwriting, and
// turns a drawing on the signature pad (signature_pad, from the npm registry) into the PNG it sends.
import SignaturePad from "../vendor/signature_pad/signature_pad.min.js";

const form = document.querySelector("[data-sign-form]");
if (form) {
  const panels = form.querySelectorAll("[data-method-panel]");
  const radios = form.querySelectorAll('input[name="method"]');
  form.querySelectorAll("[data-needs-script]").forEach((element) => { element.hidden = false; });

  const showChosen = () => {
    const chosen = form.querySelector('input[name="method"]:checked');
    panels.forEach((panel) => { panel.hidden = !chosen || panel.dataset.methodPanel !== chosen.value; });
  };
  radios.forEach((radio) => radio.addEventListener("change", showChosen));
  showChosen();

  const typed = form.querySelector('input[name="typed_name"]');
  const preview = form.querySelector("[data-typed-preview]");
  if (typed && preview) {
    typed.addEventListener("input", () => { preview.textContent = typed.value; });
  }

  const canvas = form.querySelector("[data-signature-pad]");
  const drawing = form.querySelector('input[name="drawing"]');
  if (canvas && drawing) {
    const fit = () => {
      // Draw at the screen's pixel density, so the stored PNG is sharp.
      const ratio = Math.max(window.devicePixelRatio || 1, 1);
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
    };
    fit();
    const pad = new SignaturePad(canvas, { penColor: "#14213d", minWidth: 0.8, maxWidth: 2.6 });
    const keep = () => { drawing.value = pad.isEmpty() ? "" : pad.toDataURL("image/png"); };
    pad.addEventListener("endStroke", keep);
    window.addEventListener("resize", () => { const strokes = pad.toData(); fit(); pad.fromData(strokes); keep(); });
    form.querySelector("[data-clear-drawing]").addEventListener("click", () => { pad.clear(); keep(); });
  }
}
