// Progressive enhancement for the assessment form (the page works without it):
// - the calf difference is shown as the circumferences are typed;
// - the decision is refreshed as answers come in: the form is posted to /app/assess in the
//   background and the decision, the full cards and "what to document" are replaced. Nothing is
//   saved that way; saving stays an explicit button.
"use strict";
(function () {
  const form = document.getElementById("answers");
  if (!form) {
    return;
  }
  const left = document.getElementById("calf_left_cm");
  const right = document.getElementById("calf_right_cm");
  const out = document.getElementById("calf-difference");

  function symptomaticLeg() {
    const chosen = form.querySelector("input[name=leg]:checked") ||
      form.querySelector("input[type=hidden][name=leg]");
    return chosen ? chosen.value : "";
  }
  function number(input) {
    const value = parseFloat(input.value.replace(",", "."));
    return Number.isFinite(value) ? value : null;
  }
  function showDifference() {
    if (!left || !right || !out) {
      return;
    }
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

  const replaced = ["decision", "cards", "to-document"];
  let pending = null;
  async function refreshDecision() {
    if (pending) {
      pending.abort(); // a newer answer: the older answer's page is no longer wanted
    }
    const request = new AbortController();
    pending = request;
    let response;
    let text;
    try {
      response = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        credentials: "same-origin",
        signal: request.signal,
      });
      text = await response.text();
    } catch (error) {
      return; // aborted by a newer answer, or offline: the button still works
    } finally {
      if (pending === request) {
        pending = null;
      }
    }
    if (request.signal.aborted) {
      return;
    }
    if (!response.ok) {
      form.submit(); // show the page that says what went wrong (e.g. the session expired)
      return;
    }
    const page = new DOMParser().parseFromString(text, "text/html");
    for (const id of replaced) {
      const fresh = page.getElementById(id);
      const current = document.getElementById(id);
      if (fresh && current) {
        current.replaceWith(document.importNode(fresh, true));
      } else if (fresh && id === "to-document") {
        document.getElementById("cards").before(document.importNode(fresh, true));
      } else if (current) {
        current.remove();
      }
    }
  }

  form.addEventListener("input", showDifference);
  form.addEventListener("change", function () {
    showDifference();
    refreshDecision();
  });
  showDifference();
})();
