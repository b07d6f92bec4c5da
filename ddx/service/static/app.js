// The web interview: every answer so far is sent with each request (the service keeps nothing), and the
// service says what to ask next: the emergency checklist, the intake checklists, then one question at a time.
"use strict";

const LEVEL_WORDS = {
  emergency: "Emergency: call emergency services now",
  urgent: "See a clinician today",
  routine: "Book a visit with a clinician",
  self_care: "You can look after this at home for now",
};
const HELP_KINDS = ["care", "treatment", "self_care"];
const RUNNING_TOP = 3;
const FINAL_TOP = 5;

const state = { age: null, sex: null, steps: [], known: {}, last: null, question: null, retry: null, shown: 0 };
const $ = (id) => document.getElementById(id);

class ApiError extends Error {
  constructor(message, body) {
    super(message);
    this.body = body || {};
  }
}

function caseBody() {
  // Everything asked so far, in the order asked: a checklist's value is the list of items ticked.
  const answers = {};
  for (const step of state.steps) answers[step.id] = step.kind === "checklist" ? step.ticked : step.value;
  return { answers, age: state.age, sex: state.sex, known: state.known };
}

function chartCase() {
  // A link from the chart (the CDS Hooks card) carries the chart's answers in the fragment, #case=<JSON>:
  // a fragment never reaches a server, so the answers are not in any request line or log.
  const match = /^#case=(.+)$/.exec(window.location.hash);
  if (!match) return null;
  try {
    const found = JSON.parse(decodeURIComponent(match[1]));
    return found && typeof found === "object" && found.answers && typeof found.answers === "object" ? found : null;
  } catch (err) {
    return null;
  }
}

function useChart(chart) {
  state.known = chart.answers;
  if (chart.age !== null && chart.age !== undefined) $("age").value = String(chart.age);
  const sex = document.querySelector(`input[name=sex][value="${chart.sex === "male" || chart.sex === "female" ? chart.sex : ""}"]`);
  if (sex) sex.checked = true;
  const count = Object.keys(chart.answers).length;
  $("chart-note").textContent = `${count} answer${count === 1 ? "" : "s"} from the chart will be used; they are not asked again.`;
  $("chart-note").hidden = false;
  $("clinician").checked = true;
  document.body.classList.add("clinician");
}

