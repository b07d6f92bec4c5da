"""The HTTP service (``ddx.service``): each endpoint, its errors, its limits, and the interview it replays."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient

import ddx
from ddx.interview.session import Interview
from ddx.knowledge.interview_settings import SCREEN_ID, load_settings
from ddx.service.app import MAX_BODY_BYTES, create_app

SCIATICA = {
    "radiates_from_lower_back_down_leg": True,
    "back_pain": True,
    "one_leg_only": True,
    "leg_pain": True,
}


@pytest.fixture(scope="module")
def engine() -> ddx.Engine:
    return ddx.load()


@pytest.fixture(scope="module")
def client(engine: ddx.Engine) -> TestClient:
    return TestClient(create_app(engine))


def _walk_interview(engine: ddx.Engine, person: dict[str, Any], age: Any, sex: Any) -> tuple[list[str], Any, Any]:
    """The terminal interview's questions for a person who answers from a dict (absent: don't know)."""
    interview = Interview(engine, age, sex)
    asked = []
    while (question := interview.next_question()) is not None:
        asked.append(question.id)
        if question.options:
            ticked = [i for i in question.options if person.get(i)]
            none = all(person.get(i) is False for i in question.options)
            interview.answer_checklist(question.id, ticked if ticked or none else None)
        else:
            interview.answer(question.id, person.get(question.id))
    return asked, interview.stop(), interview.result


def _walk_api(client: TestClient, person: dict[str, Any], age: Any, sex: Any) -> tuple[list[str], dict, dict]:
    """The same person through ``POST /diagnosis``, sending every answer each time."""
    answers: dict[str, Any] = {}
    asked = []
    for _ in range(100):
        response = client.post("/diagnosis", json={"answers": answers, "age": age, "sex": sex})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["questions_asked"] == len(asked)
        if body["should_stop"]:
            assert body["question"] is None
            return asked, body["stop"], body["result"]
        question = body["question"]
        asked.append(question["id"])
        if question["kind"] == "checklist":
            options = [o["id"] for o in question["options"]]
            ticked = [i for i in options if person.get(i)]
            none = all(person.get(i) is False for i in options)
            answers[question["id"]] = ticked if ticked or none else None
        else:
            answers[question["id"]] = person.get(question["id"])
    raise AssertionError("the interview never stopped")


PEOPLE = {
    "sciatica": (SCIATICA, 45, "male"),
    "positional": ({"after_sitting_or_lying_still": True, "resolves_on_moving": True, "one_leg_only": True}, 30, "f"),
    "dont_know": ({}, None, None),
    "cauda_equina": ({**SCIATICA, "saddle_numbness": True}, 50, "female"),
}


@pytest.mark.parametrize("name", sorted(PEOPLE))
def test_the_api_asks_what_the_terminal_interview_asks(engine: ddx.Engine, client: TestClient, name: str) -> None:
    person, age, sex = PEOPLE[name]
    asked, stop, result = _walk_interview(engine, person, age, sex)
    api_asked, api_stop, api_result = _walk_api(client, person, age, sex)
    assert api_asked == asked
    assert api_stop["code"] == stop.code and api_stop["message"] == stop.message
    assert [c["id"] for c in api_result["differential"]] == [c.id for c in result.differential]
    assert api_result["triage"] == result.triage


def test_a_sciatica_walk_through_ends_with_sciatica_first(client: TestClient) -> None:
    asked, stop, result = _walk_api(client, {**SCIATICA, **{s: False for s in ("saddle_numbness",)}}, 45, "male")
    assert asked[0] == SCREEN_ID
    assert stop["code"] in ("confident", "settled", "max_questions")
    assert result["differential"][0]["id"] == "sciatica"
    assert any(step["kind"] == "test" and step["cause"] == "sciatica" for step in result["next_steps"])


def test_a_ticked_emergency_sign_stops_at_once(client: TestClient, engine: ddx.Engine) -> None:
    body = client.post("/diagnosis", json={"answers": {SCREEN_ID: ["chest_pain"]}, "age": 60}).json()
    assert body["should_stop"] and body["stop"]["code"] == "emergency" and body["question"] is None
    assert body["result"]["triage"] == "emergency"
    assert body["result"]["rules_fired"][0]["id"] == "chest_pain"
    assert body["result"]["evidence"]["answers"]["slurred_speech"] is False  # the unticked signs are no


def test_dont_know_to_everything_asks_at_most_the_maximum(client: TestClient, engine: ddx.Engine) -> None:
    asked, stop, result = _walk_api(client, {}, None, None)
    limit = load_settings(engine.kb).max_questions
    assert stop["code"] == "max_questions" and len(asked) == limit == len(set(asked))
    assert result["triage"] != "self_care"  # with nothing known the advice is never self-care


def test_the_first_question_is_the_emergency_checklist_with_its_items(client: TestClient, engine: ddx.Engine) -> None:
    body = client.post("/diagnosis", json={}).json()
    question = body["question"]
    assert question["id"] == SCREEN_ID and question["kind"] == "checklist" and question["safety"]
    signs = load_settings(engine.kb).screen_signs
    assert [o["id"] for o in question["options"]] == list(signs)
    assert all(o["label"] and o["question"] for o in question["options"])
    assert body["max_questions"] == load_settings(engine.kb).max_questions and not body["should_stop"]


def test_the_result_has_the_documented_keys(client: TestClient) -> None:
    result = client.post("/diagnosis", json={"answers": {"back_pain": "yes"}, "age": "45"}).json()["result"]
    keys = {"schema_version", "kb_version", "disclaimer", "evidence", "differential", "triage", "network_triage"}
    keys |= {"advice", "rules_fired", "next_steps", "probabilities_secondary", "explanation", "intervals"}
    assert keys <= set(result)
    assert result["evidence"]["answers"]["back_pain"] is True and result["evidence"]["age"] == 45


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/diagnosis", {"answers": {"back_painn": 1}}, "unknown evidence id 'back_painn' (did you mean 'back_pain'?)"),
        ("/triage", {"answers": {"back_pain": "maybe"}}, "'maybe' is not an answer"),
        ("/explain", {"answers": {}, "cause": "sciatic"}, "unknown cause 'sciatic' (did you mean 'sciatica'?)"),
        ("/suggest", {"answers": {"leg_painn": True}}, "did you mean 'leg_pain'?"),
        ("/diagnosis", {"answers": {"emergency_screan": []}}, "did you mean 'emergency_screen'?"),
        ("/diagnosis", {"answers": {SCREEN_ID: ["back_pain"]}}, "not an item of the checklist 'emergency_screen'"),
        ("/diagnosis", {"answers": {"back_pain": ["x"]}}, "evidence 'back_pain' takes yes, no or null"),
        ("/diagnosis", {"age": -3}, "age"),
        ("/diagnosis", {"sex": "x"}, "sex"),
        ("/diagnosis", {"answer": {}}, "answer: Extra inputs are not permitted"),
    ],
)
def test_bad_input_is_422_with_the_python_api_message(
    client: TestClient, engine: ddx.Engine, path: str, body: dict, message: str
) -> None:
    response = client.post(path, json=body)
    assert response.status_code == 422
    assert message in response.json()["detail"]
    if path == "/diagnosis" and "answers" in body and "back_painn" in body["answers"]:
        with pytest.raises(ddx.EvidenceError) as raised:
            engine.diagnose(body["answers"])
        assert response.json()["detail"] == str(raised.value)


def test_a_refused_case_that_meets_an_emergency_rule_still_says_so(client: TestClient) -> None:
    response = client.post("/triage", json={"answers": {"chest_pain": True, "back_pain": "maybe"}})
    assert response.status_code == 422
    body = response.json()
    assert body["triage"] == "emergency" and body["error"] == "EmergencyEvidenceError"
    assert body["advice"] and body["rules_fired"][0]["id"] == "chest_pain"


def test_triage_explain_and_suggest(client: TestClient, engine: ddx.Engine) -> None:
    triage = client.post("/triage", json={"answers": SCIATICA, "age": 45}).json()
    assert triage["triage"] == engine.diagnose(SCIATICA, age=45).triage and triage["disclaimer"]
    explained = client.post("/explain", json={"answers": SCIATICA, "cause": "sciatica"}).json()
    assert explained["cause"] == "sciatica" and explained["reasons_for"]
    assert all(r["delta_log_odds"] > 0 and r["citation"] for r in explained["reasons_for"])
    assert {r["evidence_id"] for r in explained["reasons_for"]} <= set(engine.kb.evidence_ids)
    lowered = client.post("/explain", json={"answers": {"resolves_on_moving": True}, "cause": "sciatica"}).json()
    assert all(r["delta_log_odds"] < 0 for r in lowered["reasons_against"])
    top = client.post("/explain", json={"answers": SCIATICA}).json()
    assert top["cause"] == engine.diagnose(SCIATICA).top.id
    suggested = client.post("/suggest", json={"answers": SCIATICA, "k": 3}).json()["questions"]
    expected = engine.next_questions(SCIATICA, k=3)
    assert [q["id"] for q in suggested] == [q.id for q in expected]
    assert all(q["gain"] >= 0 and q["reason"] for q in suggested)


def test_info_and_concepts(client: TestClient, engine: ddx.Engine) -> None:
    info = client.get("/info").json()
    assert info["kb_version"] == engine.kb.kb_version and info["version"] == ddx.__version__
    assert info["counts"]["causes"] == len(engine.kb.causes) and info["disclaimer"]
    assert SCREEN_ID in info["checklists"]
    concepts = client.get("/concepts").json()
    assert [c["id"] for c in concepts] == list(engine.kb.evidence_ids)
    assert all(c["label"] for c in concepts)


def test_a_body_over_the_cap_is_413(client: TestClient) -> None:
    big = {"answers": {"back_pain": True}, "sex": "x" * (MAX_BODY_BYTES + 10)}
    assert client.post("/diagnosis", json=big).status_code == 413

    def chunks():  # no content-length: counted as it arrives
        yield b'{"sex": "'
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b"x" * 1024
        yield b'"}'

    response = client.post("/diagnosis", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and "64 KB" in response.json()["detail"]


def test_nothing_is_kept_or_cached(client: TestClient) -> None:
    response = client.post("/diagnosis", json={"answers": {"chest_pain": True}})
    assert response.headers["cache-control"] == "no-store"
    after = client.post("/diagnosis", json={}).json()
    assert after["result"]["evidence"]["answers"] == {} and after["question"]["id"] == SCREEN_ID


def test_the_page_and_its_files_are_served_and_load_nothing_from_elsewhere(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for name in ("app.js", "app.css"):
        served = client.get(f"/static/{name}")
        assert served.status_code == 200 and "http://" not in served.text and "https://" not in served.text
    assert "http" not in page.text.replace("http-equiv", "")


def test_the_openapi_schema_names_every_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/info", "/concepts", "/diagnosis", "/triage", "/explain", "/suggest"} <= set(paths)


def test_the_result_validates_against_the_shipped_json_schema(client: TestClient) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from ddx.engine.result_dict import result_schema

    for answers in ({}, {"back_pain": True}, {"emergency_screen": ["chest_pain"]}):
        result = client.post("/diagnosis", json={"answers": answers, "age": 40}).json()["result"]
        jsonschema.validate(result, result_schema(result["schema_version"]))


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--port", "0"], "--port m"),
        (["--workers", "0"], "--workers m"),
        (["--cors-origin", "sandbox.cds-hooks.org"], "--cors-origin must be an origin"),
        (["--cors-origin", "https://sandbox.cds-hooks.org/path"], "--cors-origin must be an origin"),
    ],
)
def test_ddx_serve_refuses_a_bad_port_or_worker_count(
    option: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import ddx.cli

    assert ddx.cli.main(["serve", *option]) == 2
    assert message in capsys.readouterr().err


def test_ddx_serve_listens_on_this_machine_only_by_default() -> None:
    from ddx.cli.parser import build_parser

    args = build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1" and args.workers == 1


def test_serve_loads_the_engine_once_and_logs_no_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from ddx.service import server

    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append((app, options)))
    monkeypatch.setenv(server.MODEL_VARIABLE, "")  # serve sets it for its workers; restored after the test
    monkeypatch.setenv(server.CORS_VARIABLE, "")
    server.serve()
    server.serve(port=8123, workers=2)
    (app, options), (target, many) = calls
    assert options["host"] == "127.0.0.1" and options["access_log"] is False
    assert app.title == "ddx"  # one app, its engine loaded before the server starts
    assert target == "ddx.service.server:make_app" and many["factory"] and many["workers"] == 2
    assert many["access_log"] is False and many["port"] == 8123


def test_cors_answers_only_the_origins_named(engine: ddx.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from ddx.service import server

    sandbox = "https://sandbox.cds-hooks.org"
    preflight = {
        "Origin": sandbox,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    open_app = TestClient(create_app(engine, cors_origins=[sandbox]))
    answer = open_app.options("/cds-services/ddx-leg-numbness", headers=preflight)
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == sandbox
    other = open_app.get("/cds-services", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in other.headers
    closed = TestClient(create_app(engine)).get("/cds-services", headers={"Origin": sandbox})
    assert "access-control-allow-origin" not in closed.headers  # none by default
    monkeypatch.setenv(server.CORS_VARIABLE, sandbox)  # how ddx serve --cors-origin reaches its workers
    made = TestClient(server.make_app()).get("/cds-services", headers={"Origin": sandbox})
    assert made.headers["access-control-allow-origin"] == sandbox
