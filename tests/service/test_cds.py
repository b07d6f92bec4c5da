"""The CDS Hooks 2.0 service of ``ddx serve``: discovery, the patient-view hook's cards, feedback, and its errors."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("fhir.resources")

from conftest import REPO
from fastapi.testclient import TestClient

import ddx
from ddx.fhir.read import BundleEvidence
from ddx.service.app import create_app
from ddx.service.cards import result_cards
from ddx.service.cds import PREFETCH, SERVICE_ID

EXAMPLES = REPO / "examples" / "cds-hooks"
HOOK_URL = f"/cds-services/{SERVICE_ID}"
#: JSON Schemas of the CDS Hooks 2.0 shapes, written from the specification (https://cds-hooks.hl7.org/2.0/);
#: each schema's description names the sections it follows.
SCHEMAS = Path(__file__).parent / "cds_hooks_2_0"


def schema(name: str) -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    found = json.loads((SCHEMAS / f"{name}.json").read_text())
    jsonschema.Draft202012Validator.check_schema(found)
    return jsonschema.Draft202012Validator(found, format_checker=jsonschema.FormatChecker())


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / f"{name}-request.json").read_text())
    return data


@pytest.fixture(scope="module")
def engine() -> ddx.Engine:
    return ddx.load()


@pytest.fixture(scope="module")
def client(engine: ddx.Engine) -> TestClient:
    return TestClient(create_app(engine))


def cards(client: TestClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post(HOOK_URL, json=body)
    assert response.status_code == 200, response.text
    schema("response").validate(response.json())  # every response is a CDS Hooks 2.0 response
    found: list[dict[str, Any]] = response.json()["cards"]
    return found


@pytest.mark.parametrize("name", ["discovery-response", "request", "response", "feedback"])
def test_the_schemas_take_the_specifications_own_examples(name: str) -> None:
    validator = schema(name)
    examples = sorted(SCHEMAS.glob(f"{name}-ok-*.json"))
    assert len(examples) == 2
    for path in examples:
        validator.validate(json.loads(path.read_text()))


def test_the_schemas_refuse_what_the_specification_refuses() -> None:
    card = {"summary": "x" * 140, "indicator": "info", "source": {"label": "ddx"}}
    assert not schema("response").is_valid({"cards": [card]})  # a summary must be under 140 characters
    assert not schema("response").is_valid({"cards": [{**card, "summary": "ok", "indicator": "urgent"}]})
    assert schema("response").is_valid({"cards": [{**card, "summary": "ok"}]})
    assert not schema("request").is_valid({**example("sciatica"), "hookInstance": "not-a-uuid"})
    assert not schema("request").is_valid({**example("sciatica"), "context": {"userId": "Practitioner/1"}})


def test_the_example_requests_are_cds_hooks_requests() -> None:
    for name in ("sciatica", "emergency"):
        schema("request").validate(example(name))


def test_discovery_lists_a_patient_view_service_with_its_prefetch(client: TestClient) -> None:
    document = client.get("/cds-services").json()
    schema("discovery-response").validate(document)
    services = document["services"]
    assert [(s["hook"], s["id"]) for s in services] == [("patient-view", SERVICE_ID)]
    assert services[0]["prefetch"] == PREFETCH
    assert set(PREFETCH) == {"patient", "conditions", "observations"}
    assert all("{{context.patientId}}" in template for template in PREFETCH.values())


def test_a_sciatica_chart_gets_one_info_card(client: TestClient, engine: ddx.Engine) -> None:
    (card,) = cards(client, example("sciatica"))
    assert card["summary"].startswith("Leg numbness: Sciatica most likely (")
    assert card["summary"].endswith("; triage routine") and len(card["summary"]) < 140
    assert card["indicator"] == "info"
    assert card["source"]["label"] == f"ddx {ddx.__version__} (knowledge base {engine.kb.kb_version})"
    detail = card["detail"]
    for part in (
        "| Cause | Chance | Prior |",
        "**Why Sciatica**",
        "**Suggested tests:**",
        engine.diagnose({}).disclaimer,
    ):
        assert part in detail
    assert "Observation/obs-heart-rate: no ddx node has its code" in detail  # what was not read is said


def test_the_card_link_opens_the_interview_with_the_charts_answers(client: TestClient) -> None:
    (card,) = cards(client, example("sciatica"))
    (link,) = card["links"]
    assert link["type"] == "absolute" and link["url"].startswith("http://testserver/#case=")
    case = json.loads(unquote(link["url"].split("#case=", 1)[1]))
    assert case["sex"] == "male" and case["age"] > 40
    assert case["answers"] == {
        "radiates_from_lower_back_down_leg": True,
        "leg_pain": True,
        "back_pain": True,
        "chest_pain": False,
        "b12_low": False,
    }


def test_an_emergency_chart_gets_a_critical_card_of_its_own_first(client: TestClient) -> None:
    found = cards(client, example("emergency"))
    assert [c["indicator"] for c in found] == ["critical", "critical"]
    assert found[0]["summary"].startswith("Emergency: Loss of bladder or bowel control")
    assert "loss of bladder and/or bowel control" in found[0]["detail"]  # the rule's source
    assert found[1]["summary"].endswith("triage emergency")
    assert all(len(c["summary"]) < 140 for c in found)
    assert len({c["uuid"] for c in found}) == 2


@pytest.mark.parametrize(
    ("level", "indicator"), [("emergency", "critical"), ("urgent", "warning"), ("routine", "info")]
)
def test_the_indicator_follows_the_triage(engine: ddx.Engine, level: str, indicator: str) -> None:
    cases = {
        "emergency": {"chest_pain": True},
        "urgent": {"b12_low": True, "reduced_vibration_or_position_sense": True},
        "routine": {"radiates_from_lower_back_down_leg": True, "back_pain": True},
    }
    result = engine.diagnose(cases[level])
    assert result.triage == level
    chart = BundleEvidence(answers=cases[level], age=None, sex=None, patient=None)
    found = result_cards(result, chart, engine.kb, "http://ehr.test")
    assert found[-1]["indicator"] == indicator
    assert [c["indicator"] for c in found[:-1]] == ["critical"] * sum(
        r.level == "emergency" for r in result.rules_fired
    )


@pytest.mark.parametrize("missing", [("patient",), ("observations",), ("patient", "conditions", "observations")])
def test_missing_prefetch_gets_a_card_that_says_what_is_missing(client: TestClient, missing: tuple[str, ...]) -> None:
    body = example("sciatica")
    for key in missing:
        del body["prefetch"][key]
    (card,) = cards(client, body)
    assert card["indicator"] == "info"
    assert card["summary"] == f"ddx could not run: prefetch {', '.join(missing)} missing"
    assert all(PREFETCH[key] in card["detail"] for key in missing)


def test_no_prefetch_at_all_and_a_null_entry_are_missing_too(client: TestClient) -> None:
    body = example("sciatica")
    body["prefetch"]["conditions"] = None
    assert "prefetch conditions missing" in cards(client, body)[0]["summary"]
    del body["prefetch"]
    assert "prefetch patient, conditions, observations missing" in cards(client, body)[0]["summary"]


def test_a_chart_that_is_not_fhir_gets_a_card_not_a_500(client: TestClient) -> None:
    body = example("sciatica")
    no_code = {"resourceType": "Observation", "status": "final"}  # Observation.code is required
    body["prefetch"]["observations"] = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": no_code}]}
    (card,) = cards(client, body)
    assert card["summary"] == "ddx could not read the chart (not valid FHIR R4)"
    body["prefetch"]["observations"] = {"resourceType": "Bundle", "type": "searchset"}
    body["prefetch"]["patient"]["birthDate"] = "1880-01-01"  # older than the model's range
    (card,) = cards(client, body)
    assert card["summary"] == "ddx could not score the chart's answers" and "age" in card["detail"]


def test_a_chart_of_another_patient_is_not_scored(client: TestClient) -> None:
    body = example("emergency")
    body["context"]["patientId"] = "pat-sciatica"
    (card,) = cards(client, body)
    assert card["indicator"] == "warning"
    assert card["summary"] == "ddx did not run: the chart is not the context's patient"
    assert "Patient/pat-emergency" in card["detail"] and "pat-sciatica" in card["detail"]


def test_a_refused_chart_that_meets_an_emergency_rule_still_says_emergency(client: TestClient) -> None:
    body = example("emergency")
    body["prefetch"]["patient"]["birthDate"] = "1880-01-01"  # refused: older than the model's range
    (card,) = cards(client, body)
    assert card["indicator"] == "critical" and card["summary"].startswith("Emergency: ")
    assert "cannot be scored" in card["detail"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hook": "order-sign"}, "hook must be 'patient-view'"),
        ({"hookInstance": ""}, "hookInstance is missing"),
        ({"context": {}}, "context.patientId is missing"),
        ({"prefetch": []}, "prefetch must be an object"),
    ],
)
def test_a_malformed_request_is_a_400_with_the_reason(client: TestClient, change: dict[str, Any], message: str) -> None:
    response = client.post(HOOK_URL, json={**example("sciatica"), **change})
    assert response.status_code == 400 and message in response.json()["detail"]


def test_not_json_and_an_unknown_service(client: TestClient) -> None:
    response = client.post(HOOK_URL, content=b"{nope", headers={"content-type": "application/json"})
    assert response.status_code == 400 and "not JSON" in response.json()["detail"]
    response = client.post("/cds-services/ddx-leg-numbnes", json=example("sciatica"))
    assert response.status_code == 404 and f"did you mean '{SERVICE_ID}'" in response.json()["detail"]


def test_feedback_is_taken_and_kept_nowhere(client: TestClient) -> None:
    card = cards(client, example("sciatica"))[0]
    ok = {"feedback": [{"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-12-03T10:00:00Z"}]}
    schema("feedback").validate(ok)
    response = client.post(f"{HOOK_URL}/feedback", json=ok)
    assert response.status_code == 200 and response.json() == {}
    item = {"card": card["uuid"], "outcome": "ignored", "outcomeTimestamp": "2026-12-03T10:00:00Z"}
    bad = client.post(f"{HOOK_URL}/feedback", json={"feedback": [item]})
    assert bad.status_code == 400 and "outcome must be one of accepted, overridden" in bad.json()["detail"]
    late = client.post(f"{HOOK_URL}/feedback", json={"feedback": [{"card": card["uuid"], "outcome": "accepted"}]})
    assert late.status_code == 400 and "outcomeTimestamp is missing" in late.json()["detail"]
    assert client.post(f"{HOOK_URL}/feedback", json={"feedback": []}).status_code == 400


def test_the_example_responses_are_what_the_service_answers() -> None:
    spec = importlib.util.spec_from_file_location("render_ehr_docs", REPO / "scripts" / "render_ehr_docs.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    written = script.responses()
    assert {p.name for p in written} == {"sciatica-response.json", "emergency-response.json"}
    for path, text in written.items():
        assert path.read_text() == text, f"{path.name} is stale: run python scripts/render_ehr_docs.py"
        schema("response").validate(json.loads(text))
    docs = (REPO / "docs" / "ehr.md").read_text()
    assert docs == script.document(written), "docs/ehr.md is stale: run python scripts/render_ehr_docs.py"
    for name in ("sciatica", "emergency"):
        assert f"<!-- {name}-request -->" in docs and f"<!-- {name}-response -->" in docs
    assert "<!-- codes -->" in docs and "| `sciatica` |" in docs


def test_concepts_carry_codes(client: TestClient, engine: ddx.Engine) -> None:
    causes = client.get("/concepts", params={"kind": "cause"}).json()
    assert [c["id"] for c in causes] == list(engine.kb.causes)
    sciatica = next(c for c in causes if c["id"] == "sciatica")
    assert {"system": "http://snomed.info/sct", "code": "23056005"}.items() <= sciatica["codes"][0].items()
    evidence = client.get("/concepts").json()
    assert next(c for c in evidence if c["id"] == "sex")["derived"] == "Patient.gender"
    assert len(client.get("/concepts", params={"kind": "all"}).json()) == len(engine.kb.nodes)