async function api(path, body) {
  let response;
  try {
    response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
  } catch (err) {
    throw new ApiError("Could not reach the ddx service. Check that it is running and try again.");
  }
  let data = null;
  try {
    data = await response.json();
  } catch (err) {
    data = null;
  }
  if (!response.ok) {
    const detail = data && typeof data.detail === "string" ? data.detail : `the service answered ${response.status}`;
    throw new ApiError(`The service could not use these answers: ${detail}`, data);
  }
  return data;
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function percent(p) {
  if (p >= 0.995) return "over 99 %";
  if (p < 0.01) return "under 1 %";
  return `${Math.round(p * 100)} %`;
}

function setInert(inert) {
  // While the emergency fills the screen, nothing behind it can be reached with the keyboard.
  for (const selector of ["header", "main", "footer", "#error"]) document.querySelector(selector).inert = inert;
}

function showOnly(sectionId) {
  for (const id of ["start", "ask", "final"]) $(id).hidden = id !== sectionId;
}

function focusHeading(id) {
  const heading = $(id);
  if (heading) heading.focus();
}

function setBusy(busy) {
  for (const button of document.querySelectorAll("main button, #start-form button")) button.disabled = busy;
  document.body.setAttribute("aria-busy", busy ? "true" : "false");
}

function showError(err, retry) {
  $("error-text").textContent = err.message;
  $("error").hidden = false;
  state.retry = retry;
  $("retry").focus();
}

function shown() {
  // Counts what the page has shown (a question, a result, an error), so that a reader can wait for the next.
  state.shown += 1;
  document.body.dataset.shown = String(state.shown);
}

function clearError() {
  $("error").hidden = true;
  state.retry = null;
}

function renderCauses(list, differential, top) {
  list.replaceChildren();
  for (const cause of differential.slice(0, top)) {
    const item = el("li");
    item.append(el("span", cause.label), " ", el("span", percent(cause.probability), "pct"));
    const bar = el("span", null, "bar");
    const fill = el("span");
    fill.style.width = `${Math.max(1, Math.round(cause.probability * 100))}%`;
    bar.append(fill);
    bar.setAttribute("aria-hidden", "true");
    item.append(bar);
    list.append(item);
  }
}

function renderTriage(box, result, withRules) {
  box.className = `triage ${result.triage}${box.classList.contains("small") ? " small" : ""}`;
  box.replaceChildren(el("strong", LEVEL_WORDS[result.triage] || result.triage), el("span", result.advice));
  if (withRules) {
    // the level's own advice and every fired rule's message, each once
    const said = new Set([result.advice]);
    for (const step of result.next_steps.filter((s) => s.kind === "advice" || s.kind === "rule")) {
      if (said.has(step.text)) continue;
      said.add(step.text);
      box.append(el("p", step.text));
    }
    for (const rule of result.rules_fired) box.append(el("span", `${rule.id}: ${rule.source}`, "source clinician-only"));
  }
}

function renderRunning(result) {
  $("running").hidden = false;
  renderTriage($("running-triage"), result, false);
  renderCauses($("running-causes"), result.differential, RUNNING_TOP);
}

function renderQuestion(response) {
  const question = response.question;
  state.question = question;
  showOnly("ask");
  $("progress").textContent = `Question ${response.questions_asked + 1} (at most ${response.max_questions})`;
  $("q-text").textContent = question.text;
  $("q-text").dataset.question = question.id;
  $("q-why").textContent = `Why this question: ${question.reason}`;
  $("back").hidden = state.steps.length === 0;
  const checklist = question.kind === "checklist";
  $("q-single").hidden = checklist;
  $("q-checklist").hidden = !checklist;
  if (checklist) {
    const list = $("q-options");
    list.replaceChildren();
    for (const option of question.options) {
      const item = el("li");
      const label = el("label");
      const box = el("input");
      box.type = "checkbox";
      box.value = option.id;
      box.name = "item";
      label.append(box, el("span", option.question));
      item.append(label);
      list.append(item);
    }
    updateContinue();
  }
  focusHeading("q-text");
}

function updateContinue() {
  const ticked = document.querySelectorAll("#q-options input:checked").length;
  $("q-continue").textContent = ticked === 0 ? "None of these" : `Continue (${ticked} ticked)`;
}

function showEmergency(result) {
  $("emergency-advice").textContent = result.advice;
  const rules = $("emergency-rules");
  rules.replaceChildren();
  for (const rule of result.rules_fired || []) {
    if (rule.message !== result.advice) rules.append(el("li", rule.message));
  }
  $("emergency-sources").textContent = (result.rules_fired || []).map((r) => `${r.id}: ${r.source}`).join(" · ");
  $("emergency").hidden = false;
  setInert(true);
  $("emergency-summary").hidden = !state.last;
  focusHeading("emergency-title");
}

function renderSteps(list, steps, labels) {
  list.replaceChildren();
  for (const step of steps) {
    const item = el("li");
    const who = step.cause && labels[step.cause] ? `${labels[step.cause].split(" (")[0]}: ` : "";
    item.append(el("span", `${who}${step.text}`), el("span", step.citation, "source clinician-only"));
    list.append(item);
  }
  return steps.length > 0;
}

async function renderReasons(response) {
  const box = $("final-reasons");
  box.replaceChildren(el("h3", "For clinicians: why"));
  box.className = "clinician-only reasons";
  if (response.stop) box.append(el("p", `The interview stopped: ${response.stop.message}.`));
  const body = caseBody();
  const answers = response.result.evidence.answers;
  for (const cause of response.result.differential.slice(0, RUNNING_TOP)) {
    let explained;
    try {
      explained = await api("/explain", { answers, age: body.age, sex: body.sex, cause: cause.id });
    } catch (err) {
      box.append(el("p", err.message));
      return;
    }
    box.append(el("h4", `${explained.label}: ${percent(explained.probability)} (before any answer ${percent(explained.prior)})`));
    for (const [title, reasons] of [["For", explained.reasons_for], ["Against", explained.reasons_against]]) {
      if (reasons.length === 0) continue;
      const list = el("ul");
      for (const reason of reasons.slice(0, 6)) {
        const item = el("li", `${title}: ${reason.label} (${reason.answer === true ? "yes" : reason.answer === false ? "no" : reason.answer})`);
        item.append(el("span", reason.citation, "source"));
        list.append(item);
      }
      box.append(list);
    }
  }
}

function renderFinal(response) {
  const result = response.result;
  showOnly("final");
  $("running").hidden = true;
  renderTriage($("final-triage"), result, true);
  renderCauses($("final-causes"), result.differential, FINAL_TOP);
  const labels = Object.fromEntries(result.differential.map((c) => [c.id, c.label]));
  const tests = result.next_steps.filter((s) => s.kind === "test");
  const helps = result.next_steps.filter((s) => HELP_KINDS.includes(s.kind));
  $("final-tests-block").hidden = !renderSteps($("final-tests"), tests, labels);
  $("final-help-block").hidden = !renderSteps($("final-help"), helps, labels);
  $("final-disclaimer").textContent = result.disclaimer;
  focusHeading("final-title");
  renderReasons(response);
}

function render(response) {
  state.last = response;
  renderRunning(response.result);
  if (!response.should_stop) {
    renderQuestion(response);
  } else if (response.stop && response.stop.code === "emergency") {
    showEmergency(response.result);
  } else {
    renderFinal(response);
  }
}

async function advance() {
  clearError();
  setBusy(true);
  try {
    render(await api("/diagnosis", caseBody()));
  } catch (err) {
    if (err.body && err.body.triage === "emergency") showEmergency(err.body);
    else showError(err, advance);
  } finally {
    setBusy(false);
    shown();
  }
}

function answer(step) {
  state.steps.push(step);
  advance();
}

function restart() {
  state.steps = [];
  state.last = null;
  $("emergency").hidden = true;
  setInert(false);
  $("running").hidden = true;
  clearError();
  showOnly("start");
  focusHeading("start-title");
}

function init() {
  $("clinician").addEventListener("change", (event) => {
    document.body.classList.toggle("clinician", event.target.checked);
  });
  $("start-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const age = $("age").value.trim();
    state.age = age === "" ? null : age;
    const sex = document.querySelector("input[name=sex]:checked");
    state.sex = sex && sex.value ? sex.value : null;
    state.steps = [];
    advance();
  });
  for (const button of document.querySelectorAll("#q-single button")) {
    button.addEventListener("click", () => {
      const value = { yes: true, no: false, unknown: null }[button.dataset.answer];
      answer({ kind: "single", id: state.question.id, value });
    });
  }
  $("q-options").addEventListener("change", updateContinue);
  $("q-checklist").addEventListener("submit", (event) => {
    event.preventDefault();
    const ticked = [...document.querySelectorAll("#q-options input:checked")].map((box) => box.value);
    answer({ kind: "checklist", id: state.question.id, ticked });
  });
  $("q-unknown").addEventListener("click", () => answer({ kind: "checklist", id: state.question.id, ticked: null }));
  $("back").addEventListener("click", () => {
    state.steps.pop();
    advance();
  });
  $("retry").addEventListener("click", () => {
    if (state.retry) state.retry();
  });
  $("again").addEventListener("click", restart);
  $("emergency-again").addEventListener("click", restart);
  $("emergency-summary").addEventListener("click", () => {
    $("emergency").hidden = true;
    setInert(false);
    if (state.last) renderFinal(state.last);
  });
  document.addEventListener("keydown", (event) => {
    if ($("q-single").hidden || $("ask").hidden || !$("emergency").hidden || event.altKey || event.ctrlKey || event.metaKey) return;
    const key = { y: "yes", n: "no", d: "unknown" }[event.key.toLowerCase()];
    if (key) document.querySelector(`#q-single button[data-answer=${key}]`).click();
  });
  const chart = chartCase();
  if (chart) useChart(chart);
  fetch("/info")
    .then((r) => r.json())
    .then((info) => {
      $("disclaimer").textContent = `${info.disclaimer} Model ${info.kb_version}, ddx ${info.version}.`;
    })
    .catch(() => {});
  focusHeading("start-title");
}

document.addEventListener("DOMContentLoaded", init);
