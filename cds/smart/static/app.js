// The calf difference, shown as the circumferences are typed (the server computes it again).
"use strict";
(function () {
  const left = document.getElementById("calf_left_cm");
  const right = document.getElementById("calf_right_cm");
  const out = document.getElementById("calf-difference");
  if (!left || !right || !out) {
    return;
  }
  const form = left.form;
  function symptomaticLeg() {
    const chosen = form.querySelector("input[name=leg]:checked") ||
      form.querySelector("input[type=hidden][name=leg]");
    return chosen ? chosen.value : "";
  }
  function number(input) {
    const value = parseFloat(input.value.replace(",", "."));
    return Number.isFinite(value) ? value : null;
  }
  function update() {
    const l = number(left);
    const r = number(right);
    const leg = symptomaticLeg();
    if (l === null || r === null || !leg) {
      out.textContent = "–";
      return;
    }
    const diff = leg === "left" ? l - r : r - l;
    out.textContent = diff.toFixed(1) + " cm";
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
